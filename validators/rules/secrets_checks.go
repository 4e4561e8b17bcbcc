package rules

import (
	"bytes"
	"encoding/base64"
)

// The checks that refine the secret rules' matches: published example
// keys, the context a token needs (an assignment, a vault or JWT shape),
// and the words and sequences that mark a value as a name, not a secret.

// publishedExample are API keys published as examples in public SDKs
// (Firebase's Android SDK): not secrets.
var publishedExample = map[string]bool{
	"AIzaSyabcdefghijklmnopqrstuvwxyz1234567": true, "AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs": true,
	"AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM": true, "AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU": true,
	"AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0": true, "AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A": true,
	"AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c": true, "AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4": true,
	"AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY": true, "AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM": true,
	"AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ": true, "AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g": true,
	"AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU": true, "AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw": true,
	"AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE": true, "AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY": true,
	// The npm registry key Yarn publishes in its own configuration.
	"6fe4476ee5a1832882e326b506d14126": true,
}

// assigned reports whether the bytes after a keyword at i can be the end
// of a name, an assignment and a value, as generic-secret's pattern
// needs: one of = : , > within 40 bytes on the line, then (past spaces
// and a quote) at least 16 bytes a secret can hold.
func assigned(data []byte, i int) bool {
	for j := i; j < min(len(data), i+40); j++ {
		op := data[j]
		switch op {
		case '\n':
			return false
		case '=', ':', ',', '>':
		default:
			continue
		}
		k := j + 1
		for k < len(data) && k < j+12 && (data[k] == ' ' || data[k] == '\t' || data[k] == '=' || data[k] == ':' || data[k] == '>' ||
			op == '>' && (data[k] == '\n' || data[k] == '\r')) {
			k++
		}
		if k < len(data) && (data[k] == '"' || data[k] == '\'' || data[k] == '`') {
			k++
		}
		// The value the pattern would take: the run of secret bytes
		// there, of 16 to 128 bytes, with a letter, a digit, at most one
		// dot and the rule's entropy; anything else is never reported.
		n := 0
		var digit, letter bool
		dots := 0
		for k+n < len(data) && n <= 128 && secretByte(data[k+n]) {
			switch c := data[k+n]; {
			case '0' <= c && c <= '9':
				digit = true
			case c == '.':
				dots++
			case c != '_' && c != '-' && c != '+' && c != '/' && c != '=' && c != '~':
				letter = true
			}
			n++
		}
		if n >= 16 && n <= 128 && digit && letter && dots < 2 && Entropy(data[k:k+n]) >= genericEntropy {
			return true
		}
	}
	return false
}

// genericEntropy is the entropy, in bits per byte, that generic-secret's
// value must reach.
const genericEntropy = 3.5

// vaultNear reports whether "s." at i-2 can start a Vault token: s.
// follows a byte that ends a word and 24 letters or digits follow it.
func vaultNear(data []byte, i int) bool {
	if i >= 4 && (hasPrefixFold(data[i-4:], []byte("hvs.")) || hasPrefixFold(data[i-4:], []byte("hvb."))) || i >= 7 && hasPrefixFold(data[i-7:], []byte("atlasv1")) {
		return true
	}
	if i >= 3 && secretByte(data[i-3]) && data[i-3] != '=' {
		return false
	}
	n := 0
	for j := i; j < len(data) && n <= 24; j++ {
		c := data[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			break
		}
		n++
	}
	return n == 24
}

// jwtNear reports whether "ey" at i-2 can start a JWT: 17 letters or
// digits, then a dot.
func jwtNear(data []byte, i int) bool {
	if i >= 4 && (data[i-4] == 'z' || data[i-4] == 'Z') && (data[i-3] == 'x' || data[i-3] == 'X') {
		return true // ZXlK
	}
	j := i
	for j < len(data) && j-i < 4096 {
		c := data[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			break
		}
		j++
	}
	return j-i >= 17 && j < len(data) && data[j] == '.'
}

// jwtShaped accepts a JWT, and a base64 text only if it decodes to one.
func jwtShaped(s []byte) bool {
	if !bytes.HasPrefix(s, []byte("ZXlK")) {
		return true
	}
	clean := bytes.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\\' {
			return -1
		}
		return r
	}, s)
	clean = bytes.TrimRight(clean, "=")
	dec, err := base64.RawStdEncoding.DecodeString(string(clean[:len(clean)/4*4]))
	if err != nil {
		return false
	}
	return bytes.HasPrefix(dec, []byte("eyJ")) && bytes.IndexByte(dec, '.') > 0
}

// publicName reports whether a generic-secret's name says its value is
// not a credential: a public key or token, a database key, a CSRF token,
// a hash, an identifier, a name, a size, a location.
func publicName(name []byte) bool {
	n := bytes.Map(func(r rune) rune {
		switch r {
		case '_', '-', '.', '"', '\'', ' ':
			return -1
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, name)
	for _, w := range []string{"public", "pubkey", "publishable", "primarykey", "foreignkey", "schemakey", "sequencekey",
		"csrf", "xsrf", "keyhash", "keymesh", "keyid", "keyname", "keylength", "keysize", "keycode", "keyboard",
		"keypress", "keydown", "keyup", "keyword", "keypair", "keyring", "apiname", "apiid", "apiversion",
		"secretname", "secretlength", "credentialid", "credentialsid", "author", "rapid", "capital", "monkey", "turkey"} {
		if bytes.Contains(n, []byte(w)) {
			return true
		}
	}
	for _, suf := range []string{"id", "ids", "name", "names", "hash", "url", "uri", "endpoint", "file", "path", "length", "size"} {
		if bytes.HasSuffix(n, []byte(suf)) {
			return true
		}
	}
	return false
}

// fileName reports whether a generic-secret's name is the name of a
// file, as in a list of checksums by path: it ends with the extension of
// a source, asset or document file.
func fileName(name []byte) bool {
	i := bytes.LastIndexByte(name, '.')
	if i <= 0 {
		return false
	}
	switch string(bytes.ToLower(name[i+1:])) {
	case "php", "inc", "js", "mjs", "ts", "css", "scss", "json", "html", "htm", "txt", "md", "xml",
		"svg", "png", "jpg", "jpeg", "gif", "webp", "ico", "woff", "woff2", "ttf", "eot", "mo", "po", "pot", "map":
		return true
	}
	return false
}

// sequential reports whether s holds a run of 8 bytes in alphabet order,
// as alphabets and test strings do and random secrets do not.
func sequential(s []byte) bool {
	run := 1
	for i := 1; i < len(s); i++ {
		if s[i] == s[i-1]+1 {
			run++
			if run >= 8 {
				return true
			}
		} else {
			run = 1
		}
	}
	return false
}

// dottedName reports whether s is a dotted name (window.a, a.b.c), as
// the right side of an assignment in code is.
func dottedName(s []byte) bool {
	parts := bytes.Split(s, []byte("."))
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if len(p) == 0 || !(p[0] == '_' || p[0] == '$' || 'a' <= lower[p[0]] && lower[p[0]] <= 'z') {
			return false
		}
		for _, c := range p {
			if !(c == '_' || c == '$' || 'a' <= lower[c] && lower[c] <= 'z' || '0' <= c && c <= '9') {
				return false
			}
		}
	}
	return true
}

// slug reports whether s looks like an identifier rather than a secret:
// words in one case joined by '-', '_' or '.', such as
// "incorrect-break-multiple-h1".
func slug(s []byte) bool {
	var upper, lowerCase, sep bool
	for _, c := range s {
		switch {
		case 'a' <= c && c <= 'z':
			lowerCase = true
		case 'A' <= c && c <= 'Z':
			upper = true
		case c == '-' || c == '_' || c == '.':
			sep = true
		}
	}
	if !sep || upper && lowerCase {
		return false
	}
	if upper && !lowerCase {
		return true // a constant's name: CRYPTO_BOX_CURVE25519XSALSA20POLY1305
	}
	// Words, not random segments: each part is letters, or short.
	for _, part := range bytes.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		letters := true
		for _, c := range part {
			if !('a' <= lower[c] && lower[c] <= 'z') {
				letters = false
			}
		}
		if !letters && len(part) > 3 {
			return false
		}
	}
	return true
}
