// Package signers reads OpenSSH allowed_signers files, the list of keys
// git's gpg.ssh.allowedSignersFile trusts (ssh-keygen(1), "ALLOWED
// SIGNERS"), and lists of public keys such as gpg.ssh.revocationFile.
// It checks them, so that a line ssh-keygen would skip (a typo in an
// option, a truncated key) is an error when the file is installed rather
// than a key silently not trusted. It verifies nothing: signatures are
// checked by git and ssh-keygen.
//
// It links only the standard library, so that its fuzz target runs
// thousands of times a second.
package signers

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
)

// Entry is one line of an allowed signers file.
type Entry struct {
	Line int // 1-based
	// Principals is the principals field, unquoted: a comma-separated
	// pattern list.
	Principals string
	// Options are the options as written (keywords in any case), or "".
	Options string
	// CertAuthority, Namespaces, ValidAfter and ValidBefore are the
	// options' values.
	CertAuthority           bool
	Namespaces              string
	ValidAfter, ValidBefore string
	Key                     Key
}

// Key is a public key as OpenSSH writes it: type, base64 blob, comment.
type Key struct {
	Type    string
	Blob    []byte
	Comment string
}

// Fingerprint is the key's SHA256 fingerprint as ssh-keygen -l and git
// (%GF) print it.
func (k Key) Fingerprint() string {
	sum := sha256.Sum256(k.Blob)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// String is the key as a line of an authorized_keys or .pub file,
// without its comment.
func (k Key) String() string { return k.Type + " " + base64.StdEncoding.EncodeToString(k.Blob) }

// Error is a line that ssh-keygen would not read.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// keyTypes are the key types OpenSSH reads, certificates included.
var keyTypes = map[string]bool{
	"ssh-ed25519": true, "ssh-rsa": true, "ssh-dss": true,
	"ecdsa-sha2-nistp256": true, "ecdsa-sha2-nistp384": true, "ecdsa-sha2-nistp521": true,
	"sk-ssh-ed25519@openssh.com": true, "sk-ecdsa-sha2-nistp256@openssh.com": true,
	"ssh-ed25519-cert-v01@openssh.com": true, "ssh-rsa-cert-v01@openssh.com": true, "ssh-dss-cert-v01@openssh.com": true,
	"ecdsa-sha2-nistp256-cert-v01@openssh.com": true, "ecdsa-sha2-nistp384-cert-v01@openssh.com": true,
	"ecdsa-sha2-nistp521-cert-v01@openssh.com": true, "sk-ssh-ed25519-cert-v01@openssh.com": true,
	"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com": true,
}

// maxFile bounds the size of a file read here.
const maxFile = 4 << 20

// ParseAllowed parses an allowed signers file: every line that is not
// empty or a comment must be "principals [options] keytype base64
// [comment]", as ssh-keygen reads it. It returns every line's error, not
// only the first.
func ParseAllowed(data []byte) ([]Entry, []*Error) {
	if len(data) > maxFile {
		return nil, []*Error{{Line: 0, Msg: fmt.Sprintf("the file is larger than %d bytes", maxFile)}}
	}
	var entries []Entry
	var errs []*Error
	for i, line := range lines(data) {
		n := i + 1
		rest := strings.TrimLeft(line, " \t")
		if rest == "" || rest[0] == '#' {
			continue
		}
		e, err := parseAllowedLine(rest)
		if err != "" {
			errs = append(errs, &Error{Line: n, Msg: err})
			continue
		}
		e.Line = n
		entries = append(entries, e)
	}
	return entries, errs
}

// ParseKeys parses a list of public keys, one per line ("keytype base64
// [comment]", as in a .pub file), with empty lines and comments.
func ParseKeys(data []byte) ([]Key, []*Error) {
	if len(data) > maxFile {
		return nil, []*Error{{Line: 0, Msg: fmt.Sprintf("the file is larger than %d bytes", maxFile)}}
	}
	var keys []Key
	var errs []*Error
	for i, line := range lines(data) {
		rest := strings.TrimLeft(line, " \t")
		if rest == "" || rest[0] == '#' {
			continue
		}
		k, _, err := parseKey(rest)
		if err != "" {
			errs = append(errs, &Error{Line: i + 1, Msg: err})
			continue
		}
		keys = append(keys, k)
	}
	return keys, errs
}

// IsKRL reports whether data is an OpenSSH key revocation list (ssh-keygen
// -k), a binary format that revocation files may use instead of keys.
func IsKRL(data []byte) bool { return bytes.HasPrefix(data, []byte("SSHKRL\n\x00")) }

// lines splits data at newlines; a last line without one counts.
func lines(data []byte) []string {
	s := strings.Split(string(data), "\n")
	if len(s) > 0 && s[len(s)-1] == "" {
		s = s[:len(s)-1]
	}
	return s
}

func parseAllowedLine(line string) (Entry, string) {
	var e Entry
	principals, rest, msg := field(line)
	if msg != "" {
		return e, "principals: " + msg
	}
	if principals == "" {
		return e, "no principals"
	}
	e.Principals = principals
	rest = strings.TrimLeft(rest, " \t")
	if rest == "" {
		return e, "missing key"
	}
	if typ, _, _ := strings.Cut(rest, " "); !keyTypes[strings.SplitN(typ, "\t", 2)[0]] {
		// Not a key: options first, up to the first space outside
		// quotes.
		opts, after, msg := options(rest)
		if msg != "" {
			return e, msg
		}
		e.Options = opts
		if msg := e.setOptions(opts); msg != "" {
			return e, "bad options: " + msg
		}
		rest = strings.TrimLeft(after, " \t")
		if rest == "" {
			return e, "missing key"
		}
	}
	k, _, msg := parseKey(rest)
	if msg != "" {
		return e, msg
	}
	e.Key = k
	return e, ""
}

// field reads a field that may be in double quotes, as OpenSSH's
// strdelimw does, and returns it and what follows.
func field(s string) (string, string, string) {
	if strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return "", "", "missing end quote"
		}
		val, rest := s[1:1+end], s[2+end:]
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			return "", "", "text after the end quote"
		}
		return val, rest, ""
	}
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, "", ""
	}
	return s[:i], s[i:], ""
}

// options reads the options field: everything up to the first space or
// tab outside double quotes.
func options(s string) (string, string, string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted && i+1 < len(s) && s[i+1] == '"':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ' ' || c == '\t'):
			return s[:i], s[i:], ""
		}
	}
	if quoted {
		return "", "", "invalid options"
	}
	return s, "", ""
}

// setOptions reads the comma-separated options of an allowed signer.
func (e *Entry) setOptions(opts string) string {
	seen := map[string]bool{}
	for opts != "" {
		var opt string
		quoted := false
		i := 0
		for ; i < len(opts); i++ {
			if opts[i] == '"' {
				quoted = !quoted
			}
			if opts[i] == ',' && !quoted {
				break
			}
		}
		opt, opts = opts[:i], opts[i:]
		opts = strings.TrimPrefix(opts, ",")
		name, val, hasVal := strings.Cut(opt, "=")
		name = strings.ToLower(name)
		if seen[name] {
			return "duplicate option " + name
		}
		seen[name] = true
		switch name {
		case "cert-authority":
			if hasVal {
				return "cert-authority takes no value"
			}
			e.CertAuthority = true
			continue
		case "namespaces", "valid-after", "valid-before":
		default:
			return "unknown key option " + strings.ToLower(opt)
		}
		if !hasVal || !strings.HasPrefix(val, `"`) {
			return "missing start quote"
		}
		if len(val) < 2 || !strings.HasSuffix(val, `"`) || strings.Contains(val[1:len(val)-1], `"`) {
			return "missing end quote"
		}
		v := val[1 : len(val)-1]
		switch name {
		case "namespaces":
			if v == "" {
				return "empty namespaces"
			}
			e.Namespaces = v
		case "valid-after":
			if !timestamp(v) {
				return `invalid "valid-after" time`
			}
			e.ValidAfter = v
		case "valid-before":
			if !timestamp(v) {
				return `invalid "valid-before" time`
			}
			e.ValidBefore = v
		}
	}
	return ""
}

// timestamp reports whether s is YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z].
func timestamp(s string) bool {
	s = strings.TrimSuffix(s, "Z")
	switch len(s) {
	case 8, 12, 14:
	default:
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	month, day := atoi(s[4:6]), atoi(s[6:8])
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return false
	}
	if len(s) >= 12 && (atoi(s[8:10]) > 23 || atoi(s[10:12]) > 59) {
		return false
	}
	return len(s) < 14 || atoi(s[12:14]) <= 60
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// parseKey reads "keytype base64 [comment]": the blob must decode and
// name the same key type, as OpenSSH's sshkey_read requires.
func parseKey(s string) (Key, string, string) {
	typ, rest, ok := cutSpace(s)
	if !ok || !keyTypes[typ] {
		return Key{}, "", "invalid key"
	}
	rest = strings.TrimLeft(rest, " \t")
	b64, comment, _ := cutSpace(rest)
	blob, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(blob) < 4 {
		return Key{}, "", "invalid key"
	}
	if !wellFormed(typ, blob) {
		return Key{}, "", "invalid key"
	}
	return Key{Type: typ, Blob: blob, Comment: strings.TrimSpace(comment)}, comment, ""
}

// wellFormed reports whether a key blob is the SSH wire encoding of a key
// of type typ: its strings, in the number each type has, and nothing
// after them (RFC 4253 6.6, RFC 5656 3.1, RFC 8709 4, PROTOCOL.u2f).
// Certificates are checked for their type only: their fields are not all
// strings.
func wellFormed(typ string, blob []byte) bool {
	var fields [][]byte
	for rest := blob; len(rest) > 0; {
		if len(rest) < 4 {
			return false
		}
		n := binary.BigEndian.Uint32(rest)
		if uint64(n) > uint64(len(rest)-4) {
			if strings.HasSuffix(typ, "-cert-v01@openssh.com") && len(fields) > 0 {
				return true
			}
			return false
		}
		fields = append(fields, rest[4:4+n])
		rest = rest[4+n:]
		if strings.HasSuffix(typ, "-cert-v01@openssh.com") && len(fields) == 2 {
			return string(fields[0]) == typ
		}
	}
	if len(fields) == 0 || string(fields[0]) != typ {
		return false
	}
	curve := func(name string) bool {
		c, _ := strings.CutPrefix(name, "ecdsa-sha2-")
		return len(fields) > 1 && string(fields[1]) == c
	}
	switch typ {
	case "ssh-ed25519":
		return len(fields) == 2 && len(fields[1]) == 32
	case "sk-ssh-ed25519@openssh.com":
		return len(fields) == 3 && len(fields[1]) == 32
	case "ssh-rsa":
		return len(fields) == 3
	case "ssh-dss":
		return len(fields) == 5
	case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
		return len(fields) == 3 && curve(typ)
	case "sk-ecdsa-sha2-nistp256@openssh.com":
		return len(fields) == 4 && string(fields[1]) == "nistp256"
	}
	return false
}

func cutSpace(s string) (string, string, bool) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, "", s != ""
	}
	return s[:i], s[i:], true
}
