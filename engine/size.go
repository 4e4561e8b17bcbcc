package engine

import (
	"fmt"

	"github.com/architectos/aos"
	"github.com/architectos/aos/patch"
	"github.com/architectos/aos/policy"
)

// sizeApprovals adds the approvals that require_approval rules with
// larger_than ask for the plan's whole change (docs/spec.md 4.7): the files
// of the staged tree that differ from the base, each with the directive
// types that changed it and, when a rule counts it, its added and deleted
// lines.
func (r *runner) sizeApprovals() error {
	if !r.pol.HasSizeRules() {
		return nil
	}
	changes, err := r.st.Changes()
	if err != nil {
		return err
	}
	// writers are the directive types that changed each path.
	writers := map[string][]aos.DirectiveType{}
	for _, o := range r.res.Outcomes {
		if o.Status != aos.OutcomeOK || !(o.Type.Writes() || o.Type == aos.BuildTarget) {
			continue
		}
		if o.Path != "" {
			writers[o.Path] = append(writers[o.Path], o.Type)
		}
		for _, p := range o.Paths {
			writers[p] = append(writers[p], o.Type)
		}
	}
	sized := make([]policy.SizedChange, len(changes))
	counted := make([]int, len(changes)) // lines of each change, -1 until counted
	for i, c := range changes {
		sized[i] = policy.SizedChange{Path: c.Path, Writers: writers[c.Path]}
		counted[i] = -1
	}
	linesOf := func(i int) (int, error) {
		if counted[i] >= 0 {
			return counted[i], nil
		}
		c := changes[i]
		var old, new []byte
		if c.Status != aos.StatusAdded {
			if old, err = r.st.base.ReadBlob(r.st.orig[c.Path].Hash); err != nil {
				return 0, fmt.Errorf("%s: %w", c.Path, err)
			}
		}
		switch {
		case c.Status == aos.StatusDeleted:
		case c.Data == nil && c.Hash != "":
			new = old // the mode alone changed
		default:
			new = c.Data
		}
		a, d := patch.CountLines(old, new)
		counted[i] = a + d
		return counted[i], nil
	}
	approvals, err := r.pol.SizeApprovals(sized, linesOf)
	r.res.Approvals = append(r.res.Approvals, approvals...)
	return err
}
