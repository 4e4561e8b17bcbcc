package main

import (
	"encoding/json"

	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

func init() { register(newLogCmd) }

func newLogCmd(e *env) *cobra.Command {
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "log [RANGE]",
		Short: "Print the audit log of plan runs, read from history",
		Long: `Log lists the runs recorded in history: for each result commit, the plan
id, goal, author, base, every directive with its outcome, the changed
paths, validators, jobs with their exit codes, required approvals and the
verdict. RANGE is anything git rev-list takes (default HEAD). Nothing but
git objects is read.

Exit codes: 0 ok, 1 error, 2 usage. The specification is docs/spec.md
section 9.`,
		Example: `  git aos log
  git aos log --json main..aos/fix-login
  git aos log -n 5`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rng := ""
			if len(args) == 1 {
				rng = args[0]
			}
			entries, err := workflow.Log(workflow.LogOptions{Dir: e.dir, Range: rng, Limit: limit})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(entries)
			}
			return workflow.WriteLogText(e.stdout, entries)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the log as a JSON array, newest first")
	cmd.Flags().IntVarP(&limit, "max-count", "n", 0, "show at most `N` runs")
	return cmd
}
