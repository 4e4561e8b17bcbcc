package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/architectos/aos"
	"github.com/architectos/aos/patch"
)

// FileReply is what FILE_READ returns.
type FileReply struct {
	Path    string `json:"path"`
	Mode    string `json:"mode"`
	Size    int64  `json:"size"`
	BlobID  string `json:"blob"`
	Content string `json:"content,omitempty"`
	// ContentBase64 holds content that is not valid UTF-8.
	ContentBase64 []byte `json:"content_base64,omitempty"`
}

func (r *runner) fileRead(d *aos.Directive, o *aos.Outcome) {
	if !r.readable(d, d.Path) {
		return
	}
	// A file read again before it changes gives the same reply, shared.
	c := r.reads[d.Path]
	if c == nil {
		data, err := r.st.Read(d.Path)
		if err != nil {
			r.failRead(d, d.Path, err)
			return
		}
		mode, _ := r.st.Lookup(d.Path)
		reply := &FileReply{Path: d.Path, Mode: fmt.Sprintf("%o", mode), Size: int64(len(data)), BlobID: BlobID(data)}
		if !r.opts.SkipReplies {
			if isText(data) {
				reply.Content = string(data)
			} else {
				reply.ContentBase64 = data
			}
		}
		c = &fixed{reply: *reply, digest: Digest(data), size: int64(len(data))}
		r.reads[d.Path] = c
	}
	o.Size, o.Digest = c.size, c.digest
	r.res.Replies[d.Index] = c.reply
}

// StatReply is what STAT returns.
type StatReply struct {
	Path   string `json:"path"`
	Type   string `json:"type"` // file, executable, symlink, submodule, dir
	Mode   string `json:"mode,omitempty"`
	Size   int64  `json:"size,omitempty"`
	BlobID string `json:"blob,omitempty"`
}

func typeOf(mode uint32) string {
	switch mode {
	case aos.ModeExecutable:
		return "executable"
	case aos.ModeSymlink:
		return "symlink"
	case aos.ModeGitlink:
		return "submodule"
	}
	return "file"
}

func (r *runner) stat(d *aos.Directive, o *aos.Outcome) {
	if !r.checkPath(d, d.Path) {
		return
	}
	if !r.visible(d.Path) {
		r.violate(d, d.Path, aos.RulePathNotFound, "no such file")
		return
	}
	if r.st.IsDir(d.Path) && r.dirVisible(d.Path) {
		r.res.Replies[d.Index] = StatReply{Path: d.Path, Type: "dir"}
		return
	}
	f, ok := r.st.files[d.Path]
	if !ok {
		r.violate(d, d.Path, aos.RulePathNotFound, "no such file")
		return
	}
	reply := StatReply{Path: d.Path, Type: typeOf(f.mode), Mode: fmt.Sprintf("%o", f.mode)}
	if f.mode != aos.ModeGitlink {
		size, err := r.st.Size(d.Path)
		if err != nil {
			r.failRead(d, d.Path, err)
			return
		}
		reply.Size = size
	}
	id, err := r.st.BlobOf(d.Path)
	if err != nil {
		r.failRead(d, d.Path, err)
		return
	}
	reply.BlobID = id
	o.Size = reply.Size
	r.res.Replies[d.Index] = reply
}

// LSEntry is one entry of an LS reply.
type LSEntry struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Size int64  `json:"size,omitempty"`
}

func (r *runner) ls(d *aos.Directive, o *aos.Outcome) {
	dir := d.Path
	if dir != "." {
		if !r.checkPath(d, dir) {
			return
		}
		if _, isFile := r.st.files[dir]; isFile && r.visible(dir) {
			r.violate(d, dir, aos.RulePathNotDir, "path is a file, not a directory")
			return
		}
		if !r.st.IsDir(dir) || !r.visible(dir) || !r.dirVisible(dir) {
			r.violate(d, dir, aos.RulePathNotFound, "no such directory")
			return
		}
	}
	if r.opts.SkipReplies {
		return
	}
	l := r.listings[dir]
	if l == nil {
		var bad string
		var err error
		if l, bad, err = r.list(dir); err != nil {
			r.failRead(d, bad, err)
			return
		}
		r.listings[dir] = l
	}
	o.Digest, o.Size = l.digest, int64(len(l.entries))
	r.res.Replies[d.Index] = l.entries
}

// listing is the reply of an LS of a directory, kept until something
// beneath it changes: repeated listings share it.
type listing struct {
	entries []LSEntry
	digest  string
}

// list lists dir; an entry whose size cannot be read is named with the
// error.
func (r *runner) list(dir string) (*listing, string, error) {
	prefix := ""
	if dir != "." {
		prefix = dir + "/"
	}
	seen := map[string]*LSEntry{}
	var names []string
	for name := range r.st.children(dir) {
		p := prefix + name
		f, isFile := r.st.files[p]
		if !r.visible(p) || (!isFile && !r.dirVisible(p)) {
			continue
		}
		e := &LSEntry{Name: name, Type: "dir"}
		if isFile {
			e.Type = typeOf(f.mode)
			if f.changed {
				e.Size = int64(len(f.data))
			} else if f.mode != aos.ModeGitlink {
				var err error
				if e.Size, err = r.st.baseSize(p, f.hash); err != nil {
					return nil, p, err
				}
			}
		}
		seen[name] = e
		names = append(names, name)
	}
	sort.Strings(names)
	entries := make([]LSEntry, len(names))
	for i, n := range names {
		entries[i] = *seen[n]
	}
	b, _ := json.Marshal(entries)
	return &listing{entries: entries, digest: Digest(b)}, "", nil
}

func (r *runner) diff(d *aos.Directive, o *aos.Outcome) {
	p := d.Path
	if !r.checkPath(d, p) {
		return
	}
	// An ignored path is absent on both sides, and answers as a missing
	// one does, an unresolvable against included.
	visible := r.visible(p)
	var old []byte
	var oldMode uint32
	from := r.st.orig
	var fromBase Base = r.st.base
	if d.Against != "" {
		if r.opts.Tree == nil {
			r.violate(d, p, aos.RuleDiffAgainst, "DIFF against another commit is not available here")
			return
		}
		b, err := r.opts.Tree(d.Against)
		if errors.Is(err, aos.ErrDamaged) {
			r.failRead(d, d.Against, err)
			return
		}
		if err != nil {
			r.violate(d, p, aos.RuleDiffAgainst, fmt.Sprintf("cannot resolve %q: %v", d.Against, err))
			return
		}
		if from, err = b.Files(); err != nil {
			r.failRead(d, d.Against, err)
			return
		}
		fromBase = b
	}
	if e, ok := from[p]; ok && visible {
		var err error
		if old, err = fromBase.ReadBlob(e.Hash); err != nil {
			r.failRead(d, p, err)
			return
		}
		old = r.st.viewOf(p, old)
		oldMode = e.Mode
	}
	var cur []byte
	var curMode uint32
	if f, ok := r.st.files[p]; ok && visible {
		var err error
		if cur, err = r.st.Read(p); err != nil {
			r.failRead(d, p, err)
			return
		}
		curMode = f.mode
	}
	if oldMode == 0 && curMode == 0 {
		r.violate(d, p, aos.RulePathNotFound, "no such file on either side")
		return
	}
	if r.opts.SkipReplies {
		return
	}
	text := patch.Unified(p, old, oldMode, cur, curMode)
	o.Size, o.Digest = int64(len(text)), Digest([]byte(text))
	r.res.Replies[d.Index] = text
}

func isText(b []byte) bool {
	return bytes.IndexByte(b, 0) < 0 && utf8.Valid(b)
}

// fixed is a reply that does not change during a run (the manifest, the
// history of the base, the environment): it is computed once, whatever
// the number of directives that ask for it.
type fixed struct {
	done   bool
	reply  any
	digest string
	size   int64
	err    error
}

func (r *runner) getManifest(d *aos.Directive, o *aos.Outcome) {
	f := &r.fixed[0]
	if !f.done {
		view := RedactedManifest(r.m)
		b, _ := json.Marshal(view)
		*f = fixed{done: true, reply: view, digest: Digest(b), size: int64(len(b))}
	}
	r.res.Replies[d.Index] = f.reply
	o.Digest, o.Size = f.digest, f.size
}

func (r *runner) getEnvironmentInfo(d *aos.Directive) {
	if r.opts.EnvInfo == nil {
		return
	}
	f := &r.fixed[1]
	if !f.done {
		*f = fixed{done: true, reply: r.opts.EnvInfo()}
	}
	r.res.Replies[d.Index] = f.reply
}

func (r *runner) getHistory(d *aos.Directive, o *aos.Outcome) {
	if r.opts.History == nil {
		return
	}
	f := &r.fixed[2]
	if !f.done {
		h, err := r.opts.History()
		*f = fixed{done: true, reply: h, err: err}
		if err == nil {
			b, _ := json.Marshal(h)
			f.digest, f.size = Digest(b), int64(len(b))
		}
	}
	if errors.Is(f.err, aos.ErrDamaged) {
		r.failRead(d, "the audit log", f.err)
		return
	}
	if f.err != nil {
		r.violate(d, "", aos.RuleHistoryRead, fmt.Sprintf("cannot read history: %v", f.err))
		return
	}
	r.res.Replies[d.Index] = f.reply
	o.Digest, o.Size = f.digest, f.size
}
