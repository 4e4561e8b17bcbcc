package policy

import (
	"testing"

	"github.com/architectos/aos"
	"github.com/google/go-cmp/cmp"
)

func mustPolicies(t *testing.T, m *aos.Manifest) *Policies {
	t.Helper()
	p, err := NewPolicies(m)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func rule(d *Denial) string {
	if d == nil {
		return ""
	}
	return string(d.Rule)
}

// TestPolicies covers the single-change checks of docs/spec.md 4.4 to 4.6,
// each with its policy off (the default) and on.
func TestPolicies(t *testing.T) {
	t.Parallel()
	strict := mustPolicies(t, &aos.Manifest{Policies: aos.Policies{MaxFileSizeKB: 1, DeniedDirectives: []aos.DirectiveType{aos.SandboxExec}}})
	open := mustPolicies(t, &aos.Manifest{Policies: aos.Policies{AllowDelete: true, AllowExecutable: true, AllowSymlinks: true,
		AllowSubmodules: true, AllowModeChanges: true, AllowBinaryPatches: true}})
	tests := []struct {
		name         string
		check        func(*Policies) *Denial
		strict, open string // the rule denied, "" when allowed
	}{
		{"delete", (*Policies).Delete, "policies.allow_delete", ""},
		{"binary patch", (*Policies).BinaryPatch, "policies.allow_binary_patches", ""},
		{"regular file", func(p *Policies) *Denial { return p.Mode(aos.ModeFile) }, "", ""},
		{"executable", func(p *Policies) *Denial { return p.Mode(aos.ModeExecutable) }, "policies.allow_executable", ""},
		{"symlink", func(p *Policies) *Denial { return p.Mode(aos.ModeSymlink) }, "policies.allow_symlinks", ""},
		{"gitlink", func(p *Policies) *Denial { return p.Mode(aos.ModeGitlink) }, "policies.allow_submodules", ""},
		{"directory mode", func(p *Policies) *Denial { return p.Mode(aos.ModeDir) }, "patch.mode", "patch.mode"},
		{"bogus mode", func(p *Policies) *Denial { return p.Mode(0o100600) }, "patch.mode", "patch.mode"},
		{"mode change", func(p *Policies) *Denial { return p.ModeChange(aos.ModeFile, aos.ModeExecutable) }, "policies.allow_mode_changes", ""},
		{"same mode", func(p *Policies) *Denial { return p.ModeChange(aos.ModeFile, aos.ModeFile) }, "", ""},
		{"at the size limit", func(p *Policies) *Denial { return p.Size(1024) }, "", ""},
		{"over the size limit", func(p *Policies) *Denial { return p.Size(1025) }, "policies.max_file_size_kb", ""},
		{"denied directive", func(p *Policies) *Denial { return p.Directive(aos.SandboxExec) }, "policies.denied_directives", ""},
		{"other directive", func(p *Policies) *Denial { return p.Directive(aos.RunTests) }, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := rule(tc.check(strict)); got != tc.strict {
				t.Errorf("strict: %q, want %q", got, tc.strict)
			}
			if got := rule(tc.check(open)); got != tc.open {
				t.Errorf("open: %q, want %q", got, tc.open)
			}
		})
	}
	if !strict.LimitsSize() || open.LimitsSize() {
		t.Errorf("LimitsSize: strict %v, open %v", strict.LimitsSize(), open.LimitsSize())
	}
}

// TestTestsOnWrite covers require_tests_on_write (docs/spec.md 4.6): the
// required suites run after the last write, a BUILD with outputs counts as
// a write, and the denial names the last write.
func TestTestsOnWrite(t *testing.T) {
	t.Parallel()
	m := &aos.Manifest{
		Tests:    map[string]aos.Job{"unit": {}, "lint": {}},
		Build:    aos.Build{Targets: map[string]aos.Job{"assets": {Outputs: []string{"dist/**"}}, "check": {}}},
		Policies: aos.Policies{RequireTestsOnWrite: true},
	}
	w := aos.Directive{Type: aos.FileWrite, Path: "a"}
	tests := []struct {
		name     string
		suites   []string
		plan     []aos.Directive
		wantLast int // -1: passes
		wantMsg  string
	}{
		{"no write", nil, []aos.Directive{{Type: aos.FileRead}}, -1, ""},
		{"every suite after", nil, []aos.Directive{w, {Type: aos.RunTests, Suite: "lint"}, {Type: aos.RunTests, Suite: "unit"}}, -1, ""},
		{"a suite before", nil, []aos.Directive{{Type: aos.RunTests, Suite: "lint"}, w, {Type: aos.RunTests, Suite: "unit"}}, 1,
			"the plan writes here but does not run suite lint after its last write (add RUN_TESTS with suite: lint)"},
		{"none after", nil, []aos.Directive{w}, 0,
			"the plan writes here but does not run suites lint, unit after its last write (add RUN_TESTS with suite: lint)"},
		{"build with outputs writes", nil, []aos.Directive{w, {Type: aos.RunTests, Suite: "lint"}, {Type: aos.RunTests, Suite: "unit"}, {Type: aos.BuildTarget, Target: "assets"}}, 3,
			"the plan writes here but does not run suites lint, unit after its last write (add RUN_TESTS with suite: lint)"},
		{"build without outputs", nil, []aos.Directive{w, {Type: aos.RunTests, Suite: "lint"}, {Type: aos.RunTests, Suite: "unit"}, {Type: aos.BuildTarget, Target: "check"}}, -1, ""},
		{"required suites", []string{"unit"}, []aos.Directive{w, {Type: aos.RunTests, Suite: "unit"}}, -1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mm := *m
			mm.Policies.RequiredSuites = tc.suites
			last, d := mustPolicies(t, &mm).TestsOnWrite(tc.plan)
			msg := ""
			if d != nil {
				msg = d.Msg
				if d.Rule != "policies.require_tests_on_write" {
					t.Errorf("rule %q", d.Rule)
				}
			}
			if last != tc.wantLast || msg != tc.wantMsg {
				t.Errorf("got %d %q, want %d %q", last, msg, tc.wantLast, tc.wantMsg)
			}
		})
	}
	off := *m
	off.Policies.RequireTestsOnWrite = false
	if last, d := mustPolicies(t, &off).TestsOnWrite([]aos.Directive{w}); d != nil || last != -1 {
		t.Errorf("off: %d %v", last, d)
	}
}

// TestApprovals covers docs/spec.md 4.7: rules match by directive type and
// by the paths written; a rule without paths matches every directive of
// its types.
func TestApprovals(t *testing.T) {
	t.Parallel()
	p := mustPolicies(t, &aos.Manifest{Policies: aos.Policies{RequireApproval: []aos.ApprovalRule{
		{Name: "migrations", Paths: []string{"db/migrations/**"}, Reviewers: []string{"@dba"}, Reason: "schema"},
		{Directives: []aos.DirectiveType{aos.SandboxExec}},
		{Name: "deletes", Paths: []string{"**"}, Directives: []aos.DirectiveType{aos.FileDelete}},
	}}})
	tests := []struct {
		name  string
		d     aos.Directive
		paths []string
		want  []aos.Approval
	}{
		{"unmatched write", aos.Directive{Index: 0, Type: aos.FileWrite}, []string{"src/a.go"}, nil},
		{"matched write", aos.Directive{Index: 1, Type: aos.FileWrite}, []string{"src/a.go", "db/migrations/1.sql", "db/migrations/2.sql"}, []aos.Approval{
			{Rule: "migrations", Directive: 1, Path: "db/migrations/1.sql", Reviewers: []string{"@dba"}, Reason: "schema"},
			{Rule: "migrations", Directive: 1, Path: "db/migrations/2.sql", Reviewers: []string{"@dba"}, Reason: "schema"},
		}},
		{"directive without paths", aos.Directive{Index: 2, Type: aos.SandboxExec}, nil, []aos.Approval{
			{Rule: "policies.require_approval[1]", Directive: 2},
		}},
		{"read", aos.Directive{Index: 3, Type: aos.FileRead}, nil, nil},
		{"delete", aos.Directive{Index: 4, Type: aos.FileDelete}, []string{"db/migrations/1.sql"}, []aos.Approval{
			{Rule: "migrations", Directive: 4, Path: "db/migrations/1.sql", Reviewers: []string{"@dba"}, Reason: "schema"},
			{Rule: "deletes", Directive: 4, Path: "db/migrations/1.sql"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, p.Approvals(&tc.d, tc.paths)); diff != "" {
				t.Errorf("approvals (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := NewPolicies(&aos.Manifest{Policies: aos.Policies{RequireApproval: []aos.ApprovalRule{{Paths: []string{"/abs"}}}}}); err == nil {
		t.Error("a malformed approval glob compiled")
	}
}

// TestSizeApprovals covers the larger_than rules of docs/spec.md 4.7: the
// files a rule selects by paths and directives are counted, with their
// lines, and a rule matches over either threshold.
func TestSizeApprovals(t *testing.T) {
	t.Parallel()
	p := mustPolicies(t, &aos.Manifest{Policies: aos.Policies{RequireApproval: []aos.ApprovalRule{
		{Name: "big", LargerThan: &aos.ChangeSize{Lines: 10}},
		{Name: "many", LargerThan: &aos.ChangeSize{Files: 2}},
		{Name: "src", Paths: []string{"src/**"}, LargerThan: &aos.ChangeSize{Lines: 4}},
		{Name: "patched", Directives: []aos.DirectiveType{aos.ApplyPatch}, LargerThan: &aos.ChangeSize{Lines: 0, Files: 0}},
		{Name: "paths", Paths: []string{"src/**"}},
	}}})
	if !p.HasSizeRules() {
		t.Fatal("HasSizeRules = false")
	}
	changes := []SizedChange{
		{Path: "src/a.go", Writers: []aos.DirectiveType{aos.FileWrite}},
		{Path: "src/b.go", Writers: []aos.DirectiveType{aos.ApplyPatch}},
		{Path: "README.md", Writers: []aos.DirectiveType{aos.FileWrite}},
	}
	lines := map[string]int{"src/a.go": 3, "src/b.go": 2, "README.md": 6}
	var asked []string
	got, err := p.SizeApprovals(changes, func(i int) (int, error) {
		asked = append(asked, changes[i].Path)
		return lines[changes[i].Path], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []aos.Approval{
		{Rule: "big", Directive: -1, Lines: 11, Files: 3},
		{Rule: "many", Directive: -1, Lines: 11, Files: 3},
		{Rule: "src", Directive: -1, Lines: 5, Files: 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("approvals (-want +got):\n%s", diff)
	}
	if len(asked) != 3+3+2+1 {
		t.Errorf("lines asked for %v", asked)
	}
	if mustPolicies(t, &aos.Manifest{}).HasSizeRules() {
		t.Error("HasSizeRules without rules")
	}
}
