package validators

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
)

// MemTree is an [engine.Base] held in memory: files read from disk for
// "git aos validate PATH...", and tests.
type MemTree struct {
	files map[string]engine.Entry
	blobs map[string][]byte
}

// NewMemTree returns a tree of regular files (mode 100644) with the given
// contents by path.
func NewMemTree(files map[string][]byte) *MemTree {
	t := &MemTree{files: map[string]engine.Entry{}, blobs: map[string][]byte{}}
	for p, data := range files {
		id := engine.BlobID(data)
		t.files[p] = engine.Entry{Mode: aos.ModeFile, Hash: id}
		t.blobs[id] = data
	}
	return t
}

// Files implements [engine.Base].
func (t *MemTree) Files() (map[string]engine.Entry, error) {
	out := make(map[string]engine.Entry, len(t.files))
	for p, e := range t.files {
		out[p] = e
	}
	return out, nil
}

// ReadBlob implements [engine.Base].
func (t *MemTree) ReadBlob(hash string) ([]byte, error) {
	b, ok := t.blobs[hash]
	if !ok {
		return nil, fmt.Errorf("blob %s: %w", hash, fs.ErrNotExist)
	}
	return b, nil
}

// NewAddedTree returns the tree of the regular files (mode 100644) with
// the given contents by path, and its files as changes that add them, as
// "git aos validate PATH..." judges them. Its entries are named by their
// place rather than by git's blob ids, which would cost a hash of every
// file and are never compared here: no two trees of these ever meet.
func NewAddedTree(files map[string][]byte) (*MemTree, []engine.Change) {
	t := &MemTree{files: make(map[string]engine.Entry, len(files)), blobs: make(map[string][]byte, len(files))}
	changes := make([]engine.Change, 0, len(files))
	for p, data := range files {
		id := "mem:" + strconv.Itoa(len(changes))
		t.files[p] = engine.Entry{Mode: aos.ModeFile, Hash: id}
		t.blobs[id] = data
		changes = append(changes, engine.Change{Path: p, Status: aos.StatusAdded, Mode: aos.ModeFile, Hash: id})
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Path < changes[j].Path })
	return t, changes
}

// BlobSize implements [engine.Base].
func (t *MemTree) BlobSize(hash string) (int64, error) {
	b, err := t.ReadBlob(hash)
	return int64(len(b)), err
}

// DiffTrees returns the changes from old to new, sorted by path, as
// [engine.State.Changes] would for a plan that turned old into new; a nil
// old makes every file of new added. Changes carry the blob id of the new
// content (or of the old one for a deleted file) and no data: validators
// read the files from the tree they run on.
func DiffTrees(old, new engine.Base) ([]engine.Change, error) {
	nf, err := new.Files()
	if err != nil {
		return nil, err
	}
	of := map[string]engine.Entry{}
	if old != nil {
		if of, err = old.Files(); err != nil {
			return nil, err
		}
	}
	var out []engine.Change
	for p, e := range nf {
		o, ok := of[p]
		switch {
		case !ok:
			out = append(out, engine.Change{Path: p, Status: aos.StatusAdded, Mode: e.Mode, Hash: e.Hash})
		case o != e:
			out = append(out, engine.Change{Path: p, Status: aos.StatusModified, Mode: e.Mode, Hash: e.Hash})
		}
	}
	for p, o := range of {
		if _, ok := nf[p]; !ok {
			out = append(out, engine.Change{Path: p, Status: aos.StatusDeleted, Mode: o.Mode, Hash: o.Hash})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}
