package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gh"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/hooks"
	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
)

// PROptions configure [PR].
type PROptions struct {
	Dir string
	// Branch is the agent branch; "" is the current branch.
	Branch string
	// Remote is where the branch is pushed (default origin); NoPush
	// says it is there already.
	Remote string
	NoPush bool
	// Repo is OWNER/NAME; "" reads GITHUB_REPOSITORY, else the remote's
	// URL.
	Repo string
	// Base is the branch to merge into; "" is the remote's default
	// branch.
	Base string
	// Ready opens the pull request ready for review, not as a draft, or
	// marks an existing draft ready.
	Ready bool
	// Labels are added to the pull request; nil is "aos".
	Labels []string
	// GitHubURL, Token, HTTPClient and Getenv reach the API
	// (gh.Options); without a URL, a remote on another host than
	// github.com is taken for GitHub Enterprise Server.
	GitHubURL, Token string
	HTTPClient       *http.Client
	Getenv           func(string) string
	// Runtime runs the manifest's validators when the plan at the tip is
	// checked, as plan check does.
	Runtime *workflow.Runtime
}

// PRResult is what git aos pr did.
type PRResult struct {
	PR      *gh.PullRequest
	Created bool
	Pushed  bool
	// Users and Teams are the reviewers requested.
	Users, Teams []string
	// Warnings are what could not be done, with why.
	Warnings []string
}

// errNotAgentBranch and errNotPlan are rejections: exit 3.
func rejectedf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", aos.ErrRejected, fmt.Sprintf(format, args...))
}

// PR pushes an agent's branch and opens or updates its pull request
// (docs/github.md, section 2).
func PR(ctx context.Context, opts PROptions) (*PRResult, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = getenvOS
	}
	repo, err := gitops.Open(opts.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	ref, err := repo.BranchRef(firstOf(opts.Branch, "HEAD"))
	if err != nil {
		return nil, err
	}
	if ref == "" {
		if opts.Branch == "" {
			return nil, hint(errors.New("HEAD is detached"), "name the branch: git aos pr aos/<id>")
		}
		return nil, hint(fmt.Errorf("%s is not a local branch", opts.Branch), "git aos propose makes the branch aos/<id>")
	}
	branch := strings.TrimPrefix(ref, "refs/heads/")
	tip, err := repo.RefTarget(ref)
	if err != nil {
		return nil, err
	}
	info, err := repo.CommitInfo(tip)
	if err != nil {
		return nil, err
	}
	// What the branch holds, for the body: the run record of a result
	// commit, or the plan check of a plan commit.
	var run report.SummaryRun
	var approvals []aos.Approval
	var lm *workflow.LoadedManifest
	verdict := ""
	switch {
	case workflow.IsResultCommitMessage(info.Message):
		entries, err := workflow.History(ctx, repo, tip, 1)
		if err != nil {
			return nil, err
		}
		if len(entries) == 0 || entries[0].Commit != tip || entries[0].Error != "" || len(info.Parents) != 1 {
			return nil, rejectedf("the tip %.12s of %s claims to be a result commit and its run record cannot be read", tip, branch)
		}
		e := entries[0]
		run, approvals = runOf(e, ""), e.Approvals
		verdict = fmt.Sprintf("Plan %s, applied: result commit %.12s. git aos ci verifies it with its jobs run again.", report.Code(e.PlanID), tip)
		if lm, err = manifestOfCommit(repo, e.Base); err != nil {
			return nil, err
		}
	case workflow.IsPlanCommitMessage(info.Message):
		if len(info.Parents) != 1 {
			return nil, rejectedf("the tip %.12s of %s is not a plan commit: it has %d parents", tip, branch, len(info.Parents))
		}
		if lm, err = manifestOfCommit(repo, info.Parents[0]); err != nil {
			return nil, err
		}
		pc, err := workflow.CheckPlanCommit(ctx, repo, tip, lm, opts.Runtime)
		if err != nil {
			return nil, err
		}
		if !pc.Report.OK {
			var msgs []string
			for _, v := range pc.Report.Violations {
				msgs = append(msgs, v.String())
			}
			return nil, rejectedf("the plan at the tip of %s does not pass plan check:\n%s", branch, strings.Join(msgs, "\n"))
		}
		approvals = pc.Report.Approvals
		run = report.SummaryRun{PlanID: pc.PlanID, Goal: planGoal(info.Message)}
		verdict = fmt.Sprintf("Plan %s, not applied yet: it passes plan check. git aos ci --apply (the Action's mode: apply) applies it and runs its jobs on the runner.", report.Code(pc.PlanID))
	default:
		return nil, rejectedf("the tip %.12s of %s is neither a plan commit nor a result commit", tip, branch)
	}
	if !hooks.IsAgentBranch(lm, branch) {
		return nil, rejectedf("%s is not an agent branch (protect.agent_branches: %s)", branch, strings.Join(lm.Protect.AgentBranches, ", "))
	}

	remote := firstOf(opts.Remote, "origin")
	ghRepo, host, err := repoOf(repo, opts.Repo, remote, getenv)
	if err != nil {
		return nil, err
	}
	apiURL := opts.GitHubURL
	if apiURL == "" && getenv("GITHUB_API_URL") == "" && host != "" && !strings.EqualFold(host, "github.com") {
		apiURL = "https://" + host // GitHub Enterprise Server
	}
	client, err := gh.NewClient(ghRepo, gh.Options{Token: opts.Token, URL: apiURL, Getenv: getenv, HTTPClient: opts.HTTPClient})
	if err != nil {
		return nil, err
	}
	out := &PRResult{}
	if !opts.NoPush {
		if err := repo.Push(ctx, gitops.PushOptions{Remote: remote, Refspecs: []string{ref + ":" + ref}}); err != nil {
			return nil, hint(err, "the branch moved on the remote, or the remote refuses it; --no-push when it is already there")
		}
		out.Pushed = true
	}
	base := opts.Base
	if base == "" {
		if t, err := repo.SymbolicRef("refs/remotes/" + remote + "/HEAD"); err == nil && t != "" {
			base = strings.TrimPrefix(t, "refs/remotes/"+remote+"/")
		}
	}
	if base == "" {
		if base, err = client.DefaultBranch(ctx); err != nil {
			return nil, err
		}
	}
	reqs := requirements(approvals)
	apps, _ := summaryApprovals(reqs, nil)
	var body strings.Builder
	body.WriteString("<!-- git-aos:pr -->\n")
	report.WriteMarkdown(&body, &report.Summary{Verdict: verdict, Runs: []report.SummaryRun{run}, Approvals: apps,
		Footer: "Opened by `git aos pr`. The check runs `ArchitectOS` and `ArchitectOS approvals` decide whether it may merge."})
	title := goalTitle(run.Goal, run.PlanID)
	pr, err := client.FindPullRequest(ctx, "", branch)
	if err != nil {
		return nil, err
	}
	if pr != nil {
		if pr, err = client.EditPullRequest(ctx, pr.Number, title, body.String()); err != nil {
			return nil, err
		}
		if opts.Ready && pr.Draft {
			if err := client.MarkReadyForReview(ctx, pr); err != nil {
				return nil, err
			}
			pr.Draft = false
		}
	} else {
		if pr, err = client.CreatePullRequest(ctx, gh.NewPullRequest{Title: title, Body: body.String(), Head: branch, Base: base, Draft: !opts.Ready}); err != nil {
			return nil, err
		}
		out.Created = true
	}
	out.PR = pr
	labels := opts.Labels
	if labels == nil {
		labels = []string{"aos"}
	}
	if err := client.AddLabels(ctx, pr.Number, labels); err != nil {
		return nil, err
	}
	// Reviewers of the rules the plan matched; never the author, whom
	// GitHub refuses to ask.
	viewer, _ := client.Viewer(ctx)
	for _, rq := range reqs {
		for _, spec := range rq.Reviewers {
			name, team, isTeam := gh.ParseReviewer(spec)
			switch {
			case isTeam && !strings.EqualFold(name, ghRepo.Owner):
				out.Warnings = append(out.Warnings, fmt.Sprintf("team %s is not of %s's organisation: GitHub asks only its own teams for reviews", spec, ghRepo.Owner))
			case isTeam:
				if !slices.Contains(out.Teams, team) {
					out.Teams = append(out.Teams, team)
				}
			case strings.EqualFold(name, pr.Author) || strings.EqualFold(name, viewer):
			default:
				if !slices.ContainsFunc(out.Users, func(u string) bool { return strings.EqualFold(u, name) }) {
					out.Users = append(out.Users, name)
				}
			}
		}
	}
	if err := client.RequestReviewers(ctx, pr.Number, out.Users, out.Teams); err != nil {
		if !errors.Is(err, gh.ErrInvalid) {
			return nil, err
		}
		out.Warnings = append(out.Warnings, err.Error())
		out.Users, out.Teams = nil, nil
	}
	return out, nil
}

// manifestOfCommit loads the manifest committed in commit.
func manifestOfCommit(repo *gitops.Repo, commit string) (*workflow.LoadedManifest, error) {
	t, err := repo.CommitTree(commit)
	if err != nil {
		return nil, err
	}
	return workflow.ManifestFromTree(t, workflow.ManifestOptions{})
}

// repoOf finds the GitHub repository: the option, GITHUB_REPOSITORY, or
// the remote's URL; the host is the remote's, when it was read.
func repoOf(repo *gitops.Repo, opt, remote string, getenv func(string) string) (gh.Repo, string, error) {
	if s := firstOf(opt, getenv("GITHUB_REPOSITORY")); s != "" {
		r, err := gh.ParseRepo(s)
		return r, "", err
	}
	u, err := repo.RemoteURL(remote)
	if err != nil {
		return gh.Repo{}, "", hint(err, "pass --repo OWNER/NAME, or --remote NAME")
	}
	r, host, err := gh.RepoFromRemote(u)
	if err != nil {
		return gh.Repo{}, "", hint(err, "pass --repo OWNER/NAME")
	}
	return r, host, nil
}

// planGoal is the goal a plan commit's message holds: its body before
// the trailers.
func planGoal(msg string) string {
	_, body, _ := strings.Cut(msg, "\n\n")
	if i := strings.LastIndex(body, "\n\n"); i >= 0 {
		body = body[:i]
	} else {
		body = ""
	}
	return strings.TrimSpace(body)
}

// goalTitle is a pull request's title: the goal's first line and the
// plan id.
func goalTitle(goal, id string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(goal), "\n")
	line = strings.TrimSpace(line)
	if r := []rune(line); len(r) > 200 {
		line = string(r[:199]) + "…"
	}
	if line == "" {
		return id
	}
	return line + " (" + id + ")"
}
