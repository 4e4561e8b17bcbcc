package main

import (
	"context"

	"github.com/architectos/aos/github"
	"github.com/architectos/aos/report"
	"github.com/spf13/cobra"
)

type prOptions struct {
	*factory
	Branch          string
	Remote          string
	NoPush          bool
	Repo, GitHubURL string
	Base            string
	Ready           bool
	Labels          []string
}

func newCmdPR(f *factory, runF func(context.Context, *prOptions) error) *cobra.Command {
	opts := &prOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "pr [BRANCH]",
		Short: "Push an agent branch and open or update its pull request",
		Long: `PR pushes BRANCH (default the current branch, an agent branch aos/<id>
whose tip is a plan or result commit) to --remote, then opens its pull
request on GitHub, or updates the one already open for it: the title is
the plan's goal and id, the body the run (directives, changed paths,
validators, jobs and who vouches for them, the approvals needed), labels
from --label, a draft unless --ready, and reviews requested from the
reviewers of the require_approval rules the plan matched (users, and
teams of the repository's organisation).

The repository is --repo, else GITHUB_REPOSITORY, else the remote's URL.
The token is GITHUB_TOKEN, else GH_TOKEN; the API is --github-url, else
GITHUB_API_URL, else the remote's host when it is not github.com (GitHub
Enterprise Server), else https://api.github.com.

docs/github.md is the contract.`,
		Example: `  git aos propose plan.yaml && git aos pr aos/fix-login
  git aos pr --ready --label aos --label security`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Branch = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return prRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Remote, "remote", "origin", "`REMOTE` to push the branch to")
	fl.BoolVar(&opts.NoPush, "no-push", false, "the branch is on the remote already: do not push it")
	fl.StringVar(&opts.Repo, "repo", "", "repository `OWNER/NAME` (default GITHUB_REPOSITORY, else the remote's URL)")
	fl.StringVar(&opts.GitHubURL, "github-url", "", "GitHub API `URL` (default GITHUB_API_URL, else from the remote)")
	fl.StringVar(&opts.Base, "base", "", "`BRANCH` to merge into (default the remote's default branch)")
	fl.BoolVar(&opts.Ready, "ready", false, "ready for review rather than a draft")
	fl.StringArrayVar(&opts.Labels, "label", []string{"aos"}, "`LABEL` to add (repeat for more)")
	return cmd
}

func prRun(ctx context.Context, opts *prOptions) error {
	res, err := github.PR(ctx, github.PROptions{Dir: opts.Dir, Branch: opts.Branch, Remote: opts.Remote, NoPush: opts.NoPush,
		Repo: opts.Repo, GitHubURL: opts.GitHubURL, Base: opts.Base, Ready: opts.Ready, Labels: opts.Labels, Runtime: opts.runtime()})
	if err != nil {
		return err
	}
	return report.WritePR(opts.Out, res.PR.Number, res.PR.URL, res.Created, res.Pushed, res.Users, res.Teams, res.Warnings)
}
