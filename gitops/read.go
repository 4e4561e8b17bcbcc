package gitops

import (
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// CommitInfo is a commit as other packages see it.
type CommitInfo struct {
	ID        string
	Tree      string
	Parents   []string
	Author    Ident
	Committer Ident
	Message   string
}

// CommitInfo reads the commit with the given id.
func (r *Repo) CommitInfo(id string) (*CommitInfo, error) {
	c, err := r.commitObject(id)
	if err != nil {
		return nil, err
	}
	ci := &CommitInfo{ID: c.Hash.String(), Tree: c.TreeHash.String(), Message: c.Message,
		Author:    Ident{Name: c.Author.Name, Email: c.Author.Email, When: c.Author.When},
		Committer: Ident{Name: c.Committer.Name, Email: c.Committer.Email, When: c.Committer.When}}
	for _, p := range c.ParentHashes {
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
	c, err := r.commitObject(commit)
	if err != nil {
		return nil, 0, false, err
	}
	h := c.TreeHash
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if seg == "" || seg == "." || seg == ".." {
			return nil, 0, false, nil
		}
		t, err := object.GetTree(r.store, h)
		if err != nil {
			return nil, 0, false, fmt.Errorf("read tree %s of commit %.12s: %w", h, commit, err)
		}
		var e *object.TreeEntry
		for j := range t.Entries {
			if t.Entries[j].Name == seg {
				e = &t.Entries[j]
				break
			}
		}
		switch {
		case e == nil:
			return nil, 0, false, nil
		case i < len(segs)-1:
			if e.Mode != filemode.Dir {
				return nil, 0, false, nil
			}
			h = e.Hash
			continue
		case e.Mode == filemode.Dir || e.Mode == filemode.Submodule:
			return nil, uint32(e.Mode), false, nil
		}
		data, err := r.ReadBlob(e.Hash.String())
		if err != nil {
			return nil, 0, false, err
		}
		return data, uint32(e.Mode), true, nil
	}
	return nil, 0, false, nil
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
