package validators

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
)

// sharedFS serialises reads of the staged tree, whose git storage is not
// safe for concurrent use, and keeps what it read: every validator reads
// the same changed files. It serves the tree at /src for modules, and its
// bytes, shared and never copied, to the built-ins' host functions.
type sharedFS struct {
	mu    sync.Mutex
	st    *engine.State
	fsys  fs.FS
	vis   func(string) bool
	files map[string][]byte
	// damaged is the first read that failed because the repository is
	// damaged: the module sees an unreadable file, and Validate fails.
	damaged error
}

// damage returns the first damaged object a read met.
func (s *sharedFS) damage() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.damaged
}

// noteDamage keeps err if it is the first about a damaged repository.
func (s *sharedFS) noteDamage(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.damaged == nil && errors.Is(err, aos.ErrDamaged) {
		s.damaged = err
	}
}

func newSharedFS(st *engine.State, visible func(string) bool) *sharedFS {
	return &sharedFS{st: st, fsys: st.FS(visible), vis: visible, files: map[string][]byte{}}
}

// preload reads the regular files at paths at once, for the validators
// to share.
func (s *sharedFS) preload(paths []string) error {
	var files []string
	for _, p := range paths {
		if mode, ok := s.st.Lookup(p); ok && (mode == aos.ModeFile || mode == aos.ModeExecutable) {
			files = append(files, p)
		}
	}
	if len(files) == 0 {
		return nil
	}
	data, err := s.st.ReadFiles(files)
	if err != nil {
		return fmt.Errorf("read the changed files: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, b := range data {
		s.files[p] = b
	}
	return nil
}

// errNotFile means a path of the staged tree is not a regular file that
// validators see.
var errNotFile = errors.New("not a regular file")

// bytes returns the content of the visible regular file name, read once;
// callers must not modify it.
func (s *sharedFS) bytes(name string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if data, ok := s.files[name]; ok {
		return data, nil
	}
	mode, ok := s.st.Lookup(name)
	if !ok || !s.vis(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	if mode != aos.ModeFile && mode != aos.ModeExecutable {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errNotFile}
	}
	data, err := s.st.Read(name)
	if err != nil {
		if s.damaged == nil && errors.Is(err, aos.ErrDamaged) {
			s.damaged = err
		}
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	s.files[name] = data
	return data, nil
}

// size returns the size of the staged file name, from what was read
// when it was.
func (s *sharedFS) size(name string) (int64, error) {
	s.mu.Lock()
	data, ok := s.files[name]
	s.mu.Unlock()
	if ok {
		return int64(len(data)), nil
	}
	return s.st.Size(name)
}

func (s *sharedFS) Open(name string) (fs.File, error) {
	s.mu.Lock()
	data, ok := s.files[name]
	s.mu.Unlock()
	if ok {
		return s.file(name, data)
	}
	s.mu.Lock()
	f, err := s.fsys.Open(name)
	if err != nil {
		s.mu.Unlock()
		s.noteDamage(err)
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		s.mu.Unlock()
		s.noteDamage(err)
		return nil, err
	}
	if fi.IsDir() {
		ents, err := fs.ReadDir(s.fsys, name)
		f.Close()
		s.mu.Unlock()
		if err != nil {
			s.noteDamage(err)
			return nil, err
		}
		return &memDir{info: fi, ents: ents}, nil
	}
	f.Close()
	s.mu.Unlock()
	data, err = s.bytes(name)
	if err != nil {
		return nil, err
	}
	return s.file(name, data)
}

func (s *sharedFS) file(name string, data []byte) (fs.File, error) {
	return &memFile{name: name, Reader: bytes.NewReader(data)}, nil
}

type memFile struct {
	name string
	*bytes.Reader
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{f.name, f.Size()}, nil }
func (f *memFile) Close() error               { return nil }

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name[strings.LastIndexByte(i.name, '/')+1:] }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

type memDir struct {
	info fs.FileInfo
	ents []fs.DirEntry
}

func (d *memDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *memDir) Close() error               { return nil }
func (d *memDir) Read([]byte) (int, error)   { return 0, fs.ErrInvalid }
func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if n <= 0 {
		out := d.ents
		d.ents = nil
		return out, nil
	}
	if len(d.ents) == 0 {
		return nil, io.EOF
	}
	k := min(n, len(d.ents))
	out := d.ents[:k]
	d.ents = d.ents[k:]
	return out, nil
}
