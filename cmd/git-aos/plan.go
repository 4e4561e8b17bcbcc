package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

func newPlanCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Check plans against the manifest",
		Long: `A plan is a YAML or JSON document of directives (docs/spec.md section 3) that an
agent commits to change a repository.`,
		Example: `  git aos plan check plan.yaml
  git aos plan check --format json plan.json`,
	}
	cmd.AddCommand(newPlanCheckCmd(e))
	return cmd
}

type planCheckOptions struct {
	manifest, policy, base, format string
}

func newPlanCheckCmd(e *env) *cobra.Command {
	var opts planCheckOptions
	cmd := &cobra.Command{
		Use:   "check PLAN",
		Short: "Check every directive of a plan without running anything",
		Long: `Check decides whether every directive of PLAN is allowed by the manifest,
without running anything and without writing anything. It reads the base
tree (--base, else the plan's base, else HEAD) and the manifest committed
there (or -m FILE), simulates the plan's writes in order, applies its
patches in memory, and reports every violation with its directive, path,
rule and position. PLAN may be - for standard input.

Exit codes: 0 every directive is allowed, 3 something is not (a malformed
plan too), 1 internal error, 2 usage.`,
		Example: `  git aos plan check plan.yaml
  git aos plan check --base main --format json plan.yaml
  cat plan.json | git aos plan check -`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return planCheckRun(cmd, e, args[0], opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.manifest, "manifest", "m", "", "manifest `FILE` on disk (default: the one committed in the base)")
	f.StringVar(&opts.policy, "policy", "", "organisation policy `FILE` (CUE) unified with the manifest")
	f.StringVar(&opts.base, "base", "", "base `REV` the plan runs against (default: the plan's base, else HEAD)")
	f.StringVar(&opts.format, "format", "text", "output `FORMAT`: "+strings.Join(report.Formats, ", "))
	return cmd
}

func checkFormat(format string) error {
	if !slices.Contains(report.Formats, format) {
		return &usageError{fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(report.Formats, ", "))}
	}
	return nil
}

func planCheckRun(cmd *cobra.Command, e *env, planFile string, opts planCheckOptions) error {
	if err := checkFormat(opts.format); err != nil {
		return err
	}
	src, err := planSource(e, planFile)
	if err != nil {
		return err
	}
	r, err := workflow.CheckPlan(cmd.Context(), workflow.CheckOptions{
		Dir: e.dir, Plan: src, Base: opts.base,
		Manifest: workflow.ManifestOptions{File: opts.manifest, Policy: opts.policy},
	})
	if err != nil {
		return err
	}
	return writeReport(e, opts.format, r, "plan")
}

// writeReport prints a report and turns a failed one into exit code 3.
func writeReport(e *env, format string, r *report.Report, what string) error {
	if err := report.Write(e.stdout, format, r); err != nil {
		return err
	}
	if !r.OK {
		fmt.Fprintf(e.stderr, "git-aos: %s rejected: %d violation(s)\n", what, len(r.Violations))
		return &silentError{code: aos.ExitRejected}
	}
	if format == "text" {
		fmt.Fprintf(e.stdout, "%s ok\n", what)
	}
	return nil
}
