package gitops

import (
	"os"
	"path/filepath"
	"testing"
)

// TestObjectCacheKeepsTypes reads a commit and a tree, which the
// repository then keeps, and reads each id again as the other type: the
// kept bytes are never served for a type they are not, and the error is
// the one a repository that kept nothing gives.
func TestObjectCacheKeepsTypes(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	gitT(t, tmp, "", "init", "-q", "-b", "main", src)
	os.WriteFile(filepath.Join(src, "a.txt"), []byte("a\n"), 0o644)
	repo, _, _ := commitAll(t, src)
	tip := gitT(t, src, "", "rev-parse", "HEAD")
	root := gitT(t, src, "", "rev-parse", "HEAD^{tree}")
	var wantTree, wantCommit string
	for range 2 {
		if _, err := repo.CommitInfo(tip); err != nil {
			t.Fatal(err)
		}
		if _, err := repo.TreeObject(root); err != nil {
			t.Fatal(err)
		}
	}
	fresh, err := Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	for _, r := range []*Repo{fresh, repo} {
		_, treeErr := r.TreeObject(tip)
		_, commitErr := r.CommitInfo(root)
		if treeErr == nil || commitErr == nil {
			t.Fatalf("a commit read as a tree: %v; a tree read as a commit: %v", treeErr, commitErr)
		}
		if r == fresh {
			wantTree, wantCommit = treeErr.Error(), commitErr.Error()
			continue
		}
		if treeErr.Error() != wantTree || commitErr.Error() != wantCommit {
			t.Errorf("after keeping them:\n%v\n%v\nwant, as with nothing kept:\n%s\n%s", treeErr, commitErr, wantTree, wantCommit)
		}
	}
}
