package aos

import (
	"strings"
	"unicode/utf8"
)

// Text output (docs/spec.md 1) shows strings that plans, patches, pushed
// trees and modules control: paths, messages that quote them, goals, job
// output. A terminal acts on some of their characters (newline, carriage
// return, ESC sequences), and so does a CI runner that reads the output:
// GitHub Actions runs a line starting with "::" (after white space, which
// it trims) as a workflow command, and "##[command]" anywhere in a line
// (the runner's older syntax). Quote and Sanitize make such strings inert,
// so that no line of text output says what a plan wrote.

// Quote returns path p as git quotes paths (quote_c_style, with
// core.quotePath on): unchanged when it holds nothing to escape, else in
// double quotes with C escapes (\n, \t, \", \\) and octal escapes for
// other control bytes and every byte of a non-ASCII character. Beyond
// git, it quotes a path that would start a workflow command (leading
// "::") and escapes the second '#' of "##[" (as \043), which git's own
// unquoting reads back unchanged.
func Quote(p string) string {
	if !needsQuote(p) {
		return p
	}
	var b strings.Builder
	b.Grow(len(p) + 2)
	b.WriteByte('"')
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			writeCEscape(&b, c)
		case c >= 0x80:
			writeOctal(&b, c)
		case c == '#' && i > 0 && p[i-1] == '#' && i+1 < len(p) && p[i+1] == '[':
			writeOctal(&b, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func needsQuote(p string) bool {
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c >= 0x80 || c == '"' || c == '\\' {
			return true
		}
	}
	return strings.Contains(p, "##[") || strings.HasPrefix(strings.TrimLeft(p, " "), "::")
}

// Sanitize returns free text (a message, a goal, a line of job output)
// with what a terminal or CI runner would act on escaped, and the rest,
// non-ASCII letters included, as it is: control characters as C or octal
// escapes (\n, \r, \t, \033), the Unicode line and paragraph separators,
// NEL and the bidirectional controls (which reorder what a reader sees) as
// \u escapes, invalid UTF-8 as octal escapes, and "##[" as "#\043[". The
// result is one line.
func Sanitize(s string) string {
	if !needsSanitize(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			writeOctal(&b, s[i])
		case r < 0x20 || r == 0x7f:
			writeCEscape(&b, byte(r))
		case isInvisibleControl(r):
			const hex = "0123456789abcdef"
			b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hex[(r>>shift)&0xf])
			}
		case r == '#' && i > 0 && s[i-1] == '#' && strings.HasPrefix(s[i:], "#["):
			writeOctal(&b, '#')
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsSanitize(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size <= 1) || r < 0x20 || r == 0x7f || isInvisibleControl(r) {
			return true
		}
		i += size
	}
	return strings.Contains(s, "##[")
}

// isInvisibleControl reports C1 controls, NEL, the line and paragraph
// separators and the bidirectional formatting characters.
func isInvisibleControl(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x200e || r == 0x200f, r >= 0x2028 && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x061c:
		return true
	}
	return false
}

func writeCEscape(b *strings.Builder, c byte) {
	switch c {
	case '\a':
		b.WriteString(`\a`)
	case '\b':
		b.WriteString(`\b`)
	case '\t':
		b.WriteString(`\t`)
	case '\n':
		b.WriteString(`\n`)
	case '\v':
		b.WriteString(`\v`)
	case '\f':
		b.WriteString(`\f`)
	case '\r':
		b.WriteString(`\r`)
	default:
		writeOctal(b, c)
	}
}

func writeOctal(b *strings.Builder, c byte) {
	b.WriteByte('\\')
	b.WriteByte('0' + c>>6)
	b.WriteByte('0' + (c>>3)&7)
	b.WriteByte('0' + c&7)
}
