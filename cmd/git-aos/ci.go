package main

import (
	"context"

	"github.com/architectos/aos/github"
	"github.com/architectos/aos/report"
	"github.com/spf13/cobra"
)

type ciOptions struct {
	*factory
	EventName, EventPath string
	Repo, GitHubURL      string
	Policy               string
	Apply                bool
	Remote               string
	FailOn               string
	SARIF, Comment       bool
}

func newCmdCI(f *factory, runF func(context.Context, *ciOptions) error) *cobra.Command {
	opts := &ciOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "ci",
		Short: "Judge a pull request or push in GitHub Actions, and report on it",
		Long: `CI is the GitHub Action's whole logic. It reads the event of the workflow
run (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH: pull_request, pull_request_target,
pull_request_review, push) and judges every commit between its base and
head as the pre-receive hook judges a push, by the base's manifest with
--policy: a plan commit against its own parent, a result commit verified
with its jobs run again on the runner, any other commit by protect.humans.
A base or head missing from the clone fails: check out with fetch-depth: 0.

With --apply, a plan commit at the head is applied on the runner and its
result commit pushed to the pull request's branch.

It reports the check runs "ArchitectOS" and "ArchitectOS approvals" (held
until the require_approval rules the plans match are approved in reviews),
the job summary, SARIF for code scanning, one sticky comment, and the
outputs verdict, plan-id and result-sha. A fork's pull request has a
read-only token: annotations, the summary and the outputs only.

The token is GITHUB_TOKEN, else GH_TOKEN; the API is --github-url, else
GITHUB_API_URL (GitHub Enterprise Server included).

With --fail-on error only errors fail (exit 1), and with --fail-on never
nothing does. docs/github.md is the contract.`,
		Example: `  git aos ci
  git aos ci --apply --policy .github/aos-policy.cue`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch opts.FailOn {
			case "rejected", "error", "never":
			default:
				return usageErrorf("--fail-on is rejected, error or never, not %q", opts.FailOn)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return ciRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.EventName, "event", "", "event `NAME` (default GITHUB_EVENT_NAME)")
	fl.StringVar(&opts.EventPath, "event-path", "", "event payload `FILE` (default GITHUB_EVENT_PATH)")
	fl.StringVar(&opts.Repo, "repo", "", "repository `OWNER/NAME` (default GITHUB_REPOSITORY)")
	fl.StringVar(&opts.GitHubURL, "github-url", "", "GitHub API `URL` (default GITHUB_API_URL, else https://api.github.com)")
	fl.StringVar(&opts.Policy, "policy", "", "organisation policy `FILE` (CUE) unified with the base's manifest")
	fl.BoolVar(&opts.Apply, "apply", false, "apply a plan commit at the head on the runner and push its result commit")
	fl.StringVar(&opts.Remote, "remote", "origin", "`REMOTE` apply pushes the result commit to")
	fl.StringVar(&opts.FailOn, "fail-on", "rejected", "fail on `WHAT`: rejected (a rejection or an error), error, never")
	fl.BoolVar(&opts.SARIF, "sarif", true, "upload the findings to code scanning")
	fl.BoolVar(&opts.Comment, "comment", true, "keep one sticky comment on the pull request")
	return cmd
}

func ciRun(ctx context.Context, opts *ciOptions) error {
	res, err := github.CI(ctx, github.CIOptions{Dir: opts.Dir, EventName: opts.EventName, EventPath: opts.EventPath,
		Repo: opts.Repo, GitHubURL: opts.GitHubURL, Policy: opts.Policy, Apply: opts.Apply, Remote: opts.Remote,
		SARIF: opts.SARIF, Comment: opts.Comment, Runtime: opts.runtime()})
	if res == nil {
		return tolerate(opts.FailOn == "never", err)
	}
	if werr := report.WriteAnnotations(opts.Out, res.Report, 10); werr != nil {
		return werr
	}
	commits := 0
	if res.Judgement != nil {
		commits = len(res.Judgement.Commits)
	}
	if werr := report.WriteCI(opts.Out, res.Verdict, res.Base, res.Head, commits, res.Notes, res.Warnings); werr != nil {
		return werr
	}
	if err != nil {
		return tolerate(opts.FailOn == "never", err)
	}
	if res.Verdict == github.VerdictRejected && opts.FailOn == "rejected" {
		return rejected("the commits are rejected ("+plural(max(len(res.Report.Violations), 1), "problem")+")", res.Report)
	}
	return nil
}

// tolerate makes err print without failing, when asked.
func tolerate(ok bool, err error) error {
	if err == nil || !ok {
		return err
	}
	return &toleratedError{err}
}

// toleratedError is printed as an error, and exits 0 (--fail-on never).
type toleratedError struct{ err error }

func (e *toleratedError) Error() string { return e.err.Error() }
func (e *toleratedError) Unwrap() error { return e.err }
