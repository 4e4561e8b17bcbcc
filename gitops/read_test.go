package gitops

import (
	"testing"
	"time"

	"github.com/architectos/aos"
)

// TestReadPath reads files of a commit, tells "no file there" (nothing,
// a directory, a path through a file, a path no tree holds) from errors
// (a blob the tree names that the repository lacks).
func TestReadPath(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, nil, "", "init", "-q")
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	const missing = "1234567890123456789012345678901234567890"
	tree, err := repo.BuildTree("", []TreeChange{
		{Path: "a.txt", Mode: aos.ModeFile, Data: []byte("a\n")},
		{Path: "d/e/run.sh", Mode: aos.ModeExecutable, Data: []byte("#!/bin/sh\n")},
		{Path: "d/lost.txt", Mode: aos.ModeFile, Hash: missing},
	}, repo)
	if err != nil {
		t.Fatal(err)
	}
	who := Ident{Name: "a", Email: "a@x", When: time.Unix(0, 0).UTC()}
	commit, err := repo.WriteCommit(NewCommit{Tree: tree, Author: who, Committer: who, Message: "m"}, repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path    string
		data    string
		mode    uint32
		ok, err bool
	}{
		{path: "a.txt", data: "a\n", mode: aos.ModeFile, ok: true},
		{path: "d/e/run.sh", data: "#!/bin/sh\n", mode: aos.ModeExecutable, ok: true},
		{path: "nope.txt"},
		{path: "d/nope/x"},
		{path: "d/e", mode: aos.ModeDir},
		{path: "a.txt/x"},
		{path: "d/../a.txt"},
		{path: "./a.txt"},
		{path: "d//e/run.sh"},
		{path: ""},
		{path: "d/lost.txt", err: true},
	} {
		data, mode, ok, err := repo.ReadPath(commit, tc.path)
		if (err != nil) != tc.err || ok != tc.ok || string(data) != tc.data || mode != tc.mode {
			t.Errorf("ReadPath(%q) = %q, %06o, %v, %v; want %q, %06o, %v, error %v", tc.path, data, mode, ok, err, tc.data, tc.mode, tc.ok, tc.err)
		}
	}
	if _, _, _, err := repo.ReadPath(missing, "a.txt"); err == nil {
		t.Error("ReadPath of a missing commit: no error")
	}
}
