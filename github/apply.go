package github

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	"github.com/architectos/aos/gh"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/hooks"
	"github.com/architectos/aos/workflow"
)

// apply applies the plan commit at the head of a pull request on the
// runner and pushes its result to the pull request's branch, then judges
// the result in place of the plan commit: a push with the workflow's
// token starts no workflow of its own.
func (r *ciRun) apply(ctx context.Context) error {
	if !r.opts.Apply || r.review() || r.ev.Deleted {
		return nil
	}
	j := r.res.Judgement
	var head *hooks.CommitVerdict
	for i := range j.Commits {
		if j.Commits[i].ID == r.res.Head {
			head = &j.Commits[i]
		}
	}
	switch {
	case head == nil || head.Kind != hooks.PlanCommit:
		return nil // nothing to apply: the head is a result or another commit
	case !j.OK():
		r.res.Notes = append(r.res.Notes, "the plan is not applied: the commits are rejected")
		return nil
	case r.ev.Fork():
		r.res.Notes = append(r.res.Notes, "the plan is not applied: a pull request from a fork has a branch this repository's token may not write")
		return nil
	case r.client == nil:
		r.res.Notes = append(r.res.Notes, "the plan is not applied: the token is read-only")
		return nil
	case r.headRef == "":
		return fmt.Errorf("the event names no branch to push the result commit to")
	}
	ref := "refs/heads/" + r.headRef
	cur, err := r.repo.RefTarget(ref)
	if err != nil {
		return err
	}
	switch cur {
	case head.ID:
	case "":
		if err := r.repo.UpdateRefs("git aos ci: the plan to apply", gitops.RefUpdate{Ref: ref, Old: gitops.ZeroID, New: head.ID}); err != nil {
			return err
		}
	default:
		return fmt.Errorf("the local branch %s is at %.12s, not at the pull request's head %.12s: check out the pull request's head, or no branch of that name", r.headRef, cur, head.ID)
	}
	res, err := workflow.Apply(ctx, workflow.RunOptions{Dir: r.opts.Dir, Rev: ref, Policy: r.opts.Policy, Runtime: r.opts.Runtime})
	if err != nil {
		return fmt.Errorf("apply %s: %w", head.PlanID, err)
	}
	if !res.OK() {
		r.res.Verdict = VerdictRejected
		r.res.Report.OK = false
		r.res.Report.Violations = append(r.res.Report.Violations, res.Report.Violations...)
		r.res.Report.Findings = append(r.res.Report.Findings, res.Report.Findings...)
		r.res.Report.Jobs = append(r.res.Report.Jobs, res.Report.Jobs...)
		r.res.Report.Sort()
		r.res.Notes = append(r.res.Notes, fmt.Sprintf("applying plan %s on the runner rejected it: nothing was pushed", head.PlanID))
		return nil
	}
	remote := firstOf(r.opts.Remote, "origin")
	cfg, err := r.pushCredentials(remote)
	if err != nil {
		return err
	}
	if err := r.repo.Push(ctx, gitops.PushOptions{Remote: remote, Refspecs: []string{res.ResultCommit + ":" + ref},
		Leases: []string{ref + ":" + head.ID}, Config: cfg}); err != nil {
		return hint(err, "the workflow needs permissions: contents: write, and the branch must still be at the plan commit (a push meanwhile wins; the next run applies again)")
	}
	r.res.Applied = true
	r.res.Notes = append(r.res.Notes, fmt.Sprintf("plan %s applied on the runner, its jobs run here; result commit %.12s pushed to %s", head.PlanID, res.ResultCommit, r.headRef))
	// The result is judged in the plan commit's place; this runner ran
	// its jobs, so they are replayed from the record it wrote.
	j2, err := hooks.JudgeRange(ctx, hooks.RangeOptions{Repo: r.repo, Base: r.res.Base, Head: res.ResultCommit, Ref: r.ref,
		Policy: r.opts.Policy, Logins: r.logins, Runtime: r.opts.Runtime, RanJobs: []string{res.ResultCommit}})
	if err != nil {
		return err
	}
	if r.checkID != 0 {
		if err := r.client.FinishCheckRun(ctx, r.checkID, gh.CheckRun{Name: CheckName, Conclusion: gh.ConclusionSuccess, DetailsURL: r.act.RunURL(),
			Title: "applied", Summary: fmt.Sprintf("The plan passed and was applied on the runner: the result commit %s is the head now, and its own check run has the verdict.", res.ResultCommit)}); err != nil {
			r.reportErr(err)
		}
		r.checkID = 0
	}
	r.res.Head = res.ResultCommit
	r.setJudgement(j2)
	return nil
}

// pushCredentials gives git the workflow's token for the push, unless the
// checkout left its own (actions/checkout's persist-credentials).
func (r *ciRun) pushCredentials(remote string) ([]string, error) {
	u, err := r.repo.RemoteURL(remote)
	if err != nil {
		return nil, err
	}
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "https" {
		return nil, nil // ssh, file: git's own credentials
	}
	if h, err := r.repo.ConfigForURL("http.extraheader", u); err != nil || h != "" {
		return nil, err
	}
	token := r.token
	if token == "" {
		return nil, nil
	}
	auth := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + token))
	key := "http." + pu.Scheme + "://" + pu.Host + "/.extraheader"
	return []string{key, "AUTHORIZATION: basic " + auth}, nil
}

// tokenOf is the token a client uses: the option, else the environment.
func tokenOf(opt string, getenv func(string) string) string {
	for _, t := range []string{opt, getenv("GITHUB_TOKEN"), getenv("GH_TOKEN")} {
		if t = strings.TrimSpace(t); t != "" {
			return t
		}
	}
	return ""
}
