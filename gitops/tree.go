package gitops

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/policy"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// Tree is a tree of the repository, served to the engine as a base: the
// root tree of a commit ([Repo.CommitTree], [Repo.RevTree]), or any tree
// object ([Repo.TreeObject]).
type Tree struct {
	repo *Repo
	// Commit is the commit whose root tree this is; "" for a tree
	// object opened by its id.
	Commit string
	root   plumbing.Hash

	once  sync.Once
	files map[string]engine.Entry
	err   error

	mu    sync.Mutex
	sizes map[string]int64
	// wtPaths are the paths of the blobs not yet looked for in the
	// working tree, by id; wtKept the blobs found there when the tree was
	// sized, until they are read ([Tree.worktreeBlobs]).
	wtPaths map[string]string
	wtKept  map[string][]byte
}

// CommitTree returns the root tree of the commit with the given id (a
// full commit id).
func (r *Repo) CommitTree(id string) (*Tree, error) {
	c, err := r.readCommit(id)
	if err != nil {
		return nil, err
	}
	return &Tree{repo: r, Commit: id, root: c.tree, sizes: map[string]int64{}}, nil
}

// RevTree returns the root tree of the commit that revision rev names.
func (r *Repo) RevTree(rev string) (*Tree, error) {
	id, err := r.Resolve(rev)
	if err != nil {
		return nil, err
	}
	return r.CommitTree(id)
}

// Files implements [engine.Base]: every non-tree entry by path.
func (t *Tree) Files() (map[string]engine.Entry, error) {
	t.once.Do(func() {
		t.files = map[string]engine.Entry{}
		t.err = t.walk(t.root, "")
	})
	return t.files, t.err
}

func (t *Tree) walk(h plumbing.Hash, prefix string) error {
	entries, err := t.repo.readTree(h, prefix)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := prefix + e.name
		if e.mode == filemode.Dir {
			if err := t.walk(e.hash, p+"/"); err != nil {
				return err
			}
			continue
		}
		t.files[p] = engine.Entry{Mode: uint32(e.mode), Hash: e.hash.String()}
	}
	return nil
}

// ReadBlob implements [engine.Base].
func (t *Tree) ReadBlob(hash string) ([]byte, error) { return t.repo.ReadBlob(hash) }

// ReadBlobs implements [engine.BlobsReader]: the blobs the working tree
// holds unchanged are read from it ([Tree.worktreeBlobs]), the others by
// one git process, all requests sent at once.
//
// Each blob is checked against its id. git stops serving at an object it
// cannot read (missing, or not zlib data); the blobs left are then read
// through go-git, which names what is wrong with them ([DamagedError]).
func (t *Tree) ReadBlobs(hashes []string, fn func(hash string, data []byte) error) error {
	wt := t.takeWorktree(hashes)
	var rest []string // what git reads, hashes[at[i]] for rest[i]
	var at []int
	for i, h := range hashes {
		if _, ok := wt[h]; !ok {
			rest, at = append(rest, h), append(at, i)
		}
	}
	// next is how far fn was handed hashes, in their order: the working
	// tree's blobs before each of git's, and after the last.
	next := 0
	upTo := func(k int) error {
		for ; next < k; next++ {
			if data, ok := wt[hashes[next]]; ok {
				if err := fn(hashes[next], data); err != nil {
					return err
				}
			}
		}
		return nil
	}
	give := func(i int, data []byte) error {
		if err := upTo(at[i]); err != nil {
			return err
		}
		next++
		return fn(rest[i], data)
	}
	done := 0
	if t.repo.cat != nil && len(rest) > 0 {
		var fnErr error
		err := t.repo.cat.readMany(rest, func(h string, data []byte) error {
			if err := give(done, data); err != nil {
				fnErr = err
				return err
			}
			done++
			return nil
		})
		var de *DamagedError
		switch {
		case err == nil:
			done = len(rest)
		case fnErr != nil, errors.As(err, &de):
			return err
		}
	}
	for ; done < len(rest); done++ {
		data, err := t.repo.ReadBlob(rest[done])
		if err != nil {
			return err
		}
		if err := give(done, data); err != nil {
			return err
		}
	}
	return upTo(len(hashes))
}

// BlobSize implements [engine.Base].
func (t *Tree) BlobSize(hash string) (int64, error) {
	t.mu.Lock()
	n, ok := t.sizes[hash]
	t.mu.Unlock()
	if ok {
		return n, nil
	}
	// git answers with the size its object header says, without reading
	// the content: the content is checked against the id whenever it is
	// read. go-git reads it all, and checks it.
	served := false
	var err error
	if t.repo.cat != nil {
		n, err = t.repo.cat.size(hash)
		served = err == nil
	}
	if !served {
		n, err = t.repo.blobSize(plumbing.NewHash(hash))
	}
	if err != nil {
		return 0, err
	}
	t.mu.Lock()
	t.sizes[hash] = n
	t.mu.Unlock()
	return n, nil
}

// BlobSizes implements [engine.SizesReader]: the sizes of the blobs
// hashes: those the working tree holds unchanged from their content (kept
// for [Tree.ReadBlobs]), the others asked of one git process all at once.
// The sizes are kept for [Tree.BlobSize]; a blob git does not serve is
// sized one at a time.
func (t *Tree) BlobSizes(hashes []string) (map[string]int64, error) {
	out := make(map[string]int64, len(hashes))
	wt := t.worktreeBlobs(hashes)
	rest := hashes
	if len(wt) > 0 {
		rest = make([]string, 0, len(hashes)-len(wt))
		t.mu.Lock()
		if t.wtKept == nil {
			t.wtKept = make(map[string][]byte, len(wt))
		}
		for _, h := range hashes {
			if data, ok := wt[h]; ok {
				out[h] = int64(len(data))
				t.sizes[h] = int64(len(data))
				t.wtKept[h] = data
			} else {
				rest = append(rest, h)
			}
		}
		t.mu.Unlock()
	}
	var got map[string]int64
	if t.repo.cat != nil && len(rest) > 0 {
		got, _ = t.repo.cat.sizeMany(rest)
	}
	for _, h := range rest {
		if n, ok := got[h]; ok {
			out[h] = n
			continue
		}
		n, err := t.BlobSize(h)
		if err != nil {
			return nil, err
		}
		out[h] = n
	}
	t.mu.Lock()
	for h, n := range got {
		t.sizes[h] = n
	}
	t.mu.Unlock()
	return out, nil
}

// ReadBlob returns the content of a blob, checked against its id: a blob
// that cannot be read, or does not hash to its id, is a [DamagedError].
func (r *Repo) ReadBlob(hash string) ([]byte, error) {
	if data, served, err := r.catBlob(hash); served {
		return data, err
	}
	return r.readObject(plumbing.BlobObject, plumbing.NewHash(hash))
}

// BlobSize returns the size of a blob from its header, without reading
// its content.
func (r *Repo) BlobSize(hash string) (int64, error) {
	if r.cat != nil {
		n, err := r.cat.size(hash)
		if !errors.Is(err, errNoBatch) {
			return n, err
		}
	}
	o, err := r.store.EncodedObject(plumbing.BlobObject, plumbing.NewHash(hash))
	if err != nil {
		return 0, fmt.Errorf("read blob %s: %w", hash, err)
	}
	return o.Size(), nil
}

// ReadFile returns the content of the file at p in the tree.
func (t *Tree) ReadFile(p string) ([]byte, error) {
	files, err := t.Files()
	if err != nil {
		return nil, err
	}
	e, ok := files[p]
	if !ok {
		return nil, fmt.Errorf("%s: no such file in commit %.12s", p, t.Commit)
	}
	return t.ReadBlob(e.Hash)
}

// FindManifest returns the repository path and content of the manifest in
// the tree: the first of [policy.ManifestNames] that exists.
func (t *Tree) FindManifest() (string, []byte, error) {
	files, err := t.Files()
	if err != nil {
		return "", nil, err
	}
	for _, name := range policy.ManifestNames {
		if e, ok := files[name]; ok {
			if e.Mode != uint32(filemode.Regular) && e.Mode != uint32(filemode.Executable) {
				return "", nil, fmt.Errorf("manifest %s in commit %.12s is not a regular file", name, t.Commit)
			}
			b, err := t.ReadBlob(e.Hash)
			return name, b, err
		}
	}
	return "", nil, fmt.Errorf("commit %.12s has no manifest (looked for %s): %w", t.Commit, strings.Join(policy.ManifestNames, ", "), ErrNoManifest)
}

// CommitTreeID returns the id of the root tree of a commit.
func (r *Repo) CommitTreeID(commit string) (string, error) {
	c, err := r.readCommit(commit)
	if err != nil {
		return "", err
	}
	return c.tree.String(), nil
}

// Root returns the id of the tree.
func (t *Tree) Root() string { return t.root.String() }

// TreeObject returns the tree object with the given tree id.
func (r *Repo) TreeObject(id string) (*Tree, error) {
	h := plumbing.NewHash(id)
	if h.String() != id {
		return nil, fmt.Errorf("read tree %q: not a full object id", id)
	}
	if _, err := r.readTree(h, ""); err != nil {
		return nil, err
	}
	return &Tree{repo: r, root: h, sizes: map[string]int64{}}, nil
}

// catBlob reads blob hash through the cat-file process, checked against
// its id. served is false when the process does not serve, or cannot
// read the object; the caller reads through go-git then.
func (r *Repo) catBlob(hash string) (data []byte, served bool, err error) {
	if r.cat == nil {
		return nil, false, nil
	}
	large := false
	if sz, ok := r.store.(interface {
		EncodedObjectSize(plumbing.Hash) (int64, error)
	}); ok && !r.cat.running() {
		// The object's header alone: cheap, in a pack or loose.
		n, err := sz.EncodedObjectSize(plumbing.NewHash(hash))
		large = err == nil && n >= largeBlob
	}
	data, err = r.cat.read(hash, large)
	switch {
	case errors.Is(err, errNoBatch), errors.Is(err, errObjectMissing), errors.Is(err, errNotBlob):
		// go-git tells a missing object from one that is there and
		// unreadable (git says missing for both), and names it.
		return nil, false, nil
	case err != nil:
		return nil, true, err
	}
	return data, true, nil
}
