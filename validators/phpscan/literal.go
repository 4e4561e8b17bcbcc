package phpscan

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// unquote returns the value of a T_CONSTANT_ENCAPSED_STRING token.
func unquote(lit string) string {
	if lit != "" && (lit[0] == 'b' || lit[0] == 'B') {
		lit = lit[1:]
	}
	if len(lit) < 2 {
		return ""
	}
	q := lit[0]
	body := lit[1 : len(lit)-1]
	if q == '\'' {
		if strings.IndexByte(body, '\\') < 0 {
			return body
		}
		var b strings.Builder
		for i := 0; i < len(body); i++ {
			if body[i] == '\\' && i+1 < len(body) && (body[i+1] == '\\' || body[i+1] == '\'') {
				i++
			}
			b.WriteByte(body[i])
		}
		return b.String()
	}
	return unescape(body, true)
}

// unescape decodes the escapes of double-quoted PHP text (quoted: the
// text is in "..." where \" is an escape; in a heredoc it is not).
func unescape(s string, quoted bool) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'v':
			b.WriteByte('\v')
		case 'e':
			b.WriteByte(0x1b)
		case 'f':
			b.WriteByte('\f')
		case '\\', '$':
			b.WriteByte(e)
		case '"':
			if !quoted {
				b.WriteByte('\\')
			}
			b.WriteByte('"')
		case 'x', 'X':
			j := i + 1
			for j < len(s) && j < i+3 && isHexDigit(s[j]) {
				j++
			}
			if j == i+1 {
				b.WriteByte('\\')
				b.WriteByte(e)
				continue
			}
			v, _ := strconv.ParseUint(s[i+1:j], 16, 8)
			b.WriteByte(byte(v))
			i = j - 1
		case 'u':
			if i+1 < len(s) && s[i+1] == '{' {
				if end := strings.IndexByte(s[i:], '}'); end > 0 {
					if v, err := strconv.ParseUint(s[i+2:i+end], 16, 32); err == nil && v <= utf8.MaxRune {
						b.WriteRune(rune(v))
						i += end
						continue
					}
				}
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		default:
			if e >= '0' && e <= '7' {
				j := i
				for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(s[i:j], 8, 16)
				b.WriteByte(byte(v))
				i = j - 1
				continue
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String()
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
