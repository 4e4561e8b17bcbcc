package github

import (
	"context"
	"errors"
	"fmt"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gh"
	"github.com/architectos/aos/report"
)

// publish reports the verdict: the two check runs, code scanning, the
// sticky comment, the job summary and the outputs. Each report is tried
// whatever became of the others.
func (r *ciRun) publish(ctx context.Context) error {
	res, ev := r.res, r.ev
	j := res.Judgement
	reqs := requirements(res.Report.Approvals)
	isPR := ev.PR != nil
	if r.client != nil && isPR && !ev.Deleted {
		r.evaluate(ctx, reqs)
	}
	vouch := "git aos ci, which ran every job again on this runner: exit statuses and build outputs agree with the record"
	if r.review() {
		vouch = "git aos ci, which ran the jobs again when this head was pushed (on a review, the record is replayed)"
	}
	if res.Applied {
		vouch = "git aos ci, which applied the plan on this runner and ran its jobs"
	}
	verdict := map[string]string{VerdictPass: "✅ verified", VerdictRejected: "❌ rejected"}[res.Verdict]
	apps, ignored := summaryApprovals(reqs, res.Approvals)
	sum := &report.Summary{Title: "ArchitectOS", Verdict: fmt.Sprintf("%s: %.12s..%.12s, %d commits", verdict, res.Base, res.Head, len(j.Commits)),
		Notes: append(append([]string{}, res.Notes...), res.Warnings...), Commits: commitRows(j), Report: res.Report,
		Runs: runs(r.repo, j, vouch), Approvals: apps, Ignored: ignored}
	if u := r.act.RunURL(); u != "" {
		sum.Footer = "[The workflow run](" + u + ")"
	}
	res.Summary = markdown(sum)

	if r.client != nil && !r.review() {
		r.postCheck(ctx, sum)
	}
	if r.client != nil && isPR {
		r.postApprovals(ctx, reqs, apps, ignored)
	}
	if r.client != nil && r.opts.SARIF && !r.review() && !ev.Deleted {
		r.uploadSARIF(ctx)
	}
	if r.client != nil && isPR && r.opts.Comment {
		brief := *sum
		brief.Brief, brief.Commits = true, nil
		brief.Title = "ArchitectOS"
		if _, _, err := r.client.UpsertComment(ctx, ev.PR.Number, CommentMarker, CommentMarker+"\n"+markdown(&brief)); err != nil {
			r.reportErr(err)
		}
	}
	// The notes may have grown with what failed to be reported.
	sum.Notes = append(append([]string{}, res.Notes...), res.Warnings...)
	res.Summary = markdown(sum)
	if err := r.act.AppendSummary(res.Summary); err != nil {
		r.errs = append(r.errs, fmt.Errorf("job summary: %w", err))
	}
	if err := r.act.SetOutputs("verdict", res.Verdict, "plan-id", res.PlanID, "result-sha", res.ResultSHA); err != nil {
		r.errs = append(r.errs, fmt.Errorf("outputs: %w", err))
	}
	return errors.Join(r.errs...)
}

// evaluate decides the approvals from the pull request's reviews.
func (r *ciRun) evaluate(ctx context.Context, reqs []gh.Requirement) {
	if len(reqs) == 0 {
		r.res.Approvals = &gh.Approvals{OK: true}
		return
	}
	reviews, err := r.client.ListReviews(ctx, r.ev.PR.Number)
	if err != nil {
		r.approvalsErr = err
		r.reportErr(err)
		return
	}
	j := r.res.Judgement
	a, err := gh.EvaluateApprovals(ctx, gh.ApprovalInput{Requirements: reqs, Reviews: reviews, HeadSHA: r.res.Head, Author: r.ev.PR.Author,
		IsAgent:    func(l string) bool { return isAgent(j, l) },
		TeamMember: r.client.TeamMember,
		CanWrite: func(ctx context.Context, login string) (bool, error) {
			p, err := r.client.Permission(ctx, login)
			return p == "admin" || p == "write" || p == "maintain", err
		}})
	if err != nil {
		r.approvalsErr = err
		r.reportErr(err)
		return
	}
	r.res.Approvals = a
}

// postCheck completes the ArchitectOS check run on the head.
func (r *ciRun) postCheck(ctx context.Context, sum *report.Summary) {
	res := r.res
	run := gh.CheckRun{Name: CheckName, HeadSHA: res.Head, DetailsURL: r.act.RunURL(), Conclusion: gh.ConclusionSuccess,
		Annotations: annotations(res.Report)}
	n := len(res.Report.Violations)
	switch {
	case res.Verdict == VerdictRejected:
		run.Conclusion, run.Title = gh.ConclusionFailure, fmt.Sprintf("rejected: %d problems", max(n, 1))
	case len(res.Report.Findings) > 0:
		run.Title = fmt.Sprintf("verified, %d findings to read", len(res.Report.Findings))
	default:
		run.Title = fmt.Sprintf("verified: %d commits", len(res.Judgement.Commits))
	}
	brief := *sum
	brief.Title, brief.Approvals, brief.Ignored = "", nil, nil
	run.Summary = markdown(&brief)
	var err error
	if r.checkID != 0 {
		err = r.client.FinishCheckRun(ctx, r.checkID, run)
	} else {
		_, err = r.client.PostCheckRun(ctx, run)
	}
	if err != nil {
		r.reportErr(err)
	}
}

// postApprovals posts the ArchitectOS approvals check run on the head.
func (r *ciRun) postApprovals(ctx context.Context, reqs []gh.Requirement, apps []report.SummaryApproval, ignored []string) {
	res := r.res
	run := gh.CheckRun{Name: ApprovalsName, HeadSHA: res.Head, DetailsURL: r.act.RunURL()}
	s := &report.Summary{Approvals: apps, Ignored: ignored}
	switch {
	case res.Verdict != VerdictPass:
		run.Conclusion, run.Title = gh.ConclusionActionRequired, "the commits are rejected"
		s.Notes = []string{"The ArchitectOS check run rejects the commits; approvals count only for commits that pass."}
	case res.Approvals == nil && r.approvalsErr != nil && r.client != nil:
		// Held, and saying why: a team the token cannot read, reviews
		// that cannot be listed.
		msg := r.approvalsErr.Error()
		for _, h := range aos.Hints(r.approvalsErr) {
			msg += "\nhint: " + h
		}
		run.Conclusion, run.Title = gh.ConclusionActionRequired, "the approvals cannot be evaluated"
		s.Notes = []string{"The reviews could not be judged, so no rule counts as approved: " + msg}
	case res.Approvals == nil:
		return // not evaluated
	case len(reqs) == 0:
		run.Conclusion, run.Title = gh.ConclusionSuccess, "no approval required"
		s.Notes = []string{"No require_approval rule of the base branch's manifest matches these plans."}
	case res.Approvals.OK:
		run.Conclusion, run.Title = gh.ConclusionSuccess, fmt.Sprintf("approved: %d rules", len(reqs))
	default:
		missing := 0
		for _, a := range res.Approvals.Rules {
			if !a.OK {
				missing++
			}
		}
		run.Conclusion, run.Title = gh.ConclusionActionRequired, fmt.Sprintf("%d of %d rules need an approval", missing, len(reqs))
		s.Notes = []string{"An approving review of the current head, from a reviewer each rule lists, approves it; the check runs again on every review."}
	}
	run.Summary = markdown(s)
	if _, err := r.client.PostCheckRun(ctx, run); err != nil {
		r.reportErr(err)
	}
}

// uploadSARIF uploads the report to code scanning.
func (r *ciRun) uploadSARIF(ctx context.Context) {
	res, ev := r.res, r.ev
	file := ""
	for _, c := range res.Judgement.Commits {
		if c.PlanFile != "" {
			file = c.PlanFile
		}
	}
	if file == "" && res.Judgement.Manifest != nil {
		file = res.Judgement.Manifest.Source
	}
	data, err := sarifOf(res.Report, firstOf(file, ".aos"))
	if err != nil {
		r.errs = append(r.errs, err)
		return
	}
	ref := ev.Ref
	if ev.PR != nil {
		ref = fmt.Sprintf("refs/pull/%d/head", ev.PR.Number)
	}
	if _, err := r.client.UploadSARIF(ctx, gh.SARIFUpload{CommitSHA: res.Head, Ref: ref, SARIF: data, ToolName: "git-aos"}); err != nil {
		r.reportErr(err)
	}
}
