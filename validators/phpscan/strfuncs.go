package phpscan

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"io"
	"strconv"
	"strings"
)

// PHP's own string and decoding functions, computed as PHP computes
// them, for folding.

func replaceFold(s, old, new string) string {
	lo, lold := strings.ToLower(s), strings.ToLower(old)
	var b strings.Builder
	for {
		i := strings.Index(lo, lold)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(new)
		s, lo = s[i+len(old):], lo[i+len(old):]
	}
}

// phpBase64 decodes as PHP's base64_decode does by default: bytes outside
// the alphabet are skipped, padding is optional.
func phpBase64(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			b = append(b, c)
		} else if c == '=' {
			break
		}
	}
	if len(b)%4 == 1 {
		b = b[:len(b)-1]
	}
	out, err := base64.RawStdEncoding.DecodeString(string(b))
	if err != nil {
		return ""
	}
	return string(out)
}

func rot13(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = 'a' + (c-'a'+13)%26
		case c >= 'A' && c <= 'Z':
			b[i] = 'A' + (c-'A'+13)%26
		}
	}
	return string(b)
}

// inflate decompresses, within the file's folding budget.
func (a *analyzer) inflate(name, s string) (string, bool) {
	var r io.Reader
	in := strings.NewReader(s)
	switch name {
	case "gzinflate":
		r = flate.NewReader(in)
	case "gzuncompress":
		z, err := zlib.NewReader(in)
		if err != nil {
			return "", false
		}
		r = z
	case "gzdecode":
		z, err := gzip.NewReader(in)
		if err != nil {
			return "", false
		}
		r = z
	default:
		if z, err := zlib.NewReader(in); err == nil {
			r = z
		} else if z, err := gzip.NewReader(strings.NewReader(s)); err == nil {
			r = z
		} else {
			r = flate.NewReader(strings.NewReader(s))
		}
	}
	limit := int64(min(maxKnown, max(a.budget, 0)))
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, limit+1))
	if n > limit || n == 0 && err != nil {
		return "", false
	}
	return buf.String(), true
}

func uudecode(s string) string {
	var out []byte
	for _, line := range strings.Split(s, "\n") {
		if line == "" || line == "`" {
			continue
		}
		n := int((line[0] - ' ') & 63)
		line = line[1:]
		var b []byte
		for i := 0; i+3 < len(line)+3 && len(b) < n; i += 4 {
			var q [4]byte
			for j := 0; j < 4; j++ {
				if i+j < len(line) {
					q[j] = (line[i+j] - ' ') & 63
				}
			}
			b = append(b, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2, q[2]<<6|q[3])
		}
		if len(b) > n {
			b = b[:n]
		}
		out = append(out, b...)
	}
	return string(out)
}

func sprintf(format string, vals []value) (string, bool) {
	var b strings.Builder
	arg := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(format) {
			return "", false
		}
		switch format[i] {
		case '%':
			b.WriteByte('%')
		case 's', 'd', 'c':
			if arg >= len(vals) || !vals[arg].known {
				return "", false
			}
			v := vals[arg]
			arg++
			switch format[i] {
			case 's':
				b.WriteString(v.s)
			case 'd':
				k, ok := v.int()
				if !ok {
					return "", false
				}
				b.WriteString(strconv.FormatInt(k, 10))
			case 'c':
				k, ok := v.int()
				if !ok {
					return "", false
				}
				b.WriteByte(byte(k))
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

func stripslashes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == '0' {
				b.WriteByte(0)
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func entities(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			b.WriteByte(s[i])
			continue
		}
		end := strings.IndexByte(s[i:], ';')
		if end < 0 || end > 10 {
			b.WriteByte('&')
			continue
		}
		ent := s[i+1 : i+end]
		var r string
		switch {
		case ent == "lt":
			r = "<"
		case ent == "gt":
			r = ">"
		case ent == "amp":
			r = "&"
		case ent == "quot":
			r = "\""
		case ent == "apos" || ent == "#39":
			r = "'"
		case strings.HasPrefix(ent, "#x") || strings.HasPrefix(ent, "#X"):
			if k, err := strconv.ParseUint(ent[2:], 16, 8); err == nil {
				r = string([]byte{byte(k)})
			}
		case strings.HasPrefix(ent, "#"):
			if k, err := strconv.ParseUint(ent[1:], 10, 8); err == nil {
				r = string([]byte{byte(k)})
			}
		}
		if r == "" {
			b.WriteByte('&')
			continue
		}
		b.WriteString(r)
		i += end
	}
	return b.String()
}

// pregEval reports whether a PHP regular expression carries the e
// modifier.
func pregEval(re string) bool {
	re = strings.TrimLeft(re, " \t\n\r\v\f")
	if len(re) < 2 {
		return false
	}
	open := re[0]
	closer := open
	switch open {
	case '(':
		closer = ')'
	case '{':
		closer = '}'
	case '[':
		closer = ']'
	case '<':
		closer = '>'
	}
	if open >= 'a' && open <= 'z' || open >= 'A' && open <= 'Z' || open >= '0' && open <= '9' || open == '\\' {
		return false
	}
	end := strings.LastIndexByte(re, closer)
	if end <= 0 {
		return false
	}
	mods := re[end+1:]
	return strings.IndexByte(mods, 'e') >= 0 && strings.Trim(mods, "imsxuADSUXJne\n\r\t ") == ""
}
