package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue"
	"github.com/architectos/aos/hooks"
	"github.com/architectos/aos/internal/golden"
	"github.com/architectos/aos/workflow"
	"github.com/architectos/aos/workflow/record"
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
		Record: &record.Record{Plan: record.Plan{ID: "fix-login"},
			Outcome: record.Outcome{Changes: []record.Change{
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
	unvouched := &hooks.Result{Log: []string{"pusher build-bot (from REMOTE_USER): agent"},
		Rejections: []hooks.Rejection{
			{Ref: "refs/heads/aos/x", Commit: "6666666666666666666666666666666666666666", Rule: aos.RuleProtectRunner, Hint: hooks.RunnerHint,
				Msg: "its run record holds 1 job record(s) (tests default), which are claims of whoever ran apply, and no runner vouches for them: the commit is not signed; the pusher build-bot is not in protect.runners; the hook does not run jobs again (--rerun-jobs)"},
			{Ref: "refs/heads/aos/y", Commit: "7777777777777777777777777777777777777777", Rule: aos.RuleProtectRunner, Hint: hooks.RunnerHint, Msg: "and another"},
		}}
	runs := []hooks.RunnerRun{
		{ID: "20260102T030406.000000000Z-42-2", Branch: "refs/heads/aos/fix-login", PlanID: "fix-login", PlanCommit: "1111111111111111111111111111111111111111",
			State: hooks.RunPass, Result: "2222222222222222222222222222222222222222", Started: "2026-01-02T03:04:06Z", Finished: "2026-01-02T03:04:07Z", PID: 42,
			Log: "/srv/git/site.git/aos/runner/runs/20260102T030406.000000000Z-42-2.log"},
		{ID: "20260102T030405.000000000Z-42-1", Branch: "refs/heads/aos/broken", PlanID: "broken", PlanCommit: "3333333333333333333333333333333333333333",
			Applied: "4444444444444444444444444444444444444444", State: hooks.RunRejected, Started: "2026-01-02T03:04:05Z", Finished: "2026-01-02T03:04:06Z", PID: 42,
			Reasons: []string{`.aos/plans/broken.yaml:8:5: directive 1 (RUN_TESTS): tests "default" failed: exit code 1 [tests.failed]`, "second\nline"},
			Log:     "/srv/git/site.git/aos/runner/runs/20260102T030405.000000000Z-42-1.log"},
		{ID: "20260102T030404.000000000Z-41-1", Branch: "refs/heads/aos/old", PlanID: "old", PlanCommit: "5555555555555555555555555555555555555555",
			State: hooks.RunInterrupted, Started: "2026-01-02T03:04:04Z", PID: 41, Log: "/srv/git/site.git/aos/runner/runs/20260102T030404.000000000Z-41-1.log"},
	}
	vouched := []workflow.LogEntry{
		{Commit: "1111111111111111111111111111111111111111", PlanID: "signed", Result: "pass", Author: "A <a@x>", Date: "2026-01-02T03:04:05Z",
			Outcome: record.Outcome{Jobs: []aos.JobRecord{{Kind: aos.JobTests, Name: "default"}}},
			Vouch:   &workflow.Vouch{By: workflow.VouchSignature, Signer: "runner@example.com", Key: "SHA256:DxMzld/U+P/JjnDNGsNpIpkOxR22Ky5ze6RTA7DjTro"}},
		{Commit: "2222222222222222222222222222222222222222", PlanID: "ci", Result: "pass", Author: "A <a@x>", Date: "2026-01-02T03:04:05Z",
			Outcome: record.Outcome{Jobs: []aos.JobRecord{{Kind: aos.JobTests, Name: "default"}}},
			Vouch:   &workflow.Vouch{By: workflow.VouchRunnerLogin, Login: "ci-runner"}},
		{Commit: "3333333333333333333333333333333333333333", PlanID: "rerun", Result: "pass", Author: "A <a@x>", Date: "2026-01-02T03:04:05Z",
			Outcome: record.Outcome{Jobs: []aos.JobRecord{{Kind: aos.JobBuild, Name: "web", ExitCode: 0}}},
			Vouch:   &workflow.Vouch{By: workflow.VouchServerRerun}},
		{Commit: "4444444444444444444444444444444444444444", PlanID: "forged", Result: "pass", Author: "A <a@x>", Date: "2026-01-02T03:04:05Z",
			Outcome: record.Outcome{Jobs: []aos.JobRecord{{Kind: aos.JobTests, Name: "default"}}},
			Vouch:   &workflow.Vouch{By: workflow.VouchUnverified, Reason: "the commit is not signed; no runner login or server re-run is noted"}},
		{Commit: "5555555555555555555555555555555555555555", PlanID: "nojobs", Result: "pass", Author: "A <a@x>", Date: "2026-01-02T03:04:05Z",
			Vouch: &workflow.Vouch{By: workflow.VouchNoneNeeded}},
	}
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
		{"push.unvouched", func(w io.Writer) error { return WritePush(w, unvouched) }},
		{"post-receive", func(w io.Writer) error {
			return WritePostReceive(w, &hooks.PostReceiveResult{Log: []string{"the server runs plan fix-login of aos/fix-login; fetch the branch for its result (git fetch origin aos/fix-login), and for the reasons of a rejection git fetch origin refs/notes/aos:refs/notes/aos"},
				Vouched: []string{"6666666666666666666666666666666666666666"}, Queued: []string{"refs/heads/aos/fix-login"}})
		}},
		{"runs.text", func(w io.Writer) error { return WriteRuns(w, false, runs) }},
		{"runs.json", func(w io.Writer) error { return WriteRuns(w, true, runs) }},
		{"runs.none", func(w io.Writer) error { return WriteRuns(w, false, nil) }},
		{"log.vouch.text", func(w io.Writer) error { return WriteLog(w, false, vouched) }},
		{"installed.signers", func(w io.Writer) error {
			return WriteInstalled(w, w, &hooks.Installed{Hook: "/srv/git/site.git/hooks/pre-receive", PostReceive: "/srv/git/site.git/hooks/post-receive",
				Signers:    "/srv/git/site.git/aos/allowed_signers",
				SignerKeys: []hooks.SignerKey{{Principals: "ci@example.com", Fingerprint: "SHA256:DxMzld/U+P/JjnDNGsNpIpkOxR22Ky5ze6RTA7DjTro"}},
				Runner:     &hooks.SignerKey{Principals: hooks.RunnerPrincipal, Fingerprint: "SHA256:Am/cvSUzKZRSKxKckeCaZG2eSUjvS0dqyyv1Ztn7LKs"},
				Revoked:    "/srv/git/site.git/aos/revoked_signers",
				Warm:       &workflow.WarmResult{CacheDir: "/srv/git/site.git/aos/wasm-cache", BuiltinOnly: true}, UserEnv: "REMOTE_USER"})
		}},
		{"installed.post-receive-kept", func(w io.Writer) error {
			return WriteInstalled(w, w, &hooks.Installed{Hook: "/srv/git/site.git/hooks/pre-receive", PostReceiveKept: "/srv/git/site.git/hooks/post-receive", UserEnv: "REMOTE_USER"})
		}},
		{"installed", func(w io.Writer) error {
			return WriteInstalled(w, w, &hooks.Installed{Hook: "/srv/git/site.git/hooks/pre-receive",
				Warm: &workflow.WarmResult{CacheDir: "/srv/git/site.git/aos/wasm-cache", Modules: 2}, Unborn: "main", FsckObjects: true})
		}},
		{"installed.gitea", func(w io.Writer) error {
			return WriteInstalled(w, w, &hooks.Installed{Hook: "/var/lib/gitea/data/gitea-repositories/org/site.git/hooks/pre-receive", Server: hooks.ServerGitea})
		}},
		{"installed.gitlab", func(w io.Writer) error {
			return WriteInstalled(w, w, &hooks.Installed{Hook: "/var/opt/gitlab/git-data/repositories/@hashed/ab/cd/x.git/hooks/pre-receive", Server: hooks.ServerGitLab})
		}},
		{"warm.builtin", func(w io.Writer) error {
			return WriteWarm(w, &workflow.WarmResult{CacheDir: "/home/u/.cache/git-aos/wasm", BuiltinOnly: true})
		}},
		{"error.hints", func(w io.Writer) error {
			err := aos.WithHint(errors.New("branch aos/x already exists (at 111111111111)"), "choose another plan id", "or delete the branch with git branch -D aos/x")
			return WriteError(w, fmt.Errorf("propose: %w", err))
		}},
		{"error.list", func(w io.Writer) error {
			// An item with a newline of its own stays on its line.
			err := aos.WithHint(&aos.ListError{Msg: "allowed signers: ssh-keygen would skip these lines", Items: []string{"bad:1: missing key", "bad:2: x\ngit-aos: ok: forged"}}, "see ssh-keygen(1)")
			return WriteError(w, fmt.Errorf("hook install: %w", err))
		}},
		{"error.manifest", func(w io.Writer) error { return WriteError(w, fmt.Errorf("load: %w", manifestErr)) }},
		{"rejected", func(w io.Writer) error { return WriteRejected(w, Rejection("plan", rejectedRun.Report)) }},
		{"ci.annotations", func(w io.Writer) error {
			r := &aos.Report{}
			for i := range 12 {
				r.Violations = append(r.Violations, aos.Violation{Directive: i, Type: aos.FileWrite, Path: fmt.Sprintf("vendor/f%d,x", i), Rule: "workspace.read_only",
					Message: "path is read-only", Pos: aos.Position{File: ".aos/plans/p.yaml", Line: 4 + 3*i, Col: 5}})
			}
			r.Findings = applied().Report.Findings
			return WriteAnnotations(w, r, 10)
		}},
		{"ci.verdict", func(w io.Writer) error {
			return WriteCI(w, "pass", "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222", 1,
				[]string{"this pull request comes from a fork"}, []string{"upload SARIF to code scanning: 403 Advanced Security must be enabled\nfor this repository"})
		}},
		{"pr.opened", func(w io.Writer) error {
			return WritePR(w, 7, "https://github.com/octo-org/hello-world/pull/7", true, true, []string{"carol"}, []string{"dba"}, []string{"team @other/dba is not of octo-org's organisation"})
		}},
		{"pr.updated", func(w io.Writer) error {
			return WritePR(w, 7, "https://github.com/octo-org/hello-world/pull/7", false, false, nil, nil, nil)
		}},
		{"summary.md", func(w io.Writer) error { return WriteMarkdown(w, hostileSummary()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.write(&buf); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "results", tc.name+".golden"), buf.Bytes())
		})
	}
}

// hostileSummary is a summary whose every string from a plan, a tree or
// a review tries to be markdown: links, mentions, HTML, table breaks.
func hostileSummary() *Summary {
	return &Summary{
		Title:   "ArchitectOS",
		Verdict: "❌ rejected: 111111111111..222222222222, 2 commits",
		Notes:   []string{"the token may not write: [click](https://evil.example) @octo-org/admins <img src=x>"},
		Commits: []SummaryCommit{{ID: "2222222222222222222222222222222222222222", Kind: "result", Plan: "p|`1`", Verdict: "rejected"}},
		Report: &aos.Report{Violations: []aos.Violation{{Directive: 0, Type: aos.FileWrite, Path: "src/a|b`c.go", Rule: "workspace.read_only",
			Message: "**approved** by @octo-org/security\n| fake | row |", Pos: aos.Position{File: ".aos/plans/p.yaml", Line: 7, Col: 5}}}},
		Runs: []SummaryRun{{PlanID: "p", Goal: "# Heading\n[link](javascript:alert(1))", Commit: "2222222222222222222222222222222222222222",
			Directives: []aos.Outcome{{Index: 0, Type: aos.FileWrite, Path: "src/@everyone.txt", Status: aos.OutcomeOK}},
			Changes:    []SummaryChange{{Path: "src/``x``.md", Status: "added"}},
			Validators: []aos.ValidatorRecord{{Name: "secrets", Files: 1}},
			Jobs:       []aos.JobRecord{{Kind: "tests", Name: "default", ExitCode: 0, DurationMs: 1500, Backend: "bwrap"}},
			Vouch:      "git aos ci, which ran every job again"}},
		Approvals: []SummaryApproval{{Rule: "migrations", Reason: "<b>DBA</b>", Reviewers: []string{"carol", "@octo-org/dba"},
			Subjects: []string{"db/1.sql"}, ApprovedBy: []string{"erin"}, State: "approved"},
			{Rule: "large", Subjects: []string{"812 changed lines in 14 files"}, BlockedBy: []string{"dave"}, State: "missing"}},
		Ignored: []string{"agent-bot: an agent (protect.agents) cannot approve"},
		Footer:  "[The workflow run](https://github.com/octo-org/hello-world/actions/runs/5)",
	}
}
