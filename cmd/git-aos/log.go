package main

import (
	"context"

	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

type logOptions struct {
	*factory
	Range string
	JSON  bool
	Limit int
}

func newCmdLog(f *factory, runF func(context.Context, *logOptions) error) *cobra.Command {
	opts := &logOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "log [RANGE]",
		Short: "Print the audit log of plan runs, read from history",
		Long: `Log lists the runs recorded in history: for each result commit, the plan
id, goal, author, base, every directive with its outcome, the changed
paths, validators, jobs with their exit codes, required approvals and the
verdict. RANGE is anything git rev-list takes (default HEAD). Nothing but
git objects is read.

The specification is docs/spec.md section 9.`,
		Example: `  git aos log
  git aos log --json main..aos/fix-login
  git aos log -n 5`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Range = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return logRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the log as a JSON array, newest first")
	cmd.Flags().IntVarP(&opts.Limit, "max-count", "n", 0, "show at most `N` runs")
	return cmd
}

func logRun(ctx context.Context, opts *logOptions) error {
	entries, err := workflow.Log(ctx, workflow.LogOptions{Dir: opts.Dir, Range: opts.Range, Limit: opts.Limit})
	if err != nil {
		return err
	}
	return report.WriteLog(opts.Out, opts.JSON, entries)
}
