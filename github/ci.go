// Package github holds the GitHub front ends of git-aos as use cases:
// [CI] is git aos ci, the whole logic of the Action (judge a pull
// request's commits as the pre-receive hook judges a push, apply plans on
// the runner, report on the pull request, hold it until approved), and
// [PR] is git aos pr (push an agent's branch and open or update its pull
// request). They speak to GitHub through package gh; docs/github.md is
// their contract.
package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gh"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/hooks"
	"github.com/architectos/aos/workflow"
)

// Check run names: branch protection requires both.
const (
	CheckName     = "ArchitectOS"
	ApprovalsName = "ArchitectOS approvals"
	// CommentMarker finds git aos ci's sticky comment.
	CommentMarker = "<!-- git-aos:ci -->"
)

// Verdicts of git aos ci (the verdict output).
const (
	VerdictPass     = "pass"
	VerdictRejected = "rejected"
	VerdictError    = "error"
)

// CIOptions configure [CI].
type CIOptions struct {
	// Dir is a directory of the checkout.
	Dir string
	// Getenv reads the Actions environment (GITHUB_*); os.Getenv when nil.
	Getenv func(string) string
	// EventName and EventPath override GITHUB_EVENT_NAME and
	// GITHUB_EVENT_PATH.
	EventName, EventPath string
	// Repo (OWNER/NAME) overrides GITHUB_REPOSITORY.
	Repo string
	// GitHubURL, Token and HTTPClient reach the API (gh.Options).
	GitHubURL, Token string
	HTTPClient       *http.Client
	// Policy is an organisation policy file unified with the base's
	// manifest.
	Policy string
	// Apply applies a plan commit at the head and pushes its result.
	Apply bool
	// Remote is where apply pushes (default origin).
	Remote string
	// SARIF uploads the findings to code scanning; Comment keeps the
	// sticky comment.
	SARIF, Comment bool
	Runtime        *workflow.Runtime
}

// CIResult is what git aos ci found and did.
type CIResult struct {
	// Verdict is pass or rejected.
	Verdict string
	// PlanID is the plan of the head (or of the last plan in the range);
	// ResultSHA the verified result commit at the head, or the one apply
	// pushed.
	PlanID, ResultSHA string
	// Head is the commit reported on; Base the commit judged against.
	Head, Base string
	Event      *gh.Event
	// Judgement is the verdict on each commit.
	Judgement *hooks.Result
	// Report holds every violation, finding and approval, for
	// annotations.
	Report *aos.Report
	// Approvals is the state of the approvals; nil when not evaluated.
	Approvals *gh.Approvals
	// ReadOnly is set when nothing could be written to GitHub but
	// annotations, the summary and outputs.
	ReadOnly bool
	// Applied is set when apply made and pushed the result commit.
	Applied bool
	// Notes are what the run says about itself (read-only tokens,
	// skipped reports); Warnings are reports that failed for lack of a
	// permission or a feature, each with its hint.
	Notes, Warnings []string
	// Summary is the markdown of the job summary.
	Summary string
}

func hint(err error, h string) error { return aos.WithHint(err, h) }

const fetchHint = "check out the whole history: actions/checkout with fetch-depth: 0 (or git fetch --unshallow origin)"

// CI judges the commits of the event's pull request or push, applies a
// plan with Apply, and reports on GitHub (docs/github.md, section 3). An
// error means the commits could not be judged (a missing commit, an
// unreadable manifest): it must fail the step. A failure to report is an
// error too, after everything else was reported; one for lack of a
// permission is a warning of the result.
func CI(ctx context.Context, opts CIOptions) (res *CIResult, err error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = getenvOS
	}
	act, _ := gh.ActionsEnv(getenv)
	defer func() {
		if err != nil && res == nil {
			// Not judged: the outputs and the summary say so too.
			act.SetOutputs("verdict", VerdictError, "plan-id", "", "result-sha", "")
			msg := err.Error()
			for _, h := range aos.Hints(err) {
				msg += "\nhint: " + h
			}
			act.AppendSummary("## ArchitectOS\n\n**error: the commits are not judged, so they are not accepted**\n\n" + fenced(msg))
		}
	}()
	name, path := opts.EventName, opts.EventPath
	if name == "" {
		name = act.EventName
	}
	if path == "" {
		path = act.EventPath
	}
	ev, err := gh.ReadEvent(name, path)
	if err != nil {
		return nil, err
	}
	repoName := firstOf(opts.Repo, act.Repository, ev.Repo)
	ghRepo, err := gh.ParseRepo(repoName)
	if err != nil {
		return nil, hint(err, "pass --repo OWNER/NAME, or run in a workflow, which sets GITHUB_REPOSITORY")
	}
	repo, err := gitops.Open(opts.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	r := &ciRun{opts: opts, act: act, ev: ev, repo: repo, ghRepo: ghRepo, res: &CIResult{Event: ev}}
	r.connect(getenv)
	r.start(ctx)
	if err := r.rangeOf(); err != nil {
		r.abort(ctx, err)
		return nil, err
	}
	if err := r.judge(ctx); err != nil {
		r.abort(ctx, err)
		return nil, err
	}
	if err := r.apply(ctx); err != nil {
		r.abort(ctx, err)
		return nil, err
	}
	return r.res, r.publish(ctx)
}

// ciRun is one run of git aos ci.
type ciRun struct {
	opts   CIOptions
	act    *gh.Actions
	ev     *gh.Event
	repo   *gitops.Repo
	ghRepo gh.Repo
	client *gh.Client
	res    *CIResult
	// ref is the branch the commits are to land on; headRef the pull
	// request's branch.
	ref, headRef string
	logins       []string
	// checkID is the ArchitectOS check run started in progress.
	checkID int64
	// token is the API token, for apply's push.
	token string
	// errs are failures to report; approvalsErr why the approvals could
	// not be evaluated.
	errs         []error
	approvalsErr error
}

// review reports whether the run only re-evaluates approvals.
func (r *ciRun) review() bool { return r.ev.Name == gh.EventPullRequestReview }

// rangeOf finds the base and head of the event, and checks that the
// clone holds every commit between them.
func (r *ciRun) rangeOf() error {
	ev := r.ev
	var base, head string
	switch {
	case ev.PR != nil:
		base, head = ev.PR.BaseSHA, ev.PR.HeadSHA
		r.ref, r.headRef = "refs/heads/"+ev.PR.BaseRef, ev.PR.HeadRef
		r.logins = []string{ev.PR.Author, ev.Sender}
	default:
		head, r.ref, r.headRef = ev.After, ev.Ref, strings.TrimPrefix(ev.Ref, "refs/heads/")
		r.logins = []string{ev.Sender}
		base = ev.Before
		if ev.Deleted {
			return nil
		}
		if ev.Before == gh.ZeroSHA {
			// A new branch brings the commits not on the default
			// branch.
			def := firstOf(ev.DefaultBranch, "main")
			tip := ""
			for _, ref := range []string{"refs/remotes/origin/" + def, "refs/heads/" + def} {
				if t, err := r.repo.RefTarget(ref); err != nil {
					return err
				} else if t != "" {
					tip = t
					break
				}
			}
			if tip == "" {
				return hint(fmt.Errorf("the default branch %s is not in the clone: the commits of the new branch %s cannot be told from it", def, ev.Ref), fetchHint)
			}
			if _, err := r.present(head, "head"); err != nil {
				return err
			}
			mb, err := r.repo.MergeBase(tip, head)
			if err != nil {
				return err
			}
			if mb == "" {
				return hint(fmt.Errorf("%s and the default branch %s have no common commit in the clone", ev.Ref, def), fetchHint)
			}
			base = mb
		}
	}
	b, err := r.present(base, "base")
	if err != nil {
		return err
	}
	h, err := r.present(head, "head")
	if err != nil {
		return err
	}
	r.res.Base, r.res.Head = b, h
	shallow, err := r.repo.ShallowCommits()
	if err != nil {
		return err
	}
	if len(shallow) > 0 {
		ids, err := r.repo.RevList(h, "^"+b)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if shallow[id] {
				return hint(fmt.Errorf("the clone is shallow: the parents of commit %.12s, between the base %.12s and the head %.12s, were not fetched, so not every commit could be judged", id, b, h), fetchHint)
			}
		}
		if mb, err := r.repo.MergeBase(b, h); err != nil || mb == "" {
			return hint(fmt.Errorf("the clone is shallow: the base %.12s and the head %.12s have no common commit in it", b, h), fetchHint)
		}
	}
	return nil
}

// present checks that commit id is in the clone.
func (r *ciRun) present(id, what string) (string, error) {
	c, err := r.repo.PeelToCommit(id)
	if err != nil {
		return "", err
	}
	if c == "" {
		return "", hint(fmt.Errorf("the %s commit %.12s is not in the clone, so the pull request cannot be judged", what, id), fetchHint)
	}
	return c, nil
}

// connect makes the API client, or notes why the run is read-only.
func (r *ciRun) connect(getenv func(string) string) {
	if r.ev.ReadOnlyToken() {
		r.readOnly("this pull request comes from a fork, and GitHub gives its workflows a read-only token: " +
			"no check runs, comment or SARIF upload, only annotations, this summary and the outputs; " +
			"the required check runs stay missing until a pull_request_target workflow posts them (docs/github.md)")
		return
	}
	r.token = tokenOf(r.opts.Token, getenv)
	c, err := gh.NewClient(r.ghRepo, gh.Options{Token: r.opts.Token, URL: r.opts.GitHubURL, Getenv: getenv, HTTPClient: r.opts.HTTPClient})
	if err != nil {
		r.readOnly("no GitHub token (" + err.Error() + "): only annotations, this summary and the outputs; pass github-token to the Action")
		return
	}
	r.client = c
}

func (r *ciRun) readOnly(note string) {
	if !r.res.ReadOnly {
		r.res.Notes = append(r.res.Notes, note)
	}
	r.res.ReadOnly = true
	r.client = nil
}

// reportErr records a failed report: for lack of a permission, or of
// code scanning, a warning; a read-only token turns the rest of the run
// read-only too.
func (r *ciRun) reportErr(err error) {
	msg := err.Error()
	if h := aos.Hints(err); len(h) > 0 {
		msg += " (hint: " + strings.Join(h, "; ") + ")"
	}
	switch {
	case errors.Is(err, gh.ErrReadOnly):
		r.res.Warnings = append(r.res.Warnings, msg)
		r.readOnly("the token may not write to this repository: only annotations, this summary and the outputs")
	case errors.Is(err, gh.ErrForbidden):
		r.res.Warnings = append(r.res.Warnings, msg)
	default:
		r.errs = append(r.errs, err)
	}
}

// judge judges base..head, starting the ArchitectOS check run first.
func (r *ciRun) judge(ctx context.Context) error {
	if r.ev.Deleted {
		r.res.Verdict = VerdictPass
		r.res.Notes = append(r.res.Notes, "the branch was deleted: nothing to judge")
		r.res.Judgement = &hooks.Result{}
		r.res.Report = &aos.Report{OK: true}
		return nil
	}
	j, err := hooks.JudgeRange(ctx, hooks.RangeOptions{Repo: r.repo, Base: r.res.Base, Head: r.res.Head, Ref: r.ref,
		Policy: r.opts.Policy, Logins: r.logins, Runtime: r.opts.Runtime, RerunJobs: !r.review(), ReplayJobs: r.review()})
	if err != nil {
		return err
	}
	r.setJudgement(j)
	return nil
}

// start creates the ArchitectOS check run on the event's head, in
// progress, so that the pull request shows the judgement under way and,
// if it fails, why.
func (r *ciRun) start(ctx context.Context) {
	if r.client == nil || r.review() || r.ev.Deleted {
		return
	}
	head := r.ev.After
	if r.ev.PR != nil {
		head = r.ev.PR.HeadSHA
	}
	id, err := r.client.StartCheckRun(ctx, CheckName, head, "judging", "git aos ci is judging the commits.", r.act.RunURL())
	if err != nil {
		r.reportErr(err)
	}
	r.checkID = id
}

// setJudgement records a judgement and its verdict.
func (r *ciRun) setJudgement(j *hooks.Result) {
	r.res.Judgement = j
	r.res.Verdict = VerdictPass
	if !j.OK() {
		r.res.Verdict = VerdictRejected
	}
	r.res.Report = combined(j)
	r.res.PlanID, r.res.ResultSHA = "", ""
	for _, c := range j.Commits {
		if c.PlanID != "" {
			r.res.PlanID = c.PlanID
		}
		if c.ID == r.res.Head && c.Kind == hooks.ResultCommit && c.Report != nil && c.Report.OK {
			r.res.ResultSHA = c.ID
		}
	}
}

// abort completes the started check run with the error that stopped the
// run, so that it never stays in progress.
func (r *ciRun) abort(ctx context.Context, err error) {
	if r.client == nil || r.checkID == 0 {
		return
	}
	msg := err.Error()
	for _, h := range aos.Hints(err) {
		msg += "\n\nhint: " + h
	}
	if ferr := r.client.FinishCheckRun(ctx, r.checkID, gh.CheckRun{Name: CheckName, Conclusion: gh.ConclusionFailure,
		Title: "error: not judged", Summary: "git aos ci could not judge the commits, so they are not accepted:\n\n" + msg, DetailsURL: r.act.RunURL()}); ferr != nil {
		r.reportErr(ferr)
	}
}

var getenvOS = func(k string) string { return osGetenv(k) }

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// isAgent reports whether login matches protect.agents of the base's
// manifest, whatever its case.
func isAgent(j *hooks.Result, login string) bool {
	return hooks.IsAgentLogin(j.Manifest, login) || hooks.IsAgentLogin(j.Manifest, strings.ToLower(login))
}

// fenced is text as a markdown code block.
func fenced(text string) string {
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	return fence + "text\n" + text + "\n" + fence + "\n"
}
