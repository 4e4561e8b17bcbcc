package main

import (
	"context"

	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

const jobsHelp = `Jobs (RUN_TESTS, BUILD, SANDBOX_EXEC) run in the sandbox the manifest's
environment.type names: bwrap (bubblewrap), container (podman or docker) or
host (only when the manifest says so); nix may come later. A missing backend
rejects the plan: nothing runs with less isolation than the manifest asks.`

type applyOptions struct {
	*factory
	Branch  string
	Policy  string
	Format  string
	Replies string
	Sign    bool
	SignKey string
}

func newCmdApply(f *factory, runF func(context.Context, *applyOptions) error) *cobra.Command {
	opts := &applyOptions{factory: f}
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

--sign signs the result commit exactly as git commit -S does, with git's
configuration (gpg.format openpgp, ssh or x509, user.signingkey) and
programs; --sign=KEY names the key. A server trusts the job records of a
result commit signed by a key of its allowed signers (docs/hooks.md,
"Runners").

` + jobsHelp + `

The specification is docs/spec.md sections 6 and 7.`,
		Example: `  git aos apply aos/fix-login
  git aos apply --format json --replies replies.json aos/fix-login
  git aos apply --sign aos/fix-login
  git aos apply --sign=~/.ssh/aos-runner aos/fix-login`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Branch = args[0]
			}
			if err := checkFormat(opts.Format); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return applyRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Policy, "policy", "", "organisation policy `FILE` (CUE) unified with the manifest")
	fl.StringVar(&opts.Format, "format", "text", formatUsage)
	fl.StringVar(&opts.Replies, "replies", "", "write what each directive returned, as JSON, to `FILE` (- for standard output)")
	addSignFlag(fl, &opts.Sign, &opts.SignKey)
	return cmd
}

func applyRun(ctx context.Context, opts *applyOptions) error {
	res, err := workflow.Apply(ctx, workflow.RunOptions{Dir: opts.Dir, Rev: opts.Branch, Policy: opts.Policy, Runtime: opts.runtime(), Sign: signing(opts.Dir, opts.Sign, opts.SignKey)})
	if err != nil {
		return err
	}
	return writeRun(opts.factory, opts.Format, opts.Replies, res)
}
