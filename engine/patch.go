package engine

import (
	"fmt"

	"github.com/architectos/aos"
	"github.com/architectos/aos/patch"
)

func (r *runner) applyPatch(d *aos.Directive, o *aos.Outcome) {
	files, err := patch.Parse(d.Patch)
	if err != nil {
		r.violate(d, "", aos.RulePatchParse, err.Error())
		return
	}
	ok := true
	for _, f := range files {
		for _, p := range f.Paths() {
			if !r.checkPath(d, p) {
				ok = false
			}
		}
	}
	if !ok {
		return
	}
	// The files of a patch apply one after the other, each to the state
	// the ones before it left, as git apply does: a patch may delete a
	// file and create a directory of the same name, and change a file
	// twice, but never make a file and a path beneath it (path.through_file,
	// checked by canWrite against what the patch made so far) or a file
	// where a directory still is. The staged tree is changed only when the
	// whole patch applies.
	r.st.begin()
	var touched []string
	var allDeletes []string
	r.leaving = map[string]bool{}
	defer func() { r.leaving = nil }()
	for _, f := range files {
		if f.Op == patch.Delete || f.Op == patch.Rename {
			r.leaving[f.OldPath] = true
		}
	}
	for _, f := range files {
		if f.Binary && !r.deny(d, firstNonEmpty(f.NewPath, f.OldPath), r.pol.BinaryPatch()) {
			ok = false
			continue
		}
		if f.ModeChange() {
			if den := r.pol.ModeChange(f.OldMode, f.NewMode); den != nil {
				r.violate(d, firstNonEmpty(f.NewPath, f.OldPath), den.Rule, "patch "+den.Msg)
				ok = false
			}
		}
		var old []byte
		var oldMode uint32
		if f.OldPath != "" {
			if !r.readable(d, f.OldPath) {
				ok = false
				continue
			}
			m, _ := r.st.Lookup(f.OldPath)
			oldMode = m
			if f.OldMode != 0 && f.OldMode != m {
				r.violate(d, f.OldPath, aos.RulePatchApply, fmt.Sprintf("patch expects mode %o, file has %o", f.OldMode, m))
				ok = false
				continue
			}
		}
		newMode := f.NewMode
		if newMode == 0 {
			newMode = oldMode
		}
		// Every entry the patch leaves needs the policy of its mode
		// when the patch makes it: a new file, the target of a copy or
		// a rename (a new path), a new mode, and any change to a
		// symlink or a gitlink, whose content is where it points:
		// retargeting one is making it anew (docs/spec.md 4.5).
		if f.Op != patch.Delete {
			makes := f.Op == patch.Add || f.Op == patch.Copy || f.Op == patch.Rename || newMode != oldMode
			special := newMode == aos.ModeSymlink || newMode == aos.ModeGitlink
			if (makes || special) && !r.deny(d, f.NewPath, r.pol.Mode(newMode)) {
				ok = false
				if oldMode == aos.ModeGitlink || newMode == aos.ModeGitlink {
					continue // a gitlink's content is no blob to patch
				}
			}
		}
		if f.OldPath != "" {
			var err error
			if old, err = r.st.Read(f.OldPath); err != nil {
				r.failRead(d, f.OldPath, err)
				ok = false
				continue
			}
		}
		if f.Op == patch.Delete || f.Op == patch.Rename {
			if !r.deleteAllowed(d, f.OldPath, fmt.Sprintf("patch %ss %s", f.Op, f.OldPath)) {
				ok = false
			}
		}
		data, err := f.Apply(old)
		if err != nil {
			r.violate(d, firstNonEmpty(f.NewPath, f.OldPath), aos.RulePatchApply, err.Error())
			ok = false
			continue
		}
		if f.Op == patch.Delete {
			if len(data) != 0 {
				r.violate(d, f.OldPath, aos.RulePatchApply, "deletion patch does not remove the whole file")
				ok = false
				continue
			}
			r.st.remove(f.OldPath)
			touched = append(touched, f.OldPath)
			continue
		}
		if f.Op == patch.Rename {
			// The old side goes first: a rename may put the new side
			// beneath a path the old one frees.
			r.st.remove(f.OldPath)
			touched = append(touched, f.OldPath)
		}
		// Writes: the new side, with what it replaces on its way.
		if !r.patchWrite(d, f, oldMode, data, &allDeletes) {
			ok = false
			continue
		}
		touched = append(touched, f.NewPath)
	}
	if !ok {
		r.st.rollback()
		return
	}
	r.st.commit()
	r.approve(d, append(touched, allDeletes...))
	r.gen++
	o.Digest, o.Size = Digest([]byte(d.Patch)), int64(len(d.Patch))
	o.Paths = append(touched, allDeletes...)
}

// patchWrite judges and stages the new side of file patch f, whose old
// side had mode oldMode, with content data; the entries it replaces on
// its way are added to deletes.
func (r *runner) patchWrite(d *aos.Directive, f *patch.File, oldMode uint32, data []byte, deletes *[]string) bool {
	p := f.NewPath
	ok := true
	if _, exists := r.st.files[p]; exists && r.visible(p) {
		switch f.Op {
		case patch.Add:
			r.violate(d, p, aos.RulePatchApply, "patch creates a file that exists")
			ok = false
		case patch.Rename, patch.Copy:
			r.violate(d, p, aos.RulePatchApply, fmt.Sprintf("%s target exists", f.Op))
			ok = false
		}
	}
	if f.Op == patch.Add || f.Op == patch.Rename || f.Op == patch.Copy {
		if r.st.IsDir(p) && r.dirVisible(p) {
			// git apply refuses a file where a directory is; the
			// patch must delete the directory's files first.
			for _, q := range r.st.under(p) {
				if r.visible(q) {
					r.violate(d, p, aos.RulePatchApply, fmt.Sprintf("patch creates %s where a directory is (holding %s); delete its files first", p, q))
					break
				}
			}
			return false
		}
	}
	dels, can := r.canWrite(d, p)
	if !can {
		return false
	}
	// The mode's policy was judged by applyPatch.
	newMode := f.NewMode
	if newMode == 0 {
		newMode = oldMode
	}
	if !r.deny(d, p, r.pol.Size(int64(len(data)))) {
		ok = false
	}
	if !ok {
		return false
	}
	for _, q := range dels {
		r.st.remove(q)
	}
	*deletes = append(*deletes, dels...)
	r.st.put(p, newMode, data)
	return true
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
