package engine

import (
	"regexp"
	"slices"
	"testing"
)

// FuzzSearchNeedles checks that the needles a searcher skips ahead to
// never lose a match: searching with them finds exactly the matches of
// matching every line (docs/spec.md 4.10).
func FuzzSearchNeedles(f *testing.F) {
	for _, s := range []struct{ pattern, data string }{
		{`value_99[0-9] `, "x value_990 y\nvalue_99\nvalue_991 \n"},
		{`foo|bar`, "a\nbar\nfoo bar\n"},
		{`(?i)hello`, "HeLLo\nhelo\nHELLO world\n"},
		{`(?i)k`, "\u212a\nK\nk\n"},
		{`(?i)s+t`, "\u017ft\nST\n"},
		{`\x{FFFD}`, "a\xffb\n\xef\xbf\xbd\n"},
		{`^ab$`, "ab\nab\r\nabc\n"},
		{`a\nb`, "a\nb\n"},
		{`(ab){2,}c|d(e|f)`, "ababc\ndf\nde\nabc\n"},
		{`x*`, "\n\n"},
		{``, "a"},
		{`(?i)ǅ`, "ǆ\nǄ\n"},
		{`[a-z]{7}[0-9]{6}`, "abcdefg123456\nabc123\nxyzxyzx1234567\n"},
		{`x[0-9]{3,}y`, "x12y\nx123y\n\n12\n345\n"},
		{`(?i)[k-m]{3}`, "\u212akl\nKLM\n"},
		{`[^a]{4}`, "\xff\xfe\xfd\xfc\nbbbb\n"},
		{`[\n0-9]{3}`, "1\n23\n456\n"},
		{`\d{3}|[a-z]{4}`, "12\nabcd\n123\n"},
	} {
		f.Add(s.pattern, []byte(s.data))
	}
	f.Fuzz(func(t *testing.T, pattern string, data []byte) {
		if len(pattern) > MaxSearchPattern {
			return
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		var fast, slow SearchReply
		okFast := newSearcher(re, pattern).scan("f", data, &fast)
		okSlow := (&searcher{re: re}).scan("f", data, &slow)
		if okFast != okSlow || !slices.Equal(fast.Matches, slow.Matches) {
			t.Fatalf("pattern %q: with needles %v (%v), without %v (%v)", pattern, fast.Matches, okFast, slow.Matches, okSlow)
		}
		// And the line scan agrees with the regexp on each line.
		line := 1
		var want []SearchMatch
		for start := 0; start < len(data); line++ {
			end := len(data)
			if i := slices.Index(data[start:], '\n'); i >= 0 {
				end = start + i
			}
			if loc := re.FindIndex(data[start:end]); loc != nil && len(want) < MaxSearchMatches {
				want = append(want, SearchMatch{Path: "f", Line: line, Column: loc[0] + 1, Text: lineText(data[start:end], loc[0])})
			}
			start = end + 1
		}
		if !slices.Equal(slow.Matches, want) {
			t.Fatalf("pattern %q: scan %v, lines %v", pattern, slow.Matches, want)
		}
	})
}
