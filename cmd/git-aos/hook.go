package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/hooks"
	"github.com/architectos/aos/report"
	"github.com/spf13/cobra"
)

func newCmdHook(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hook",
		Short: "Run git-aos as a server-side git hook",
		Long: `The hook commands make git-aos the pre-receive gatekeeper of a repository
on a git server: every push is judged by the rules of the manifest on the
protected branch before git accepts it. Set-up for plain git, Gitea and
Forgejo, GitLab and GitHub Enterprise Server is in docs/hooks.md.`,
		Example: `  git aos hook install --repo /srv/git/site.git
  git aos hook install --repo /srv/git/site.git --policy /etc/aos/org-policy.cue`,
		Args: noArgs,
	}
	cmd.AddCommand(newCmdHookPreReceive(f, nil), newCmdHookInstall(f, nil))
	return cmd
}

// hookFlags are the flags of the hook itself, which install writes into
// the hook.
type hookFlags struct {
	Policy  string
	UserEnv string
	Refs    []string
	Budget  time.Duration
}

func (h *hookFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&h.Policy, "policy", "", "server policy `FILE` (CUE) unified with the manifest [aos-policy.cue in the git directory]")
	cmd.Flags().StringVar(&h.UserEnv, "user-env", "", "read the pusher's login from environment variable `NAME` only")
	cmd.Flags().StringSliceVar(&h.Refs, "refs", hooks.DefaultRefPrefixes, "ref namespaces a push may update")
	cmd.Flags().DurationVar(&h.Budget, "budget", hooks.DefaultBudget, "time allowed for the whole push; over it the push is rejected")
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
	return cmd
}

func hookPreReceiveRun(ctx context.Context, opts *hookPreReceiveOptions) error {
	res, err := hooks.RunPreReceive(ctx, hooks.HookOptions{Dir: opts.Dir, Stdin: opts.In, Getenv: os.Getenv,
		Policy: opts.Policy, UserEnv: opts.UserEnv, RefPrefixes: opts.Refs, Budget: opts.Budget, Runtime: opts.runtime()})
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
}

func newCmdHookInstall(f *factory, runF func(context.Context, *hookInstallOptions) error) *cobra.Command {
	opts := &hookInstallOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "install --repo DIR",
		Short: "Install the pre-receive hook in a repository on a server",
		Long: `install writes DIR's hooks/pre-receive: a script that runs this binary,
by its absolute path, as "git-aos hook pre-receive" with the given flags.
An existing pre-receive hook that git-aos did not write is kept unless
--force is given. The WASM compilation cache is then warmed with the
validator modules of the default branch's manifest, so that the first
push does not pay for compiling them.

The repository's default branch must already hold a manifest: the hook
reads its rules from there.`,
		Example: `  git aos hook install --repo /srv/git/project.git
  git aos hook install --repo /srv/git/project.git --policy /etc/aos/policy.cue --user-env GL_USERNAME`,
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
	cmd.Flags().BoolVar(&opts.Force, "force", false, "replace a pre-receive hook that git-aos did not write")
	return cmd
}

func hookInstallRun(ctx context.Context, opts *hookInstallOptions) error {
	dir := opts.Repo
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(opts.Dir, dir)
	}
	in := hooks.InstallOptions{Repo: dir, Policy: opts.Policy, UserEnv: opts.UserEnv, Budget: opts.Budget, Force: opts.Force}
	if opts.RefsSet {
		in.RefPrefixes = opts.Refs
	}
	res, err := hooks.Install(ctx, in)
	if err != nil {
		return err
	}
	return report.WriteInstalled(opts.Out, opts.ErrOut, res)
}
