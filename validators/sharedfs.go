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
//
// The changed files are read in one stream ([sharedFS.preload]) while the
// validators run: a validator that asks for a file of the stream waits
// for that file only, and one that asks for anything else waits for the
// stream to end, so that the storage is read by one reader at a time.
type sharedFS struct {
	mu    sync.Mutex
	st    *engine.State
	fsys  fs.FS
	vis   func(string) bool
	files map[string][]byte
	// sizes are the sizes of the stream's files, known before their
	// content.
	sizes map[string]int64
	// streaming is the set of the stream's files while it runs, nil
	// after; arrived is signalled (on mu) as each file comes and when
	// the stream ends, with streamErr.
	streaming map[string]bool
	arrived   *sync.Cond
	streamErr error
	streamed  chan struct{}
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
	s := &sharedFS{st: st, fsys: st.FS(visible), vis: visible, files: map[string][]byte{}, sizes: map[string]int64{}}
	s.arrived = sync.NewCond(&s.mu)
	return s
}

// preload sizes the regular files at paths at once, then starts reading
// them in one stream for the validators to share; [sharedFS.wait] waits
// for the stream's end and returns why it failed.
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
	sizes, err := s.st.Sizes(files)
	if err != nil {
		return fmt.Errorf("size the changed files: %w", err)
	}
	s.sizes = sizes
	s.streaming = make(map[string]bool, len(files))
	for _, p := range files {
		s.streaming[p] = true
	}
	s.streamed = make(chan struct{})
	go func() {
		defer close(s.streamed)
		err := s.st.EachFile(files, func(p string, data []byte) {
			s.mu.Lock()
			s.files[p] = data
			s.mu.Unlock()
			s.arrived.Broadcast()
		})
		s.mu.Lock()
		s.streaming, s.streamErr = nil, err
		if s.damaged == nil && errors.Is(err, aos.ErrDamaged) {
			s.damaged = err
		}
		s.mu.Unlock()
		s.arrived.Broadcast()
	}()
	return nil
}

// wait waits for the stream of [sharedFS.preload], if one was started,
// and returns why it failed.
func (s *sharedFS) wait() error {
	if s.streamed == nil {
		return nil
	}
	<-s.streamed
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streamErr != nil {
		return fmt.Errorf("read the changed files: %w", s.streamErr)
	}
	return nil
}

// settle waits, holding mu, until name has come from the stream or
// nothing else reads the storage: on return, either files holds name or
// the stream has ended.
func (s *sharedFS) settle(name string) {
	for s.streaming != nil {
		if _, ok := s.files[name]; ok {
			return
		}
		s.arrived.Wait()
	}
}

// errNotFile means a path of the staged tree is not a regular file that
// validators see.
var errNotFile = errors.New("not a regular file")

// bytes returns the content of the visible regular file name, read once;
// callers must not modify it.
func (s *sharedFS) bytes(name string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle(name)
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
	if n, ok := s.sizes[name]; ok {
		s.mu.Unlock()
		return n, nil
	}
	s.settle(name)
	data, ok := s.files[name]
	s.mu.Unlock()
	if ok {
		return int64(len(data)), nil
	}
	return s.st.Size(name)
}

func (s *sharedFS) Open(name string) (fs.File, error) {
	s.mu.Lock()
	s.settle(name)
	data, ok := s.files[name]
	s.mu.Unlock()
	if ok {
		return s.file(name, data)
	}
	s.mu.Lock()
	s.settle(name)
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
