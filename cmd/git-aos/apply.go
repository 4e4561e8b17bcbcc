package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

func init() {
	register(newProposeCmd)
	register(newApplyCmd)
	register(newRunCmd)
}

type runFlags struct {
	base, policy, format, replies string
}

func (f *runFlags) add(cmd *cobra.Command, base bool) {
	fl := cmd.Flags()
	if base {
		fl.StringVar(&f.base, "base", "", "base `REV` the plan commit is made on (default HEAD)")
	}
	fl.StringVar(&f.policy, "policy", "", "organisation policy `FILE` (CUE) unified with the manifest")
	fl.StringVar(&f.format, "format", "text", "output `FORMAT`: "+strings.Join(report.Formats, ", "))
}

const jobsHelp = `Jobs (RUN_TESTS, BUILD, SANDBOX_EXEC) run in the sandbox the manifest's
environment.type names: bwrap (bubblewrap), container (podman or docker) or
host (only when the manifest says so); nix may come later. A missing backend
rejects the plan: nothing runs with less isolation than the manifest asks.`

func newProposeCmd(e *env) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "propose PLAN",
		Short: "Commit a plan on a new branch aos/<id>",
		Long: `Propose checks PLAN as plan check does and commits it alone, as
.aos/plans/<id>.yaml (or .json), on a new branch aos/<id> made from the base
(--base, default HEAD). Nothing else changes: not the working tree, the
index or HEAD. The branch must not exist yet. Apply it with git aos apply.

Exit codes: 0 proposed, 3 the plan is rejected (nothing is created),
1 error, 2 usage. The specification is docs/spec.md section 6.`,
		Example: `  git aos propose plan.yaml
  git aos propose --base main plan.yaml && git aos apply aos/<id>`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlanFile(cmd, e, &f, args[0], workflow.Propose, "proposed")
		},
	}
	f.add(cmd, true)
	return cmd
}

func newApplyCmd(e *env) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "apply [BRANCH]",
		Short: "Run the plan at the tip of a branch and commit its result",
		Long: `Apply runs the plan of the plan commit at the tip of BRANCH (default the
current branch) against the plan commit's parent, in a staging tree made of
git objects, with the manifest committed in that parent. Validators check
the staged state, jobs run in their sandbox. When everything passes, the
result commit (the changes and the run record .aos/runs/<id>.json) is added
on BRANCH, which moves by compare-and-swap: if it moved meanwhile, nothing
is written. The working tree, index and HEAD are never touched.

` + jobsHelp + `

Exit codes: 0 applied, 3 rejected (every reason listed, nothing written),
1 error, 2 usage. The specification is docs/spec.md sections 6 and 7.`,
		Example: `  git aos apply aos/fix-login
  git aos apply --format json --replies replies.json aos/fix-login`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(f.format); err != nil {
				return err
			}
			rev := ""
			if len(args) == 1 {
				rev = args[0]
			}
			res, err := workflow.Apply(cmd.Context(), workflow.RunOptions{Dir: e.dir, Rev: rev, Policy: f.policy, Runtime: newRuntime(e)})
			if err != nil {
				return err
			}
			return writeRunResult(e, f, res, "applied")
		},
	}
	f.add(cmd, false)
	cmd.Flags().StringVar(&f.replies, "replies", "", "write what each directive returned, as JSON, to `FILE`")
	return cmd
}

func newRunCmd(e *env) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run PLAN",
		Short: "Propose and apply a plan in one step",
		Long: `Run makes the plan commit and the result commit of PLAN on the base
(--base, default HEAD) and creates branch aos/<id> at the result only when
the plan passes: a rejected plan leaves no branch and no ref behind.

` + jobsHelp + `

Exit codes: 0 the branch holds both commits, 3 rejected, 1 error, 2 usage.`,
		Example: `  git aos run plan.yaml
  git aos run --base main --replies out.json plan.yaml`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlanFile(cmd, e, &f, args[0], workflow.Run, "applied")
		},
	}
	f.add(cmd, true)
	cmd.Flags().StringVar(&f.replies, "replies", "", "write what each directive returned, as JSON, to `FILE`")
	return cmd
}

// runPlanFile runs propose or run on the plan file name and prints the
// outcome.
func runPlanFile(cmd *cobra.Command, e *env, f *runFlags, name string,
	do func(context.Context, workflow.RunOptions) (*workflow.RunResult, error), verb string) error {
	if err := checkFormat(f.format); err != nil {
		return err
	}
	src, err := planSource(e, name)
	if err != nil {
		return err
	}
	res, err := do(cmd.Context(), workflow.RunOptions{Dir: e.dir, Plan: src, Base: f.base, Policy: f.policy, Runtime: newRuntime(e)})
	if err != nil {
		return err
	}
	return writeRunResult(e, *f, res, verb)
}

// planSource reads "-" from standard input.
func planSource(e *env, file string) (workflow.PlanSource, error) {
	src := workflow.PlanSource{File: file}
	if file == "-" {
		data, err := io.ReadAll(io.LimitReader(e.stdin, 1<<30))
		if err != nil {
			return src, fmt.Errorf("read plan: %w", err)
		}
		src.Data = data
	}
	return src, nil
}

// runJSON is the JSON output of propose, apply and run.
type runJSON struct {
	OK           bool                    `json:"ok"`
	Branch       string                  `json:"branch,omitempty"`
	PlanCommit   string                  `json:"plan_commit,omitempty"`
	ResultCommit string                  `json:"result_commit,omitempty"`
	Violations   []aos.Violation         `json:"violations"`
	Findings     []aos.Finding           `json:"findings"`
	Approvals    []aos.Approval          `json:"approvals"`
	Changes      []workflow.RecordChange `json:"changes,omitempty"`
}

// writeRunResult prints the outcome of propose, apply or run.
func writeRunResult(e *env, f runFlags, res *workflow.RunResult, verb string) error {
	if f.replies != "" && res.Replies != nil {
		b, err := json.MarshalIndent(res.Replies, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(f.replies, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("write replies: %w", err)
		}
	}
	r := res.Report
	if !r.OK {
		return writeReport(e, f.format, r, "plan")
	}
	branch := strings.TrimPrefix(res.Branch, "refs/heads/")
	switch f.format {
	case "json":
		out := runJSON{OK: true, Branch: branch, PlanCommit: res.PlanCommit, ResultCommit: res.ResultCommit,
			Violations: []aos.Violation{}, Findings: r.Findings, Approvals: r.Approvals}
		if out.Findings == nil {
			out.Findings = []aos.Finding{}
		}
		if out.Approvals == nil {
			out.Approvals = []aos.Approval{}
		}
		if res.Record != nil {
			out.Changes = res.Record.Changes
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "text":
		for _, fd := range r.Findings {
			fmt.Fprintln(e.stdout, report.FindingText(fd))
		}
		if res.ResultCommit == "" {
			fmt.Fprintf(e.stdout, "%s plan on %s: plan commit %.12s\n", verb, branch, res.PlanCommit)
			return nil
		}
		fmt.Fprintf(e.stdout, "%s plan %s on %s: result commit %.12s\n", verb, res.Record.Plan.ID, branch, res.ResultCommit)
		for _, c := range res.Record.Changes {
			fmt.Fprintf(e.stdout, "  %s %s\n", strings.ToUpper(string(c.Status)[:1]), c.Path)
		}
		for _, a := range r.Approvals {
			fmt.Fprintf(e.stdout, "approval required: %s: %s", a.Rule, a.Subject())
			if len(a.Reviewers) > 0 {
				fmt.Fprintf(e.stdout, " (%s)", strings.Join(a.Reviewers, ", "))
			}
			fmt.Fprintln(e.stdout)
		}
		return nil
	default:
		return report.Write(e.stdout, f.format, r)
	}
}
