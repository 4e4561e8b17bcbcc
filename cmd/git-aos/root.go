package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/architectos/aos"
	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

// factory is what commands take from the process: its streams and working
// directory. Each command copies it into its options.
type factory struct {
	In          io.Reader
	Out, ErrOut io.Writer
	Dir         string
}

// runtime returns the runtime that runs plans, for commands that run
// them.
func (f *factory) runtime() *workflow.Runtime {
	opts := workflow.RuntimeOptions{Dir: f.Dir, Version: buildVersion()}
	if isTerminal(f.ErrOut) {
		// Jobs can take minutes: a terminal shows each one start and
		// end. Scripts and CI logs, which are not terminals, get none.
		var mu sync.Mutex
		opts.Progress = func(p workflow.JobProgress) {
			mu.Lock()
			defer mu.Unlock()
			report.WriteProgress(f.ErrOut, p)
		}
	}
	return workflow.NewRuntime(opts)
}

// usageError is a bad invocation: exit code 2, with a hint to see the
// command's help.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// rejectedError is a report that rejected what it judged, already written
// to standard output: the printer adds its summary on standard error, and
// the exit code is 3, or 1 when the report only says that what it judged
// could not be judged here ([aos.Report.Undecided]).
type rejectedError struct {
	summary   string
	undecided bool
}

func (e *rejectedError) Error() string { return e.summary }
func (e *rejectedError) Unwrap() error { return aos.ErrRejected }

func (e *rejectedError) code() int {
	if e.undecided {
		return aos.ExitError
	}
	return aos.ExitRejected
}

// silentError has already been reported on standard output; only its exit
// code matters.
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }

const rootLong = `git aos lets AI agents change a repository only through plans: lists of
directives (FILE_READ, FILE_WRITE, APPLY_PATCH, RUN_TESTS, ...) checked
against the project's manifest (aos.cue or project.yml), staged in git
objects, validated, and committed with an audit record.

Plans:
  plan check   check every directive of a plan without running anything
  propose      commit a plan on a new branch aos/<id>
  apply        run the plan at the tip of a branch and commit its result
  run          propose and apply a plan in one step

Audit:
  verify       check that a result commit is exactly what its plan makes
  log          print the audit log of plan runs, read from history

Checks:
  manifest     check the manifest, or print its schema
  validate     run the manifest's validators over a commit, a tree or files

RescueWP:
  rescuewp     make a WordPress site a repository; checksums of its core

GitHub:
  pr           push an agent branch and open or update its pull request
  ci           the Action: judge a pull request, report, hold it for approvals

Agents:
  mcp          serve the directives as MCP tools; mcp config sets up a client

Servers:
  hook         the server hooks: the gatekeeper and the post-receive runner
  cache        compile validator modules ahead of their first use

And: demo (the RescueWP example end to end), docs (man pages), completion
(bash and zsh), version.

Exit codes: 0 ok, 1 error, 2 usage, 3 rejected by policy, 130 interrupted.
The plan format, manifest and rules are specified in docs/spec.md.`

// newCmdRoot returns the git-aos command with every subcommand.
func newCmdRoot(f *factory) *cobra.Command {
	root := &cobra.Command{
		Use:           "git-aos",
		Short:         "Safe, audited changes to git repositories by AI agents",
		Long:          rootLong,
		Version:       buildVersion(),
		SilenceErrors: true,
		SilenceUsage:  true,
		// Help, usage lines and messages name the command as users type
		// it: git runs git-aos for "git aos".
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "git aos"},
		Example: `  git aos demo
  git aos manifest check
  git aos plan check plan.yaml
  git aos run plan.yaml && git aos verify aos/<id>
  git aos log`,
	}
	root.SetIn(f.In)
	root.SetOut(f.Out)
	root.SetErr(f.ErrOut)
	root.SetFlagErrorFunc(flagError)
	root.SetVersionTemplate(versionLine())
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		newCmdPlan(f),
		newCmdPropose(f, nil),
		newCmdApply(f, nil),
		newCmdRun(f, nil),
		newCmdVerify(f, nil),
		newCmdLog(f, nil),
		newCmdManifest(f),
		newCmdValidate(f, nil),
		newCmdMCP(f, nil),
		newCmdHook(f),
		newCmdPR(f, nil),
		newCmdCI(f, nil),
		newCmdCache(f),
		newCmdRescueWP(f),
		newCmdDemo(f, nil),
		newCmdDocs(f),
		newCmdVersion(f),
		newCmdCompletion(f),
	)
	root.SetHelpCommand(newCmdHelp(f))
	strictGroups(root, f)
	documentExitCodes(root)
	completeFormats(root)
	return root
}

// run executes git-aos with args in the working directory and returns its
// exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	dir, err := os.Getwd()
	if err != nil {
		report.WriteError(stderr, err)
		return aos.ExitError
	}
	return execute(ctx, &factory{In: stdin, Out: stdout, ErrOut: stderr, Dir: dir}, args)
}

// execute runs git-aos with args and returns its exit code. It is the only
// place that prints errors (git aos demo runs its steps through it).
func execute(ctx context.Context, f *factory, args []string) int {
	root := newCmdRoot(f)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return aos.ExitOK
	}
	var (
		se *silentError
		re *rejectedError
		ue *usageError
		te *toleratedError
	)
	switch {
	case errors.As(err, &se):
		return se.code
	case interrupted(ctx, err):
		// Whatever the command was doing when the signal came, it
		// stopped: not a rejection, not an error of its own.
		report.WriteError(f.ErrOut, errors.New("interrupted"))
		return aos.ExitCancelled
	case errors.As(err, &te):
		// Printed, and not a failure (git aos ci --fail-on never).
		report.WriteError(f.ErrOut, te.err)
		return aos.ExitOK
	case errors.As(err, &re):
		report.WriteRejected(f.ErrOut, re.summary)
		return re.code()
	case errors.As(err, &ue) || errors.Is(err, aos.ErrUsage) || isCobraUsage(err):
		if cmd != nil {
			// The hints that name the fix first, then where to read more.
			err = &aos.HintError{Err: errors.New(err.Error()), Hints: append(aos.Hints(err), fmt.Sprintf("see '%s --help'", cmd.CommandPath()))}
		}
		report.WriteError(f.ErrOut, err)
		return aos.ExitUsage
	}
	report.WriteError(f.ErrOut, err)
	if errors.Is(err, aos.ErrRejected) {
		return aos.ExitRejected
	}
	return aos.ExitError
}

// interrupted reports whether err is the end of a command that a signal
// stopped (docs/spec.md section 1: exit 130).
func interrupted(ctx context.Context, err error) bool {
	return errors.Is(err, context.Canceled) || (ctx.Err() != nil && !errors.As(err, new(*usageError)))
}

// isCobraUsage recognises cobra's own usage errors (unknown command).
func isCobraUsage(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") || strings.HasPrefix(msg, "unknown shorthand flag")
}

// rejected is the error of a command whose report r rejected what it
// judged, once the report is written: the printer adds summary.
func rejected(summary string, r *aos.Report) error {
	return &rejectedError{summary: summary, undecided: r.Undecided()}
}

// checkFormat rejects an output format report cannot write.
func checkFormat(format string) error {
	for _, f := range report.Formats {
		if f == format {
			return nil
		}
	}
	return usageErrorf("unknown format %q (want one of %s)", format, strings.Join(report.Formats, ", "))
}

// formatUsage is the usage of --format.
var formatUsage = "output `FORMAT`: " + strings.Join(report.Formats, ", ")

// exactArgs is cobra.ExactArgs reporting a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s takes %s, got %d", cmd.CommandPath(), plural(n, "argument"), len(args))
		}
		return nil
	}
}

// rangeArgs is cobra.RangeArgs reporting a usage error.
func rangeArgs(lo, hi int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || len(args) > hi {
			return usageErrorf("%s takes %d to %d arguments, got %d", cmd.CommandPath(), lo, hi, len(args))
		}
		return nil
	}
}

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}
