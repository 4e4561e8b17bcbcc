package gitops

import (
	"io"
	"os"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/sourcegraph/conc/iter"
)

// maxWorktreeBlob is the largest working-tree file read in place of a
// blob: a larger one, which the blob is unlikely to match, is not read.
const maxWorktreeBlob = 32 << 20

// worktreeBlobs reads, for each of hashes that a regular file of the tree
// holds, the file at that path in the repository's working tree, and
// returns the contents that hash to their blob's id: the blob's content
// itself, read without inflating it (git's diff does the same when the
// index says a file is unchanged; here the content is hashed, so nothing
// is taken on trust). A file that is missing, not regular, changed, or
// filtered on checkout (line endings, smudge filters) is left out, for
// git to read. Each hash is tried once per tree; the files are read on
// every processor.
//
// The working tree is the user's own, as the object store is: an object
// that collides with a file's content would have been refused by git's
// collision detection when it was written.
func (t *Tree) worktreeBlobs(hashes []string) map[string][]byte {
	if t.repo.WorkTree == "" || t.Commit == "" {
		return nil
	}
	files, err := t.Files()
	if err != nil {
		return nil
	}
	t.mu.Lock()
	if t.wtPaths == nil {
		t.wtPaths = make(map[string]string, len(files))
		for p, e := range files {
			if e.Mode == uint32(filemode.Regular) || e.Mode == uint32(filemode.Executable) {
				t.wtPaths[e.Hash] = p
			}
		}
	}
	type try struct{ hash, path string }
	var tries []try
	for _, h := range hashes {
		if p, ok := t.wtPaths[h]; ok {
			// Tried once: a miss is read from git, a hit is taken once.
			delete(t.wtPaths, h)
			tries = append(tries, try{h, p})
		}
	}
	t.mu.Unlock()
	if len(tries) == 0 {
		return nil
	}
	root, err := os.OpenRoot(t.repo.WorkTree)
	if err != nil {
		return nil
	}
	defer root.Close()
	got := iter.Map(tries, func(c *try) []byte { return readWorktreeBlob(root, c.path, c.hash) })
	out := make(map[string][]byte, len(tries))
	for i, data := range got {
		if data != nil {
			out[tries[i].hash] = data
		}
	}
	return out
}

// readWorktreeBlob returns the content of the regular file p under root
// if it hashes to the blob id hash, or nil. It never blocks on a FIFO or
// a device, and never leaves root.
func readWorktreeBlob(root *os.Root, p, hash string) []byte {
	f, err := root.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxWorktreeBlob {
		return nil
	}
	// What was read is the blob only if it hashes to the id, however
	// the file changes meanwhile.
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil
	}
	if objectID(plumbing.BlobObject, data) != plumbing.NewHash(hash) {
		return nil
	}
	return data
}

// takeWorktree returns the contents of hashes found in the working tree
// by [Tree.worktreeBlobs], now or when the tree was sized, and forgets
// them: each is handed to the reader once.
func (t *Tree) takeWorktree(hashes []string) map[string][]byte {
	got := t.worktreeBlobs(hashes)
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, h := range hashes {
		if data, ok := t.wtKept[h]; ok {
			if got == nil {
				got = map[string][]byte{}
			}
			got[h] = data
			delete(t.wtKept, h)
		}
	}
	return got
}
