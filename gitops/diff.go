package gitops

import (
	"sort"

	"github.com/architectos/aos/policy"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// FileChange is a file that differs between two trees. A mode of 0 means
// the file is absent on that side. Gitlinks (mode 160000) are files here.
type FileChange struct {
	Path    string
	OldMode uint32
	OldHash string
	NewMode uint32
	NewHash string
}

// DiffTrees lists the files that differ from tree a to tree b (tree ids;
// "" is the empty tree), sorted by path. Subtrees with the same id on both
// sides are not read, so the cost follows the change, not the tree.
func (r *Repo) DiffTrees(a, b string) ([]FileChange, error) {
	var out []FileChange
	if err := r.diffDir(hashOf(a), hashOf(b), "", &out); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func hashOf(id string) plumbing.Hash {
	if id == "" {
		return plumbing.ZeroHash
	}
	return plumbing.NewHash(id)
}

// entries reads the entries of tree h by name; the zero id is empty.
// The tree is canonical (readTree), so no name is there twice.
func (r *Repo) entries(h plumbing.Hash, prefix string) (map[string]treeEntry, error) {
	es, err := r.readTree(h, prefix)
	if err != nil {
		return nil, err
	}
	m := make(map[string]treeEntry, len(es))
	for _, e := range es {
		m[e.name] = e
	}
	return m, nil
}

func (r *Repo) diffDir(a, b plumbing.Hash, prefix string, out *[]FileChange) error {
	if a == b {
		return nil
	}
	ea, err := r.entries(a, prefix)
	if err != nil {
		return err
	}
	eb, err := r.entries(b, prefix)
	if err != nil {
		return err
	}
	for name, x := range ea {
		y, ok := eb[name]
		if ok && x.mode == y.mode && x.hash == y.hash {
			continue
		}
		p := prefix + name
		var subA, subB plumbing.Hash
		if x.mode == filemode.Dir {
			subA = x.hash
		}
		if ok && y.mode == filemode.Dir {
			subB = y.hash
		}
		if !subA.IsZero() || !subB.IsZero() {
			if err := r.diffDir(subA, subB, p+"/", out); err != nil {
				return err
			}
		}
		c := FileChange{Path: p}
		if x.mode != filemode.Dir {
			c.OldMode, c.OldHash = uint32(x.mode), x.hash.String()
		}
		if ok && y.mode != filemode.Dir {
			c.NewMode, c.NewHash = uint32(y.mode), y.hash.String()
		}
		if c.OldMode != 0 || c.NewMode != 0 {
			*out = append(*out, c)
		}
	}
	for name, y := range eb {
		if _, ok := ea[name]; ok {
			continue
		}
		p := prefix + name
		if y.mode == filemode.Dir {
			if err := r.diffDir(plumbing.ZeroHash, y.hash, p+"/", out); err != nil {
				return err
			}
			continue
		}
		*out = append(*out, FileChange{Path: p, NewMode: uint32(y.mode), NewHash: y.hash.String()})
	}
	return nil
}

// MergeOwnChanges lists the paths where the tree of a merge differs from
// the trees of all of its parents: content that came from no parent (an
// "evil merge"). A path is listed when its entry in tree m (mode and id,
// or its absence) equals the entry of no parent. Directories are
// descended only where they differ, and a directory that the merge
// removed while every parent has it is listed as the directory's path.
// The result is sorted.
func (r *Repo) MergeOwnChanges(m string, parents []string) ([]string, error) {
	ps := make([]plumbing.Hash, len(parents))
	for i, p := range parents {
		ps[i] = hashOf(p)
	}
	var out []string
	if err := r.ownDir(hashOf(m), ps, "", &out); err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}

func (r *Repo) ownDir(m plumbing.Hash, parents []plumbing.Hash, prefix string, out *[]string) error {
	for _, p := range parents {
		if p == m {
			return nil
		}
	}
	em, err := r.entries(m, prefix)
	if err != nil {
		return err
	}
	eps := make([]map[string]treeEntry, len(parents))
	names := map[string]bool{}
	for name := range em {
		names[name] = true
	}
	for i, p := range parents {
		if eps[i], err = r.entries(p, prefix); err != nil {
			return err
		}
		for name := range eps[i] {
			names[name] = true
		}
	}
	for name := range names {
		x, inM := em[name]
		same := false
		for _, ep := range eps {
			y, inP := ep[name]
			if inM == inP && (!inM || (x.mode == y.mode && x.hash == y.hash)) {
				same = true
				break
			}
		}
		if same {
			continue
		}
		p := prefix + name
		if !inM || x.mode != filemode.Dir {
			*out = append(*out, p)
			continue
		}
		sub := make([]plumbing.Hash, len(eps))
		for i, ep := range eps {
			if y, ok := ep[name]; ok && y.mode == filemode.Dir {
				sub[i] = y.hash
			}
		}
		if err := r.ownDir(x.hash, sub, p+"/", out); err != nil {
			return err
		}
	}
	return nil
}

// Collision is an entry that a tree adds next to another one of the same
// directory with the same name where case and the aliases of Windows and
// HFS+ are ignored ([policy.FoldPath]): Path and Other are one file on a
// macOS or Windows checkout.
type Collision struct{ Path, Other string }

// FoldCollisions lists the entries of tree b (files and directories)
// that are not in tree a at their place and fold as another entry of
// their directory in b does (tree ids; "" is the empty tree), sorted by
// path. Entries both trees hold are not compared with each other, and
// subtrees with the same id on both sides are not read: the cost follows
// the change, not the tree.
func (r *Repo) FoldCollisions(a, b string) ([]Collision, error) {
	var out []Collision
	if err := r.foldDir(hashOf(a), hashOf(b), "", &out); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func (r *Repo) foldDir(a, b plumbing.Hash, prefix string, out *[]Collision) error {
	if a == b || b.IsZero() {
		return nil
	}
	ea, err := r.entries(a, prefix)
	if err != nil {
		return err
	}
	eb, err := r.entries(b, prefix)
	if err != nil {
		return err
	}
	var folds map[string][]string
	for name, y := range eb {
		x, old := ea[name]
		if !old {
			if folds == nil {
				folds = make(map[string][]string, len(eb))
				for n := range eb {
					f := policy.FoldPath(n)
					folds[f] = append(folds[f], n)
				}
			}
			others := folds[policy.FoldPath(name)]
			sort.Strings(others)
			for _, o := range others {
				if o != name {
					*out = append(*out, Collision{Path: prefix + name, Other: prefix + o})
					break
				}
			}
		}
		if y.mode == filemode.Dir {
			var sub plumbing.Hash
			if old && x.mode == filemode.Dir {
				sub = x.hash
			}
			if err := r.foldDir(sub, y.hash, prefix+name+"/", out); err != nil {
				return err
			}
		}
	}
	return nil
}
