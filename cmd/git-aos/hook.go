package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/hooks"
	"github.com/spf13/cobra"
)

func init() { register(newHookCmd) }

// hookMarker marks a pre-receive script written by hook install.
const hookMarker = "# git-aos pre-receive hook"

// defaultBudget leaves room under the 5 s that GitHub Enterprise Server
// gives all hooks of a repository together.
const defaultBudget = 4500 * time.Millisecond

type hookOptions struct {
	policy  string
	userEnv string
	refs    []string
	budget  time.Duration
	repo    string
	force   bool
}

func newHookCmd(e *env) *cobra.Command {
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
	cmd.AddCommand(newHookPreReceiveCmd(e), newHookInstallCmd(e))
	return cmd
}

func addHookFlags(cmd *cobra.Command, o *hookOptions) {
	cmd.Flags().StringVar(&o.policy, "policy", "", "server policy `FILE` (CUE) unified with the manifest [aos-policy.cue in the git directory]")
	cmd.Flags().StringVar(&o.userEnv, "user-env", "", "read the pusher's login from environment variable `NAME` only")
	cmd.Flags().StringSliceVar(&o.refs, "refs", hooks.DefaultRefPrefixes, "ref namespaces a push may update")
	cmd.Flags().DurationVar(&o.budget, "budget", defaultBudget, "time allowed for the whole push; over it the push is rejected")
}

func newHookPreReceiveCmd(e *env) *cobra.Command {
	o := &hookOptions{}
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
push: the hook fails closed.

Exit codes: 0 accepted, 3 rejected, 1 error (the push is rejected too),
2 usage.`,
		Example: `  # hooks/pre-receive, as git aos hook install writes it:
  exec /usr/local/bin/git-aos hook pre-receive --budget 4.5s`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return hookPreReceiveRun(cmd.Context(), e, o)
		},
	}
	addHookFlags(cmd, o)
	return cmd
}

func hookPreReceiveRun(ctx context.Context, e *env, o *hookOptions) error {
	if o.budget <= 0 {
		return &usageError{fmt.Errorf("--budget must be positive, got %s", o.budget)}
	}
	ctx, cancel := context.WithTimeout(ctx, o.budget)
	defer cancel()
	type outcome struct {
		res *hooks.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := preReceive(ctx, e, o)
		done <- outcome{res, err}
	}()
	var out outcome
	select {
	case out = <-done:
	case <-ctx.Done():
		// Whatever is still running is abandoned: the process exits.
		out.err = ctx.Err()
	}
	if errors.Is(out.err, context.DeadlineExceeded) {
		return fmt.Errorf("the push took longer than the time budget of %s, so it is rejected (fail closed); push fewer commits at once, or raise --budget where the server allows", o.budget)
	}
	if out.err != nil {
		return fmt.Errorf("pre-receive: %w; the push is rejected (fail closed)", out.err)
	}
	res := out.res
	for _, l := range res.Log {
		fmt.Fprintf(e.stdout, "git-aos: %s\n", l)
	}
	if res.OK() {
		fmt.Fprintln(e.stdout, "git-aos: push accepted")
		return nil
	}
	for _, r := range res.Rejections {
		fmt.Fprintf(e.stdout, "git-aos: rejected: %s\n", r)
	}
	fmt.Fprintf(e.stdout, "git-aos: push rejected (%d reasons); the rules are in the manifest of the protected branch (docs/hooks.md)\n", len(res.Rejections))
	return &silentError{code: aos.ExitRejected}
}

func preReceive(ctx context.Context, e *env, o *hookOptions) (*hooks.Result, error) {
	updates, err := hooks.ParseUpdates(e.stdin)
	if err != nil {
		return nil, err
	}
	repo, err := gitops.OpenWithObjectDirs(e.dir, gitops.HookObjectDirs(e.dir, os.Getenv))
	if err != nil {
		return nil, err
	}
	return hooks.PreReceive(ctx, hooks.Options{Repo: repo, Getenv: os.Getenv, Policy: o.policy,
		UserEnv: o.userEnv, RefPrefixes: o.refs, Runtime: newRuntime(e)}, updates)
}

func newHookInstallCmd(e *env) *cobra.Command {
	o := &hookOptions{}
	cmd := &cobra.Command{
		Use:   "install --repo DIR",
		Short: "Install the pre-receive hook in a repository on a server",
		Long: `install writes DIR's hooks/pre-receive: a script that runs this binary,
by its absolute path, as "git-aos hook pre-receive" with the given flags.
An existing pre-receive hook that git-aos did not write is kept unless
--force is given. When this build has a WASM cache, it is warmed so that
the first push does not pay for compiling validators.

The repository's default branch must already hold a manifest: the hook
reads its rules from there.`,
		Example: `  git aos hook install --repo /srv/git/project.git
  git aos hook install --repo /srv/git/project.git --policy /etc/aos/policy.cue --user-env GL_USERNAME`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return hookInstallRun(cmd, e, o)
		},
	}
	addHookFlags(cmd, o)
	cmd.Flags().StringVar(&o.repo, "repo", "", "the repository `DIR` (bare, on the server)")
	cmd.Flags().BoolVar(&o.force, "force", false, "replace a pre-receive hook that git-aos did not write")
	return cmd
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func hookInstallRun(cmd *cobra.Command, e *env, o *hookOptions) error {
	if o.repo == "" {
		return &usageError{errors.New("hook install needs --repo DIR")}
	}
	dir := o.repo
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(e.dir, dir)
	}
	repo, err := gitops.OpenWithObjectDirs(dir, nil)
	if err != nil {
		return err
	}
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the git-aos binary: %w", err)
	}
	if b, err := filepath.EvalSymlinks(bin); err == nil {
		bin = b
	}
	args := []string{shellQuote(bin), "hook", "pre-receive", "--budget", o.budget.String()}
	if o.policy != "" {
		p, err := filepath.Abs(o.policy)
		if err != nil {
			return err
		}
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("policy: %w", err)
		}
		args = append(args, "--policy", shellQuote(p))
	}
	if o.userEnv != "" {
		args = append(args, "--user-env", shellQuote(o.userEnv))
	}
	if cmd.Flags().Changed("refs") {
		args = append(args, "--refs", shellQuote(strings.Join(o.refs, ",")))
	}
	script := "#!/bin/sh\n" + hookMarker + ", written by git aos hook install; see docs/hooks.md.\n" +
		"exec " + strings.Join(args, " ") + "\n"
	hooksDir := filepath.Join(repo.GitDir, "hooks")
	target := filepath.Join(hooksDir, "pre-receive")
	if old, err := os.ReadFile(target); err == nil && !bytes.Contains(old, []byte(hookMarker)) && !o.force {
		return fmt.Errorf("%s exists and was not written by git-aos; chain it from a new hook, or replace it with --force", target)
	}
	if err := os.MkdirAll(hooksDir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(hooksDir, ".pre-receive-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(script); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o755); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "installed %s\n", target)
	// Warm the WASM cache when this build has one.
	if c, _, err := cmd.Root().Find([]string{"cache", "warm"}); err == nil && c.Name() == "warm" {
		w := exec.Command(bin, "cache", "warm")
		w.Dir = repo.GitDir
		w.Stdout, w.Stderr = e.stdout, e.stderr
		if err := w.Run(); err != nil {
			// The hook works without a warm cache; the first push
			// compiles what it needs, within its budget or not.
			fmt.Fprintf(e.stderr, "git-aos: warning: the hook is installed, but warming the WASM cache failed (%v); the first push compiles validators itself\n", err)
		}
	}
	if def, err := repo.CurrentBranch(); err == nil && def != "" {
		if tip, err := repo.RefTarget(def); err == nil && tip == "" {
			fmt.Fprintf(e.stdout, "note: %s has no commit yet; until it holds a manifest every push is rejected\n", strings.TrimPrefix(def, "refs/heads/"))
		}
	}
	return nil
}
