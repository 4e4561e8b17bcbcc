package patch

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const tenLines = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"

const twoHunks = `diff --git a/a.txt b/a.txt
index c9e9e05..061a3ba 100644
--- a/a.txt
+++ b/a.txt
@@ -1,3 +1,3 @@
 one
-two
+TWO
 three
@@ -8,3 +8,3 @@ seven
 eight
-nine
+NINE
 ten
`

const gitMisc = `diff --git a/b.bin b/b.bin
index 87ae6b695deceaf160611414f7dcd5c7366b2e79..22f6b3b038c9c8f81e86f801c481bbf851e477fe 100644
GIT binary patch
literal 8
PcmYew%wtF_sx$%s42c4` + "`" + `

literal 7
OcmYew%wtF_sssQD(E^45

diff --git a/link b/link
new file mode 120000
index 0000000..8d14cbf
--- /dev/null
+++ b/link
@@ -0,0 +1 @@
+a.txt
\ No newline at end of file
diff --git a/old.txt b/new.txt
similarity index 100%
rename from old.txt
rename to new.txt
diff --git a/run.sh b/run.sh
old mode 100644
new mode 100755
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
index 243154c..0000000
--- a/gone.txt
+++ /dev/null
@@ -1,2 +0,0 @@
-keep
-me
diff --git a/sub b/sub
new file mode 160000
index 0000000..0123456
--- /dev/null
+++ b/sub
@@ -0,0 +1 @@
+Subproject commit 0123456789abcdef0123456789abcdef01234567
`

func TestParseAndApply(t *testing.T) {
	t.Parallel()
	files, err := Parse(twoHunks)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("%d files", len(files))
	}
	f := files[0]
	if f.Op != Modify || f.OldPath != "a.txt" || f.NewPath != "a.txt" || f.OldMode != 0o100644 || f.NewMode != 0o100644 || f.Line != 1 || f.ModeChange() {
		t.Errorf("file = %+v", f)
	}
	got, err := f.Apply([]byte(tenLines))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer("two", "TWO", "nine", "NINE").Replace(tenLines)
	if string(got) != want {
		t.Errorf("Apply = %q, want %q", got, want)
	}
}

// TestApplyMismatch checks that a hunk that does not match is refused
// with the hunk's line in the patch, never applied with fuzz or offset.
func TestApplyMismatch(t *testing.T) {
	t.Parallel()
	files, err := Parse(twoHunks)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		old  string
		line int
		msg  string
	}{
		{"second hunk differs", strings.Replace(tenLines, "nine", "nein", 1), 10, "hunk 2 (@@ -8,3 +8,3 @@ seven) does not apply"},
		{"first hunk differs", strings.Replace(tenLines, "two", "zwei", 1), 5, "hunk 1 (@@ -1,3 +1,3 @@) does not apply"},
		{"shifted by one line (no offset)", "zero\n" + tenLines, 5, "hunk 1"},
		{"whitespace differs (no fuzz)", strings.Replace(tenLines, "three", "three ", 1), 5, "hunk 1"},
		{"file too short", "one\ntwo\nthree\n", 10, "hunk 2"},
		{"empty file", "", 5, "hunk 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := files[0].Apply([]byte(tc.old))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Apply = %v, want an *Error", err)
			}
			if pe.Line != tc.line || !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("Apply error = line %d %q, want line %d with %q", pe.Line, pe.Msg, tc.line, tc.msg)
			}
			if !strings.HasPrefix(err.Error(), "patch line ") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestApplyTrailingContent(t *testing.T) {
	t.Parallel()
	// Lines after the last hunk are kept.
	p := "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-x\n+y\n"
	files, err := Parse(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := files[0].Apply([]byte("x\nrest\n"))
	if err != nil || string(got) != "y\nrest\n" {
		t.Errorf("Apply = %q, %v", got, err)
	}
}

func TestParseGitFeatures(t *testing.T) {
	t.Parallel()
	files, err := Parse(gitMisc)
	if err != nil {
		t.Fatal(err)
	}
	type summary struct {
		Op               Op
		Old, New         string
		OldMode, NewMode uint32
		Binary, ModeChg  bool
		Paths            []string
		Line             int
	}
	var got []summary
	for _, f := range files {
		got = append(got, summary{f.Op, f.OldPath, f.NewPath, f.OldMode, f.NewMode, f.Binary, f.ModeChange(), f.Paths(), f.Line})
	}
	want := []summary{
		{Modify, "b.bin", "b.bin", 0o100644, 0o100644, true, false, []string{"b.bin"}, 1},
		{Add, "", "link", 0, 0o120000, false, false, []string{"link"}, 10},
		{Rename, "old.txt", "new.txt", 0, 0, false, false, []string{"old.txt", "new.txt"}, 18},
		{Modify, "run.sh", "run.sh", 0o100644, 0o100755, false, true, []string{"run.sh"}, 22},
		{Delete, "gone.txt", "", 0o100644, 0, false, false, []string{"gone.txt"}, 25},
		{Add, "", "sub", 0, 0o160000, false, false, []string{"sub"}, 33},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}

	// The binary patch applies exactly, and only to its preimage.
	out, err := files[0].Apply([]byte("bin\x00ary"))
	if err != nil || string(out) != "bin\x00ary2" {
		t.Errorf("binary Apply = %q, %v", out, err)
	}
	// A rename without hunks keeps the content.
	if out, err := files[2].Apply([]byte("keep\nme\n")); err != nil || string(out) != "keep\nme\n" {
		t.Errorf("rename Apply = %q, %v", out, err)
	}
	// A deletion leaves nothing.
	if out, err := files[4].Apply([]byte("keep\nme\n")); err != nil || len(out) != 0 {
		t.Errorf("delete Apply = %q, %v", out, err)
	}
	if out, err := files[1].Apply(nil); err != nil || string(out) != "a.txt" {
		t.Errorf("symlink Apply = %q, %v", out, err)
	}
}

func TestParseRenameWithChanges(t *testing.T) {
	t.Parallel()
	p := `diff --git a/src/old name.go b/lib/new.go
similarity index 80%
rename from src/old name.go
rename to lib/new.go
index 1111111..2222222 100644
--- a/src/old name.go
+++ b/lib/new.go
@@ -1 +1 @@
-package old
+package new
`
	files, err := Parse(p)
	if err != nil {
		t.Fatal(err)
	}
	f := files[0]
	if f.Op != Rename || !cmp.Equal(f.Paths(), []string{"src/old name.go", "lib/new.go"}) {
		t.Errorf("file = %+v, paths %q", f, f.Paths())
	}
	if out, err := f.Apply([]byte("package old\n")); err != nil || string(out) != "package new\n" {
		t.Errorf("Apply = %q, %v", out, err)
	}

	cp := "diff --git a/a.go b/b.go\nsimilarity index 100%\ncopy from a.go\ncopy to b.go\n"
	files, err = Parse(cp)
	if err != nil {
		t.Fatal(err)
	}
	if files[0].Op != Copy || !cmp.Equal(files[0].Paths(), []string{"a.go", "b.go"}) {
		t.Errorf("copy = %+v", files[0])
	}
}

// TestParseNamesAsWritten checks that names reach the path rules exactly
// as the patch writes them: never cleaned, quoted names decoded.
func TestParseNamesAsWritten(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		patch string
		paths []string
	}{
		{"dot-dot kept", "diff --git a/x/../.git/config b/x/../.git/config\n--- a/x/../.git/config\n+++ b/x/../.git/config\n@@ -1 +1 @@\n-a\n+b\n", []string{"x/../.git/config"}},
		{"quoted unicode", "diff --git \"a/caf\\303\\251\" \"b/caf\\303\\251\"\nnew file mode 100644\n--- /dev/null\n+++ \"b/caf\\303\\251\"\n@@ -0,0 +1 @@\n+x\n", []string{"caf\u00e9"}},
		{"quoted tab", "diff --git \"a/a\\tb\" \"b/a\\tb\"\nnew file mode 100644\n--- /dev/null\n+++ \"b/a\\tb\"\n@@ -0,0 +1 @@\n+x\n", []string{"a\tb"}},
		{"name with b/ inside", "diff --git a/x b/y b/x b/y\nnew file mode 100644\n--- /dev/null\n+++ b/x b/y\n@@ -0,0 +1 @@\n+x\n", []string{"x b/y"}},
		{"absolute after prefix", "diff --git a//etc/passwd b//etc/passwd\n--- a//etc/passwd\n+++ b//etc/passwd\n@@ -1 +1 @@\n-a\n+b\n", []string{"/etc/passwd"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			files, err := Parse(tc.patch)
			if err != nil {
				t.Fatal(err)
			}
			if got := files[0].Paths(); !cmp.Equal(got, tc.paths) {
				t.Errorf("Paths = %q, want %q", got, tc.paths)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		patch string
		line  int
		msg   string
	}{
		{"empty", "", 0, "patch holds no file changes"},
		{"prose", "hello\nworld\n", 0, "patch holds no file changes"},
		{"no prefixes", "diff --git x y\n--- x\n+++ y\n@@ -1 +1 @@\n-a\n+b\n", 1, "lacks git's a/ and b/ prefixes"},
		{"no-prefix names", "diff --git a/x b/x\n--- x\n+++ x\n@@ -1 +1 @@\n-a\n+b\n", 2, `file name "x" lacks git's "a/" prefix`},
		{"--- names another file", "diff --git a/x b/x\n--- a/.git/config\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", 2, `file name "a/.git/config" does not match the diff --git header`},
		{"+++ names another file", "diff --git a/x b/x\n--- a/x\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n", 3, `file name "b/y" does not match the diff --git header`},
		{"names differ without rename", "diff --git a/x b/y\nindex 1111111..2222222 100644\n", 3, "missing filename information"},
		{"names differ without rename (hunks)", "diff --git a/x b/y\n--- a/x\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n", 1, `header names "x" and "y" differ without a rename`},
		{"plain header without a hunk header", "--- a/x\n+++ b/x\n-a\n+b\n", 0, "patch holds no file changes"},
		{"bad quoting", "diff --git \"a/x b/x\n", 1, "bad quoted name"},
		{"bad hunk header", "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @\n-a\n+b\n", 4, "cannot parse"},
		{"hunk too short", "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-a\n+b\n", 5, "fragment header miscounts lines"},
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

func TestParseTooManyFiles(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := 0; i <= MaxFiles; i++ {
		b.WriteString("diff --git a/x b/x\nold mode 100644\nnew mode 100755\n")
	}
	if _, err := Parse(b.String()); err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Errorf("Parse of %d files = %v", MaxFiles+1, err)
	}
}

// TestUnifiedRoundTrip checks that what Unified prints, Parse reads back
// and Apply turns into the new content.
func TestUnifiedRoundTrip(t *testing.T) {
	t.Parallel()
	many := strings.Repeat("line\n", 50)
	tests := []struct {
		name             string
		old, new         string
		oldMode, newMode uint32
	}{
		{"modify", tenLines, strings.Replace(tenLines, "five", "5", 1), 0o100644, 0o100644},
		{"two hunks", tenLines + many + tenLines, tenLines + many + strings.Replace(tenLines, "ten", "10", 1) + "eleven\n", 0o100644, 0o100644},
		{"add", "", "new\nfile\n", 0, 0o100644},
		{"delete", "old\n", "", 0o100644, 0},
		{"no newline at end", "a\nb", "a\nc", 0o100644, 0o100644},
		{"newline added at end", "a\nb", "a\nb\n", 0o100644, 0o100644},
		{"mode only", "x\n", "x\n", 0o100644, 0o100755},
		{"mode and content", "x\n", "y\n", 0o100644, 0o100755},
		{"replace all", "a\nb\nc\n", "d\ne\n", 0o100644, 0o100644},
		{"insert at start", "b\nc\n", "a\nb\nc\n", 0o100644, 0o100644},
		{"empty to empty with mode", "", "", 0o100644, 0o100755},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text := Unified("d/f.txt", []byte(tc.old), tc.oldMode, []byte(tc.new), tc.newMode)
			files, err := Parse(text)
			if err != nil {
				t.Fatalf("Parse(Unified) = %v\n%s", err, text)
			}
			f := files[0]
			got, err := f.Apply([]byte(tc.old))
			if err != nil {
				t.Fatalf("Apply = %v\n%s", err, text)
			}
			if string(got) != tc.new {
				t.Errorf("Apply = %q, want %q\n%s", got, tc.new, text)
			}
			if tc.newMode != 0 && tc.newMode != tc.oldMode && f.NewMode != tc.newMode {
				t.Errorf("NewMode = %o, want %o", f.NewMode, tc.newMode)
			}
		})
	}
	if got := Unified("f", []byte("x"), 0o100644, []byte("x"), 0o100644); got != "" {
		t.Errorf("Unified of equal files = %q", got)
	}
	if got := Unified("f", []byte("a\x00"), 0o100644, []byte("b\x00"), 0o100644); !strings.Contains(got, "Binary files differ") {
		t.Errorf("Unified of binary files = %q", got)
	}
}
