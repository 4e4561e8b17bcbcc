package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue"
	"github.com/architectos/aos/hooks"
	"github.com/architectos/aos/workflow"
	"github.com/google/go-cmp/cmp"
)

// applied is a run that passed with a finding, changes and an approval.
func applied() *workflow.RunResult {
	return &workflow.RunResult{
		Report: &aos.Report{OK: true,
			Findings:  []aos.Finding{{Validator: "text", Path: "notes.txt", Line: 2, Column: 1, Rule: "eol", Severity: aos.SeverityWarning, Message: "1 lines end in LF; this project uses CRLF"}},
			Approvals: []aos.Approval{{Rule: "migrations", Directive: 1, Path: "db/1.sql", Reviewers: []string{"@org/dba"}}}},
		Branch:       "refs/heads/aos/fix-login",
		PlanCommit:   "1111111111111111111111111111111111111111",
		ResultCommit: "2222222222222222222222222222222222222222",
		Record: &workflow.RunRecord{Plan: workflow.RecordPlan{ID: "fix-login"},
			RunOutcome: workflow.RunOutcome{Changes: []workflow.RecordChange{
				{Path: "db/1.sql", Status: aos.StatusAdded, Mode: "100644", Blob: "3333333333333333333333333333333333333333", Size: 12},
				{Path: "old.txt", Status: aos.StatusDeleted, Mode: "100644", Blob: "4444444444444444444444444444444444444444"},
			}}},
	}
}

// TestResultsGolden renders every result of the use cases that is not a
// bare report, in each format it has, against golden files in
// testdata/results; AOS_UPDATE=1 rewrites them.
func TestResultsGolden(t *testing.T) {
	proposed := &workflow.RunResult{Report: &aos.Report{OK: true}, Branch: "refs/heads/aos/fix-login", PlanCommit: "1111111111111111111111111111111111111111"}
	rejectedRun := &workflow.RunResult{Report: &aos.Report{Violations: []aos.Violation{{Directive: 0, Type: aos.FileWrite, Path: "vendor/x", Rule: "path.read_only", Message: "path is read-only"}}}}
	push := &hooks.Result{Log: []string{"pusher alice (from REMOTE_USER): human"},
		Rejections: []hooks.Rejection{{Ref: "refs/heads/main", Commit: "5555555555555555555555555555555555555555", Path: "a\x1bb", Rule: "protect.direct_push", Msg: "a protected branch moves only to verified result commits"}}}
	manifestErr := &cue.ManifestError{Errors: []cue.Error{
		{Pos: aos.Position{File: "aos.cue", Line: 3, Col: 2}, Path: "workspace.writeable", Msg: "field not allowed"},
		{Pos: aos.Position{File: "aos.cue", Line: 9, Col: 5}, Path: "project.name", Msg: "incomplete value"},
	}}
	for _, tc := range []struct {
		name  string
		write func(w io.Writer) error
	}{
		{"run.applied.text", func(w io.Writer) error { return WriteRun(w, "text", applied()) }},
		{"run.applied.json", func(w io.Writer) error { return WriteRun(w, "json", applied()) }},
		{"run.proposed.text", func(w io.Writer) error { return WriteRun(w, "text", proposed) }},
		{"run.proposed.json", func(w io.Writer) error { return WriteRun(w, "json", proposed) }},
		{"run.rejected.text", func(w io.Writer) error { return WriteRun(w, "text", rejectedRun) }},
		{"run.applied.github", func(w io.Writer) error { return WriteRun(w, "github", applied()) }},
		{"verify.text", func(w io.Writer) error {
			return WriteVerify(w, "text", &workflow.VerifyResult{Report: &aos.Report{OK: true}, Commit: "2222222222222222222222222222222222222222", PlanID: "fix-login"})
		}},
		{"validate.text", func(w io.Writer) error {
			return WriteValidate(w, "text", &workflow.ValidateResult{Report: &aos.Report{OK: true, Findings: applied().Report.Findings}})
		}},
		{"push.rejected", func(w io.Writer) error { return WritePush(w, push) }},
		{"push.accepted", func(w io.Writer) error { return WritePush(w, &hooks.Result{Log: push.Log}) }},
		{"installed", func(w io.Writer) error {
			return WriteInstalled(w, w, &hooks.Installed{Hook: "/srv/git/site.git/hooks/pre-receive",
				Warm: &workflow.WarmResult{CacheDir: "/srv/git/site.git/aos/wasm-cache", Modules: 2}, Unborn: "main"})
		}},
		{"installed.warm-failed", func(w io.Writer) error {
			return WriteInstalled(w, w, &hooks.Installed{Hook: "/srv/git/site.git/hooks/pre-receive", WarmErr: errors.New("disk full")})
		}},
		{"warm.builtin", func(w io.Writer) error {
			return WriteWarm(w, &workflow.WarmResult{CacheDir: "/home/u/.cache/git-aos/wasm", BuiltinOnly: true})
		}},
		{"error.hints", func(w io.Writer) error {
			err := aos.WithHint(errors.New("branch aos/x already exists (at 111111111111)"), "choose another plan id", "or delete the branch with git branch -D aos/x")
			return WriteError(w, fmt.Errorf("propose: %w", err))
		}},
		{"error.manifest", func(w io.Writer) error { return WriteError(w, fmt.Errorf("load: %w", manifestErr)) }},
		{"rejected", func(w io.Writer) error { return WriteRejected(w, Rejection("plan", rejectedRun.Report)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.write(&buf); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "results", tc.name+".golden")
			if os.Getenv("AOS_UPDATE") == "1" {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), buf.String()); diff != "" {
				t.Errorf("-golden +got:\n%s", diff)
			}
		})
	}
}
