package patch

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParsePlain reads plain unified diffs (no "diff --git" line): those
// whose names say which path they change are read as git's, the others
// are refused with the header line to write.
func TestParsePlain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		patch string
		op    Op
		paths []string
		line  int // of the file, in the original text
	}{
		{"a/ and b/ names", "--- a/src/x.go\n+++ b/src/x.go\n@@ -1 +1 @@\n-a\n+b\n", Modify, []string{"src/x.go"}, 1},
		{"the same name twice", "--- src/x.go\n+++ src/x.go\n@@ -1 +1 @@\n-a\n+b\n", Modify, []string{"src/x.go"}, 1},
		{"the same name, dated", "--- src/x.go\t2026-01-02 03:04:05.000000000 +0000\n+++ src/x.go\t2026-01-02 03:05:05.000000000 +0000\n@@ -1 +1 @@\n-a\n+b\n", Modify, []string{"src/x.go"}, 1},
		{"an .orig pair", "--- src/x.go.orig\t2026-01-02 03:04:05.000000000 +0000\n+++ src/x.go\t2026-01-02 03:05:05.000000000 +0000\n@@ -1 +1 @@\n-a\n+b\n", Modify, []string{"src/x.go"}, 1},
		{"a name twice that starts with a/", "--- a/x\n+++ a/x\n@@ -1 +1 @@\n-a\n+b\n", Modify, []string{"a/x"}, 1},
		{"added from /dev/null", "--- /dev/null\n+++ src/new.txt\n@@ -0,0 +1 @@\n+n\n", Add, []string{"src/new.txt"}, 1},
		{"added, dated at the epoch (diff -N)", "--- src/new.txt\t1970-01-01 00:00:00.000000000 +0000\n+++ src/new.txt\t2026-01-02 03:05:05.000000000 +0000\n@@ -0,0 +1 @@\n+n\n", Add, []string{"src/new.txt"}, 1},
		{"added, epoch in another zone", "--- src/new.txt\t1969-12-31 19:00:00.000000000 -0500\n+++ src/new.txt\t2026-01-02 03:05:05.000000000 -0500\n@@ -0,0 +1 @@\n+n\n", Add, []string{"src/new.txt"}, 1},
		{"deleted to /dev/null", "--- src/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-o\n", Delete, []string{"src/old.txt"}, 1},
		{"after a preamble", "Index: src/x.go\n===================================================================\n--- src/x.go\n+++ src/x.go\n@@ -1 +1 @@\n-a\n+b\n", Modify, []string{"src/x.go"}, 3},
		{"a quoted name", "--- \"src/a\\tb\"\n+++ \"src/a\\tb\"\n@@ -1 +1 @@\n-a\n+b\n", Modify, []string{"src/a\tb"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			files, err := Parse(tc.patch)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != 1 {
				t.Fatalf("%d files", len(files))
			}
			f := files[0]
			if f.Op != tc.op || !cmp.Equal(f.Paths(), tc.paths) || f.Line != tc.line {
				t.Errorf("got %s %q at line %d, want %s %q at line %d", f.Op, f.Paths(), f.Line, tc.op, tc.paths, tc.line)
			}
			if f.Op != Add && (f.OldMode != 0 || f.NewMode != 0) {
				t.Errorf("modes %o %o, want unknown: a plain header has none", f.OldMode, f.NewMode)
			}
			if f.Op == Add && f.NewMode != 0o100644 {
				t.Errorf("added with mode %o", f.NewMode)
			}
		})
	}
}

// TestParsePlainRefused refuses plain headers whose names do not say which
// path they change, naming the line to write, at the "---" line.
func TestParsePlainRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		patch string
		line  int
		msg   string
	}{
		{"names differ", "--- old.txt\n+++ new.txt\n@@ -1 +1 @@\n-a\n+b\n", 1,
			`the file names "old.txt" and "new.txt" do not say which path the patch changes (they differ): write the line "diff --git a/new.txt b/new.txt" above this one`},
		{"diff -ru of two trees", "diff -ru old/src/x.go new/src/x.go\n--- old/src/x.go\t2026-01-02 03:04:05.000000000 +0000\n+++ new/src/x.go\t2026-01-02 03:05:05.000000000 +0000\n@@ -1 +1 @@\n-a\n+b\n", 2,
			`write the line "diff --git a/src/x.go b/src/x.go" above this one`},
		{"a new file named b/...", "--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+n\n", 1,
			`(b/ may be git's prefix or a directory): write the line "diff --git a/x b/x"`},
		{"a deleted file named a/...", "--- a/x\n+++ /dev/null\n@@ -1 +0,0 @@\n-o\n", 1,
			`(a/ may be git's prefix or a directory)`},
		{"a second file that is ambiguous", "--- x\n+++ x\n@@ -1 +1 @@\n-a\n+b\n--- y\n+++ z\n@@ -1 +1 @@\n-a\n+b\n", 6, `"y" and "z"`},
		{"both /dev/null", "--- /dev/null\n+++ /dev/null\n@@ -0,0 +0,0 @@\n", 1, "both file names are /dev/null"},
		{"a bad hunk, at its own line", "--- x\n+++ x\n@@ -1 +1 @\n-a\n+b\n", 3, "cannot parse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tc.patch)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, want an *Error", err)
			}
			if pe.Line != tc.line || !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("Parse error = line %d %q, want line %d with %q", pe.Line, pe.Msg, tc.line, tc.msg)
			}
		})
	}
}

// TestParsePlainHunkLines does not mistake removed and added lines that
// look like file headers ("--- x", "+++ y") inside a hunk for one, since
// hunks are read by their line counts.
func TestParsePlainHunkLines(t *testing.T) {
	t.Parallel()
	p := "--- doc.md\n+++ doc.md\n@@ -1 +1 @@\n--- old rule\n+++ new rule\n@@ -5 +5 @@\n-x\n+y\n"
	files, err := Parse(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("%d files, want 1", len(files))
	}
	got, err := files[0].Apply([]byte("-- old rule\nkeep\nc\nd\nx\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "++ new rule\nkeep\nc\nd\ny\n"; string(got) != want {
		// The first hunk replaces "-- old rule" with "++ new rule".
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestParsePlainMixed reads a git file and a plain one in one patch, each
// at its own line.
func TestParsePlainMixed(t *testing.T) {
	t.Parallel()
	p := "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+b\n--- b.txt\n+++ b.txt\n@@ -1 +1 @@\n-a\n+b\n"
	files, err := Parse(p)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.NewPath)
	}
	if !cmp.Equal(got, []string{"a.txt", "b.txt"}) || files[0].Line != 1 || files[1].Line != 7 || files[1].hunks[0] != 9 {
		t.Errorf("files %q at lines %d, %d (hunk %d)", got, files[0].Line, files[1].Line, files[1].hunks[0])
	}
}

// TestParsePlainDiffOracle makes patches with diff -u itself (GNU
// diffutils), for changed, added (diff -N) and deleted files, and checks
// that applying them gives what diff saw.
func TestParsePlainDiffOracle(t *testing.T) {
	t.Parallel()
	diff, err := exec.LookPath("diff")
	if err != nil {
		t.Fatal("diff (GNU diffutils) is needed: ", err)
	}
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"
	changed := "one\n2\nthree\nfour\nfive\nsix\nseven\neight\n9\nten\neleven"
	write("src/app.txt.orig", old)
	write("src/app.txt", changed)
	write("src/same.txt", old)
	write("src/new.txt", "fresh\n")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(diff, args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && ee.ExitCode() == 1 {
			return string(out) // files differ
		}
		t.Fatalf("diff %v: %v", args, err)
		return ""
	}
	tests := []struct {
		name, patch string
		path        string
		from, to    string
	}{
		{"diff -u file.orig file", run("-u", "src/app.txt.orig", "src/app.txt"), "src/app.txt", old, changed},
		{"diff -uN of a missing and a new file", run("-uN", "src/gone.txt", "src/new.txt"), "src/new.txt", "", "fresh\n"},
		{"diff -uN of a file that was deleted", run("-uN", "src/same.txt", "src/gone.txt"), "", "", ""},
		{"diff -u of two names", run("-u", "src/same.txt", "src/app.txt"), "", "", ""},
		{"diff -uN of a file that is new", run("-uN", "src/new.txt.orig", "src/new.txt"), "src/new.txt", "", "fresh\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files, err := Parse(tc.patch)
			if tc.path == "" {
				switch {
				case strings.Contains(tc.patch, "+++ src/gone.txt"):
					// A deletion of src/same.txt.
					if err != nil || len(files) != 1 || files[0].Op != Delete || files[0].OldPath != "src/same.txt" {
						t.Fatalf("Parse(%q) = %+v, %v, want the deletion of src/same.txt", tc.patch, files, err)
					}
				case err == nil:
					// src/same.txt and src/app.txt: no way to tell.
					t.Fatalf("Parse(%q) = %+v, want the names refused", tc.patch, files)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.patch, err)
			}
			if len(files) != 1 || files[0].NewPath != tc.path {
				t.Fatalf("Parse(%q) = %+v", tc.patch, files)
			}
			got, err := files[0].Apply([]byte(tc.from))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.to {
				t.Errorf("applied: %q, want %q", got, tc.to)
			}
		})
	}
}
