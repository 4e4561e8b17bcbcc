package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue"
	"github.com/architectos/aos/gitops"
	"github.com/spf13/cobra"
)

// env is what commands need from the process: streams and the working
// directory.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	dir            string
}

// usageError is a bad invocation: exit code 2, with usage printed.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// silentError has already been reported on stdout; only its exit code
// matters.
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }

const rootLong = `git aos lets AI agents change a repository only through plans: lists of
directives (FILE_READ, FILE_WRITE, APPLY_PATCH, RUN_TESTS, ...) checked
against the project's manifest (aos.cue or project.yml), staged in git
objects, validated, and committed with an audit record.

Exit codes: 0 ok, 1 error, 2 usage, 3 rejected by policy, 130 interrupted.
The plan format, manifest and rules are specified in docs/spec.md.`

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:           "git-aos",
		Short:         "Safe, audited changes to git repositories by AI agents",
		Long:          rootLong,
		SilenceErrors: true,
		SilenceUsage:  true,
		Example: `  git aos manifest check
  git aos plan check plan.yaml
  git aos version`,
	}
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(
		newVersionCmd(e),
		newManifestCmd(e),
		newPlanCmd(e),
		newDocsCmd(e),
	)
	for _, c := range commands {
		root.AddCommand(c(e))
	}
	return root
}

// commands are the constructors of the commands that live in their own
// files and register themselves with an init function, so that adding a
// command touches only its file.
var commands []func(*env) *cobra.Command

// register adds a command constructor to the root command.
func register(c func(*env) *cobra.Command) { commands = append(commands, c) }

// run executes git-aos with args in the working directory and returns its
// exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	dir, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(stderr, "git-aos: error: %v\n", err)
		return aos.ExitError
	}
	return execute(ctx, &env{stdin: stdin, stdout: stdout, stderr: stderr, dir: dir}, args)
}

// execute runs git-aos with args in e and returns its exit code. It is the
// only place that prints errors (git aos demo runs its steps through it).
func execute(ctx context.Context, e *env, args []string) int {
	stderr := e.stderr
	root := newRootCmd(e)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return aos.ExitOK
	}
	var se *silentError
	if errors.As(err, &se) {
		return se.code
	}
	var ue *usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		fmt.Fprintf(stderr, "git-aos: error: %v\n", err)
		if cmd != nil {
			fmt.Fprintf(stderr, "git-aos: hint: see '%s --help'\n", strings.Replace(cmd.CommandPath(), "git-aos", "git aos", 1))
		}
		return aos.ExitUsage
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "git-aos: error: interrupted")
		return aos.ExitCancelled
	}
	printError(stderr, err)
	if errors.Is(err, aos.ErrRejected) {
		return aos.ExitRejected
	}
	return aos.ExitError
}

// isCobraUsage recognises cobra's own usage errors (unknown command).
func isCobraUsage(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") || strings.HasPrefix(msg, "unknown shorthand flag")
}

// printError prints err, listing every entry of multi-error kinds, with a
// hint when one is known.
func printError(w io.Writer, err error) {
	var me *cue.ManifestError
	if errors.As(err, &me) {
		fmt.Fprintf(w, "git-aos: error: invalid manifest (%d errors)\n", len(me.Errors))
		for _, e := range me.Errors {
			fmt.Fprintf(w, "%s\n", e.Error())
		}
		return
	}
	fmt.Fprintf(w, "git-aos: error: %v\n", err)
	switch {
	case errors.Is(err, gitops.ErrNotRepository):
		fmt.Fprintln(w, "git-aos: hint: run git aos inside a git repository, or git init one")
	case errors.Is(err, gitops.ErrNoManifest):
		fmt.Fprintln(w, "git-aos: hint: commit an aos.cue or project.yml at the repository root, or pass -m FILE")
	}
}

// exactArgs is cobra.ExactArgs reporting a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return &usageError{fmt.Errorf("%s takes %d argument(s), got %d", cmd.CommandPath(), n, len(args))}
		}
		return nil
	}
}

// rangeArgs is cobra.RangeArgs reporting a usage error.
func rangeArgs(lo, hi int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || len(args) > hi {
			return &usageError{fmt.Errorf("%s takes %d to %d arguments, got %d", cmd.CommandPath(), lo, hi, len(args))}
		}
		return nil
	}
}

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return &usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])}
	}
	return nil
}
