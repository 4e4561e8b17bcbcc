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
	type result struct {
		path string
		mode uint32
		data []byte
		del  bool
	}
	var results []result
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
		// Writes: the new side, and a deleted or renamed-away old side.
		if f.NewPath != "" {
			deletes, can := r.canWrite(d, f.NewPath)
			if !can {
				ok = false
			}
			allDeletes = append(allDeletes, deletes...)
			if f.Op == patch.Add {
				if _, exists := r.st.files[f.NewPath]; exists && r.visible(f.NewPath) {
					r.violate(d, f.NewPath, aos.RulePatchApply, "patch creates a file that exists")
					ok = false
				}
			}
			if f.Op == patch.Rename || f.Op == patch.Copy {
				if _, exists := r.st.files[f.NewPath]; exists && r.visible(f.NewPath) {
					r.violate(d, f.NewPath, aos.RulePatchApply, fmt.Sprintf("%s target exists", f.Op))
					ok = false
				}
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
			}
			results = append(results, result{path: f.OldPath, del: true})
			touched = append(touched, f.OldPath)
			continue
		}
		if !r.deny(d, f.NewPath, r.pol.Size(int64(len(data)))) {
			ok = false
		}
		if f.Op == patch.Rename {
			results = append(results, result{path: f.OldPath, del: true})
			touched = append(touched, f.OldPath)
		}
		results = append(results, result{path: f.NewPath, mode: newMode, data: data})
		touched = append(touched, f.NewPath)
	}
	if !ok {
		return
	}
	r.approve(d, append(touched, allDeletes...))
	for _, q := range allDeletes {
		r.st.remove(q)
	}
	for _, res := range results {
		if res.del {
			r.st.remove(res.path)
		} else {
			r.st.put(res.path, res.mode, res.data)
		}
	}
	r.gen++
	o.Digest, o.Size = Digest([]byte(d.Patch)), int64(len(d.Patch))
	o.Paths = append(touched, allDeletes...)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
