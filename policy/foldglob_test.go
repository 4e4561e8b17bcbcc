package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/bmatcuk/doublestar/v4"
)

// spellings returns every spelling of p that case folding takes to the
// same fold, letter by letter (at most limit of them).
func spellings(p string, limit int) []string {
	out := []string{""}
	for _, r := range p {
		orbit := []rune{r}
		for o := unicode.SimpleFold(r); o != r; o = unicode.SimpleFold(o) {
			orbit = append(orbit, o)
		}
		var next []string
		for _, s := range out {
			for _, o := range orbit {
				if len(next) < limit {
					next = append(next, s+string(o))
				}
			}
		}
		out = next
	}
	return out
}

// TestFoldGlobOracle checks the folded globs against doublestar as
// written: a folded glob matches a folded path exactly when the glob
// matches some spelling of the path, for globs with literal letters,
// positive and negated classes, ranges across cases, escapes and
// alternatives, and names with the Kelvin sign and the long s.
func TestFoldGlobOracle(t *testing.T) {
	t.Parallel()
	globs := []string{
		"src/[!a]*", "src/[^a]*", "src/[!aA]*", "src/[!A]*", "src/[A-C]*", "src/[A-c]*", "src/[!A-Z]*",
		"src/[!a-z]*", "src/[kK]", "src/[!k]", "src/[!K]", "src/[!\u212a]", "src/[s]*", "src/[!S]*",
		"src/[!ſ]*", "src/\\[a]", "src/\\A*", "src/{[!a],b}*", "**/[!x-zX]?", "src/[a\\-]*", "src/[!-]*",
		"src/Conf[!I]g/*", "[!s]rc/**", "src/[!ab]", "src/[!aAbB]",
	}
	alphabet := []string{"a", "A", "b", "B", "k", "K", "\u212a", "s", "S", "ſ", "x", "Y", "-", "[", "]", "c", "D"}
	rng := rand.New(rand.NewPCG(3, 4))
	var paths []string
	for i := 0; i < 400; i++ {
		var b strings.Builder
		for n := 1 + rng.IntN(3); n > 0; n-- {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		dir := "src/"
		if rng.IntN(4) == 0 {
			dir = "SRC/"
		}
		paths = append(paths, dir+b.String())
	}
	paths = append(paths, "src/a", "src/A", "src/Config/x", "src/ConfIg/x", "src/config/x", "src/[a]", "src/a-")
	for _, g := range globs {
		if !doublestar.ValidatePattern(g) {
			t.Fatalf("test glob %q is malformed", g)
		}
		fg := foldGlob(g)
		if !doublestar.ValidatePattern(fg) {
			t.Fatalf("foldGlob(%q) = %q, malformed", g, fg)
		}
		for _, p := range paths {
			want := false
			for _, s := range spellings(p, 1<<12) {
				if ok, _ := doublestar.Match(g, s); ok {
					want = true
					break
				}
			}
			got, _ := doublestar.Match(fg, FoldPath(p))
			if got != want {
				t.Errorf("glob %q (folded %q) on %q (folded %q): folded match %v, some spelling matches %v", g, fg, p, FoldPath(p), got, want)
			}
		}
	}
}

// TestFoldedNegatedClass: under a negated class, the spelling that the
// glob as written leaves out is still judged under it (ignored, or
// read-only) when another spelling of it is matched.
func TestFoldedNegatedClass(t *testing.T) {
	t.Parallel()
	fs, err := CompileFoldedGlobs([]string{"src/[^a]*"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"src/A", "src/a", "src/b"} {
		if _, ok := fs.Match(p); !ok {
			t.Errorf("%s: not matched by src/[^a]*, which matches its spelling src/%s", p, strings.ToUpper(p[4:]))
		}
	}
}
