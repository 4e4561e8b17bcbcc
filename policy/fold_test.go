package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/architectos/aos"
)

// TestFoldedRulesMostRestrictive: a path spelled as a checkout that
// ignores case and trailing dots and spaces may store it is judged at
// least as strictly as the path it aliases, whatever the globs (of the
// shapes manifests use: names, *, **, ?, alternatives, classes), and
// both are judged alike when one is the other's fold (docs/spec.md 4.2).
func TestFoldedRulesMostRestrictive(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"src", "Config", "private", "app.ini", "key.pem", "README.md", "ſecret", "K", "x.PHP", "dir"}
	pick := func() string { return names[rng.IntN(len(names))] }
	glob := func() string {
		var segs []string
		for n := 1 + rng.IntN(3); n > 0; n-- {
			switch rng.IntN(7) {
			case 0:
				segs = append(segs, "**")
			case 1:
				segs = append(segs, "*")
			case 2:
				segs = append(segs, "*."+strings.ToLower(pick()[:1])+"*")
			case 3:
				segs = append(segs, "{"+pick()+","+pick()+"}")
			case 4:
				s := pick()
				segs = append(segs, "["+strings.ToUpper(s[:1])+strings.ToLower(s[:1])+"]"+s[1:])
			default:
				segs = append(segs, pick())
			}
		}
		return strings.Join(segs, "/")
	}
	// variant spells p as another path with the same fold: letters in
	// another case, a trailing dot or space on a segment.
	variant := func(p string) string {
		segs := strings.Split(p, "/")
		for i, s := range segs {
			var b strings.Builder
			for _, r := range s {
				if rng.IntN(2) == 0 {
					if u := unicode.ToUpper(r); u != r {
						r = u
					} else {
						r = unicode.ToLower(r)
					}
				}
				b.WriteRune(r)
			}
			switch rng.IntN(4) {
			case 0:
				b.WriteString(".")
			case 1:
				b.WriteString(" ")
			}
			segs[i] = b.String()
		}
		return strings.Join(segs, "/")
	}
	strict := func(d *Denial) int {
		switch {
		case d == nil:
			return 0
		case d.Rule == aos.RuleWorkspaceNotWritable:
			return 1
		}
		return 2
	}
	checked := 0
	for i := 0; i < 3000; i++ {
		ws := aos.Workspace{ReadOnly: []string{glob()}, Writable: []string{glob(), "**"}, Ignored: []string{glob()}}
		r, err := NewRules(ws, "aos.yaml")
		if err != nil {
			continue
		}
		var segs []string
		for n := 1 + rng.IntN(3); n > 0; n-- {
			segs = append(segs, pick())
		}
		p := strings.Join(segs, "/")
		for _, q := range []string{p, FoldPath(p)} {
			v := variant(q)
			if CheckPath(v) != nil || FoldPath(v) != FoldPath(q) {
				continue
			}
			checked++
			if !r.Visible(q) && r.Visible(v) {
				t.Fatalf("%+v: %q is ignored, %q, the same file where case is ignored, is not", ws, q, v)
			}
			if strict(r.CanWrite(v)) < strict(r.CanWrite(q)) {
				t.Fatalf("%+v: %q is %+v, %q only %+v", ws, q, r.CanWrite(q), v, r.CanWrite(v))
			}
		}
		// A path and its fold are judged alike where folding changes
		// nothing the globs could tell apart.
		if f := FoldPath(p); CheckPath(f) == nil && r.Visible(p) != r.Visible(f) && r.Visible(f) {
			t.Fatalf("%+v: %q is ignored, its fold %q is not", ws, p, f)
		}
	}
	if checked < 3000 {
		t.Fatalf("only %d variants checked", checked)
	}
}

// TestFoldedIsItsFold: the check that spares most paths the rune by rune
// fold says a path is folded only where the fold leaves it as it is,
// over every string of up to four characters of an alphabet of the
// characters folding treats apart.
func TestFoldedIsItsFold(t *testing.T) {
	t.Parallel()
	alphabet := []string{"a", "Z", "/", ".", " ", ":", "\\", "~", "é", "\u200c", "K"}
	var walk func(s string, n int)
	spared := 0
	walk = func(s string, n int) {
		if folded(s) {
			spared++
			var segs []string
			for _, seg := range strings.Split(s, "/") {
				segs = append(segs, foldSlow(seg))
			}
			if got := strings.Join(segs, "/"); got != s || foldSlow(s) != s {
				t.Fatalf("folded(%q), and its fold is %q (as one segment %q)", s, got, foldSlow(s))
			}
		}
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			walk(s+c, n-1)
		}
	}
	walk("", 4)
	if spared < 100 {
		t.Errorf("folded spares %d strings", spared)
	}
}
