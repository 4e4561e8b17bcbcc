package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

func newCmdPlan(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Check plans against the manifest",
		Long: `A plan is a YAML or JSON document of directives (docs/spec.md section 3) that an
agent commits to change a repository.`,
		Example: `  git aos plan check plan.yaml
  git aos plan check --format json plan.json
  git aos plan schema > plan.schema.json`,
	}
	cmd.AddCommand(newCmdPlanCheck(f, nil), newCmdPlanSchema(f, nil))
	return cmd
}

type planSchemaOptions struct {
	*factory
}

func newCmdPlanSchema(f *factory, runF func(context.Context, *planSchemaOptions) error) *cobra.Command {
	opts := &planSchemaOptions{factory: f}
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the plan format as JSON Schema",
		Long: `Schema prints the plan format as a JSON Schema document (draft 2020-12): the
plan, and in $defs the schema of each directive type with its parameters,
generated from the table the parser reads. The MCP tools' input schemas
are these directive schemas. The parser's own rules beyond a schema
(duplicate keys, YAML anchors, base64, the size limits) are docs/spec.md
section 3.`,
		Example: `  git aos plan schema > plan.schema.json`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			schema, err := workflow.PlanSchema()
			if err != nil {
				return err
			}
			return report.WriteSchema(opts.Out, schema)
		},
	}
}

type planCheckOptions struct {
	*factory
	Plan     string
	Manifest string
	Policy   string
	Base     string
	Format   string
	Replies  string
}

func newCmdPlanCheck(f *factory, runF func(context.Context, *planCheckOptions) error) *cobra.Command {
	opts := &planCheckOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "check PLAN",
		Short: "Check every directive of a plan without running anything",
		Long: `Check decides whether every directive of PLAN is allowed by the manifest,
without running anything and without writing anything. It reads the base
tree (--base, default HEAD, as run takes it) and the manifest committed
there (or -m FILE), simulates the plan's writes in order, applies its
patches in memory, and reports every violation with its directive, path,
rule and position; a plan whose named base is behind in a path it touches
is stale, as run would find it. PLAN may be - for standard input.

--replies FILE writes what each directive returns, as run would return it,
answered from the base: file contents, listings, diffs, the manifest, the
audit log, and what each write would change; no job runs. It makes no
branch and no commit, and the plan's id stays free: an agent looks around
with it. --replies - writes them to standard output, and the report to
standard error.`,
		Example: `  git aos plan check plan.yaml
  git aos plan check --base main --format json plan.yaml
  git aos plan check --replies - look.yaml
  cat plan.json | git aos plan check -`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Plan = args[0]
			if err := checkFormat(opts.Format); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return planCheckRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Manifest, "manifest", "m", "", "manifest `FILE` on disk (default: the one committed in the base)")
	fl.StringVar(&opts.Policy, "policy", "", "organisation policy `FILE` (CUE) unified with the manifest")
	fl.StringVar(&opts.Base, "base", "", "base `REV` the plan runs against (default HEAD, as run)")
	fl.StringVar(&opts.Format, "format", "text", formatUsage)
	fl.StringVar(&opts.Replies, "replies", "", "write what each directive returns, as JSON, to `FILE` (- for standard output)")
	return cmd
}

func planCheckRun(ctx context.Context, opts *planCheckOptions) error {
	src, err := planSource(opts.factory, opts.Plan)
	if err != nil {
		return err
	}
	res, err := workflow.CheckPlanReplies(ctx, workflow.CheckOptions{
		Dir: opts.Dir, Plan: src, Base: opts.Base, Version: buildVersion(),
		Manifest: workflow.ManifestOptions{File: opts.Manifest, Policy: opts.Policy},
		Runtime:  opts.runtime(),
	})
	if err != nil {
		return err
	}
	var reps []workflow.Reply
	if opts.Replies != "" {
		reps = res.Replies()
	}
	out, err := writeReplies(opts.factory, opts.Replies, reps)
	if err != nil {
		return err
	}
	r := res.Report
	if err := report.WriteDrift(opts.ErrOut, res.Drift, true); err != nil {
		return err
	}
	if err := report.WriteChecked(out, opts.Format, "plan", r); err != nil {
		return err
	}
	if !r.OK {
		return rejected(report.Rejection("plan", r), r)
	}
	return nil
}

// planSource names a plan file, reading "-" from standard input.
func planSource(f *factory, file string) (workflow.PlanSource, error) {
	src := workflow.PlanSource{File: file}
	if file != "-" && !filepath.IsAbs(file) && f.Dir != "" {
		// Relative to the command's working directory, which is the
		// process's own except for the steps of git aos demo.
		src.Path = filepath.Join(f.Dir, file)
	}
	if file == "-" {
		data, err := io.ReadAll(io.LimitReader(f.In, 1<<30))
		if err != nil {
			return src, fmt.Errorf("read plan: %w", err)
		}
		src.Data = data
	}
	return src, nil
}
