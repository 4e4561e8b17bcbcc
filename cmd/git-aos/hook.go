package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/hooks"
	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

func newCmdHook(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hook",
		Short: "Run git-aos as a server-side git hook",
		Long: `The hook commands make git-aos the pre-receive gatekeeper of a repository
on a git server: every push is judged by the rules of the manifest on the
protected branch before git accepts it. The post-receive hook records who
vouched for job records and, with a runner key, runs the plans agents push
(the post-receive runner). Set-up for plain git, Gitea and Forgejo, GitLab
and GitHub Enterprise Server is in docs/hooks.md.`,
		Example: `  git aos hook install --repo /srv/git/site.git
  git aos hook install --repo /srv/git/site.git --policy /etc/aos/org-policy.cue
  git aos hook install --repo /srv/git/site.git --runner-key /srv/git/.aos-runner
  git aos hook runs --repo /srv/git/site.git`,
		Args: noArgs,
	}
	cmd.AddCommand(newCmdHookPreReceive(f, nil), newCmdHookPostReceive(f, nil), newCmdHookInstall(f, nil),
		newCmdHookRunner(f, nil), newCmdHookRuns(f, nil))
	return cmd
}

// hookFlags are the flags of the hooks themselves, which install writes
// into them: Refs and Budget are the pre-receive hook's only.
type hookFlags struct {
	Policy        string
	UserEnv       string
	RerunJobs     bool
	AllowHostJobs bool
	Refs          []string
	Budget        time.Duration
}

func (h *hookFlags) add(cmd *cobra.Command) {
	h.addCommon(cmd)
	cmd.Flags().StringSliceVar(&h.Refs, "refs", hooks.DefaultRefPrefixes, "ref namespaces a push may update")
	cmd.Flags().DurationVar(&h.Budget, "budget", hooks.DefaultBudget, "time allowed for the whole push; over it the push is rejected")
}

func (h *hookFlags) addCommon(cmd *cobra.Command) {
	cmd.Flags().StringVar(&h.Policy, "policy", "", "server policy `FILE` (CUE) unified with the manifest [aos-policy.cue in the git directory]")
	cmd.Flags().StringVar(&h.UserEnv, "user-env", "", "read the pusher's login from environment variable `NAME` only")
	cmd.Flags().BoolVar(&h.RerunJobs, "rerun-jobs", false, "run the jobs of result commits again when no signature or runner login vouches for them")
	cmd.Flags().BoolVar(&h.AllowHostJobs, "allow-host-jobs", false, "let the server run jobs of environment.type host for pushers, unsandboxed (--rerun-jobs, the runner)")
}

// signerFlags name the files signatures are checked against.
type signerFlags struct {
	AllowedSigners string
	RevokedSigners string
}

func (s *signerFlags) add(cmd *cobra.Command, what string) {
	cmd.Flags().StringVar(&s.AllowedSigners, "allowed-signers", "", "OpenSSH allowed signers `FILE` "+what)
	cmd.Flags().StringVar(&s.RevokedSigners, "revoked-signers", "", "`FILE` of revoked public keys, or a KRL, "+what)
}

func (h *hookFlags) check() error {
	if h.Budget <= 0 {
		return usageErrorf("--budget must be positive, got %s", h.Budget)
	}
	return nil
}

type hookPreReceiveOptions struct {
	*factory
	hookFlags
	signerFlags
}

func newCmdHookPreReceive(f *factory, runF func(context.Context, *hookPreReceiveOptions) error) *cobra.Command {
	opts := &hookPreReceiveOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "pre-receive",
		Short: "Judge a push: the pre-receive hook itself",
		Long: `pre-receive reads the "<old> <new> <ref>" lines git's receive-pack writes
to the hook and judges every ref update by the rules of docs/hooks.md: the
manifest comes from the default branch's tip (a protected branch's own tip
for updates to it) before the push, unified with the server policy, never
from the pushed commits. Every reason to reject is printed, and git shows
each one to the pusher as "remote: ...".

It runs in the repository's git directory, as git runs hooks, and reads
the push's objects from git's quarantine directory. Any error, an
unreadable manifest or a push that takes longer than --budget rejects the
push: the hook fails closed.`,
		Example: `  # hooks/pre-receive, as git aos hook install writes it:
  exec /usr/local/bin/git-aos hook pre-receive --budget 4.5s`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return hookPreReceiveRun(cmd.Context(), opts)
		},
	}
	opts.hookFlags.add(cmd)
	opts.signerFlags.add(cmd, "to check signatures against [the installed one, in the git directory]")
	return cmd
}

// hookGCPercent is the collector's target for the pre-receive hook, unless
// GOGC says otherwise: the hook's heap is mostly the plan and what is
// made of it, live to the end, so that collecting as it grows frees
// little; 200 halves the collections without raising the peak
// (docs/RATIONALE.md, "Pre-receive hook").
const hookGCPercent = 200

func hookPreReceiveRun(ctx context.Context, opts *hookPreReceiveOptions) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(hookGCPercent)
	}
	res, err := hooks.RunPreReceive(ctx, hooks.HookOptions{Dir: opts.Dir, Stdin: opts.In, Getenv: os.Getenv,
		Policy: opts.Policy, UserEnv: opts.UserEnv, RefPrefixes: opts.Refs, Budget: opts.Budget, Runtime: opts.runtime(),
		AllowedSigners: opts.AllowedSigners, RevokedSigners: opts.RevokedSigners, RerunJobs: opts.RerunJobs, AllowHostJobs: opts.AllowHostJobs})
	if err != nil {
		return err
	}
	if err := report.WritePush(opts.Out, res); err != nil {
		return err
	}
	if !res.OK() {
		return &silentError{code: aos.ExitRejected}
	}
	return nil
}

type hookInstallOptions struct {
	*factory
	hookFlags
	// RefsSet says --refs was given: only then is it written into the
	// hook.
	RefsSet bool
	Repo    string
	Force   bool
	signerFlags
	RunnerKey string
}

func newCmdHookInstall(f *factory, runF func(context.Context, *hookInstallOptions) error) *cobra.Command {
	opts := &hookInstallOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "install --repo DIR",
		Short: "Install the hooks in a repository on a server",
		Long: `install writes DIR's hooks/pre-receive and hooks/post-receive: scripts that
run this binary, by its absolute path, as "git-aos hook pre-receive" and
"git-aos hook post-receive" with the given flags. An existing hook that
git-aos did not write is kept unless --force is given (for post-receive,
with a warning; with --runner-key, as an error). The WASM compilation
cache is then warmed with the validator modules of the default branch's
manifest, so that the first push does not pay for compiling them.

--allowed-signers FILE checks an OpenSSH allowed signers file and copies it
into the git directory: result commits with job records signed by one of
its keys are trusted. --revoked-signers FILE does the same for revoked
keys. --runner-key KEY installs the post-receive runner, which applies the
plans pushed to agent branches and signs their results with KEY; its
public key joins the allowed signers. docs/hooks.md, "Runners", says how
to rotate and revoke keys.

The repository's default branch must already hold a manifest: the hooks
read their rules from there.`,
		Example: `  git aos hook install --repo /srv/git/project.git
  git aos hook install --repo /srv/git/project.git --policy /etc/aos/policy.cue --user-env GL_USERNAME
  git aos hook install --repo /srv/git/project.git --allowed-signers /etc/aos/allowed_signers
  git aos hook install --repo /srv/git/project.git --runner-key /srv/git/.aos-runner`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Repo == "" {
				return &usageError{errors.New("hook install needs --repo DIR")}
			}
			if err := opts.check(); err != nil {
				return err
			}
			opts.RefsSet = cmd.Flags().Changed("refs")
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return hookInstallRun(cmd.Context(), opts)
		},
	}
	opts.hookFlags.add(cmd)
	cmd.Flags().StringVar(&opts.Repo, "repo", "", "the repository `DIR` (bare, on the server)")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace hooks that git-aos did not write")
	opts.signerFlags.add(cmd, "to install [keep the installed one]")
	cmd.Flags().StringVar(&opts.RunnerKey, "runner-key", "", "install the post-receive runner, signing results with SSH private `KEY`")
	return cmd
}

func hookInstallRun(ctx context.Context, opts *hookInstallOptions) error {
	dir := opts.Repo
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(opts.Dir, dir)
	}
	in := hooks.InstallOptions{Repo: dir, Policy: opts.Policy, UserEnv: opts.UserEnv, Budget: opts.Budget, Force: opts.Force,
		RerunJobs: opts.RerunJobs, AllowHostJobs: opts.AllowHostJobs, AllowedSigners: opts.AllowedSigners, RevokedSigners: opts.RevokedSigners, RunnerKey: opts.RunnerKey}
	if opts.RefsSet {
		in.RefPrefixes = opts.Refs
	}
	res, err := hooks.Install(ctx, in)
	if err != nil {
		return err
	}
	return report.WriteInstalled(opts.Out, opts.ErrOut, res)
}

type hookPostReceiveOptions struct {
	*factory
	hookFlags
	signerFlags
	RunnerKey string
}

func newCmdHookPostReceive(f *factory, runF func(context.Context, *hookPostReceiveOptions) error) *cobra.Command {
	opts := &hookPostReceiveOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "post-receive",
		Short: "Record who vouched for job records, start the runner: the post-receive hook",
		Long: `post-receive reads the "<old> <new> <ref>" lines of the refs a push moved.
For result commits with job records that the push brought to protected and
agent branches without an allowed signature, it notes under
refs/notes/aos the runner login or re-run the pre-receive hook accepted
them on, for git aos log. With --runner-key, each agent branch the push
moved to a plan commit is queued for the post-receive runner, which it
starts detached from the push ("git aos hook runner"); the push does not
wait for it.

It runs in the repository's git directory, as git runs hooks. An error
(exit 1) cannot undo the push: the refs have landed all the same.`,
		Example: `  # hooks/post-receive, as git aos hook install writes it:
  exec /usr/local/bin/git-aos hook post-receive --runner-key /srv/git/.aos-runner`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return hookPostReceiveRun(cmd.Context(), opts)
		},
	}
	opts.hookFlags.addCommon(cmd)
	opts.signerFlags.add(cmd, "to check signatures against [the installed one, in the git directory]")
	cmd.Flags().StringVar(&opts.RunnerKey, "runner-key", "", "queue plan commits pushed to agent branches for the runner, which signs results with SSH private `KEY`")
	return cmd
}

func hookPostReceiveRun(ctx context.Context, opts *hookPostReceiveOptions) error {
	res, err := hooks.RunPostReceive(ctx, hooks.PostReceiveOptions{Dir: opts.Dir, Stdin: opts.In, Getenv: os.Getenv,
		Policy: opts.Policy, UserEnv: opts.UserEnv, RerunJobs: opts.RerunJobs, AllowHostJobs: opts.AllowHostJobs, RunnerKey: opts.RunnerKey,
		AllowedSigners: opts.AllowedSigners, RevokedSigners: opts.RevokedSigners})
	if res != nil {
		if werr := report.WritePostReceive(opts.Out, res); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

type hookRunnerOptions struct {
	*factory
	Repo          string
	RunnerKey     string
	Policy        string
	Branches      []string
	AllowHostJobs bool
}

func newCmdHookRunner(f *factory, runF func(context.Context, *hookRunnerOptions) error) *cobra.Command {
	opts := &hookRunnerOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "runner --runner-key KEY",
		Short: "Apply the plans pushed to agent branches: the post-receive runner",
		Long: `runner applies, in the server's sandbox, the plan commits that pushes queued
for it (the post-receive hook queues them and starts it), and those of
each --branch: for each branch, under its lock, the plan commits at its
tip that have neither a result nor a runner's verdict, oldest first. It
signs each result commit with KEY and moves the branch from the plan
commit to the last result by compare-and-swap. A rejected plan leaves the
branch at the plan commit, with the reasons in the run's log and in a
note under refs/notes/aos. Killed at any moment, it leaves the branch at
the plan commit or at a signed result; run it again to take the queued
runs up. docs/spec.md section 11.2 is the contract.`,
		Example: `  git aos hook runner --repo /srv/git/project.git --runner-key /srv/git/.aos-runner
  git aos hook runner --repo /srv/git/project.git --runner-key KEY --branch aos/fix-login`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.RunnerKey == "" {
				return usageErrorf("hook runner needs --runner-key KEY")
			}
			for i, b := range opts.Branches {
				if !strings.HasPrefix(b, "refs/") {
					opts.Branches[i] = "refs/heads/" + b
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return hookRunnerRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Repo, "repo", "", "the repository `DIR` [the current directory]")
	cmd.Flags().StringVar(&opts.RunnerKey, "runner-key", "", "SSH private `KEY` results are signed with")
	cmd.Flags().StringVar(&opts.Policy, "policy", "", "server policy `FILE` (CUE) unified with the manifest [aos-policy.cue in the git directory]")
	cmd.Flags().StringSliceVar(&opts.Branches, "branch", nil, "also run `BRANCH` when no push queued it")
	cmd.Flags().BoolVar(&opts.AllowHostJobs, "allow-host-jobs", false, "run jobs of environment.type host, unsandboxed on the server")
	return cmd
}

func hookRunnerRun(ctx context.Context, opts *hookRunnerOptions) error {
	dir := repoDir(opts.factory, opts.Repo)
	runs, err := hooks.RunRunner(ctx, hooks.RunnerOptions{Dir: dir, Key: opts.RunnerKey, Policy: opts.Policy, Branches: opts.Branches, AllowHostJobs: opts.AllowHostJobs,
		Runtime: workflow.NewRuntime(workflow.RuntimeOptions{Dir: dir, Version: buildVersion()})})
	if werr := report.WriteRuns(opts.Out, false, runs); err == nil {
		err = werr
	}
	return err
}

type hookRunsOptions struct {
	*factory
	Repo string
	JSON bool
}

func newCmdHookRuns(f *factory, runF func(context.Context, *hookRunsOptions) error) *cobra.Command {
	opts := &hookRunsOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "runs [--repo DIR]",
		Short: "List the runs of the post-receive runner",
		Long: `runs lists the runs of the post-receive runner of DIR, newest first: run id,
state (running, pass, rejected, superseded, error, not-run, or interrupted
for a run whose process is gone), branch, plan, plan commit, the result
commit or the first reason, and the run's log file.`,
		Example: `  git aos hook runs --repo /srv/git/project.git
  git aos hook runs --repo /srv/git/project.git --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return hookRunsRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Repo, "repo", "", "the repository `DIR` [the current directory]")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the runs as a JSON array")
	return cmd
}

func hookRunsRun(ctx context.Context, opts *hookRunsOptions) error {
	runs, err := hooks.Runs(repoDir(opts.factory, opts.Repo))
	if err != nil {
		return err
	}
	return report.WriteRuns(opts.Out, opts.JSON, runs)
}

// repoDir is --repo DIR, relative to the working directory, or the
// working directory.
func repoDir(f *factory, repo string) string {
	switch {
	case repo == "":
		return f.Dir
	case filepath.IsAbs(repo):
		return repo
	}
	return filepath.Join(f.Dir, repo)
}
