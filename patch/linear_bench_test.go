package patch

import (
	"fmt"
	"strings"
	"testing"

	"github.com/architectos/aos/internal/cputime"
)

// BenchmarkLinearPatch parses and applies patches at n and 10n, shaped the
// worst way for the parser and for applying: many hunks in one file, one
// huge hunk, many files, one very long line, long paths; and diffs files
// (DIFF's Unified) with one change or a change every few lines. The ratio
// of the two sizes of a shape must be about 10 (docs/RATIONALE.md,
// "Linear costs").
//
//	go test -run '^$' -bench Linear -benchtime 3x ./patch
func BenchmarkLinearPatch(b *testing.B) {
	type input struct {
		patch string
		old   map[string][]byte
	}
	shapes := []struct {
		name string
		n    int
		make func(n int) input
	}{
		{"many hunks", 1000, func(n int) input {
			var old, p strings.Builder
			for i := 0; i < 10*n; i++ {
				fmt.Fprintf(&old, "line %d\n", i)
			}
			p.WriteString("diff --git a/f b/f\n--- a/f\n+++ b/f\n")
			for i := 0; i < n; i++ {
				l := 10*i + 5
				fmt.Fprintf(&p, "@@ -%d +%d @@\n-line %d\n+LINE %d\n", l+1, l+1, l, l)
			}
			return input{p.String(), map[string][]byte{"f": []byte(old.String())}}
		}},
		{"one huge hunk", 10000, func(n int) input {
			var old, p strings.Builder
			p.WriteString("diff --git a/f b/f\n--- a/f\n+++ b/f\n")
			fmt.Fprintf(&p, "@@ -1,%d +1,%d @@\n", n, n)
			for i := 0; i < n; i++ {
				fmt.Fprintf(&old, "line %d\n", i)
				fmt.Fprintf(&p, "-line %d\n+LINE %d\n", i, i)
			}
			return input{p.String(), map[string][]byte{"f": []byte(old.String())}}
		}},
		{"many files", 1000, func(n int) input {
			var p strings.Builder
			for i := 0; i < n; i++ {
				fmt.Fprintf(&p, "diff --git a/d/f%06d b/d/f%06d\nnew file mode 100644\n--- /dev/null\n+++ b/d/f%06d\n@@ -0,0 +1 @@\n+x\n", i, i, i)
			}
			return input{p.String(), nil}
		}},
		{"one long line", 100000, func(n int) input {
			long := strings.Repeat("x", 10*n)
			p := "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-" + long + "\n+" + long + "y\n"
			return input{p, map[string][]byte{"f": []byte(long + "\n")}}
		}},
		{"long paths", 100, func(n int) input {
			var p strings.Builder
			dir := strings.Repeat("directory-name/", 200)
			for i := 0; i < n; i++ {
				f := fmt.Sprintf("%sf%06d", dir, i)
				fmt.Fprintf(&p, "diff --git a/%s b/%s\nnew file mode 100644\n--- /dev/null\n+++ b/%s\n@@ -0,0 +1 @@\n+x\n", f, f, f)
			}
			return input{p.String(), nil}
		}},
	}
	for _, sh := range shapes {
		for _, n := range []int{sh.n, 10 * sh.n} {
			in := sh.make(n)
			b.Run(fmt.Sprintf("parse and apply, %s/n=%d", sh.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(in.patch)))
				cputime.Loop(b, func() {
					files, err := Parse(in.patch)
					if err != nil {
						b.Fatal(err)
					}
					for _, f := range files {
						if _, err := f.Apply(in.old[f.OldPath]); err != nil {
							b.Fatal(err)
						}
					}
				})
			})
		}
	}
	for _, sh := range []struct {
		name  string
		n     int
		every int // a changed line every that many; 0: one change
	}{{"one change", 100000, 0}, {"a change every 10 lines", 10000, 10}} {
		for _, n := range []int{sh.n, 10 * sh.n} {
			var old, cur strings.Builder
			for i := 0; i < n; i++ {
				fmt.Fprintf(&old, "line %d\n", i)
				if (sh.every == 0 && i == n/2) || (sh.every > 0 && i%sh.every == 0) {
					fmt.Fprintf(&cur, "changed %d\n", i)
				} else {
					fmt.Fprintf(&cur, "line %d\n", i)
				}
			}
			a, c := []byte(old.String()), []byte(cur.String())
			b.Run(fmt.Sprintf("unified diff, %s/n=%d", sh.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(a)))
				cputime.Loop(b, func() { Unified("f", a, 0o100644, c, 0o100644) })
			})
		}
	}
}
