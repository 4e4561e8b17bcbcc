package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/architectos/aos"
)

// Options configure [Run].
type Options struct {
	// Keep, when set, is a directory that must not exist: the demo's
	// repository is made there and kept. Otherwise it is made in a
	// temporary directory and removed afterwards.
	Keep string
	// Out receives the demo's narration and the output of every step.
	Out io.Writer
	// Aos runs one git aos command in dir with args, writing its standard
	// output and errors to out, and returns its exit code: the demo's
	// steps run through the same entry point as the command line.
	Aos func(ctx context.Context, dir string, out io.Writer, args ...string) int
}

// ErrExists means [Options.Keep] names something that exists.
var ErrExists = errors.New("already exists")

// Run makes a git repository of the example and runs the demo in it:
//
//  1. checks a plan that oversteps the manifest, and shows why it is
//     rejected;
//  2. runs a plan that stays inside the manifest but smuggles in a web
//     shell and a cloud key, which the built-in validators reject;
//  3. proposes and applies a plan that rescues the site;
//  4. shows the result commit, verifies it, and prints the audit log.
//
// Jobs run under bubblewrap when it works here, else on the host (the
// manifest then says so explicitly). Any step that does not end as it
// should is an error.
func Run(ctx context.Context, opts Options) error {
	dir := opts.Keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "aos-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = filepath.Join(tmp, "site")
	} else if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("%s: %w", dir, ErrExists)
	}
	envType := "host"
	if bwrapWorks() {
		envType = "bwrap"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := WriteSite(dir, envType); err != nil {
		return err
	}
	git := func(args ...string) error {
		c := exec.CommandContext(ctx, "git", args...)
		c.Dir = dir
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		if err := c.Run(); err != nil {
			return fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, out.String())
		}
		return nil
	}
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"config", "user.name", "RescueWP operator"},
		{"config", "user.email", "operator@rescuewp.example"},
		{"add", "-A"},
		{"commit", "-q", "-m", "A compromised WordPress site"},
	} {
		if err := git(args...); err != nil {
			return err
		}
	}
	// The plans are beside the repository, or in its .git when it is
	// kept; the steps name them relative to it, as a user in it would.
	rel := filepath.Join("..", "plans")
	if opts.Keep != "" {
		// Beside the kept repository: git aos never reads a plan
		// from a git directory.
		rel = filepath.Join("..", filepath.Base(dir)+"-plans")
	}
	plans := filepath.Join(dir, rel)
	if err := os.MkdirAll(plans, 0o755); err != nil {
		return err
	}
	for _, p := range Plans {
		b, err := Plan(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(plans, p), b, 0o644); err != nil {
			return err
		}
	}
	w := opts.Out
	// step runs git aos with args and fails with what, then the exit
	// code, unless it exits want.
	step := func(want int, what string, args ...string) error {
		fmt.Fprintf(w, "\n$ git aos %s\n", strings.Join(args, " "))
		if code := opts.Aos(ctx, dir, w, args...); code != want {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fmt.Errorf("demo: %s (exit %d)", what, code)
		}
		return nil
	}
	show := func(args ...string) error {
		fmt.Fprintf(w, "\n$ git %s\n", strings.Join(args, " "))
		c := exec.CommandContext(ctx, "git", args...)
		c.Dir = dir
		c.Stdout, c.Stderr = w, w
		return c.Run()
	}
	const branch = "aos/rescue-hello-dolly"
	if opts.Keep != "" {
		fmt.Fprintf(w, "RescueWP demo in %s, kept afterwards (jobs sandbox: %s)\n", dir, envType)
	} else {
		fmt.Fprintf(w, "RescueWP demo in a temporary repository, removed at the end: run git aos demo --keep DIR to keep one (jobs sandbox: %s)\n", envType)
	}
	fmt.Fprintln(w, "\n== 1. A plan that oversteps the manifest is rejected, with every reason")
	if err := step(aos.ExitRejected, "the overreaching plan was not rejected", "plan", "check", filepath.Join(rel, "overreach.yaml")); err != nil {
		return err
	}
	fmt.Fprintln(w, "\n== 2. A plan inside the manifest that smuggles in a web shell: the validators reject it")
	if err := step(aos.ExitRejected, "the smuggling plan was not rejected", "run", filepath.Join(rel, "shortcut.yaml")); err != nil {
		return err
	}
	fmt.Fprintln(w, "\n== 3. The rescue plan is proposed on its own branch, then applied")
	if err := step(aos.ExitOK, "propose failed", "propose", filepath.Join(rel, "rescue.yaml")); err != nil {
		return err
	}
	if err := step(aos.ExitOK, "apply failed", "apply", branch); err != nil {
		return err
	}
	fmt.Fprintln(w, "\n== 4. The result commit, verified, and the audit log")
	if err := show("log", "--stat", "--format=fuller", "-1", branch); err != nil {
		return err
	}
	if err := step(aos.ExitOK, "verify failed", "verify", branch); err != nil {
		return err
	}
	if err := step(aos.ExitOK, "log failed", "log", branch); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nThe working tree and the main branch were never touched:")
	if err := show("status", "--short", "--branch"); err != nil {
		return err
	}
	if opts.Keep != "" {
		fmt.Fprintf(w, "\ndemo ok: the repository is in %s (cd there; git aos log, git aos verify %s)\n", dir, branch)
	} else {
		fmt.Fprintln(w, "\ndemo ok: the temporary repository is removed (git aos demo --keep DIR keeps one to explore)")
	}
	return nil
}

// bwrapWorks reports whether bubblewrap can make a sandbox here.
func bwrapWorks() bool {
	p, err := exec.LookPath("bwrap")
	if err != nil {
		return false
	}
	return exec.Command(p, "--ro-bind", "/", "/", "--unshare-net", "--die-with-parent", "true").Run() == nil
}
