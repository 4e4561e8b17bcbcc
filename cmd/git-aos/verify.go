package main

import (
	"fmt"
	"strings"

	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

func init() { register(newVerifyCmd) }

func newVerifyCmd(e *env) *cobra.Command {
	var policy, format string
	var rerun bool
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

Exit codes: 0 identical, 3 not (the first difference is named), 1 error,
2 usage. The specification is docs/spec.md section 8.`,
		Example: `  git aos verify aos/fix-login
  git aos verify --format json HEAD`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			res, err := workflow.Verify(cmd.Context(), workflow.VerifyOptions{Dir: e.dir, Rev: args[0], Policy: policy, Runtime: newRuntime(e), RerunJobs: rerun})
			if err != nil {
				return err
			}
			if !res.Report.OK {
				return writeReport(e, format, res.Report, "result commit")
			}
			if format == "text" {
				fmt.Fprintf(e.stdout, "verified %.12s: plan %s rebuilds it exactly\n", res.Commit, res.PlanID)
				return nil
			}
			return report.Write(e.stdout, format, res.Report)
		},
	}
	cmd.Flags().StringVar(&policy, "policy", "", "organisation policy `FILE` (CUE) unified with the manifest")
	cmd.Flags().StringVar(&format, "format", "text", "output `FORMAT`: "+strings.Join(report.Formats, ", "))
	cmd.Flags().BoolVar(&rerun, "rerun-jobs", false, "run every job of the record again in its sandbox and compare exit statuses and build outputs")
	return cmd
}
