package engine

import (
	"fmt"
	"slices"

	"github.com/architectos/aos"
	"github.com/architectos/aos/patch"
	"github.com/architectos/aos/policy"
)

// sizeApprovals adds an approval for each require_approval rule with
// larger_than that the plan's whole change exceeds (docs/spec.md 4.7): the
// files of the staged tree that differ from the base, and their added and
// deleted lines, counted over the files the rule's paths and directives
// select.
func (r *runner) sizeApprovals() error {
	var rules []int
	for i, rule := range r.m.Policies.RequireApproval {
		if rule.LargerThan != nil {
			rules = append(rules, i)
		}
	}
	if len(rules) == 0 {
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
	counted := make([]int, len(changes)) // lines of each change, -1 until counted
	for i := range counted {
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
	for _, i := range rules {
		rule := r.m.Policies.RequireApproval[i]
		var set *policy.GlobSet
		if len(rule.Paths) > 0 {
			if set, err = policy.CompileGlobs(rule.Paths); err != nil {
				return fmt.Errorf("policies.require_approval[%d].paths: %w", i, err)
			}
		}
		files, lines := 0, 0
		for j, c := range changes {
			if set != nil {
				if _, ok := set.Match(c.Path); !ok {
					continue
				}
			}
			if len(rule.Directives) > 0 && !slices.ContainsFunc(writers[c.Path], func(t aos.DirectiveType) bool { return slices.Contains(rule.Directives, t) }) {
				continue
			}
			n, err := linesOf(j)
			if err != nil {
				return err
			}
			files++
			lines += n
		}
		lim := rule.LargerThan
		if (lim.Lines > 0 && lines > lim.Lines) || (lim.Files > 0 && files > lim.Files) {
			name := rule.Name
			if name == "" {
				name = fmt.Sprintf("policies.require_approval[%d]", i)
			}
			r.res.Approvals = append(r.res.Approvals, aos.Approval{Rule: name, Directive: -1,
				Reviewers: rule.Reviewers, Reason: rule.Reason, Lines: lines, Files: files})
		}
	}
	return nil
}
