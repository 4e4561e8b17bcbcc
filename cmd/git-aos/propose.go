package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

type proposeOptions struct {
	*factory
	Plan   string
	Base   string
	Policy string
	Format string
}

func newCmdPropose(f *factory, runF func(context.Context, *proposeOptions) error) *cobra.Command {
	opts := &proposeOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "propose PLAN",
		Short: "Commit a plan on a new branch aos/<id>",
		Long: `Propose checks PLAN as plan check does and commits it alone, as
.aos/plans/<id>.yaml (or .json), on a new branch aos/<id> made from the base
(--base, default HEAD). Nothing else changes: not the working tree, the
index or HEAD. The branch must not exist yet. Apply it with git aos apply.

The specification is docs/spec.md section 6.`,
		Example: `  git aos propose plan.yaml
  git aos propose --base main plan.yaml && git aos apply aos/<id>`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Plan = args[0]
			if err := checkFormat(opts.Format); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return proposeRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Base, "base", "", "base `REV` the plan commit is made on (default HEAD)")
	fl.StringVar(&opts.Policy, "policy", "", "organisation policy `FILE` (CUE) unified with the manifest")
	fl.StringVar(&opts.Format, "format", "text", formatUsage)
	return cmd
}

func proposeRun(ctx context.Context, opts *proposeOptions) error {
	src, err := planSource(opts.factory, opts.Plan)
	if err != nil {
		return err
	}
	res, err := workflow.Propose(ctx, workflow.RunOptions{Dir: opts.Dir, Plan: src, Base: opts.Base, Policy: opts.Policy, Runtime: opts.runtime()})
	if err != nil {
		return err
	}
	return writeRun(opts.factory, opts.Format, "", res)
}

// writeRun renders the outcome of propose, apply or run, and writes the
// directives' replies to the file replies when it is set ("-": standard
// output, the report then going to standard error).
func writeRun(f *factory, format, replies string, res *workflow.RunResult) error {
	var reps []workflow.Reply
	if replies != "" {
		reps = res.Replies()
	}
	out, err := writeReplies(f, replies, reps)
	if err != nil {
		return err
	}
	if err := report.WriteRun(out, format, res); err != nil {
		return err
	}
	if !res.OK() {
		return rejected(report.Rejection("plan", res.Report), res.Report)
	}
	return nil
}

// writeReplies writes replies to the file name, or to standard output
// when it is "-", and returns where the report goes: standard output, or
// standard error when the replies took it.
func writeReplies(f *factory, name string, replies []workflow.Reply) (io.Writer, error) {
	switch name {
	case "":
		return f.Out, nil
	case "-":
		if err := report.WriteReplies(f.Out, replies); err != nil {
			return nil, err
		}
		return f.ErrOut, nil
	}
	if err := writeFile(name, func(w io.Writer) error { return report.WriteReplies(w, replies) }); err != nil {
		return nil, fmt.Errorf("write replies: %w", err)
	}
	return f.Out, nil
}

// writeFile writes the file name with write.
func writeFile(name string, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	return os.WriteFile(name, b.Bytes(), 0o644)
}
