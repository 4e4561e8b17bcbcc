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
	Site string
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
removed afterwards unless --keep DIR is given.

With --site DIR, the demo runs the rescue on a real WordPress tree instead
(Debian's wordpress package installs one at /usr/share/wordpress; it needs
bubblewrap and php-cli): it makes the checksums of DIR, copies it and plants
compromises of the kinds the validators detect, turns the copy into a
repository with git aos rescuewp init, assesses it with git aos validate
--all, shows a plan writing into the core rejected, proposes and applies a
plan that quarantines the compromises and lints every PHP file with php -l
in bubblewrap, verifies the result, prints the audit log and assesses the
rescued site again (docs/rescuewp.md).`,
		Example: `  git aos demo
  git aos demo --keep /tmp/rescuewp
  git aos demo --site /usr/share/wordpress`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return demoRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Keep, "keep", "", "make the repository in `DIR` (which must not exist) and keep it")
	cmd.Flags().StringVar(&opts.Site, "site", "", "run the rescue on the real WordPress tree `DIR` instead of the embedded example")
	return cmd
}

func demoRun(ctx context.Context, opts *demoOptions) error {
	o := demo.Options{Keep: opts.Keep, Out: opts.Out,
		Aos: func(ctx context.Context, dir string, out io.Writer, args ...string) int {
			return execute(ctx, &factory{In: opts.In, Out: out, ErrOut: out, Dir: dir}, args)
		}}
	var err error
	if opts.Site != "" {
		err = demo.RunSite(ctx, demo.SiteOptions{Options: o, Site: opts.Site})
	} else {
		err = demo.Run(ctx, o)
	}
	if errors.Is(err, demo.ErrExists) {
		return usageErrorf("--keep %s", err)
	}
	return err
}
