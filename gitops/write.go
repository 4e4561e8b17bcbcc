package gitops

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/architectos/aos"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// TreeChange is one file to set or remove when building a tree.
type TreeChange struct {
	Path string
	// Mode is the file's mode; 0 removes the path.
	Mode uint32
	// Data is the content of a new blob; when nil, Hash names an existing
	// blob (a mode change).
	Data []byte
	Hash string
}

// ObjectSink receives the objects a tree or commit is made of. [Repo] is a
// sink that stores them; [HashOnly] computes their ids and stores nothing.
type ObjectSink interface {
	put(t plumbing.ObjectType, data []byte) (plumbing.Hash, error)
}

// HashOnly computes object ids without writing anything.
var HashOnly ObjectSink = hashOnly{}

type hashOnly struct{}

func (hashOnly) put(t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	// Plain SHA-1, as git computes ids: go-git's collision-detecting
	// SHA-1 costs several times more for the same ids.
	return objectID(t, data), nil
}

// HashKeepingTrees is a sink that computes ids as [HashOnly] does and
// keeps the trees in r's cache of objects read: a tree built to compare
// with a commit's, and found to be it, is then read from memory when the
// commit is diffed. Each tree kept hashed to its id as it was made.
func (r *Repo) HashKeepingTrees() ObjectSink { return keepTrees{r} }

type keepTrees struct{ r *Repo }

func (k keepTrees) put(t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	h := objectID(t, data)
	if t == plumbing.TreeObject {
		k.r.objs.put(t, h, data)
	}
	return h, nil
}

// put writes one object, unless the repository has it, as a loose object
// (see [Repo.writeLoose]).
func (r *Repo) put(t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	h := objectID(t, data)
	if r.store.HasEncodedObject(h) == nil {
		return h, nil
	}
	return h, r.writeLoose([]pending{{t, h, data}})
}

// dirNode is a directory being rebuilt: its base tree entries, changed
// entries and changed subdirectories.
type dirNode struct {
	base    plumbing.Hash // zero for a new directory
	files   map[string]*TreeChange
	subdirs map[string]*dirNode
}

// BuildTree writes the tree made of base (a tree id, or the zero id for an
// empty tree) with changes applied, into sink, and returns its id. Only
// directories on the paths of changes are rewritten; the rest keep their
// ids. A directory left empty disappears, as in git.
func (r *Repo) BuildTree(base string, changes []TreeChange, sink ObjectSink) (string, error) {
	root := &dirNode{}
	if base != "" {
		root.base = plumbing.NewHash(base)
	}
	for i := range changes {
		c := &changes[i]
		dir, name := path.Split(c.Path)
		n := root
		if dir != "" {
			for _, seg := range strings.Split(strings.TrimSuffix(dir, "/"), "/") {
				if n.subdirs == nil {
					n.subdirs = map[string]*dirNode{}
				}
				sub, ok := n.subdirs[seg]
				if !ok {
					sub = &dirNode{}
					n.subdirs[seg] = sub
				}
				n = sub
			}
		}
		if n.files == nil {
			n.files = map[string]*TreeChange{}
		}
		n.files[name] = c
	}
	if err := checkFileDir(root, ""); err != nil {
		return "", err
	}
	h, empty, err := r.writeDir(root, sink, "")
	if err != nil {
		return "", err
	}
	if empty {
		if h, err = sink.put(plumbing.TreeObject, nil); err != nil {
			return "", err
		}
	}
	return h.String(), nil
}

// checkFileDir refuses changes that put a file and a path beneath it at
// once: the tree could hold only one of them, and whatever describes the
// changes would not describe the tree.
func checkFileDir(n *dirNode, prefix string) error {
	for name, sub := range n.subdirs {
		if c, ok := n.files[name]; ok && c.Mode != 0 && writes(sub) {
			return fmt.Errorf("build tree: %s%s is written as a file and as a directory", prefix, name)
		}
		if err := checkFileDir(sub, prefix+name+"/"); err != nil {
			return err
		}
	}
	return nil
}

// writes reports whether a change beneath n writes a file.
func writes(n *dirNode) bool {
	for _, c := range n.files {
		if c.Mode != 0 {
			return true
		}
	}
	for _, sub := range n.subdirs {
		if writes(sub) {
			return true
		}
	}
	return false
}

// writeDir writes n and returns its id, or empty when nothing is left in
// it.
func (r *Repo) writeDir(n *dirNode, sink ObjectSink, prefix string) (plumbing.Hash, bool, error) {
	entries := map[string]treeEntry{}
	base, err := r.readTreeFrom(sink, n.base, prefix)
	if err != nil {
		return plumbing.ZeroHash, false, err
	}
	for _, e := range base {
		entries[e.name] = e
	}
	// Subdirectories first: a file change may replace a directory and a
	// directory change may replace a file, and both are in changes.
	for name, sub := range n.subdirs {
		if e, ok := entries[name]; ok && e.mode == filemode.Dir {
			sub.base = e.hash
		}
		h, empty, err := r.writeDir(sub, sink, prefix+name+"/")
		if err != nil {
			return plumbing.ZeroHash, false, err
		}
		if empty {
			if e, ok := entries[name]; ok && e.mode == filemode.Dir {
				delete(entries, name)
			}
			continue
		}
		entries[name] = treeEntry{name: name, mode: filemode.Dir, hash: h}
	}
	for name, c := range n.files {
		if c.Mode == 0 {
			if e, ok := entries[name]; ok && e.mode != filemode.Dir {
				delete(entries, name)
			}
			continue
		}
		var h plumbing.Hash
		if c.Data != nil || c.Hash == "" {
			var err error
			if h, err = sink.put(plumbing.BlobObject, c.Data); err != nil {
				return plumbing.ZeroHash, false, fmt.Errorf("write blob %s: %w", c.Path, err)
			}
		} else {
			h = plumbing.NewHash(c.Hash)
		}
		entries[name] = treeEntry{name: name, mode: filemode.FileMode(c.Mode), hash: h}
	}
	if len(entries) == 0 {
		return plumbing.ZeroHash, true, nil
	}
	list := make([]treeEntry, 0, len(entries))
	for _, e := range entries {
		list = append(list, e)
	}
	// git orders entries by name, a directory's name compared as if it
	// ended in a slash.
	sort.Slice(list, func(i, j int) bool { return treeKey(list[i].name, list[i].mode) < treeKey(list[j].name, list[j].mode) })
	var buf bytes.Buffer
	for _, e := range list {
		fmt.Fprintf(&buf, "%o %s", uint32(e.mode), e.name)
		buf.WriteByte(0)
		buf.Write(e.hash[:])
	}
	h, err := sink.put(plumbing.TreeObject, buf.Bytes())
	return h, false, err
}

// Ident is an author or committer.
type Ident struct {
	Name  string
	Email string
	When  time.Time
}

// Idents returns git's author and committer identities, as git commit
// would use them (GIT_AUTHOR_*, GIT_COMMITTER_*, user.name, user.email).
func (r *Repo) Idents() (author, committer Ident, err error) {
	a, err := gitOutput(r.GitDir, "var", "GIT_AUTHOR_IDENT")
	if err != nil {
		return author, committer, aos.WithHint(fmt.Errorf("no author identity: %w", err), identityHint)
	}
	c, err := gitOutput(r.GitDir, "var", "GIT_COMMITTER_IDENT")
	if err != nil {
		return author, committer, aos.WithHint(fmt.Errorf("no committer identity: %w", err), identityHint)
	}
	if author, err = parseIdent(a); err != nil {
		return author, committer, err
	}
	committer, err = parseIdent(c)
	return author, committer, err
}

// identityHint says how to give git an identity.
const identityHint = "set one with git config user.name NAME and git config user.email ADDRESS"

// parseIdent parses "Name <email> 1700000000 +0100".
func parseIdent(s string) (Ident, error) {
	lt, gt := strings.LastIndexByte(s, '<'), strings.LastIndexByte(s, '>')
	if lt < 0 || gt < lt {
		return Ident{}, fmt.Errorf("malformed identity %q", s)
	}
	id := Ident{Name: strings.TrimSpace(s[:lt]), Email: s[lt+1 : gt]}
	f := strings.Fields(s[gt+1:])
	if len(f) != 2 {
		return Ident{}, fmt.Errorf("malformed identity %q", s)
	}
	sec, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return Ident{}, fmt.Errorf("malformed identity %q", s)
	}
	tz, err := time.Parse("-0700", f[1])
	if err != nil {
		return Ident{}, fmt.Errorf("malformed identity %q", s)
	}
	id.When = time.Unix(sec, 0).In(tz.Location())
	return id, nil
}

// NewCommit describes a commit to write.
type NewCommit struct {
	Tree      string
	Parents   []string
	Author    Ident
	Committer Ident
	Message   string
}

// WriteCommit writes a commit object into sink and returns its id.
func (r *Repo) WriteCommit(c NewCommit, sink ObjectSink) (string, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "tree %s\n", c.Tree)
	for _, p := range c.Parents {
		fmt.Fprintf(&buf, "parent %s\n", p)
	}
	for _, x := range []struct {
		kind string
		id   Ident
	}{{"author", c.Author}, {"committer", c.Committer}} {
		if strings.ContainsAny(x.id.Name+x.id.Email, "<>\n\x00") {
			return "", fmt.Errorf("%s identity %q <%s> holds a character git does not allow", x.kind, x.id.Name, x.id.Email)
		}
		fmt.Fprintf(&buf, "%s %s <%s> %d %s\n", x.kind, x.id.Name, x.id.Email, x.id.When.Unix(), x.id.When.Format("-0700"))
	}
	buf.WriteByte('\n')
	msg := c.Message
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	buf.WriteString(msg)
	h, err := sink.put(plumbing.CommitObject, buf.Bytes())
	if err != nil {
		return "", fmt.Errorf("write commit: %w", err)
	}
	return h.String(), nil
}

// RefUpdate moves one ref: from Old (the zero id: the ref must not exist)
// to New (the zero id: delete it).
type RefUpdate struct {
	Ref string
	Old string
	New string
}

// ZeroID is the id git uses for "no object" in ref updates.
const ZeroID = "0000000000000000000000000000000000000000"

// ErrRefMoved means a ref was not where a compare-and-swap expected it.
var ErrRefMoved = errors.New("ref moved")

// RefLockedError means git could not take the lock file of a ref (or of
// packed-refs): another git process holds it, or one that was killed
// left it behind. No ref moved.
type RefLockedError struct {
	Lock string // the lock file, as git names it
	Msg  string // git's message
}

func (e *RefLockedError) Error() string { return e.Msg }

// lockedRe finds the lock file in git's "Unable to create '...': File
// exists." message.
var lockedRe = regexp.MustCompile(`Unable to create '([^']+\.lock)': File exists`)

// UpdateRefs moves every ref in one transaction of git update-ref: each
// only if it still holds Old, all or none. git writes each ref through a
// lock file renamed into place, so a process killed at any moment leaves
// every ref as before or fully updated.
func (r *Repo) UpdateRefs(msg string, updates ...RefUpdate) error {
	var in bytes.Buffer
	in.WriteString("start\n")
	for _, u := range updates {
		switch {
		case u.New == ZeroID:
			fmt.Fprintf(&in, "delete %s %s\n", u.Ref, u.Old)
		case u.Old == ZeroID:
			fmt.Fprintf(&in, "create %s %s\n", u.Ref, u.New)
		default:
			fmt.Fprintf(&in, "update %s %s %s\n", u.Ref, u.New, u.Old)
		}
	}
	in.WriteString("prepare\ncommit\n")
	cmd := exec.Command("git", "update-ref", "-m", msg, "--stdin")
	cmd.Dir = r.GitDir
	cmd.Env = gitEnv()
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		text := strings.TrimSpace(stderr.String())
		// git explains a held lock over several lines; its first says it.
		first, _, _ := strings.Cut(text, "\n")
		first = strings.TrimPrefix(strings.TrimPrefix(first, "fatal: "), "prepare: ")
		if m := lockedRe.FindStringSubmatch(first); m != nil {
			return &RefLockedError{Lock: filepath.Clean(m[1]), Msg: first}
		}
		for _, moved := range []string{"reference already exists", "but expected", "unable to resolve reference"} {
			if strings.Contains(first, moved) {
				return fmt.Errorf("%w: %s", ErrRefMoved, first)
			}
		}
		return fmt.Errorf("git update-ref: %s", first)
	}
	return nil
}
