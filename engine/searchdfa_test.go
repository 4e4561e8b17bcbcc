package engine

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dfaSeeds are patterns and texts for the line automaton: assertions,
// case folding, runes of several bytes, bytes that are not UTF-8, empty
// lines and matches, and the patterns of the benchmarks.
var dfaSeeds = []struct{ pattern, data string }{
	{`[a-z][0-9][a-z][0-9]`, "a1b2\nab12\nx a1b2c3\n\n"},
	{`^ab$`, "ab\nab\r\nabc\n xab\nab"},
	{`\bfoo\b`, "foo\nfood\n_foo\nfoo.\né foo\n"},
	{`\Bo\B`, "foo\no\nxox\n"},
	{`(?i)k+`, "\u212a\nK\nk\nx\n"},
	{`(?i)ſ`, "s\nS\n\u017f\n"},
	{`\x{FFFD}`, "a\xffb\n\xef\xbf\xbd\n\xe2\x82\n"},
	{`[^a]`, "a\n\xff\né\naa\n"},
	{`.`, "\n\xc3\n\xc3\xa9\n"},
	{`(?s).`, "\n\n"},
	{`x*`, "\n\nx"},
	{``, "a\n\n"},
	{`$`, "\n"},
	{`^`, "a"},
	{`é[0-9]`, "é1\ne1\n\xc3\n"},
	{`[α-ω]{2}\d`, "αβ1\nα1\n"},
	{`\s\S`, "a b\nab\n\t\n"},
	{`(a|b)*c(d|e)`, "ababcd\nce\nc\n"},
	{`\A\d+\z`, "123\n12a\n"},
	{`[[:^alpha:]]{2}`, "ab\n12\n"},
	{`(?m)^\w+$`, "abc\na b\n"},
}

// TestLineDFA checks the automaton on the seeds: the lines it lets
// through hold every line the regexp matches.
func TestLineDFA(t *testing.T) {
	for _, s := range dfaSeeds {
		t.Run(s.pattern, func(t *testing.T) {
			checkLineDFA(t, s.pattern, []byte(s.data))
		})
	}
}

// TestLineDFASkips checks that the automaton does skip lines, so that
// the regexp is not run on every line.
func TestLineDFASkips(t *testing.T) {
	d := newLineDFA(`[a-z][0-9][a-z][0-9]`)
	data := []byte(strings.Repeat("func helper12(x int) int { return x * 3 }\n", 100) + "a1b2\n")
	at := d.next(data, 0)
	if want := len(data) - len("a1b2\n"); at < want {
		t.Fatalf("next = %d, want a line from %d", at, want)
	}
	if d.failed {
		t.Fatal("the automaton gave up")
	}
}

// TestLineDFAGivesUp checks that a pattern whose automaton would grow
// past its bounds is matched line by line, with the same reply.
func TestLineDFAGivesUp(t *testing.T) {
	// The automaton of a[ab]{20} remembers the last 21 bytes: up to 2^21
	// states over random lines.
	pattern := `a[ab]{20}c`
	rng := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	for range 2000 {
		for range 60 {
			sb.WriteByte("ab"[rng.IntN(2)])
		}
		sb.WriteString("c\n")
	}
	d := checkLineDFA(t, pattern, []byte(sb.String()))
	if !d.failed {
		t.Fatalf("the automaton has %d states and did not give up", len(d.states))
	}
}

// FuzzSearchDFA checks that the line automaton never loses a match: a
// searcher skipping the lines it rules out finds exactly the matches of
// matching every line, for any pattern (docs/spec.md 4.10).
func FuzzSearchDFA(f *testing.F) {
	for _, s := range dfaSeeds {
		f.Add(s.pattern, []byte(s.data))
	}
	f.Fuzz(func(t *testing.T, pattern string, data []byte) {
		if len(pattern) > 256 {
			return
		}
		if _, err := regexp.Compile(pattern); err != nil {
			return
		}
		checkLineDFA(t, pattern, data)
	})
}

// checkLineDFA compares a searcher that uses the automaton of pattern
// with the regexp matched against every line of data.
func checkLineDFA(t *testing.T, pattern string, data []byte) *lineDFA {
	t.Helper()
	re := regexp.MustCompile(pattern)
	d := newLineDFA(pattern)
	if d == nil {
		t.Fatalf("pattern %q: no automaton", pattern)
	}
	var fast, slow SearchReply
	okFast := (&searcher{re: re, dfa: d}).scan("f", data, &fast)
	line := 1
	okSlow := true
	for start := 0; start < len(data); line++ {
		end := len(data)
		if i := slices.Index(data[start:], '\n'); i >= 0 {
			end = start + i
		}
		if loc := re.FindIndex(data[start:end]); loc != nil {
			if len(slow.Matches) == MaxSearchMatches {
				okSlow = false
				break
			}
			slow.Matches = append(slow.Matches, SearchMatch{Path: "f", Line: line, Column: loc[0] + 1, Text: lineText(data[start:end], loc[0])})
		}
		start = end + 1
	}
	if okFast != okSlow || !slices.Equal(fast.Matches, slow.Matches) {
		t.Fatalf("pattern %q on %q: with the automaton %v (%v), every line %v (%v)", pattern, data, fast.Matches, okFast, slow.Matches, okSlow)
	}
	return d
}

// BenchmarkScan compares, side by side on the same files, matching every
// line with the regexp against the searcher's prefilters (needles, class
// run, line automaton), over 1 MB and 10 MB of the Go-like text of
// BenchmarkSearch, for each kind of pattern.
func BenchmarkScan(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	files := make([][]byte, 10000)
	for i := range files {
		var sb strings.Builder
		fmt.Fprintf(&sb, "package pkg%02d\n\n", i%100)
		for sb.Len() < 1000 {
			fmt.Fprintf(&sb, "func helper%d(x int) int { return x * %d } // value_%03d\n", rng.IntN(100000), rng.IntN(1000), rng.IntN(1000))
		}
		files[i] = []byte(sb.String())
	}
	for _, pat := range []struct{ name, re string }{
		{"literal", `value_99[0-9] `},
		{"class-run", `[a-z]{7}[0-9]{6}`},
		{"no-prefilter", `[a-z][0-9][a-z][0-9]`},
		{"common-literal", `return x.* 7[0-9]{3}`},
	} {
		re := regexp.MustCompile(pat.re)
		for _, n := range []int{1000, 10000} {
			for _, kind := range []string{"lines", "prefiltered"} {
				b.Run(fmt.Sprintf("%s/%dMB/%s", pat.name, n/1000, kind), func(b *testing.B) {
					b.SetBytes(int64(n) * 1000)
					for range b.N {
						s := &searcher{re: re}
						if kind == "prefiltered" {
							s = newSearcher(re, pat.re)
						}
						var reply SearchReply
						for _, data := range files[:n] {
							if !s.scan("f", data, &reply) {
								break
							}
						}
					}
				})
			}
		}
	}
}
