package policy

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxClassSpan is the widest range of a glob's class whose runes
// foldGlob lists one by one; a wider one is kept as written, with its
// folded ends.
const maxClassSpan = 1 << 12

// foldGlob returns the glob that matches a folded path ([FoldPath])
// exactly when g, as written, matches some spelling of that path that
// folds to it: a path is judged under a rule any of its aliases matches
// (docs/spec.md 4.2). Letters fold as in FoldPath, and so do the runes of
// a class: [A-C] becomes [abc]. A negated class matches a folded rune
// when some spelling of it is outside the class, so [!a] matches a,
// since A is not a: folding the class as written ([!a] refusing a and A
// alike) would leave src/a unmatched beside src/A, which the glob
// matches. Escapes are kept, and the NTFS stream suffix and the trailing
// dots and spaces FoldPath drops from a segment are dropped where they
// are literal.
func foldGlob(g string) string {
	segs := strings.Split(g, "/")
	for i, s := range segs {
		segs[i] = foldGlobSegment(s)
	}
	return strings.Join(segs, "/")
}

func foldGlobSegment(seg string) string {
	var b strings.Builder
	literalEnd := 0 // the end of b before its trailing literal dots and spaces
	for i := 0; i < len(seg); {
		r, n := utf8.DecodeRuneInString(seg[i:])
		switch {
		case r == '\\' && i+n < len(seg):
			e, m := utf8.DecodeRuneInString(seg[i+n:])
			b.WriteByte('\\')
			b.WriteRune(foldRune(e))
			i += n + m
			literalEnd = b.Len()
			continue
		case r == '[':
			class, m, ok := foldClass(seg[i:])
			if !ok {
				// Malformed: left as written, for CheckGlob to refuse.
				return seg
			}
			b.WriteString(class)
			i += m
			literalEnd = b.Len()
			continue
		case r == ':':
			// An NTFS stream: what follows is no part of the name.
			return trimGlobTail(b.String(), literalEnd)
		case hfsIgnorable(r):
		case r == '.' || r == ' ':
			b.WriteRune(r)
		default:
			b.WriteRune(foldRune(r))
			literalEnd = b.Len()
		}
		i += n
	}
	return trimGlobTail(b.String(), literalEnd)
}

// trimGlobTail drops the literal dots and spaces ending a folded segment
// (those after end), as FoldPath drops them from a name; a segment that
// is nothing else keeps them ("..").
func trimGlobTail(s string, end int) string {
	if end == 0 {
		return s
	}
	return s[:end]
}

// foldClass folds the class that s starts with ("[...]") and returns it
// with the bytes it took; ok is false when the class does not end.
func foldClass(s string) (class string, n int, ok bool) {
	i := 1
	negate := i < len(s) && (s[i] == '!' || s[i] == '^')
	if negate {
		i++
	}
	var runes []rune   // the runes the class lists, ranges spelled out
	var wide [][2]rune // ranges too wide to spell out
	readRune := func() (rune, bool) {
		if i >= len(s) {
			return 0, false
		}
		r, m := utf8.DecodeRuneInString(s[i:])
		i += m
		if r == '\\' {
			if i >= len(s) {
				return 0, false
			}
			r, m = utf8.DecodeRuneInString(s[i:])
			i += m
		}
		return r, true
	}
	first := true
	for {
		if i >= len(s) {
			return "", 0, false
		}
		if s[i] == ']' && !first {
			i++
			break
		}
		first = false
		lo, ok := readRune()
		if !ok {
			return "", 0, false
		}
		if i+1 < len(s) && s[i] == '-' && s[i+1] != ']' {
			i++
			hi, ok := readRune()
			if !ok {
				return "", 0, false
			}
			if hi-lo > maxClassSpan {
				wide = append(wide, [2]rune{lo, hi})
				continue
			}
			for r := lo; r <= hi; r++ {
				runes = append(runes, r)
			}
			continue
		}
		runes = append(runes, lo)
	}
	in := func(r rune) bool {
		if slices.Contains(runes, r) {
			return true
		}
		for _, w := range wide {
			if w[0] <= r && r <= w[1] {
				return true
			}
		}
		return false
	}
	folded := map[rune]bool{}
	for _, r := range runes {
		folded[foldRune(r)] = true
	}
	var out []rune
	for f := range folded {
		if !negate {
			out = append(out, f)
			continue
		}
		// A negated class matches f unless every spelling of f is in
		// the class.
		all := in(f)
		for o := unicode.SimpleFold(f); o != f && all; o = unicode.SimpleFold(o) {
			all = in(o)
		}
		if all {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	var b strings.Builder
	b.WriteByte('[')
	if negate {
		b.WriteByte('!')
	}
	if len(out) == 0 && len(wide) == 0 {
		if !negate {
			return "", 0, false // cannot be: a class lists a rune
		}
		// Nothing is refused: any rune but the separator.
		b.WriteString("/]")
		return b.String(), i, true
	}
	for _, r := range out {
		writeClassRune(&b, r)
	}
	for _, w := range wide {
		// Kept as written, and with its ends folded, when it is not
		// negated; a negated wide range is kept as written.
		writeClassRune(&b, w[0])
		b.WriteByte('-')
		writeClassRune(&b, w[1])
		if lo, hi := foldRune(w[0]), foldRune(w[1]); !negate && lo <= hi && (lo != w[0] || hi != w[1]) {
			writeClassRune(&b, lo)
			b.WriteByte('-')
			writeClassRune(&b, hi)
		}
	}
	b.WriteByte(']')
	return b.String(), i, true
}

func writeClassRune(b *strings.Builder, r rune) {
	switch r {
	case ']', '\\', '-', '!', '^', '[':
		b.WriteByte('\\')
	}
	b.WriteRune(r)
}
