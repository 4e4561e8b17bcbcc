package main

import (
	"context"

	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

type logOptions struct {
	*factory
	Range          string
	All            bool
	Format         string
	JSON           bool
	Limit          int
	AllowedSigners string
	RevokedSigners string
}

func newCmdLog(f *factory, runF func(context.Context, *logOptions) error) *cobra.Command {
	opts := &logOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "log [RANGE]",
		Short: "Print the audit log of plan runs, read from history",
		Long: `Log lists the runs recorded in history: for each result commit, the plan
id, goal, author, base, every directive with its outcome, the changed
paths, validators, jobs with their exit codes, required approvals, the
verdict, whether it is merged (HEAD's history holds it) or pending (only
an agent branch aos/<id> does), and who vouches for its jobs: an allowed
signer's signature (checked by git against --allowed-signers, else the
server's installed file in a bare repository, else
gpg.ssh.allowedSignersFile), a runner login or re-run the server noted
under refs/notes/aos, or "unverified". Without RANGE it reads HEAD and
every agent branch, so a run just made is listed; RANGE is anything git
rev-list takes, and --all reads every ref. Nothing but git objects, notes
and the signers files is read.

The specification is docs/spec.md section 9.`,
		Example: `  git aos log
  git aos log --format json main..aos/fix-login
  git aos log --all -n 5`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Range = args[0]
			}
			if opts.JSON {
				if cmd.Flags().Changed("format") && opts.Format != "json" {
					return usageErrorf("--json is --format json, and --format %s was given", opts.Format)
				}
				opts.Format = "json"
			}
			if opts.Format != "text" && opts.Format != "json" {
				return usageErrorf("unknown format %q for log (want one of text, json)", opts.Format)
			}
			if opts.All && opts.Range != "" {
				return usageErrorf("--all and RANGE %q: give one or the other", opts.Range)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return logRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "text", "output `FORMAT`: text, json (a JSON array of runs, newest first)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "the same as --format json")
	cmd.Flags().BoolVar(&opts.All, "all", false, "read the runs of every ref, not only HEAD and the agent branches")
	cmd.Flags().IntVarP(&opts.Limit, "max-count", "n", 0, "show at most `N` runs")
	cmd.Flags().StringVar(&opts.AllowedSigners, "allowed-signers", "", "check signatures against OpenSSH allowed signers `FILE`")
	cmd.Flags().StringVar(&opts.RevokedSigners, "revoked-signers", "", "with --allowed-signers, refuse the keys of `FILE` (public keys or a KRL)")
	return cmd
}

func logRun(ctx context.Context, opts *logOptions) error {
	entries, err := workflow.Log(ctx, workflow.LogOptions{Dir: opts.Dir, Range: opts.Range, All: opts.All, Limit: opts.Limit,
		AllowedSigners: opts.AllowedSigners, RevokedSigners: opts.RevokedSigners})
	if err != nil {
		return err
	}
	return report.WriteLog(opts.Out, opts.Format == "json", entries)
}
