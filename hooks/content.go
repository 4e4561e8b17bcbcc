package hooks

import (
	"fmt"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/hooks/receive"
	"github.com/architectos/aos/policy"
	"github.com/architectos/aos/workflow"
)

// rejectViolation rejects commit id of u for a violation its plan or
// result commit was judged to have.
func (c *checker) rejectViolation(u receive.Update, id string, v aos.Violation) {
	msg := strings.TrimPrefix(v.Message, fmt.Sprintf("commit %.12s: ", id))
	if v.Directive >= 0 {
		msg = fmt.Sprintf("directive %d: %s", v.Directive, msg)
	}
	c.res.Rejections = append(c.res.Rejections, Rejection{Ref: u.Ref, Commit: id, Path: v.Path, Rule: v.Rule, Msg: msg})
}

// evilMerge rejects a merge whose tree holds content from none of its
// parents.
func (c *checker) evilMerge(u receive.Update, info *gitops.CommitInfo) error {
	var parents []string
	for _, p := range info.Parents {
		t, err := c.repo.CommitTreeID(p)
		if err != nil {
			return err
		}
		parents = append(parents, t)
	}
	own, err := c.repo.MergeOwnChanges(info.Tree, parents)
	if err != nil {
		return err
	}
	for _, p := range own {
		c.reject(u, info.ID, p, aos.RuleProtectEvilMerge, "the merge changes this path beyond its parents (allowed only with protect.humans: allow)")
	}
	return nil
}

// content judges the changes of a commit against its first parent by the
// workspace rules (each path in each of its folded forms), path safety,
// modes, sizes and collisions where case is ignored.
func (c *checker) content(u receive.Update, info *gitops.CommitInfo, lm *workflow.LoadedManifest, exempt map[string]bool) error {
	parentTree := ""
	if len(info.Parents) > 0 {
		t, err := c.repo.CommitTreeID(info.Parents[0])
		if err != nil {
			return err
		}
		parentTree = t
	}
	changes, err := c.repo.DiffTrees(parentTree, info.Tree)
	if err != nil {
		return err
	}
	tree, err := c.repo.TreeObject(info.Tree)
	if err != nil {
		return err
	}
	pol, err := policy.NewPolicies(lm.Manifest)
	if err != nil {
		return err
	}
	// The sizes of the files whose size is judged, asked of git at once.
	var sizes map[string]int64
	if pol.LimitsSize() {
		var blobs []string
		for _, ch := range changes {
			if ch.NewMode != 0 && ch.NewMode != aos.ModeSymlink && ch.NewMode != aos.ModeGitlink && !exempt[ch.Path] && policy.CheckPath(ch.Path) == nil {
				blobs = append(blobs, ch.NewHash)
			}
		}
		if sizes, err = tree.BlobSizes(blobs); err != nil {
			return err
		}
	}
	for _, ch := range changes {
		p := ch.Path
		if exempt[p] {
			continue
		}
		bad := func(rule aos.Rule, format string, args ...any) { c.reject(u, info.ID, p, rule, format, args...) }
		deny := func(d *policy.Denial) {
			if d != nil {
				bad(d.Rule, "%s", d.Msg)
			}
		}
		if ch.NewMode == 0 {
			if perr := policy.CheckPath(p); perr == nil {
				if d := lm.Rules.CanWrite(p); d != nil {
					bad(d.Rule, "deleted: %s", d.Msg)
				}
			}
			deny(pol.Delete())
			continue
		}
		if perr := policy.CheckPath(p); perr != nil {
			bad(perr.Rule, "%s", perr.Msg)
			continue
		}
		deny(lm.Rules.CanWrite(p))
		switch ch.NewMode {
		case aos.ModeSymlink, aos.ModeGitlink:
			deny(pol.Mode(ch.NewMode))
			continue
		case aos.ModeExecutable:
			if ch.OldMode == 0 {
				deny(pol.Mode(ch.NewMode))
			}
		}
		if ch.OldMode == aos.ModeFile || ch.OldMode == aos.ModeExecutable {
			deny(pol.ModeChange(ch.OldMode, ch.NewMode))
		}
		if pol.LimitsSize() {
			n, ok := sizes[ch.NewHash]
			if !ok {
				// Sized above with the same conditions: never judged
				// as empty for want of a size.
				return fmt.Errorf("commit %.12s: %s: blob %s was not sized", info.ID, p, ch.NewHash)
			}
			deny(pol.Size(n))
		}
	}
	// A path the commit adds that is an entry next to it where case is
	// ignored: one file on macOS and Windows checkouts.
	cols, err := c.repo.FoldCollisions(parentTree, info.Tree)
	if err != nil {
		return err
	}
	for _, col := range cols {
		c.reject(u, info.ID, col.Path, aos.RulePathCollision, "%q and %q are one name on checkouts that ignore case and trailing dots and spaces (macOS, Windows)", col.Path, col.Other)
	}
	return nil
}
