package engine

// The staged tree as a read-only fs.FS, for validators and job workspaces.

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/architectos/aos"
)

// FS returns the staged tree as a read-only file system holding the
// regular files that visible reports true for (validators and job
// workspaces see this). Symlinks and gitlinks are left out.
func (s *State) FS(visible func(string) bool) fs.FS {
	snap := &stagedFS{s: s, files: map[string]*file{}, dirs: map[string][]string{}}
	for p, f := range s.files {
		if f.mode != aos.ModeFile && f.mode != aos.ModeExecutable {
			continue
		}
		if !visible(p) {
			continue
		}
		snap.files[p] = f
		child := p
		for {
			dir := path.Dir(child)
			if dir == "/" {
				dir = "."
			}
			base := path.Base(child)
			known := snap.dirs[dir] != nil
			snap.dirs[dir] = append(snap.dirs[dir], base)
			if known || dir == "." {
				break
			}
			child = dir
		}
	}
	if snap.dirs["."] == nil {
		snap.dirs["."] = []string{}
	}
	for d, names := range snap.dirs {
		sort.Strings(names)
		snap.dirs[d] = dedup(names)
	}
	return snap
}

func dedup(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

type stagedFS struct {
	s     *State
	files map[string]*file
	dirs  map[string][]string
}

func (f *stagedFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if names, ok := f.dirs[name]; ok {
		return &stagedDir{fsys: f, name: name, names: names}, nil
	}
	fl, ok := f.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	data := fl.data
	if !fl.changed {
		var err error
		if data, err = f.s.baseRead(name, fl.hash); err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
	return &stagedFile{info: fileInfo{name: path.Base(name), size: int64(len(data)), mode: fl.mode}, r: strings.NewReader(string(data))}, nil
}

func (f *stagedFS) stat(name string) (fs.FileInfo, error) {
	if _, ok := f.dirs[name]; ok {
		return fileInfo{name: path.Base(name), dir: true}, nil
	}
	fl, ok := f.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	size := int64(len(fl.data))
	if !fl.changed {
		var err error
		if size, err = f.s.baseSize(name, fl.hash); err != nil {
			return nil, err
		}
	}
	return fileInfo{name: path.Base(name), size: size, mode: fl.mode}, nil
}

type fileInfo struct {
	name string
	size int64
	mode uint32
	dir  bool
}

func (i fileInfo) Name() string { return i.name }
func (i fileInfo) Size() int64  { return i.size }
func (i fileInfo) Mode() fs.FileMode {
	switch {
	case i.dir:
		return fs.ModeDir | 0o555
	case i.mode == aos.ModeExecutable:
		return 0o555
	}
	return 0o444
}
func (i fileInfo) ModTime() time.Time { return time.Unix(0, 0).UTC() }
func (i fileInfo) IsDir() bool        { return i.dir }
func (i fileInfo) Sys() any           { return nil }

type stagedFile struct {
	info fileInfo
	r    *strings.Reader
}

func (f *stagedFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *stagedFile) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *stagedFile) Close() error               { return nil }
func (f *stagedFile) ReadAt(b []byte, off int64) (int, error) {
	return f.r.ReadAt(b, off)
}
func (f *stagedFile) Seek(off int64, whence int) (int64, error) { return f.r.Seek(off, whence) }

type stagedDir struct {
	fsys  *stagedFS
	name  string
	names []string
	pos   int
}

func (d *stagedDir) Stat() (fs.FileInfo, error) {
	return fileInfo{name: path.Base(d.name), dir: true}, nil
}
func (d *stagedDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: fs.ErrInvalid}
}
func (d *stagedDir) Close() error { return nil }

func (d *stagedDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.names[d.pos:]
	if n > 0 && len(rest) == 0 {
		return nil, io.EOF
	}
	if n > 0 && n < len(rest) {
		rest = rest[:n]
	}
	d.pos += len(rest)
	out := make([]fs.DirEntry, 0, len(rest))
	for _, name := range rest {
		full := name
		if d.name != "." {
			full = d.name + "/" + name
		}
		info, err := d.fsys.stat(full)
		if err != nil {
			return out, err
		}
		out = append(out, fs.FileInfoToDirEntry(info))
	}
	return out, nil
}

// Digest returns "sha256:<hex>" of b.
func Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// DigestParts is [Digest] of content that arrives in parts: more blocks
// until more than n bytes have arrived, or all have, and returns the
// content so far and whether that is all of it.
func DigestParts(more func(n int) ([]byte, bool)) string {
	h := sha256.New()
	n := 0
	for {
		d, done := more(n)
		h.Write(d[n:])
		n = len(d)
		if done {
			return "sha256:" + hex.EncodeToString(h.Sum(nil))
		}
	}
}

// BlobID returns the git object id (SHA-1) of a blob with content b.
func BlobID(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}
