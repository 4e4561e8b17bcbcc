package main

import (
	"context"

	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

type runOptions struct {
	*factory
	Plan    string
	Base    string
	Policy  string
	Format  string
	Replies string
	Sign    bool
	SignKey string
}

func newCmdRun(f *factory, runF func(context.Context, *runOptions) error) *cobra.Command {
	opts := &runOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "run PLAN",
		Short: "Propose and apply a plan in one step",
		Long: `Run makes the plan commit and the result commit of PLAN on the base
(--base, default HEAD) and creates branch aos/<id> at the result only when
the plan passes: a rejected plan leaves no branch and no ref behind.
--sign[=KEY] signs the result commit as git commit -S does (see git aos
apply --help).

` + jobsHelp + ``,
		Example: `  git aos run plan.yaml
  git aos run --base main --replies out.json plan.yaml
  git aos run --sign plan.yaml`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Plan = args[0]
			if err := checkFormat(opts.Format); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Base, "base", "", "base `REV` the plan commit is made on (default HEAD)")
	fl.StringVar(&opts.Policy, "policy", "", "organisation policy `FILE` (CUE) unified with the manifest")
	fl.StringVar(&opts.Format, "format", "text", formatUsage)
	fl.StringVar(&opts.Replies, "replies", "", "write what each directive returned, as JSON, to `FILE` (- for standard output)")
	addSignFlag(fl, &opts.Sign, &opts.SignKey)
	return cmd
}

func runRun(ctx context.Context, opts *runOptions) error {
	src, err := planSource(opts.factory, opts.Plan)
	if err != nil {
		return err
	}
	res, err := workflow.Run(ctx, workflow.RunOptions{Dir: opts.Dir, Plan: src, Base: opts.Base, Policy: opts.Policy, Runtime: opts.runtime(), Sign: signing(opts.Dir, opts.Sign, opts.SignKey)})
	if err != nil {
		return err
	}
	return writeRun(opts.factory, opts.Format, opts.Replies, res)
}
