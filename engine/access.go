package engine

import (
	"fmt"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/policy"
)

// checkPath applies the path-safety rules; it reports and returns false
// when p is not safe.
func (r *runner) checkPath(d *aos.Directive, p string) bool {
	if err := policy.CheckPath(p); err != nil {
		r.violate(d, p, err.Rule, err.Msg)
		return false
	}
	return true
}

// visible reports whether a plan may see p.
func (r *runner) visible(p string) bool {
	v, ok := r.vis[p]
	if !ok {
		v = r.opts.Rules.Visible(p)
		r.vis[p] = v
	}
	return v
}

// readable resolves a path a directive reads: safe, visible and existing
// as a file. It reports path.not_found for anything else, the same way for
// ignored and missing paths.
func (r *runner) readable(d *aos.Directive, p string) bool {
	if !r.checkPath(d, p) {
		return false
	}
	if _, ok := r.st.files[p]; ok && r.visible(p) {
		return true
	}
	if r.st.IsDir(p) && r.visible(p) && r.dirVisible(p) {
		r.violate(d, p, aos.RulePathNotFile, "path is a directory")
		return false
	}
	r.violate(d, p, aos.RulePathNotFound, "no such file")
	return false
}

// canWrite judges a write of p with its side effects: the entries it
// replaces (a file or symlink on its way, a directory at its place). It
// returns the paths the write deletes, and false when it is not allowed.
func (r *runner) canWrite(d *aos.Directive, p string) ([]string, bool) {
	if !r.checkPath(d, p) {
		return nil, false
	}
	ok := true
	den := r.opts.Rules.CanWrite(p)
	if den != nil {
		r.violate(d, p, den.Rule, den.Msg)
		ok = false
	}
	var deletes []string
	// An entry on the way: a file makes the path impossible, a symlink
	// would be replaced by a directory.
	for q := p; ; {
		i := strings.LastIndexByte(q, '/')
		if i < 0 {
			break
		}
		q = q[:i]
		mode, exists := r.st.Lookup(q)
		if !exists || !r.visible(q) {
			// An ignored entry on the way makes p ignored too, refused
			// above without naming what is hidden.
			continue
		}
		if mode == aos.ModeSymlink {
			if !r.deleteAllowed(d, q, fmt.Sprintf("writing %s replaces symlink %s with a directory, deleting it", p, q)) {
				ok = false
			}
			deletes = append(deletes, q)
			continue
		}
		r.violate(d, p, aos.RulePathThroughFile, fmt.Sprintf("%s is a file, not a directory", q))
		return nil, false
	}
	if !r.collides(d, p) {
		ok = false
	}
	if r.st.IsDir(p) {
		for _, q := range r.st.under(p) {
			if !r.visible(q) {
				continue
			}
			if !r.deleteAllowed(d, q, fmt.Sprintf("writing %s replaces a directory, deleting %s", p, q)) {
				ok = false
			}
			deletes = append(deletes, q)
		}
		// Ignored files beneath p are never deleted, nor named: where
		// the globs could hide any, the write is refused as for an
		// ignored path, whether or not one is there, so that the answer
		// for a directory that is seen tells nothing of what it hides.
		if den == nil && r.opts.Rules.MayHideBeneath(p) {
			r.violate(d, p, aos.RuleWorkspaceNotWritable, "path is not writable")
			ok = false
		}
	}
	return deletes, ok
}

// collides reports, and returns false, when writing p would make an entry
// that shares its name with a visible one where case is ignored (policy
// .FoldPath): src/CONFIG/app.ini next to src/config/app.ini is one file
// on macOS and Windows checkouts. Only the first level that p adds is
// new; an entry hidden by the ignored globs is not compared, so that the
// answer tells nothing of it (ignored paths are judged folded anyway).
func (r *runner) collides(d *aos.Directive, p string) bool {
	dir := "."
	for rest := p; ; {
		name, tail, deeper := strings.Cut(rest, "/")
		q := name
		if dir != "." {
			q = dir + "/" + name
		}
		if _, exists := r.st.kids[dir][name]; !exists {
			if other, ok := r.st.foldSibling(dir, name); ok {
				o := other
				if dir != "." {
					o = dir + "/" + other
				}
				_, isFile := r.st.files[o]
				if ((isFile && r.visible(o)) || (!isFile && r.dirVisible(o))) && !r.goes(o, isFile) {
					r.violate(d, p, aos.RulePathCollision, fmt.Sprintf("%q and the existing %q are one name on checkouts that ignore case and trailing dots and spaces (macOS, Windows)", q, o))
					return false
				}
			}
			return true
		}
		if !deeper {
			return true
		}
		dir, rest = q, tail
	}
}

// goes reports whether the entry o leaves with the patch being judged: a
// file it deletes or renames away, or a directory all of whose visible
// files it does (what the directory hides is not told).
func (r *runner) goes(o string, isFile bool) bool {
	if len(r.leaving) == 0 {
		return false
	}
	if isFile {
		return r.leaving[o]
	}
	for _, q := range r.st.under(o) {
		if r.visible(q) && !r.leaving[q] {
			return false
		}
	}
	return true
}

// deleteAllowed judges the deletion of q, a side effect of d.
func (r *runner) deleteAllowed(d *aos.Directive, q, why string) bool {
	ok := true
	if den := r.pol.Delete(); den != nil {
		r.violate(d, q, den.Rule, why+"; "+den.Msg)
		ok = false
	}
	return r.deny(d, q, r.opts.Rules.CanWrite(q)) && ok
}

// dirVisible reports whether directory p holds a visible file. An
// ignored directory holds none: globs match a path's parents.
func (r *runner) dirVisible(p string) bool {
	if v, ok := r.dirVis[p]; ok {
		return v
	}
	v := r.holdsVisible(p)
	r.dirVis[p] = v
	return v
}

func (r *runner) holdsVisible(p string) bool {
	if !r.visible(p) {
		return false
	}
	for name := range r.st.children(p) {
		q := p + "/" + name
		if _, isFile := r.st.files[q]; isFile {
			if r.visible(q) {
				return true
			}
		} else if r.dirVisible(q) {
			return true
		}
	}
	return false
}
