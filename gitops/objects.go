package gitops

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/architectos/aos"
	"github.com/go-git/go-git/v5/plumbing"
)

// DamagedError is an object of the repository that cannot be read: it is
// missing, or damaged (not zlib data, of another kind than its reference
// says, shorter or longer than its header says, or not hashing to its
// id). It is the repository's state, never a verdict on a plan or a push:
// it matches [aos.ErrDamaged], and comes with the hint of what to do.
type DamagedError struct {
	ID      string
	Kind    string // blob, tree, commit, tag, or object when unknown
	Missing bool
	Err     error // the cause, for a damaged object
}

func (e *DamagedError) Error() string {
	if e.Missing {
		return fmt.Sprintf("%s %s is missing from the repository", e.Kind, e.ID)
	}
	return fmt.Sprintf("%s %s in the repository is damaged: %v", e.Kind, e.ID, e.Err)
}

// Unwrap returns the cause.
func (e *DamagedError) Unwrap() error { return e.Err }

// Is makes a DamagedError match [aos.ErrDamaged].
func (e *DamagedError) Is(target error) bool { return target == aos.ErrDamaged }

// damagedHint says what to do about a [DamagedError].
const damagedHint = "run git fsck --full to see what else is damaged, and restore the object from another clone (git fetch it, or copy it from a backup)"

// damaged returns the error for object h of kind, damaged by cause.
func damaged(kind string, h plumbing.Hash, cause error) error {
	return aos.WithHint(&DamagedError{ID: h.String(), Kind: kind, Err: cause}, damagedHint)
}

// objectError classifies an error of go-git reading object h of kind.
func objectError(kind string, h plumbing.Hash, err error) error {
	if err == nil {
		return nil
	}
	var de *DamagedError
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return aos.WithHint(&DamagedError{ID: h.String(), Kind: kind, Missing: true}, damagedHint)
	}
	return damaged(kind, h, err)
}

// readObject returns the content of object h, which must be of type t,
// checked against its id: anything else is a [DamagedError].
func (r *Repo) readObject(t plumbing.ObjectType, h plumbing.Hash) ([]byte, error) {
	cached := t == plumbing.TreeObject || t == plumbing.CommitObject
	if cached {
		if b, ok := r.objs.get(t, h); ok {
			return b, nil
		}
	}
	b, err := r.readStored(t, h)
	if err == nil && cached {
		r.objs.put(t, h, b)
	}
	return b, err
}

// objCache keeps the trees and commits a Repo read, checked against
// their ids, up to objCacheBytes of them: an object's id names its
// content, so a second read would give the same bytes, and one judgement
// reads many trees several times (diff, tree building, collisions). What
// it returns is shared: callers never change it.
type objCache struct {
	mu    sync.Mutex
	m     map[objKey][]byte
	bytes int
}

// objKey names a cached object by its type and id: a read of an id as
// another type finds nothing, and the store says what the object is.
type objKey struct {
	t plumbing.ObjectType
	h plumbing.Hash
}

const objCacheBytes = 16 << 20

func (c *objCache) get(t plumbing.ObjectType, h plumbing.Hash) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[objKey{t, h}]
	return b, ok
}

func (c *objCache) put(t plumbing.ObjectType, h plumbing.Hash, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes+len(b) > objCacheBytes {
		return
	}
	if c.m == nil {
		c.m = map[objKey][]byte{}
	}
	k := objKey{t, h}
	if _, ok := c.m[k]; !ok {
		c.m[k] = b
		c.bytes += len(b)
	}
}

// readStored reads an object from the object store and checks it.
func (r *Repo) readStored(t plumbing.ObjectType, h plumbing.Hash) ([]byte, error) {
	o, err := r.store.EncodedObject(t, h)
	if err != nil {
		return nil, objectError(t.String(), h, err)
	}
	if o.Type() != t {
		return nil, damaged(t.String(), h, fmt.Errorf("it is a %s", o.Type()))
	}
	rd, err := o.Reader()
	if err != nil {
		return nil, objectError(t.String(), h, err)
	}
	defer rd.Close()
	b := make([]byte, 0, max(0, min(o.Size(), 1<<30)))
	buf := bytesWriter{b}
	if _, err := io.Copy(&buf, rd); err != nil {
		return nil, objectError(t.String(), h, err)
	}
	b = buf.b
	if int64(len(b)) != o.Size() {
		return nil, damaged(t.String(), h, fmt.Errorf("its header says %d bytes, it holds %d", o.Size(), len(b)))
	}
	if got := objectID(t, b); got != h {
		return nil, damaged(t.String(), h, fmt.Errorf("its content hashes to %s", got))
	}
	return b, nil
}

// bytesWriter appends to b.
type bytesWriter struct{ b []byte }

func (w *bytesWriter) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

// blobSize returns the size of blob h, read whole and checked against
// its id, so that a size is never that of a damaged blob.
func (r *Repo) blobSize(h plumbing.Hash) (int64, error) {
	o, err := r.store.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return 0, objectError("blob", h, err)
	}
	rd, err := o.Reader()
	if err != nil {
		return 0, objectError("blob", h, err)
	}
	defer rd.Close()
	s := sha1.New()
	fmt.Fprintf(s, "blob %d\x00", o.Size())
	n, err := io.Copy(s, rd)
	switch {
	case err != nil:
		return 0, objectError("blob", h, err)
	case n != o.Size():
		return 0, damaged("blob", h, fmt.Errorf("its header says %d bytes, it holds %d", o.Size(), n))
	}
	var got plumbing.Hash
	copy(got[:], s.Sum(nil))
	if got != h {
		return 0, damaged("blob", h, fmt.Errorf("its content hashes to %s", got))
	}
	return n, nil
}

// objectID returns the id of an object of kind t holding data. It uses
// plain SHA-1, several times faster than the collision-detecting SHA-1 of
// go-git; the ids are the same.
func objectID(t plumbing.ObjectType, data []byte) plumbing.Hash {
	s := sha1.New()
	s.Write([]byte(t.String()))
	s.Write([]byte{' '})
	s.Write(strconv.AppendInt(nil, int64(len(data)), 10))
	s.Write([]byte{0})
	s.Write(data)
	var h plumbing.Hash
	copy(h[:], s.Sum(nil))
	return h
}

// treeLabel names the directory prefix ("src/", or "" for the root) in a
// message about reading its tree.
func treeLabel(prefix string) string {
	if prefix = strings.TrimSuffix(prefix, "/"); prefix == "" {
		return "the root directory"
	}
	return "directory " + prefix
}

// readTreeFrom reads tree h, at prefix, from sink when it is a
// [PackWriter] that holds it unflushed, else from the repository.
func (r *Repo) readTreeFrom(sink ObjectSink, h plumbing.Hash, prefix string) ([]treeEntry, error) {
	if pw, ok := sink.(*PackWriter); ok {
		if b, ok := pw.trees[h]; ok {
			return parseTree(h.String(), prefix, b)
		}
	}
	return r.readTree(h, prefix)
}
