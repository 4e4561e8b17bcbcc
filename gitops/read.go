package gitops

import (
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// CommitInfo is a commit as other packages see it.
type CommitInfo struct {
	ID        string
	Tree      string
	Parents   []string
	Author    Ident
	Committer Ident
	// Headers are the commit's headers after the committer, by name, in
	// order: "gpgsig" for a signed commit, "encoding" for a message that
	// git re-encodes for display.
	Headers []string
	Message string
}

// CommitInfo reads the commit with the given id.
func (r *Repo) CommitInfo(id string) (*CommitInfo, error) {
	c, err := r.readCommit(id)
	if err != nil {
		return nil, err
	}
	ci := &CommitInfo{ID: id, Tree: c.tree.String(), Message: c.message, Author: c.author, Committer: c.committer, Headers: c.headers}
	for _, p := range c.parents {
		ci.Parents = append(ci.Parents, p.String())
	}
	return ci, nil
}

// ReadPath returns the content and mode of the file at p in a commit's
// tree, reading only the trees on the way to it. ok is false when the tree
// holds no file at p: nothing is there, or a directory or a submodule is,
// or p is no path a tree can hold. An error means that the commit, or a
// tree or the blob on the way, could not be read.
func (r *Repo) ReadPath(commit, p string) (data []byte, mode uint32, ok bool, err error) {
	id, mode, ok, err := r.PathEntry(commit, p)
	if err != nil || !ok {
		return nil, mode, false, err
	}
	if data, err = r.ReadBlob(id); err != nil {
		return nil, 0, false, err
	}
	return data, mode, true, nil
}

// PathEntry returns the blob id and mode of the file at p in a commit's
// tree, as [Repo.ReadPath] finds it, without reading the blob.
func (r *Repo) PathEntry(commit, p string) (id string, mode uint32, ok bool, err error) {
	c, err := r.readCommit(commit)
	if err != nil {
		return "", 0, false, err
	}
	h := c.tree
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if seg == "" || seg == "." || seg == ".." {
			return "", 0, false, nil
		}
		prefix := ""
		if i > 0 {
			prefix = strings.Join(segs[:i], "/") + "/"
		}
		entries, err := r.readTree(h, prefix)
		if err != nil {
			return "", 0, false, fmt.Errorf("commit %.12s: %w", commit, err)
		}
		var e *treeEntry
		for j := range entries {
			if entries[j].name == seg {
				e = &entries[j]
				break
			}
		}
		switch {
		case e == nil:
			return "", 0, false, nil
		case i < len(segs)-1:
			if e.mode != filemode.Dir {
				return "", 0, false, nil
			}
			h = e.hash
			continue
		case e.mode == filemode.Dir || e.mode == filemode.Submodule:
			return "", uint32(e.mode), false, nil
		}
		return e.hash.String(), uint32(e.mode), true, nil
	}
	return "", 0, false, nil
}

// RevList returns the commits git rev-list lists for args, newest first.
func (r *Repo) RevList(args ...string) ([]string, error) {
	out, err := gitOutput(r.GitDir, append([]string{"rev-list"}, append(args, "--")...)...)
	if err != nil {
		return nil, err
	}
	if out == "" {
		return nil, nil
	}
	return strings.Split(out, "\n"), nil
}
