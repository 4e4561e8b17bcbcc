package wasm

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"path"
	"time"
)

// The child process has no files of its own to give a module: /src is
// served from the host's fs.FS over the frame channel, one request at a
// time (a module is single-threaded).

type fsQuery struct {
	Op   string `json:"op"` // stat, readdir or read
	Path string `json:"path"`
	Off  int64  `json:"off,omitempty"`
	N    int    `json:"n,omitempty"`
}

type fsEntry struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	Dir  bool   `json:"dir,omitempty"`
}

// Reply status bytes.
const (
	fsOK byte = iota
	fsNotExist
	fsInvalid
	fsPermission
	fsOther
)

const maxRead = 4 << 20

func errStatus(err error) byte {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fsNotExist
	case errors.Is(err, fs.ErrInvalid):
		return fsInvalid
	case errors.Is(err, fs.ErrPermission):
		return fsPermission
	}
	return fsOther
}

func statusErr(b byte) error {
	switch b {
	case fsNotExist:
		return fs.ErrNotExist
	case fsInvalid:
		return fs.ErrInvalid
	case fsPermission:
		return fs.ErrPermission
	}
	return errors.New("i/o error")
}

// fsServer answers a child's requests from fsys, on the host side.
type fsServer struct {
	fsys     fs.FS
	lastPath string
	lastFile fs.File
	lastData []byte // when lastFile is no io.ReaderAt
}

func (s *fsServer) close() {
	if s.lastFile != nil {
		s.lastFile.Close()
		s.lastFile = nil
	}
}

func (s *fsServer) serve(payload []byte) []byte {
	var q fsQuery
	if err := json.Unmarshal(payload, &q); err != nil || !fs.ValidPath(q.Path) {
		return []byte{fsInvalid}
	}
	if s.fsys == nil {
		return []byte{fsNotExist}
	}
	switch q.Op {
	case "stat":
		fi, err := fs.Stat(s.fsys, q.Path)
		if err != nil {
			return []byte{errStatus(err)}
		}
		if !fi.Mode().IsRegular() && !fi.IsDir() {
			return []byte{fsNotExist}
		}
		b, _ := json.Marshal(fsEntry{Name: path.Base(q.Path), Size: fi.Size(), Dir: fi.IsDir()})
		return append([]byte{fsOK}, b...)
	case "readdir":
		ents, err := fs.ReadDir(s.fsys, q.Path)
		if err != nil {
			return []byte{errStatus(err)}
		}
		out := make([]fsEntry, 0, len(ents))
		for _, e := range ents {
			if !e.Type().IsRegular() && !e.IsDir() {
				continue
			}
			var size int64
			if !e.IsDir() {
				if fi, err := e.Info(); err == nil {
					size = fi.Size()
				}
			}
			out = append(out, fsEntry{Name: e.Name(), Size: size, Dir: e.IsDir()})
		}
		b, _ := json.Marshal(out)
		return append([]byte{fsOK}, b...)
	case "read":
		if q.Off < 0 || q.N < 0 {
			return []byte{fsInvalid}
		}
		n := min(q.N, maxRead)
		if q.Path != s.lastPath {
			s.close()
			s.lastPath, s.lastData = "", nil
			f, err := s.fsys.Open(q.Path)
			if err != nil {
				return []byte{errStatus(err)}
			}
			if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
				f.Close()
				return []byte{fsInvalid}
			}
			if _, ok := f.(io.ReaderAt); !ok {
				data, err := io.ReadAll(f)
				f.Close()
				if err != nil {
					return []byte{errStatus(err)}
				}
				s.lastData = data
			} else {
				s.lastFile = f
			}
			s.lastPath = q.Path
		}
		if s.lastFile != nil {
			if fi, err := s.lastFile.Stat(); err == nil && q.Off+int64(n) > fi.Size() {
				n = int(max(0, fi.Size()-q.Off))
			}
			buf := make([]byte, 1+n)
			k, err := s.lastFile.(io.ReaderAt).ReadAt(buf[1:], q.Off)
			if err != nil && err != io.EOF {
				return []byte{errStatus(err)}
			}
			return buf[:1+k]
		}
		buf := make([]byte, 1, 1+n)
		if q.Off < int64(len(s.lastData)) {
			end := min(int64(len(s.lastData)), q.Off+int64(n))
			buf = append(buf, s.lastData[q.Off:end]...)
		}
		return buf
	}
	return []byte{fsInvalid}
}

// rpcFS is the child side: an fs.FS whose every call is a request to the
// host.
type rpcFS struct {
	call func(q fsQuery) ([]byte, error) // returns the reply payload
}

func (r *rpcFS) do(q fsQuery) ([]byte, error) {
	reply, err := r.call(q)
	if err != nil {
		return nil, err
	}
	if len(reply) == 0 {
		return nil, errors.New("empty fs reply")
	}
	if reply[0] != fsOK {
		return nil, statusErr(reply[0])
	}
	return reply[1:], nil
}

func (r *rpcFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	b, err := r.do(fsQuery{Op: "stat", Path: name})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	var e fsEntry
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if name == "." {
		e.Name = "."
	}
	if e.Dir {
		return &rpcDir{fs: r, path: name, info: infoOf(e)}, nil
	}
	return &rpcFile{fs: r, path: name, info: infoOf(e)}, nil
}

// fileInfo describes a file of /src: read-only, with no time (a module
// sees the same metadata on every run).
type fileInfo struct {
	name string
	size int64
	dir  bool
}

func infoOf(e fsEntry) fileInfo { return fileInfo{name: e.Name, size: e.Size, dir: e.Dir} }

func (fi fileInfo) Name() string       { return fi.name }
func (fi fileInfo) Size() int64        { return fi.size }
func (fi fileInfo) ModTime() time.Time { return time.Time{} }
func (fi fileInfo) IsDir() bool        { return fi.dir }
func (fi fileInfo) Sys() any           { return nil }
func (fi fileInfo) Mode() fs.FileMode {
	if fi.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (fi fileInfo) Type() fs.FileMode          { return fi.Mode().Type() }
func (fi fileInfo) Info() (fs.FileInfo, error) { return fi, nil }

type rpcFile struct {
	fs     *rpcFS
	path   string
	info   fileInfo
	pos    int64
	buf    []byte
	bufOff int64
}

func (f *rpcFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *rpcFile) Close() error               { f.buf = nil; return nil }

func (f *rpcFile) Read(p []byte) (int, error) {
	n, err := f.ReadAt(p, f.pos)
	f.pos += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (f *rpcFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fs.ErrInvalid
	}
	total := 0
	for len(p) > 0 {
		if off >= f.bufOff && off < f.bufOff+int64(len(f.buf)) {
			k := copy(p, f.buf[off-f.bufOff:])
			p, off, total = p[k:], off+int64(k), total+k
			continue
		}
		want := max(len(p), 1<<20)
		b, err := f.fs.do(fsQuery{Op: "read", Path: f.path, Off: off, N: want})
		if err != nil {
			return total, &fs.PathError{Op: "read", Path: f.path, Err: err}
		}
		if len(b) == 0 {
			return total, io.EOF
		}
		f.buf, f.bufOff = b, off
	}
	return total, nil
}

func (f *rpcFile) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.pos
	case io.SeekEnd:
		offset += f.info.size
	default:
		return 0, fs.ErrInvalid
	}
	if offset < 0 {
		return 0, fs.ErrInvalid
	}
	f.pos = offset
	return offset, nil
}

type rpcDir struct {
	fs      *rpcFS
	path    string
	info    fileInfo
	entries []fs.DirEntry
	loaded  bool
}

func (d *rpcDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *rpcDir) Close() error               { return nil }
func (d *rpcDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.path, Err: errors.New("is a directory")}
}

func (d *rpcDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.loaded {
		b, err := d.fs.do(fsQuery{Op: "readdir", Path: d.path})
		if err != nil {
			return nil, &fs.PathError{Op: "readdir", Path: d.path, Err: err}
		}
		var ents []fsEntry
		if err := json.Unmarshal(b, &ents); err != nil {
			return nil, &fs.PathError{Op: "readdir", Path: d.path, Err: err}
		}
		for _, e := range ents {
			if !fs.ValidPath(e.Name) || e.Name == "." || path.Base(e.Name) != e.Name {
				continue
			}
			d.entries = append(d.entries, infoOf(e))
		}
		d.loaded = true
	}
	if n <= 0 {
		out := d.entries
		d.entries = nil
		return out, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	k := min(n, len(d.entries))
	out := d.entries[:k]
	d.entries = d.entries[k:]
	return out, nil
}
