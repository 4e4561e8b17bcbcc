package gitops

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func run(t *testing.T, dir string, env []string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestBuildTreeMatchesGit applies random sets of changes (adds, edits,
// deletes, mode changes, files replacing directories and back) with
// BuildTree and with git's own index, and requires the same tree id; the
// objects written pass git fsck --strict.
func TestBuildTreeMatchesGit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run(t, dir, nil, "", "init", "-q")
	files := map[string]string{}
	for i := 0; i < 60; i++ {
		files[fmt.Sprintf("d%d/e%d/f%d.txt", i%3, i%5, i)] = fmt.Sprintf("file %d\n", i)
	}
	files["top.txt"] = "top\n"
	files["a"] = "a file\n"
	for p, c := range files {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, []byte(c), 0o644)
	}
	run(t, dir, nil, "", "add", "-A")
	run(t, dir, []string{"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@x"}, "", "commit", "-qm", "base")
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	baseTree := run(t, dir, nil, "", "rev-parse", "HEAD^{tree}")
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 40; round++ {
		var changes []TreeChange
		touched := map[string]bool{}
		pick := func() string {
			for {
				p := paths[rng.Intn(len(paths))]
				if !touched[p] {
					touched[p] = true
					return p
				}
			}
		}
		for k := 0; k < 1+rng.Intn(8); k++ {
			switch rng.Intn(5) {
			case 0: // add
				p := fmt.Sprintf("new%d/x%d/n%d.txt", rng.Intn(3), rng.Intn(3), rng.Intn(1000))
				if !touched[p] {
					touched[p] = true
					changes = append(changes, TreeChange{Path: p, Mode: 0o100644, Data: []byte(p)})
				}
			case 1: // edit
				changes = append(changes, TreeChange{Path: pick(), Mode: 0o100644, Data: []byte(fmt.Sprintf("edit %d\n", round))})
			case 2: // delete
				changes = append(changes, TreeChange{Path: pick(), Mode: 0})
			case 3: // executable
				changes = append(changes, TreeChange{Path: pick(), Mode: 0o100755, Data: []byte("#!/bin/sh\n")})
			case 4: // a directory of the base becomes a file, once a round
				d := fmt.Sprintf("d%d/e%d", rng.Intn(3), rng.Intn(5))
				if touched[d] {
					continue
				}
				// A file written beneath d this round would be written
				// with d: BuildTree refuses that (TestBuildTreeRefusesFileAndDirectory).
				beneath := false
				for p := range touched {
					beneath = beneath || strings.HasPrefix(p, d+"/")
				}
				if beneath {
					continue
				}
				touched[d] = true
				for _, p := range paths {
					if strings.HasPrefix(p, d+"/") && !touched[p] {
						touched[p] = true
						changes = append(changes, TreeChange{Path: p, Mode: 0})
					}
				}
				changes = append(changes, TreeChange{Path: d, Mode: 0o100644, Data: []byte("now a file\n")})
			}
		}
		if round%4 == 0 && !touched["a"] {
			// The file "a" becomes a directory.
			touched["a"] = true
			changes = append(changes, TreeChange{Path: "a", Mode: 0}, TreeChange{Path: "a/inner.txt", Mode: 0o100644, Data: []byte("inner\n")})
		}
		want := gitTree(t, dir, baseTree, changes)
		hashed, err := repo.BuildTree(baseTree, changes, HashOnly)
		if err != nil {
			t.Fatal(err)
		}
		pw := repo.NewPackWriter()
		written, err := repo.BuildTree(baseTree, changes, pw)
		if err != nil {
			t.Fatal(err)
		}
		if err := pw.Flush(); err != nil {
			t.Fatal(err)
		}
		if hashed != want || written != want {
			t.Fatalf("round %d: BuildTree %s (hash only %s), git %s; changes %+v", round, written, hashed, want, changes)
		}
	}
	run(t, dir, nil, "", "fsck", "--strict")
}

// gitTree builds the same tree with a temporary index and git write-tree.
func gitTree(t *testing.T, dir, base string, changes []TreeChange) string {
	t.Helper()
	env := []string{"GIT_INDEX_FILE=" + filepath.Join(t.TempDir(), "index")}
	run(t, dir, env, "", "read-tree", base)
	var in strings.Builder
	for _, c := range changes {
		if c.Mode == 0 {
			fmt.Fprintf(&in, "0 %s\t%s\n", ZeroID, c.Path)
		}
	}
	for _, c := range changes {
		if c.Mode != 0 {
			blob := run(t, dir, nil, string(c.Data), "hash-object", "-w", "--stdin")
			fmt.Fprintf(&in, "%o %s\t%s\n", c.Mode, blob, c.Path)
		}
	}
	run(t, dir, env, in.String(), "update-index", "--index-info")
	return run(t, dir, env, "", "write-tree")
}

// TestPackWriterManyObjects writes more objects than the loose limit and
// reads them back through git.
func TestPackWriterManyObjects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run(t, dir, nil, "", "init", "-q")
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	var changes []TreeChange
	for i := 0; i < 3*packThreshold; i++ {
		changes = append(changes, TreeChange{Path: fmt.Sprintf("d%d/f%d", i%7, i), Mode: 0o100644, Data: []byte(strings.Repeat(fmt.Sprint(i), 100))})
	}
	pw := repo.NewPackWriter()
	tree, err := repo.BuildTree("", changes, pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := pw.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := run(t, dir, nil, "", "ls-tree", "-r", tree, "--name-only"); strings.Count(got, "\n")+1 != len(changes) {
		t.Fatalf("tree lists %d files", strings.Count(got, "\n")+1)
	}
	if got := run(t, dir, nil, "", "cat-file", "-p", tree+":d3/f10"); got != strings.Repeat("10", 100) {
		t.Errorf("blob %q", got)
	}
	packs, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.pack"))
	if len(packs) != 1 {
		t.Errorf("%d packs, want 1", len(packs))
	}
	run(t, dir, nil, "", "fsck", "--strict")
}

// TestBuildTreeRefusesFileAndDirectory refuses changes that write a file
// and a path beneath it at once, whichever comes first, and accepts a file
// replacing a directory whose files are all deleted.
func TestBuildTreeRefusesFileAndDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run(t, dir, nil, "", "init", "-q")
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	f := func(p string) TreeChange { return TreeChange{Path: p, Mode: 0o100644, Data: []byte(p)} }
	for _, tc := range []struct {
		name    string
		changes []TreeChange
		ok      bool
	}{
		{"file then beneath", []TreeChange{f("src/d"), f("src/d/x")}, false},
		{"beneath then file", []TreeChange{f("src/d/x/y"), f("src/d")}, false},
		{"deep", []TreeChange{f("a/b/c"), f("a/b/c/d/e")}, false},
		{"file replaces a deleted directory", []TreeChange{{Path: "src/d/x"}, f("src/d")}, true},
		{"siblings", []TreeChange{f("src/d"), f("src/dx/y"), f("src/d.txt")}, true},
	} {
		_, err := repo.BuildTree("", tc.changes, HashOnly)
		if (err == nil) != tc.ok {
			t.Errorf("%s: BuildTree error %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// TestHashKeepingTrees builds a tree of new content with the sink that
// keeps the trees it makes, writing nothing: its id is git's for the same
// changes, and the tree and its subtrees read back by that id, served
// from memory alone, hold git's entries.
func TestHashKeepingTrees(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run(t, dir, nil, "", "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a\n"), 0o644)
	run(t, dir, nil, "", "add", ".")
	run(t, dir, nil, "", "commit", "-q", "-m", "base")
	base := run(t, dir, nil, "", "rev-parse", "HEAD^{tree}")
	changes := []TreeChange{
		{Path: "src/new/one.txt", Mode: 0o100644, Data: []byte("one\n")},
		{Path: "src/new/deeper/two.txt", Mode: 0o100755, Data: []byte("two\n")},
		{Path: "a.txt", Mode: 0},
	}
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	kept, err := repo.BuildTree(base, changes, repo.HashKeepingTrees())
	if err != nil {
		t.Fatal(err)
	}
	if want := gitTree(t, dir, base, changes); kept != want {
		t.Fatalf("BuildTree keeping trees: %s, git %s", kept, want)
	}
	tree, err := repo.TreeObject(kept)
	if err != nil {
		t.Fatalf("the kept tree, not in the store: %v", err)
	}
	files, err := tree.Files()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for p, e := range files {
		got = append(got, fmt.Sprintf("%06o %s %s", e.Mode, e.Hash, p))
	}
	slices.Sort(got)
	var want []string
	for _, l := range strings.Split(run(t, dir, nil, "", "ls-tree", "-r", kept), "\n") {
		f := strings.Fields(l) // mode type hash\tpath
		want = append(want, f[0]+" "+f[2]+" "+f[3])
	}
	slices.Sort(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the kept tree holds\n%s\ngit's holds\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
