package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/policy"
)

func (r *runner) checkSize(d *aos.Directive, p string, n int) bool {
	limit := r.m.Policies.MaxFileSizeKB
	if limit > 0 && n > limit<<10 {
		r.violate(d, p, "policies.max_file_size_kb", fmt.Sprintf("file would be %d bytes, over the limit of %d KB", n, limit))
		return false
	}
	return true
}

func (r *runner) checkMode(d *aos.Directive, p string, mode uint32) bool {
	switch mode {
	case aos.ModeFile:
		return true
	case aos.ModeExecutable:
		if !r.m.Policies.AllowExecutable {
			r.violate(d, p, "policies.allow_executable", "executable files are not allowed")
			return false
		}
	case aos.ModeSymlink:
		if !r.m.Policies.AllowSymlinks {
			r.violate(d, p, "policies.allow_symlinks", "symlinks are not allowed")
			return false
		}
	case aos.ModeGitlink:
		if !r.m.Policies.AllowSubmodules {
			r.violate(d, p, "policies.allow_submodules", "submodules (gitlinks) are not allowed")
			return false
		}
	default:
		r.violate(d, p, "patch.mode", fmt.Sprintf("mode %o is not a git file mode", mode))
		return false
	}
	return true
}

func (r *runner) approvals(d *aos.Directive, paths []string) {
	for i, rule := range r.m.Policies.RequireApproval {
		if rule.LargerThan != nil {
			continue // matched on the whole change, by sizeApprovals
		}
		if len(rule.Directives) > 0 && !slices.Contains(rule.Directives, d.Type) {
			continue
		}
		name := rule.Name
		if name == "" {
			name = fmt.Sprintf("policies.require_approval[%d]", i)
		}
		if len(rule.Paths) == 0 {
			r.res.Approvals = append(r.res.Approvals, aos.Approval{Rule: name, Directive: d.Index, Reviewers: rule.Reviewers, Reason: rule.Reason})
			continue
		}
		if len(paths) == 0 {
			continue
		}
		if r.approvalSets == nil {
			r.approvalSets = make([]*policy.GlobSet, len(r.m.Policies.RequireApproval))
		}
		set := r.approvalSets[i]
		if set == nil {
			var err error
			if set, err = policy.CompileGlobs(rule.Paths); err != nil {
				continue // the manifest loader rejects malformed globs
			}
			r.approvalSets[i] = set
		}
		for _, p := range paths {
			if _, ok := set.Match(p); ok {
				r.res.Approvals = append(r.res.Approvals, aos.Approval{Rule: name, Directive: d.Index, Path: p, Reviewers: rule.Reviewers, Reason: rule.Reason})
			}
		}
	}
}

// requireTests enforces require_tests_on_write: every required suite runs
// after the plan's last write.
func (r *runner) requireTests(plan *aos.Plan) {
	if !r.m.Policies.RequireTestsOnWrite {
		return
	}
	last := -1
	for i, d := range plan.Directives {
		if d.Type.Writes() || (d.Type == aos.BuildTarget && len(r.m.Build.Targets[d.Target].Outputs) > 0) {
			last = i
		}
	}
	if last < 0 {
		return
	}
	required := r.m.Policies.RequiredSuites
	if len(required) == 0 {
		required = slices.Sorted(maps.Keys(r.m.Tests))
	}
	ran := map[string]bool{}
	for _, d := range plan.Directives[last+1:] {
		if d.Type == aos.RunTests {
			ran[d.Suite] = true
		}
	}
	var missing []string
	for _, s := range required {
		if !ran[s] {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		d := &plan.Directives[last]
		r.violate(d, "", "policies.require_tests_on_write",
			fmt.Sprintf("the plan writes here but does not run %s after its last write (add RUN_TESTS with suite: %s)", plural("suite", missing), missing[0]))
	}
}

func plural(word string, xs []string) string {
	if len(xs) == 1 {
		return word + " " + xs[0]
	}
	return word + "s " + strings.Join(xs, ", ")
}
