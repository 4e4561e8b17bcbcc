package main

import (
	"context"

	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

type verifyOptions struct {
	*factory
	Rev       string
	Policy    string
	Format    string
	RerunJobs bool
}

func newCmdVerify(f *factory, runF func(context.Context, *verifyOptions) error) *cobra.Command {
	opts := &verifyOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "verify REV",
		Short: "Check that a result commit is exactly what its plan makes",
		Long: `Verify re-runs the plan of the result commit REV against its plan
commit's parent, with the manifest committed there and the validators, and
checks that the tree it builds is identical, object for object, to REV's
tree. Jobs are not run again: their records and build outputs are taken
from the recorded run and judged again, unless --rerun-jobs runs each in
its sandbox and compares its exit status and build outputs with the
record. It reads git objects only and writes nothing.

The specification is docs/spec.md section 8.`,
		Example: `  git aos verify aos/fix-login
  git aos verify --format json HEAD`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Rev = args[0]
			if err := checkFormat(opts.Format); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return verifyRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Policy, "policy", "", "organisation policy `FILE` (CUE) unified with the manifest")
	cmd.Flags().StringVar(&opts.Format, "format", "text", formatUsage)
	cmd.Flags().BoolVar(&opts.RerunJobs, "rerun-jobs", false, "run every job of the record again in its sandbox and compare exit statuses and build outputs")
	return cmd
}

func verifyRun(ctx context.Context, opts *verifyOptions) error {
	res, err := workflow.Verify(ctx, workflow.VerifyOptions{Dir: opts.Dir, Rev: opts.Rev, Policy: opts.Policy, Runtime: opts.runtime(), RerunJobs: opts.RerunJobs})
	if err != nil {
		return err
	}
	if err := report.WriteVerify(opts.Out, opts.Format, res); err != nil {
		return err
	}
	if !res.Report.OK {
		return rejected(report.Rejection("result commit", res.Report), res.Report)
	}
	return nil
}
