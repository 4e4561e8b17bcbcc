package main

import (
	"context"
	"errors"
	"io"

	"github.com/architectos/aos/demo"
	"github.com/spf13/cobra"
)

type demoOptions struct {
	*factory
	Keep string
}

func newCmdDemo(f *factory, runF func(context.Context, *demoOptions) error) *cobra.Command {
	opts := &demoOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the RescueWP example end to end in a temporary repository",
		Long: `Demo makes a temporary git repository from an embedded example (a small
WordPress site with the whitepaper's RescueWP manifest), then:

  1. checks a plan that oversteps the manifest, and shows why it is rejected;
  2. runs a plan that stays inside the manifest but smuggles in a web shell
     and a cloud key, which the built-in validators (WASM) reject;
  3. proposes and applies a plan that rescues the site: patches, a
     quarantine report, validators, and the test suite in a sandbox;
  4. shows the result commit, verifies it, and prints the audit log.

It needs only git. Jobs run under bubblewrap when it is installed, else on
the host (the demo's manifest says so explicitly). The repository is
removed afterwards unless --keep DIR is given.`,
		Example: `  git aos demo
  git aos demo --keep /tmp/rescuewp`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return demoRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Keep, "keep", "", "make the repository in `DIR` (which must not exist) and keep it")
	return cmd
}

func demoRun(ctx context.Context, opts *demoOptions) error {
	err := demo.Run(ctx, demo.Options{Keep: opts.Keep, Out: opts.Out,
		Aos: func(ctx context.Context, dir string, out io.Writer, args ...string) int {
			return execute(ctx, &factory{In: opts.In, Out: out, ErrOut: out, Dir: dir}, args)
		}})
	if errors.Is(err, demo.ErrExists) {
		return usageErrorf("--keep %s", err)
	}
	return err
}
