package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/internal/golden"
)

// hostile is a report whose every plan-, module- and job-controlled string
// tries to start a line of its own: a workflow command after a newline or
// carriage return, after white space the runner trims, in the runner's
// older ##[ syntax anywhere in a line, terminal escapes, Unicode line
// separators and bidirectional overrides.
func hostile() *aos.Report {
	r := &aos.Report{
		Violations: []aos.Violation{
			{Directive: 0, Type: aos.FileWrite, Path: "src/a\n::add-mask::hunter2", Rule: aos.RulePathControl, Message: "path has a control character", Pos: aos.Position{File: "plan.yaml", Line: 5, Col: 5}},
			{Directive: 1, Type: aos.FileWrite, Path: "src/b\r::error file=x.go,line=1::fake", Rule: aos.RuleWorkspaceNotWritable, Message: "path is not writable", Pos: aos.Position{File: "plan.yaml", Line: 8, Col: 5}},
			{Directive: 2, Type: aos.ApplyPatch, Path: "::warning::w", Rule: aos.RulePatchParse, Message: "bad line \"\x1b[2J\x1b]8;;http://evil\x07click\"\n  ::stop-commands::tok", Pos: aos.Position{File: "plan.yaml", Line: 11, Col: 5}},
			{Directive: 3, Type: aos.FileWrite, Path: "docs/##[add-mask]s3cret.md", Rule: aos.RuleWorkspaceNotWritable, Message: `unknown field "##[error]x"`, Pos: aos.Position{File: "plan.yaml", Line: 14, Col: 5}},
			{Directive: 4, Type: aos.FileWrite, Path: "src/invoice\u202egnp.exe", Rule: aos.RuleWorkspaceNotWritable, Message: "x\u2028::error::y\u0085::error::z", Pos: aos.Position{File: "plan.yaml", Line: 17, Col: 5}},
		},
		Findings: []aos.Finding{
			{Validator: "mod", Path: "src/c\n::add-mask::x", Line: 1, Column: 1, Rule: "r", Severity: aos.SeverityError, Message: "m\n::error::n"},
		},
		Approvals: []aos.Approval{{Rule: "ap", Directive: 5, Path: "db/\n::notice::n.sql", Reason: "r\n::debug::d"}},
		Jobs: []aos.JobRecord{{Directive: 6, Kind: aos.JobTests, Name: "unit", ExitCode: 1,
			Tail: []string{"::add-mask::hunter2", "ok\r::error::from the test", " ##[stop-commands]tok", "\x1b[31mred"}}},
	}
	r.Sort()
	return r
}

// TestHostileStringsStayInert renders the hostile report in text and as
// GitHub annotations (golden files) and checks that no line of either
// starts a workflow command, holds one of the older syntax, or a control
// character a terminal acts on.
func TestHostileStringsStayInert(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "github"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := Write(&buf, format, hostile()); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "hostile."+format+".golden"), buf.Bytes())
			for i, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
				checkInertLine(t, format, i, line)
			}
		})
	}
}

// checkInertLine fails when a line of output does what a plan wrote.
func checkInertLine(t *testing.T, format string, i int, line string) {
	t.Helper()
	trimmed := strings.TrimLeft(line, " \t\u00a0")
	if strings.HasPrefix(trimmed, "::") && (format != "github" || !strings.HasPrefix(line, "::error ") && !strings.HasPrefix(line, "::warning ") && !strings.HasPrefix(line, "::notice ")) {
		t.Errorf("%s line %d starts a workflow command: %q", format, i+1, line)
	}
	if strings.Contains(line, "##[") {
		t.Errorf("%s line %d holds a ##[ command: %q", format, i+1, line)
	}
	if strings.ContainsAny(line, "\r\x1b\x07\u0085\u2028\u2029\u202e\u009b") {
		t.Errorf("%s line %d holds a control character: %q", format, i+1, line)
	}
}
