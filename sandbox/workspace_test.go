package sandbox

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// onlyFS hides every method of an fs.FS but Open, such as ReadLink.
type onlyFS struct{ fs.FS }

func testTree() fstest.MapFS {
	return fstest.MapFS{
		"README.md":           {Data: []byte("# readme\n"), Mode: 0o644},
		"bin/run.sh":          {Data: []byte("#!/bin/sh\necho run\n"), Mode: 0o755},
		"bin/user-exec-only":  {Data: []byte("x"), Mode: 0o700},
		"src/a/b/c/deep.go":   {Data: []byte("package c\n"), Mode: 0o600},
		"src/empty":           {Data: nil, Mode: 0o644},
		"emptydir":            {Mode: fs.ModeDir | 0o755},
		"link-to-readme":      {Data: []byte("README.md"), Mode: fs.ModeSymlink | 0o777},
		"src/link-to-passwd":  {Data: []byte("/etc/passwd"), Mode: fs.ModeSymlink | 0o777},
		"src/a/link-up-a-dir": {Data: []byte("../../bin"), Mode: fs.ModeSymlink | 0o777},
	}
}

// treeOf describes the tree under dir: one line per entry with its kind,
// permission bits and content or link target, never following symlinks.
func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			got[rel] = "link " + target
		case fi.IsDir():
			got[rel] = "dir " + fi.Mode().Perm().String()
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			got[rel] = "file " + fi.Mode().Perm().String() + " " + string(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestMaterialize(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"README.md":          "file -rw-r--r-- # readme\n",
		"bin":                "dir -rwxr-xr-x",
		"bin/run.sh":         "file -rwxr-xr-x #!/bin/sh\necho run\n",
		"bin/user-exec-only": "file -rwxr-xr-x x",
		"src":                "dir -rwxr-xr-x",
		"src/a":              "dir -rwxr-xr-x",
		"src/a/b":            "dir -rwxr-xr-x",
		"src/a/b/c":          "dir -rwxr-xr-x",
		"src/a/b/c/deep.go":  "file -rw-r--r-- package c\n",
		"src/empty":          "file -rw-r--r-- ",
		"emptydir":           "dir -rwxr-xr-x",
	}
	links := map[string]string{
		"link-to-readme":      "link README.md",
		"src/link-to-passwd":  "link /etc/passwd",
		"src/a/link-up-a-dir": "link ../../bin",
	}
	withLinks := map[string]string{}
	for k, v := range files {
		withLinks[k] = v
	}
	for k, v := range links {
		withLinks[k] = v
	}
	tests := []struct {
		name string
		fsys fs.FS
		want map[string]string
	}{
		{"with symlinks", testTree(), withLinks},
		{"without ReadLinkFS", onlyFS{testTree()}, files},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dst := filepath.Join(t.TempDir(), "ws")
			if err := Materialize(context.Background(), dst, tc.fsys); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, treeOf(t, dst)); diff != "" {
				t.Errorf("tree (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMaterializeRefuses(t *testing.T) {
	t.Parallel()
	t.Run("non-empty destination", func(t *testing.T) {
		t.Parallel()
		dst := t.TempDir()
		if err := os.WriteFile(filepath.Join(dst, "old"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := Materialize(context.Background(), dst, testTree()); err == nil {
			t.Error("materialized into a non-empty directory")
		}
	})
	t.Run("device file", func(t *testing.T) {
		t.Parallel()
		fsys := fstest.MapFS{"dev": {Mode: fs.ModeDevice | 0o644}}
		if err := Materialize(context.Background(), filepath.Join(t.TempDir(), "ws"), fsys); err == nil {
			t.Error("materialized a device")
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := Materialize(ctx, filepath.Join(t.TempDir(), "ws"), testTree())
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	})
}

func TestCollectOutputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, data string, perm os.FileMode) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), perm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, perm); err != nil {
			t.Fatal(err)
		}
	}
	write("dist/app", "ELF", 0o755)
	write("dist/lib/util.js", "js", 0o644)
	write("dist/notes.txt", "notes", 0o600)
	write("src/main.go", "package main", 0o644)
	write("big/blob.bin", strings.Repeat("x", 1000), 0o644)
	if err := os.Mkdir(filepath.Join(dir, "dist", "emptydir"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A directory symlink that a following walk would descend into.
	if err := os.Symlink("../src", filepath.Join(dir, "dist", "srclink")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		globs []string
		max   int64
		want  []Output
		err   error // nil: success
	}{
		{
			name:  "nested globs",
			globs: []string{"dist/**/*.js", "dist/app", "src/*.go"},
			max:   1 << 20,
			want: []Output{
				{Path: "dist/app", Content: []byte("ELF"), Executable: true},
				{Path: "dist/lib/util.js", Content: []byte("js")},
				{Path: "src/main.go", Content: []byte("package main")},
			},
		},
		{
			name:  "directories are passed over, directory symlinks are not walked",
			globs: []string{"dist/emptydir", "dist/srclink/**/*.go", "dist/*.txt"},
			max:   1 << 20,
			want:  []Output{{Path: "dist/notes.txt", Content: []byte("notes")}},
		},
		{name: "nothing matches", globs: []string{"out/**"}, max: 1 << 20},
		{name: "symlink output", globs: []string{"dist/**"}, max: 1 << 20, err: ErrOutputSymlink},
		{name: "over the cap", globs: []string{"big/*", "dist/app"}, max: 1002, err: ErrOutputTooLarge},
		{
			name: "at the cap", globs: []string{"big/*", "dist/app"}, max: 1003,
			want: []Output{
				{Path: "big/blob.bin", Content: []byte(strings.Repeat("x", 1000))},
				{Path: "dist/app", Content: []byte("ELF"), Executable: true},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := CollectOutputs(dir, tc.globs, tc.max)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("error %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := CollectOutputs(dir, []string{"dist/[a"}, 1<<20); err == nil {
		t.Error("a bad glob was accepted")
	}
}

// TestSymlinkOutputFromJob has a real job plant a symlink to a host file
// where an output is expected: it must be reported, and the host file must
// not be read.
func TestSymlinkOutputFromJob(t *testing.T) {
	t.Parallel()
	b := backendNamed(t, "bwrap")
	s := b.spec(t, "mkdir -p out && ln -s /etc/passwd out/result.txt && echo real > out/other.txt")
	res := mustRun(t, s)
	if !res.OK() {
		t.Fatalf("exit %d:\n%s", res.ExitCode, res.Output)
	}
	outs, err := CollectOutputs(s.Dir, []string{"out/*.txt"}, 1<<20)
	if !errors.Is(err, ErrOutputSymlink) || !strings.Contains(err.Error(), "out/result.txt") {
		t.Errorf("error %v, want ErrOutputSymlink for out/result.txt", err)
	}
	for _, o := range outs {
		if strings.Contains(string(o.Content), "root:") {
			t.Errorf("the host's /etc/passwd was read as %s", o.Path)
		}
	}
}

// TestMaterializedWorkspaceRuns materialises a tree and runs a script from
// it, so that the executable bit is known to survive into a sandbox.
func TestMaterializedWorkspaceRuns(t *testing.T) {
	t.Parallel()
	b := backendNamed(t, "bwrap")
	s := b.spec(t, "./bin/run.sh && cat link-to-readme")
	s.Dir = filepath.Join(s.Dir, "ws")
	if err := Materialize(context.Background(), s.Dir, testTree()); err != nil {
		t.Fatal(err)
	}
	res := mustRun(t, s)
	if got := string(res.Output); got != "run\n# readme\n" || !res.OK() {
		t.Errorf("exit %d, output %q", res.ExitCode, got)
	}
}
