package github

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gh"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/hooks"
	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
)

var osGetenv = os.Getenv

// combined gathers a judgement into one report: the plan checks' and
// verifications' violations (with their positions in the plan), findings
// and approvals, and the rejections of the other commits.
func combined(j *hooks.Result) *aos.Report {
	rep := &aos.Report{OK: j.OK()}
	failed := map[string]bool{} // commits whose own report lists their violations
	seen := map[string]bool{}
	for _, c := range j.Commits {
		if c.Report == nil {
			continue
		}
		if !c.Report.OK {
			failed[c.ID] = true
			rep.Violations = append(rep.Violations, c.Report.Violations...)
		}
		rep.Findings = append(rep.Findings, c.Report.Findings...)
		for _, a := range c.Report.Approvals {
			k := fmt.Sprintf("%s\x00%s\x00%d\x00%s\x00%d\x00%d", c.PlanID, a.Rule, a.Directive, a.Path, a.Lines, a.Files)
			if !seen[k] {
				seen[k] = true
				rep.Approvals = append(rep.Approvals, a)
			}
		}
	}
	for _, x := range j.Rejections {
		if x.Commit != "" && failed[x.Commit] {
			continue
		}
		msg := x.Msg
		if x.Commit != "" {
			msg = fmt.Sprintf("commit %.12s: %s", x.Commit, msg)
		}
		rep.Violations = append(rep.Violations, aos.Violation{Directive: -1, Path: x.Path, Rule: x.Rule, Message: msg})
	}
	rep.Sort()
	return rep
}

// annotations are the report's problems that have a file, as check run
// annotations.
func annotations(rep *aos.Report) []gh.Annotation {
	var out []gh.Annotation
	for _, p := range report.Problems(rep) {
		if p.File == "" {
			continue // in the summary only: an annotation needs a file
		}
		level := map[string]string{"error": gh.LevelFailure, "warning": gh.LevelWarning, "note": gh.LevelNotice}[p.Level]
		out = append(out, gh.Annotation{Path: p.File, StartLine: p.Line, StartColumn: p.Col, Level: level, Title: p.Rule, Message: p.Message})
	}
	return out
}

// sarifOf is the report as SARIF for code scanning: violations and
// findings, each at a location (code scanning needs one: a problem of
// the whole plan is placed on line 1 of file), and no approvals, which
// are not alerts.
func sarifOf(rep *aos.Report, file string) ([]byte, error) {
	r := &aos.Report{OK: rep.OK, Findings: rep.Findings}
	for _, v := range rep.Violations {
		if v.Pos.File == "" && v.Path == "" {
			v.Pos = aos.Position{File: file, Line: 1, Col: 1}
		}
		r.Violations = append(r.Violations, v)
	}
	var b bytes.Buffer
	if err := report.Write(&b, "sarif", r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// requirements groups the approvals of a report by rule.
func requirements(approvals []aos.Approval) []gh.Requirement {
	var out []gh.Requirement
	index := map[string]int{}
	for _, a := range approvals {
		i, ok := index[a.Rule]
		if !ok {
			i = len(out)
			index[a.Rule] = i
			out = append(out, gh.Requirement{Rule: a.Rule, Reviewers: a.Reviewers, Reason: a.Reason})
		}
		s := a.Subject()
		if s == "" {
			s = fmt.Sprintf("directive %d", a.Directive)
		}
		if !slices.Contains(out[i].Subjects, s) {
			out[i].Subjects = append(out[i].Subjects, s)
		}
	}
	return out
}

// summaryApprovals are the approvals for the markdown: evaluated when
// state is known, else only required.
func summaryApprovals(reqs []gh.Requirement, state *gh.Approvals) ([]report.SummaryApproval, []string) {
	var out []report.SummaryApproval
	var ignored []string
	if state != nil {
		for _, r := range state.Rules {
			s := "missing"
			if r.OK {
				s = "approved"
			}
			out = append(out, report.SummaryApproval{Rule: r.Rule, Reason: r.Reason, Reviewers: r.Reviewers, Subjects: r.Subjects,
				ApprovedBy: r.ApprovedBy, BlockedBy: r.BlockedBy, State: s})
		}
		for _, i := range state.Ignored {
			ignored = append(ignored, i.Login+": "+i.Why)
		}
		return out, ignored
	}
	for _, r := range reqs {
		out = append(out, report.SummaryApproval{Rule: r.Rule, Reason: r.Reason, Reviewers: r.Reviewers, Subjects: r.Subjects, State: "required"})
	}
	return out, nil
}

// runs describes the plans of a judgement: the run record of each result
// commit, and the plan commits not applied.
func runs(repo *gitops.Repo, j *hooks.Result, vouch string) []report.SummaryRun {
	var out []report.SummaryRun
	applied := map[string]bool{}
	for _, c := range j.Commits {
		if c.Kind != hooks.ResultCommit || c.Report == nil || !c.Report.OK {
			continue
		}
		applied[c.PlanID] = true
		entries, err := workflow.History(context.Background(), repo, c.ID, 1)
		if err != nil || len(entries) == 0 || entries[0].Commit != c.ID {
			out = append(out, report.SummaryRun{PlanID: c.PlanID, Commit: c.ID})
			continue
		}
		out = append(out, runOf(entries[0], vouch))
	}
	for _, c := range j.Commits {
		if c.Kind == hooks.PlanCommit && c.VerifiedBy == "" && !applied[c.PlanID] {
			out = append(out, report.SummaryRun{PlanID: c.PlanID, Goal: "not applied yet: the plan passes plan check; its result commit will be verified with its jobs run again"})
		}
	}
	return out
}

// runOf is a run of the audit log for the markdown.
func runOf(e workflow.LogEntry, vouch string) report.SummaryRun {
	r := report.SummaryRun{PlanID: e.PlanID, Goal: e.Goal, Commit: e.Commit, Validators: e.Validators, Jobs: e.Jobs}
	for _, d := range e.Directives {
		r.Directives = append(r.Directives, d.Outcome)
	}
	for _, c := range e.Changes {
		r.Changes = append(r.Changes, report.SummaryChange{Path: c.Path, Status: string(c.Status)})
	}
	if len(e.Jobs) > 0 {
		r.Vouch = vouch
		if r.Vouch == "" {
			r.Vouch = "unverified: the record's claim, made by " + e.Author
		}
	}
	return r
}

// markdown renders a summary.
func markdown(s *report.Summary) string {
	var b strings.Builder
	report.WriteMarkdown(&b, s)
	return b.String()
}

// commitRows are the judged commits for the markdown.
func commitRows(j *hooks.Result) []report.SummaryCommit {
	bad := map[string]bool{}
	for _, x := range j.Rejections {
		bad[x.Commit] = true
	}
	var out []report.SummaryCommit
	for _, c := range j.Commits {
		v := "ok"
		switch {
		case c.VerifiedBy != "":
			v = fmt.Sprintf("checked by verifying %.12s", c.VerifiedBy)
		case bad[c.ID]:
			v = "rejected"
		case c.Kind == hooks.ResultCommit:
			v = "verified"
		case c.Kind == hooks.PlanCommit:
			v = "plan passes"
		}
		out = append(out, report.SummaryCommit{ID: c.ID, Kind: string(c.Kind), Plan: c.PlanID, Verdict: v})
	}
	return out
}
