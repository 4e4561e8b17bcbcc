package gitops

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos/engine"
)

// TestReadBlobsThroughGit reads every blob of a tree one at a time and all
// at once, past the reads go-git serves alone, from a repository whose
// objects are loose and from its quarantined copy, and compares each with
// git's own answer; a missing object, a tree and a malformed id are errors
// that never leave the reader in a bad state.
func TestReadBlobsThroughGit(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	gitT(t, tmp, "", "init", "-q", "-b", "main", src)
	const n = 3 * batchAfter
	for i := 0; i < n; i++ {
		os.MkdirAll(filepath.Join(src, "d", fmt.Sprint(i%5)), 0o755)
		// Sizes from empty to past a pipe's buffer.
		data := strings.Repeat(fmt.Sprintf("line %d\n", i), i*i*40)
		os.WriteFile(filepath.Join(src, "d", fmt.Sprint(i%5), fmt.Sprintf("f%d", i)), []byte(data), 0o644)
	}
	repo, tree, files := commitAll(t, src)
	dropWorktree(t, src)
	tip := gitT(t, src, "", "rev-parse", "HEAD")
	var hashes []string
	for _, e := range files {
		hashes = append(hashes, e.Hash)
	}
	want := func(h string) string { return gitT(t, src, "", "cat-file", "blob", h) }
	check := func(how, h string, data []byte) {
		if got := strings.TrimSpace(string(data)); got != want(h) {
			t.Errorf("%s %s: %d bytes, not git's", how, h, len(data))
		}
	}
	for i, h := range hashes {
		data, err := repo.ReadBlob(h)
		if err != nil {
			t.Fatalf("ReadBlob %d: %v", i, err)
		}
		check("ReadBlob", h, data)
		size, err := tree.BlobSize(h)
		if err != nil || size != int64(len(data)) {
			t.Errorf("BlobSize %s = %d, %v; want %d", h, size, err, len(data))
		}
	}
	if repo.cat.cmd == nil {
		t.Fatal("no cat-file process after more than batchAfter reads")
	}
	seen := 0
	if err := tree.ReadBlobs(hashes, func(h string, data []byte) error {
		if h != hashes[seen] {
			t.Errorf("ReadBlobs answered %s for request %d (%s)", h, seen, hashes[seen])
		}
		seen++
		check("ReadBlobs", h, data)
		return nil
	}); err != nil || seen != len(hashes) {
		t.Fatalf("ReadBlobs: %d of %d, %v", seen, len(hashes), err)
	}

	// Errors: the process keeps serving after a missing object or a
	// tree, and a malformed id never reaches it.
	const missing = "1234567890123456789012345678901234567890"
	if _, err := repo.ReadBlob(missing); err == nil {
		t.Error("ReadBlob of a missing object: no error")
	}
	root := gitT(t, src, "", "rev-parse", "HEAD^{tree}")
	if _, err := repo.ReadBlob(root); err == nil {
		t.Error("ReadBlob of a tree: no error")
	}
	for _, bad := range []string{"", "HEAD", hashes[0] + "\ncontents " + hashes[1], strings.ToUpper(hashes[0])} {
		if _, err := repo.ReadBlob(bad); err == nil {
			t.Errorf("ReadBlob(%q): no error", bad)
		}
	}
	if repo.cat.err != nil {
		t.Errorf("the process stopped serving: %v", repo.cat.err)
	}
	data, err := repo.ReadBlob(hashes[1])
	if err != nil {
		t.Fatal(err)
	}
	check("ReadBlob after errors", hashes[1], data)
	// A request for many with a missing one fails as a whole.
	if err := tree.ReadBlobs([]string{hashes[0], missing}, func(string, []byte) error { return nil }); err == nil {
		t.Error("ReadBlobs with a missing object: no error")
	}
	// An error of the caller stops the reading and is returned.
	stop := errors.New("stop")
	if err := tree.ReadBlobs(hashes, func(string, []byte) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("ReadBlobs with a failing callback: %v", err)
	}
	// Reads still work, through go-git if the process was given up.
	data, err = repo.ReadBlob(hashes[2])
	if err != nil {
		t.Fatal(err)
	}
	check("ReadBlob after a failed ReadBlobs", hashes[2], data)

	// The same objects, only in an extra object directory.
	bare := filepath.Join(tmp, "bare.git")
	gitT(t, tmp, "", "init", "-q", "--bare", bare)
	q := filepath.Join(bare, "objects", "tmp_objdir-incoming-x")
	os.MkdirAll(q, 0o755)
	copyTree(t, filepath.Join(src, ".git", "objects"), q)
	qrepo, err := OpenWithObjectDirs(bare, []string{q})
	if err != nil {
		t.Fatal(err)
	}
	defer qrepo.Close()
	qtree, err := qrepo.CommitTree(tip)
	if err != nil {
		t.Fatal(err)
	}
	seen = 0
	if err := qtree.ReadBlobs(hashes, func(h string, data []byte) error {
		seen++
		check("quarantined ReadBlobs", h, data)
		return nil
	}); err != nil || seen != len(hashes) {
		t.Fatalf("quarantined ReadBlobs: %d of %d, %v", seen, len(hashes), err)
	}
	if qrepo.cat.err != nil {
		t.Errorf("the quarantined reads did not go through git: %v", qrepo.cat.err)
	}
}

// copyTree copies the files under from to to.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o444)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLargeBlobThroughGit checks that a large blob is read through git
// from the first read, with its content checked, while small ones are
// read through go-git until batchAfter of them were.
func TestLargeBlobThroughGit(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	gitT(t, tmp, "", "init", "-q", "-b", "main", src)
	big := strings.Repeat("a large plan line\n", 2*largeBlob/17)
	os.WriteFile(filepath.Join(src, "small"), []byte("small\n"), 0o644)
	os.WriteFile(filepath.Join(src, "big"), []byte(big), 0o644)
	gitT(t, src, "", "add", ".")
	gitT(t, src, "", "commit", "-q", "-m", "files")
	repo, err := Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	data, err := repo.ReadBlob(gitT(t, src, "", "rev-parse", "HEAD:small"))
	if err != nil || string(data) != "small\n" {
		t.Fatalf("ReadBlob small = %q, %v", data, err)
	}
	if repo.cat.running() {
		t.Error("a cat-file process runs after one small read")
	}
	data, err = repo.ReadBlob(gitT(t, src, "", "rev-parse", "HEAD:big"))
	if err != nil || string(data) != big {
		t.Fatalf("ReadBlob big: %d bytes, %v; want %d", len(data), err, len(big))
	}
	if !repo.cat.running() {
		t.Error("no cat-file process after reading a large blob")
	}
}

// commitAll commits every file of the working tree src, opens the
// repository and returns it (closed when the test ends), the commit's
// tree and its files.
func commitAll(t *testing.T, src string) (*Repo, *Tree, map[string]engine.Entry) {
	t.Helper()
	gitT(t, src, "", "add", ".")
	gitT(t, src, "", "commit", "-q", "-m", "files")
	tip := gitT(t, src, "", "rev-parse", "HEAD")
	repo, err := Open(src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { repo.Close() })
	tree, err := repo.CommitTree(tip)
	if err != nil {
		t.Fatal(err)
	}
	files, err := tree.Files()
	if err != nil {
		t.Fatal(err)
	}
	return repo, tree, files
}
