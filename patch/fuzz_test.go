package patch

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// vectorPatches returns the patches of the plan vectors
// (testdata/plans/vectors), cut out of their YAML block scalars.
func vectorPatches(f *testing.F) []string {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "plans", "vectors", "*.txtar"))
	var out []string
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range ar.Files {
			if af.Name != "plan.yaml" {
				continue
			}
			for _, block := range strings.Split(string(af.Data), "    patch: |")[1:] {
				var b strings.Builder
				for _, l := range strings.Split(block, "\n")[1:] {
					if !strings.HasPrefix(l, "      ") && l != "" {
						break
					}
					b.WriteString(strings.TrimPrefix(l, "      ") + "\n")
				}
				out = append(out, b.String())
			}
		}
	}
	return out
}

// FuzzParse parses arbitrary text as a patch and applies each parsed file
// to a few old contents: neither may panic, a parse error is an *Error,
// and every path Parse returns was written in the text.
func FuzzParse(f *testing.F) {
	seeds := vectorPatches(f)
	if len(seeds) == 0 {
		f.Fatal("no patches in the plan vectors")
	}
	for _, s := range seeds {
		f.Add(s, []byte("one\ntwo\n"))
	}
	f.Add("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", []byte("a\n"))
	// Plain headers, as diff -u writes them.
	f.Add("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", []byte("a\n"))
	f.Add("--- x.orig\t2026-01-02 03:04:05.000000000 +0000\n+++ x\t2026-01-02 03:04:06.000000000 +0000\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n", []byte("a\nb\n"))
	f.Add("--- /dev/null\n+++ new\n@@ -0,0 +1 @@\n+n\n\\ No newline at end of file\n--- old\n+++ old\n@@ -1 +1 @@\n--- x\n+++ y\n", []byte("-- x\n"))
	f.Fuzz(func(t *testing.T, text string, old []byte) {
		files, err := Parse(text)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse error %T %v is not an *Error", err, err)
			}
			return
		}
		lines := strings.Count(text, "\n") + 1
		for _, pf := range files {
			if pf.Line < 1 || pf.Line > lines {
				t.Fatalf("file at line %d of a %d-line patch", pf.Line, lines)
			}
			for _, p := range pf.Paths() {
				if p == "" || !strings.Contains(text, p) {
					t.Fatalf("path %q does not appear in the patch", p)
				}
			}
			for _, o := range [][]byte{old, nil, {}, bytes.Repeat(old, 3)} {
				if _, err := pf.Apply(o); err != nil {
					if _, ok := err.(*Error); !ok {
						t.Fatalf("Apply error %T %v is not an *Error", err, err)
					}
				}
			}
		}
	})
}
