package gitops

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/policy"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// Trees and commits are decoded here, from the bytes of their objects,
// rather than by go-git: every judgement must read an object exactly as
// git does, and go-git's decoders accept objects that git reads
// differently. A tree listing a name twice is a map in go-git whose last
// entry wins, while git show and cat-file take the first; a commit with
// two tree lines is the second tree to go-git and the first to git. So an
// object that git would not write is refused (docs/spec.md 4.8), never
// read one way or the other.

// ObjectError is a tree or commit that is not canonical: not as git writes
// it, so that two readers could see different content in it. Its Rule is
// [aos.RuleTreeNonCanonical] or [aos.RuleCommitNonCanonical].
type ObjectError struct {
	Rule aos.Rule
	// Object is the id of the tree or commit.
	Object string
	// Path is where the tree sits in the tree being read ("vendor/"), ""
	// for a root tree or a commit.
	Path string
	// Entry is the name of the tree entry at fault, as written; "" when
	// the fault is not one entry's.
	Entry string
	Msg   string
}

func (e *ObjectError) Error() string {
	kind := "tree"
	if e.Rule == aos.RuleCommitNonCanonical {
		kind = "commit"
	}
	s := fmt.Sprintf("%s %s", kind, e.Object)
	if e.Path != "" {
		s += " at " + strconv.Quote(strings.TrimSuffix(e.Path, "/"))
	}
	if e.Entry != "" {
		s += ", entry " + strconv.Quote(e.Entry)
	}
	return s + ": " + e.Msg + " (git never writes such an object)"
}

// treeEntry is one entry of a tree object.
type treeEntry struct {
	name string
	mode filemode.FileMode
	hash plumbing.Hash
}

// treeKey is the name git sorts an entry by: a directory's as if it
// ended in a slash.
func treeKey(name string, mode filemode.FileMode) string {
	if mode == filemode.Dir {
		return name + "/"
	}
	return name
}

// treeModes are the modes git writes in trees, spelled as it writes them.
var treeModes = map[string]filemode.FileMode{
	"40000":  filemode.Dir,
	"100644": filemode.Regular,
	"100755": filemode.Executable,
	"120000": filemode.Symlink,
	"160000": filemode.Submodule,
}

// ParseTree decodes the content of a tree object and checks that it is
// canonical, as git fsck --strict does: every entry has one of git's
// modes spelled as git writes it (40000, 100644, 100755, 120000, 160000;
// no leading zero), a name that is not empty, holds no slash and is not
// ".", "..", or .git in any spelling an OS would take for it, a non-zero
// object id, and entries are sorted as git sorts them with no name twice
// (a file and a directory of the same name included). A .gitmodules that
// is a symlink is refused too. It returns the names, in order, and the
// first fault as an [*ObjectError]. ParseTree is exported for its fuzz
// test; other packages read trees through [Repo].
func ParseTree(id, prefix string, data []byte) (names []string, modes []uint32, err error) {
	es, err := parseTree(id, prefix, data)
	for _, e := range es {
		names = append(names, e.name)
		modes = append(modes, uint32(e.mode))
	}
	return names, modes, err
}

func parseTree(id, prefix string, data []byte) ([]treeEntry, error) {
	bad := func(entry []byte, format string, args ...any) ([]treeEntry, error) {
		e := &ObjectError{Rule: aos.RuleTreeNonCanonical, Object: id, Path: prefix, Msg: fmt.Sprintf(format, args...)}
		if entry != nil {
			e.Entry = string(entry)
		}
		return nil, e
	}
	var out []treeEntry
	var seen map[string]bool
	prev := ""
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp < 0 {
			return bad(nil, "truncated after %d entries", len(out))
		}
		modeText := data[:sp]
		rest := data[sp+1:]
		nul := bytes.IndexByte(rest, 0)
		if nul < 0 || len(rest) < nul+1+20 {
			return bad(nil, "truncated after %d entries", len(out))
		}
		name := rest[:nul]
		var h plumbing.Hash
		copy(h[:], rest[nul+1:nul+21])
		data = rest[nul+21:]
		mode, ok := treeModes[string(modeText)]
		switch {
		case !ok:
			return bad(name, "mode %q is not one git writes (40000, 100644, 100755, 120000, 160000)", modeText)
		case len(name) == 0:
			return bad(name, "the name is empty")
		case bytes.IndexByte(name, '/') >= 0:
			return bad(name, "the name holds a slash")
		case string(name) == "." || string(name) == "..":
			return bad(name, "the name is a dot segment")
		case policy.IsDotGit(string(name)):
			return bad(name, "the name is .git on some operating system")
		case mode == filemode.Symlink && policy.IsGitmodules(string(name)):
			return bad(name, ".gitmodules is a symlink")
		case h.IsZero():
			return bad(name, "the object id is zero")
		}
		n := string(name)
		if seen == nil {
			seen = map[string]bool{}
		}
		if seen[n] {
			return bad(name, "the name appears twice")
		}
		seen[n] = true
		key := treeKey(n, mode)
		if len(out) > 0 && key <= prev {
			return bad(name, "the entries are not sorted as git sorts them (%s comes after %s)", strconv.Quote(n), strconv.Quote(out[len(out)-1].name))
		}
		prev = key
		out = append(out, treeEntry{name: n, mode: mode, hash: h})
	}
	return out, nil
}

// readTree reads and checks the tree object h, which sits at prefix in the
// tree being read; the zero id is the empty tree.
func (r *Repo) readTree(h plumbing.Hash, prefix string) ([]treeEntry, error) {
	if h.IsZero() {
		return nil, nil
	}
	data, err := r.readObject(plumbing.TreeObject, h)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", treeLabel(prefix), err)
	}
	return parseTree(h.String(), prefix, data)
}

// commitObj is a decoded commit.
type commitObj struct {
	tree      plumbing.Hash
	parents   []plumbing.Hash
	author    Ident
	committer Ident
	// headers are the headers after committer, in order, by name
	// ("gpgsig", "encoding", "mergetag"...).
	headers []string
	// signature is the first line of the gpgsig header's value, which
	// names the kind of signature ("-----BEGIN SSH SIGNATURE-----").
	signature string
	message   string
}

// readCommit reads and checks the commit object id.
func (r *Repo) readCommit(id string) (*commitObj, error) {
	h := plumbing.NewHash(id)
	if h.String() != id {
		return nil, fmt.Errorf("read commit %q: not a full object id", id)
	}
	data, err := r.readObject(plumbing.CommitObject, h)
	if err != nil {
		return nil, err
	}
	return parseCommit(id, data)
}

// ParseCommit checks that data, the content of commit object id, is a
// commit as git writes it, and returns its tree, parents and message; it
// is exported for its fuzz test.
func ParseCommit(id string, data []byte) (tree string, parents []string, message string, err error) {
	c, err := parseCommit(id, data)
	if err != nil {
		return "", nil, "", err
	}
	for _, p := range c.parents {
		parents = append(parents, p.String())
	}
	return c.tree.String(), parents, c.message, nil
}

// parseCommit checks that a commit is as git writes it: one tree line
// first, then the parent lines, one author and one committer, then other
// headers (each continued on lines starting with a space), a blank line
// and the message; no NUL byte anywhere. git reads the first of two tree
// or author lines, go-git the last: such a commit has two readings and is
// refused.
func parseCommit(id string, data []byte) (*commitObj, error) {
	bad := func(format string, args ...any) (*commitObj, error) {
		return nil, &ObjectError{Rule: aos.RuleCommitNonCanonical, Object: id, Msg: fmt.Sprintf(format, args...)}
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return bad("it holds a NUL byte")
	}
	c := &commitObj{}
	rest := data
	line := func() (string, bool) {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return "", false
		}
		l := string(rest[:i])
		rest = rest[i+1:]
		return l, true
	}
	hexID := func(s string) (plumbing.Hash, bool) {
		if len(s) != 40 || strings.Trim(s, "0123456789abcdef") != "" {
			return plumbing.ZeroHash, false
		}
		return plumbing.NewHash(s), true
	}
	l, ok := line()
	t, isTree := strings.CutPrefix(l, "tree ")
	if !ok || !isTree {
		return bad("it does not start with a tree line")
	}
	if c.tree, ok = hexID(t); !ok {
		return bad("its tree line names %q, not an object id", t)
	}
	l, ok = line()
	for ok && strings.HasPrefix(l, "parent ") {
		p, good := hexID(strings.TrimPrefix(l, "parent "))
		if !good {
			return bad("a parent line names %q, not an object id", strings.TrimPrefix(l, "parent "))
		}
		c.parents = append(c.parents, p)
		l, ok = line()
	}
	a, isAuthor := strings.CutPrefix(l, "author ")
	if !ok || !isAuthor {
		return bad("no author line follows the tree and parents")
	}
	c.author = readIdent(a)
	l, ok = line()
	cm, isCommitter := strings.CutPrefix(l, "committer ")
	if !ok || !isCommitter {
		return bad("no committer line follows the author")
	}
	c.committer = readIdent(cm)
	for {
		l, ok = line()
		if !ok {
			// Headers up to the end: a commit with no message and no
			// blank line, which git reads as an empty message.
			if len(rest) > 0 {
				return bad("its headers do not end with a newline")
			}
			return c, nil
		}
		if l == "" {
			break
		}
		if strings.HasPrefix(l, " ") {
			if len(c.headers) == 0 {
				return bad("a continuation line follows the committer")
			}
			continue
		}
		name, value, _ := strings.Cut(l, " ")
		switch name {
		case "tree", "parent", "author", "committer":
			return bad("it has a second or misplaced %s line", name)
		case "gpgsig":
			if c.signature == "" {
				c.signature = value
			}
		}
		c.headers = append(c.headers, name)
	}
	c.message = string(rest)
	return c, nil
}

// readIdent reads "Name <email> 1700000000 +0100" leniently: history
// holds identities git itself would not write today, and they decide
// nothing here.
func readIdent(s string) Ident {
	if id, err := parseIdent(s); err == nil {
		return id
	}
	lt, gt := strings.IndexByte(s, '<'), strings.LastIndexByte(s, '>')
	if lt < 0 || gt < lt {
		return Ident{Name: strings.TrimSpace(s)}
	}
	id := Ident{Name: strings.TrimSpace(s[:lt]), Email: s[lt+1 : gt]}
	if f := strings.Fields(s[gt+1:]); len(f) > 0 {
		if sec, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			id.When = time.Unix(sec, 0).UTC()
		}
	}
	return id
}
