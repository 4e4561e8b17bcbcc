package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/architectos/aos"
)

// Policies are a manifest's policies section, compiled: what a change may
// be beyond where it lands (docs/spec.md 4.4 to 4.7). Each check returns
// nil when the change is allowed, else the [Denial] that names the rule.
// The engine and the pre-receive hook ask these checks; neither holds a
// policy rule of its own.
type Policies struct {
	p aos.Policies
	// suites are the test suites require_tests_on_write asks for.
	suites []string
	// outputs are the build targets that stage files back (a write).
	outputs map[string]bool
	// approvals are the compiled paths of each require_approval rule,
	// matched in each form of a path (a rule asks for a review of what
	// any form matches); nil for a rule that names no paths.
	approvals []*FoldedGlobs
}

// NewPolicies compiles the policies of m. It fails on a require_approval
// glob that the manifest loader would have refused.
func NewPolicies(m *aos.Manifest) (*Policies, error) {
	p := &Policies{p: m.Policies, suites: m.Policies.RequiredSuites, outputs: map[string]bool{},
		approvals: make([]*FoldedGlobs, len(m.Policies.RequireApproval))}
	if len(p.suites) == 0 {
		p.suites = slices.Sorted(maps.Keys(m.Tests))
	}
	for name, t := range m.Build.Targets {
		if len(t.Outputs) > 0 {
			p.outputs[name] = true
		}
	}
	for i, rule := range m.Policies.RequireApproval {
		if len(rule.Paths) == 0 {
			continue
		}
		set, err := CompileFoldedGlobs(rule.Paths)
		if err != nil {
			return nil, fmt.Errorf("policies.require_approval[%d].paths: %w", i, err)
		}
		p.approvals[i] = set
	}
	return p, nil
}

// Directive judges a directive type by denied_directives.
func (p *Policies) Directive(t aos.DirectiveType) *Denial {
	if slices.Contains(p.p.DeniedDirectives, t) {
		return &Denial{aos.RulePoliciesDeniedDirectives, fmt.Sprintf("%s is not allowed in this project", t)}
	}
	return nil
}

// Delete judges the deletion of a file by allow_delete.
func (p *Policies) Delete() *Denial {
	if !p.p.AllowDelete {
		return &Denial{aos.RulePoliciesAllowDelete, "deletes are not allowed"}
	}
	return nil
}

// Size judges a file of n bytes by max_file_size_kb.
func (p *Policies) Size(n int64) *Denial {
	if limit := p.p.MaxFileSizeKB; limit > 0 && n > int64(limit)<<10 {
		return &Denial{aos.RulePoliciesMaxFileSize, fmt.Sprintf("file would be %d bytes, over the limit of %d KB", n, limit)}
	}
	return nil
}

// LimitsSize reports whether [Policies.Size] can deny anything, so that a
// caller may skip reading sizes.
func (p *Policies) LimitsSize() bool { return p.p.MaxFileSizeKB > 0 }

// Mode judges a file given mode by a change: a regular file always
// passes; an executable, a symlink or a gitlink needs allow_executable,
// allow_symlinks or allow_submodules; anything else is not a file mode of
// git.
func (p *Policies) Mode(mode uint32) *Denial {
	switch mode {
	case aos.ModeFile:
	case aos.ModeExecutable:
		if !p.p.AllowExecutable {
			return &Denial{aos.RulePoliciesAllowExecutable, "executable files are not allowed"}
		}
	case aos.ModeSymlink:
		if !p.p.AllowSymlinks {
			return &Denial{aos.RulePoliciesAllowSymlinks, "symlinks are not allowed"}
		}
	case aos.ModeGitlink:
		if !p.p.AllowSubmodules {
			return &Denial{aos.RulePoliciesAllowSubmodules, "submodules (gitlinks) are not allowed"}
		}
	default:
		return &Denial{aos.RulePatchMode, fmt.Sprintf("mode %o is not a git file mode", mode)}
	}
	return nil
}

// ModeChange judges a change of an existing file's mode by
// allow_mode_changes. The message reads after the changing party
// ("patch changes mode ...").
func (p *Policies) ModeChange(from, to uint32) *Denial {
	if from != to && !p.p.AllowModeChanges {
		return &Denial{aos.RulePoliciesAllowModeChanges, fmt.Sprintf("changes mode %o to %o", from, to)}
	}
	return nil
}

// BinaryPatch judges a binary patch by allow_binary_patches.
func (p *Policies) BinaryPatch() *Denial {
	if !p.p.AllowBinaryPatches {
		return &Denial{aos.RulePoliciesAllowBinaryPatches, "binary patches are not allowed"}
	}
	return nil
}

// TestsOnWrite judges a plan by require_tests_on_write: every required
// suite runs after the plan's last write, counting a BUILD whose target
// stages outputs as a write. It returns the index of that last write
// with the denial, or -1 and nil when the plan passes.
func (p *Policies) TestsOnWrite(ds []aos.Directive) (int, *Denial) {
	if !p.p.RequireTestsOnWrite {
		return -1, nil
	}
	last := -1
	for i, d := range ds {
		if d.Type.Writes() || (d.Type == aos.BuildTarget && p.outputs[d.Target]) {
			last = i
		}
	}
	if last < 0 {
		return -1, nil
	}
	ran := map[string]bool{}
	for _, d := range ds[last+1:] {
		if d.Type == aos.RunTests {
			ran[d.Suite] = true
		}
	}
	var missing []string
	for _, s := range p.suites {
		if !ran[s] {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 {
		return -1, nil
	}
	return last, &Denial{aos.RulePoliciesRequireTestsOnWrite,
		fmt.Sprintf("the plan writes here but does not run %s after its last write (add RUN_TESTS with suite: %s)", plural("suite", missing), missing[0])}
}

func plural(word string, xs []string) string {
	if len(xs) == 1 {
		return word + " " + xs[0]
	}
	return word + "s " + strings.Join(xs, ", ")
}

// Approvals returns the human reviews require_approval asks for directive
// d (docs/spec.md 4.7), in rule order. A rule matches when d's type is
// among its directives (if it names any); a rule without paths then asks
// for one review of d, and a rule with paths one for each of paths, the
// paths d writes, that its globs match.
func (p *Policies) Approvals(d *aos.Directive, paths []string) []aos.Approval {
	var out []aos.Approval
	for i, rule := range p.p.RequireApproval {
		if rule.LargerThan != nil {
			continue // matched on the whole change, by SizeApprovals
		}
		if len(rule.Directives) > 0 && !slices.Contains(rule.Directives, d.Type) {
			continue
		}
		name := approvalName(rule, i)
		set := p.approvals[i]
		if set == nil {
			out = append(out, aos.Approval{Rule: name, Directive: d.Index, Reviewers: rule.Reviewers, Reason: rule.Reason})
			continue
		}
		for _, q := range paths {
			if _, ok := set.Match(q); ok {
				out = append(out, aos.Approval{Rule: name, Directive: d.Index, Path: q, Reviewers: rule.Reviewers, Reason: rule.Reason})
			}
		}
	}
	return out
}

// SizedChange is one file of a plan's whole change, as the size rules of
// require_approval count it.
type SizedChange struct {
	Path string
	// Writers are the types of the directives that changed the file.
	Writers []aos.DirectiveType
}

// HasSizeRules reports whether a require_approval rule has larger_than,
// so that a caller may skip counting the change.
func (p *Policies) HasSizeRules() bool {
	return slices.ContainsFunc(p.p.RequireApproval, func(r aos.ApprovalRule) bool { return r.LargerThan != nil })
}

// SizeApprovals returns the reviews that the require_approval rules with
// larger_than ask for a plan whose whole change is changes (docs/spec.md
// 4.7): each rule counts the files its paths and directives select, and
// their changed lines, and matches when either count is over its
// threshold. lines returns the added and deleted lines of changes[i]; it
// is called only for files a rule selects.
func (p *Policies) SizeApprovals(changes []SizedChange, lines func(i int) (int, error)) ([]aos.Approval, error) {
	var out []aos.Approval
	for i, rule := range p.p.RequireApproval {
		lim := rule.LargerThan
		if lim == nil {
			continue
		}
		set := p.approvals[i]
		files, n := 0, 0
		for j, c := range changes {
			if set != nil {
				if _, ok := set.Match(c.Path); !ok {
					continue
				}
			}
			if len(rule.Directives) > 0 && !slices.ContainsFunc(c.Writers, func(t aos.DirectiveType) bool { return slices.Contains(rule.Directives, t) }) {
				continue
			}
			l, err := lines(j)
			if err != nil {
				return nil, err
			}
			files++
			n += l
		}
		if (lim.Lines > 0 && n > lim.Lines) || (lim.Files > 0 && files > lim.Files) {
			out = append(out, aos.Approval{Rule: approvalName(rule, i), Directive: -1,
				Reviewers: rule.Reviewers, Reason: rule.Reason, Lines: n, Files: files})
		}
	}
	return out, nil
}

// approvalName is the rule name of require_approval rule i.
func approvalName(rule aos.ApprovalRule, i int) string {
	if rule.Name != "" {
		return rule.Name
	}
	return fmt.Sprintf("policies.require_approval[%d]", i)
}
