package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/policy"
)

// Entry is a file of a tree: a blob, symlink or gitlink.
type Entry struct {
	Mode uint32
	Hash string // git object id, hex
}

// Base is a read-only tree the plan runs against.
type Base interface {
	// Files returns every non-directory entry of the tree by path.
	Files() (map[string]Entry, error)
	// ReadBlob returns the content of the blob with the given id.
	ReadBlob(hash string) ([]byte, error)
	// BlobSize returns the size of the blob with the given id.
	BlobSize(hash string) (int64, error)
}

// BlobsReader is a [Base] that reads many blobs at once faster than one
// at a time. ReadBlobs hands each blob of hashes to fn, in order, and
// stops at the first error.
type BlobsReader interface {
	ReadBlobs(hashes []string, fn func(hash string, data []byte) error) error
}

// SizesReader is a [Base] that sizes many blobs at once faster than one
// at a time. BlobSizes returns the size of each blob of hashes, by id.
type SizesReader interface {
	BlobSizes(hashes []string) (map[string]int64, error)
}

// file is a file of the staged tree.
type file struct {
	mode    uint32
	hash    string // the base blob, when data is nil
	data    []byte // new content, when changed
	changed bool
	// id is the blob id of data, when known.
	id string
	// appended is set when data is a buffer of the staged tree's own,
	// grown by FILE_APPEND, which nothing else holds past its length:
	// the next append extends it in place, and sum, the running SHA-256
	// of data, takes only the new bytes, so that appending to one file
	// again and again costs what its content does.
	appended bool
	sum      hash.Hash
}

// State is the staged tree: the base plus the plan's changes so far.
type State struct {
	base  Base
	files map[string]*file
	orig  map[string]Entry
	dirs  map[string]int // directory -> number of files beneath it
	// kids maps a directory ("." for the root) to the names of its
	// entries, each with the number of files at or beneath it.
	kids map[string]map[string]int
	// folds maps a directory to its entries' names by their fold
	// (policy.FoldPath), built for a directory when first asked and kept
	// up to date after.
	folds map[string]map[string][]string
	// view rewrites what reads of base files answer; viewed caches its
	// answers by path.
	view   *View
	viewed map[string][]byte
	// journal, while a directive runs, holds each path it changed with
	// the file there before (nil for none).
	journal map[string]*file
	// onChange, when set, is told of every path put or removed.
	onChange func(p string)
	// undo, while a change of several paths is under way (begin), holds
	// what each put and remove replaced, for rollback.
	undo    []undoEntry
	undoing bool
}

type undoEntry struct {
	path string
	prev *file // nil when the path held no file
}

// View rewrites what a read of a file of the base answers, for every
// reader: the directives, job workspaces and validators. The run records
// of past runs are read so, through the current ignored rules
// (docs/spec.md 6.5). A plan cannot write the files a view covers.
type View struct {
	// Covers reports whether the file at p is read through Apply; it is
	// asked for every file read, and should be cheap.
	Covers func(p string) bool
	// Apply returns what a read of the file at p, holding data,
	// answers.
	Apply func(p string, data []byte) []byte
}

// SetView makes reads of base files answer through v (nil: as they are).
func (s *State) SetView(v *View) { s.view, s.viewed = v, nil }

// covered reports whether reads of the base's file p go through the view.
func (s *State) covered(p string) bool { return s.view != nil && s.view.Covers(p) }

// viewOf returns what a read of p answers for content data of another
// tree (DIFF against).
func (s *State) viewOf(p string, data []byte) []byte {
	if s.covered(p) {
		return s.view.Apply(p, data)
	}
	return data
}

// baseRead returns what a read of the base's blob hash at p answers.
func (s *State) baseRead(p, hash string) ([]byte, error) {
	if !s.covered(p) {
		return s.base.ReadBlob(hash)
	}
	if b, ok := s.viewed[p]; ok {
		return b, nil
	}
	data, err := s.base.ReadBlob(hash)
	if err != nil {
		return nil, err
	}
	b := s.view.Apply(p, data)
	if s.viewed == nil {
		s.viewed = map[string][]byte{}
	}
	s.viewed[p] = b
	return b, nil
}

// baseSize returns the size of what a read of the base's blob hash at p
// answers.
func (s *State) baseSize(p, hash string) (int64, error) {
	if !s.covered(p) {
		return s.base.BlobSize(hash)
	}
	b, err := s.baseRead(p, hash)
	return int64(len(b)), err
}

// BlobOf returns the blob id of what a read of the staged file at p
// answers.
func (s *State) BlobOf(p string) (string, error) {
	f, ok := s.files[p]
	switch {
	case !ok:
		return "", fs.ErrNotExist
	case f.changed:
		return BlobID(f.data), nil
	case f.mode == aos.ModeGitlink || !s.covered(p):
		return f.hash, nil
	}
	b, err := s.baseRead(p, f.hash)
	if err != nil {
		return "", err
	}
	return BlobID(b), nil
}

// note records p's file before a change, the first time p changes while
// a directive runs.
func (s *State) note(p string) {
	if s.journal == nil {
		return
	}
	if _, ok := s.journal[p]; !ok {
		s.journal[p] = s.files[p]
	}
}

// NewState stages an empty overlay on base.
func NewState(base Base) (*State, error) {
	orig, err := base.Files()
	if err != nil {
		return nil, fmt.Errorf("read base tree: %w", err)
	}
	s := &State{base: base, orig: orig, files: make(map[string]*file, len(orig)), dirs: map[string]int{}, kids: map[string]map[string]int{}}
	for p, e := range orig {
		s.files[p] = &file{mode: e.Mode, hash: e.Hash}
		s.addDirs(p, 1)
	}
	return s, nil
}

func (s *State) addDirs(p string, delta int) {
	for {
		i := strings.LastIndexByte(p, '/')
		dir := "."
		if i >= 0 {
			dir = p[:i]
		}
		k := s.kids[dir]
		if k == nil {
			k = map[string]int{}
			s.kids[dir] = k
		}
		name := p[i+1:]
		before := k[name]
		if k[name] += delta; k[name] == 0 {
			delete(k, name)
			if len(k) == 0 {
				delete(s.kids, dir)
			}
		}
		if fi := s.folds[dir]; fi != nil {
			switch f := policy.FoldPath(name); {
			case before == 0 && k[name] > 0:
				fi[f] = append(fi[f], name)
			case before > 0 && k[name] == 0:
				fi[f] = slices.DeleteFunc(fi[f], func(n string) bool { return n == name })
			}
		}
		if i < 0 {
			return
		}
		p = dir
		s.dirs[p] += delta
		if s.dirs[p] == 0 {
			delete(s.dirs, p)
		}
	}
}

// foldSibling returns an entry of directory d ("." for the root) that is
// not named name and folds as it does: the two would be one file where
// case is ignored.
func (s *State) foldSibling(d, name string) (string, bool) {
	fi := s.folds[d]
	if fi == nil {
		if s.folds == nil {
			s.folds = map[string]map[string][]string{}
		}
		fi = map[string][]string{}
		for n := range s.kids[d] {
			f := policy.FoldPath(n)
			fi[f] = append(fi[f], n)
		}
		s.folds[d] = fi
	}
	for _, n := range fi[policy.FoldPath(name)] {
		if n != name {
			return n, true
		}
	}
	return "", false
}

// children returns the names of the entries of directory d ("." for the
// root), unsorted.
func (s *State) children(d string) map[string]int { return s.kids[d] }

// IsDir reports whether p is a directory of the staged tree.
func (s *State) IsDir(p string) bool { return s.dirs[p] > 0 }

// Lookup returns the staged file at p.
func (s *State) Lookup(p string) (mode uint32, ok bool) {
	f, ok := s.files[p]
	if !ok {
		return 0, false
	}
	return f.mode, true
}

// ReadFiles returns the contents of the staged files at paths that exist,
// reading the base's blobs together when the base is a [BlobsReader].
// The slices are the state's own: callers must not modify them.
func (s *State) ReadFiles(paths []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(paths))
	err := s.EachFile(paths, func(p string, data []byte) { out[p] = data })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EachFile hands the content of each staged file at paths that exists to
// fn as soon as it is read: first the files the plan changed, then the
// base's, in the order of paths, read together when the base is a
// [BlobsReader]. It reads nothing else of the state, so that the state's
// maps may be read while it runs; the slices are the state's own.
func (s *State) EachFile(paths []string, fn func(p string, data []byte)) error {
	var hashes []string
	byHash := map[string][]string{}
	for _, p := range paths {
		f, ok := s.files[p]
		switch {
		case !ok:
		case f.data != nil || f.changed:
			fn(p, f.data)
		default:
			if byHash[f.hash] == nil {
				hashes = append(hashes, f.hash)
			}
			byHash[f.hash] = append(byHash[f.hash], p)
		}
	}
	keep := func(h string, data []byte) error {
		for _, p := range byHash[h] {
			fn(p, s.viewOf(p, data))
		}
		return nil
	}
	if br, ok := s.base.(BlobsReader); ok && len(hashes) > 1 {
		return br.ReadBlobs(hashes, keep)
	}
	for _, h := range hashes {
		data, err := s.base.ReadBlob(h)
		if err != nil {
			return err
		}
		keep(h, data)
	}
	return nil
}

// Sizes returns the sizes of the staged regular files at paths whose size
// is known without reading them: those the plan wrote, and the base's
// that no view covers, sized together when the base is a [SizesReader].
func (s *State) Sizes(paths []string) (map[string]int64, error) {
	out := make(map[string]int64, len(paths))
	var hashes []string
	byHash := map[string][]string{}
	for _, p := range paths {
		f, ok := s.files[p]
		switch {
		case !ok || f.mode == aos.ModeGitlink || f.mode == aos.ModeSymlink:
		case f.changed:
			out[p] = int64(len(f.data))
		case s.covered(p):
		default:
			if byHash[f.hash] == nil {
				hashes = append(hashes, f.hash)
			}
			byHash[f.hash] = append(byHash[f.hash], p)
		}
	}
	sr, ok := s.base.(SizesReader)
	if !ok || len(hashes) <= 1 {
		for _, h := range hashes {
			n, err := s.base.BlobSize(h)
			if err != nil {
				return nil, err
			}
			for _, p := range byHash[h] {
				out[p] = n
			}
		}
		return out, nil
	}
	sizes, err := sr.BlobSizes(hashes)
	if err != nil {
		return nil, err
	}
	for h, n := range sizes {
		for _, p := range byHash[h] {
			out[p] = n
		}
	}
	return out, nil
}

// Read returns the content of the staged file at p.
func (s *State) Read(p string) ([]byte, error) {
	f, ok := s.files[p]
	if !ok {
		return nil, fs.ErrNotExist
	}
	if f.data != nil || f.changed {
		return f.data, nil
	}
	return s.baseRead(p, f.hash)
}

// Size returns the size of the staged file at p.
func (s *State) Size(p string) (int64, error) {
	f, ok := s.files[p]
	if !ok {
		return 0, fs.ErrNotExist
	}
	if f.changed {
		return int64(len(f.data)), nil
	}
	return s.baseSize(p, f.hash)
}

// begin starts a change of several paths that is kept (commit) or undone
// (rollback) as a whole.
func (s *State) begin() { s.undo, s.undoing = s.undo[:0], true }

// commit keeps the change begun.
func (s *State) commit() { s.undo, s.undoing = s.undo[:0], false }

// rollback undoes every put and remove since begin, last first.
func (s *State) rollback() {
	s.undoing = false
	for i := len(s.undo) - 1; i >= 0; i-- {
		u := s.undo[i]
		if u.prev == nil {
			s.remove(u.path)
			continue
		}
		if _, ok := s.files[u.path]; !ok {
			s.addDirs(u.path, 1)
		}
		s.files[u.path] = u.prev
		if s.onChange != nil {
			s.onChange(u.path)
		}
	}
	s.undo = s.undo[:0]
}

func (s *State) record(p string) {
	if s.undoing {
		s.undo = append(s.undo, undoEntry{p, s.files[p]})
	}
}

func (s *State) put(p string, mode uint32, data []byte) *file {
	s.note(p)
	if data == nil {
		data = []byte{}
	}
	s.record(p)
	if _, ok := s.files[p]; !ok {
		s.addDirs(p, 1)
	}
	f := &file{mode: mode, data: data, changed: true}
	s.files[p] = f
	if s.onChange != nil {
		s.onChange(p)
	}
	return f
}

// appendTo appends data to the staged file at p, of mode mode, and
// returns the new content and its digest ("sha256:<hex>"). The first
// append copies the file's content into a buffer with room to grow; the
// next ones extend it.
func (s *State) appendTo(p string, mode uint32, old, data []byte) ([]byte, string) {
	f := s.files[p]
	var buf []byte
	var sum hash.Hash
	if f != nil && f.appended {
		buf, sum = append(f.data, data...), f.sum
	} else {
		buf = make([]byte, 0, 2*(len(old)+len(data)))
		buf = append(append(buf, old...), data...)
		sum = sha256.New()
		sum.Write(old)
	}
	sum.Write(data)
	s.put(p, mode, buf)
	nf := s.files[p]
	nf.appended, nf.sum = true, sum
	return buf, "sha256:" + hex.EncodeToString(sum.Sum(nil))
}

func (s *State) remove(p string) {
	if _, ok := s.files[p]; ok {
		s.note(p)
		s.record(p)
		delete(s.files, p)
		s.addDirs(p, -1)
		if s.onChange != nil {
			s.onChange(p)
		}
	}
}

// under returns the staged files beneath directory d, sorted.
func (s *State) under(d string) []string {
	var out []string
	var walk func(d string)
	walk = func(d string) {
		for name := range s.kids[d] {
			p := d + "/" + name
			if _, ok := s.files[p]; ok {
				out = append(out, p)
			} else {
				walk(p)
			}
		}
	}
	if d != "." {
		walk(d)
	}
	sort.Strings(out)
	return out
}

// Change is a file that differs between the base and the staged tree.
type Change struct {
	Path   string
	Status aos.ChangeStatus
	Mode   uint32 // new mode; the old one when deleted
	Data   []byte // new content; nil when deleted
	// ID is the blob id of Data, when known ("" otherwise).
	ID string
	// Hash is the base blob of a file whose mode alone changed (Data is
	// nil then), or of a deleted file.
	Hash string
}

// Changes returns the differences between the base and the staged tree,
// sorted by path. Content written back unchanged is not a change.
func (s *State) Changes() ([]Change, error) {
	var out []Change
	for p, f := range s.files {
		o, existed := s.orig[p]
		switch {
		case !existed:
			out = append(out, Change{Path: p, Status: aos.StatusAdded, Mode: f.mode, Data: f.data, ID: f.id})
		case f.changed:
			if f.id == "" {
				f.id = BlobID(f.data)
			}
			if f.mode == o.Mode && f.id == o.Hash {
				continue
			}
			out = append(out, Change{Path: p, Status: aos.StatusModified, Mode: f.mode, Data: f.data, ID: f.id})
		case f.mode != o.Mode:
			out = append(out, Change{Path: p, Status: aos.StatusModified, Mode: f.mode, Hash: f.hash})
		}
	}
	for p, o := range s.orig {
		if _, ok := s.files[p]; !ok {
			out = append(out, Change{Path: p, Status: aos.StatusDeleted, Mode: o.Mode, Hash: o.Hash})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}
