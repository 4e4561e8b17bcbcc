package main

import (
	"context"

	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

func newCmdCache(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Manage the compilation cache of validator modules",
		Example: `  git aos cache warm
  AOS_WASM_CACHE=/var/cache/aos git aos cache warm`,
	}
	cmd.AddCommand(newCmdCacheWarm(f, nil))
	return cmd
}

type cacheWarmOptions struct {
	*factory
	Manifest string
	Policy   string
	Rev      string
}

func newCmdCacheWarm(f *factory, runF func(context.Context, *cacheWarmOptions) error) *cobra.Command {
	opts := &cacheWarmOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "warm",
		Short: "Compile the validator modules ahead of their first use",
		Long: `Warm compiles the built-in validator module and the modules that the
manifest committed at --rev (HEAD by default, or -m FILE) names, into the
compilation cache: <gitdir>/aos/wasm-cache, or $AOS_WASM_CACHE. Later runs
of validators then start in milliseconds instead of compiling. Outside a
repository it warms the built-in module in the user cache directory.

The cache is keyed by each module's sha256 and the wazero version, so it
never needs clearing for correctness; deleting it is always safe.`,
		Example: `  git aos cache warm
  git aos cache warm --rev main`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return cacheWarmRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Manifest, "manifest", "m", "", "manifest `FILE` on disk (default: the one committed at --rev)")
	fl.StringVar(&opts.Policy, "policy", "", "organisation policy `FILE` (CUE) unified with the manifest")
	fl.StringVar(&opts.Rev, "rev", "HEAD", "commit `REV` whose manifest and modules to compile")
	return cmd
}

func cacheWarmRun(ctx context.Context, opts *cacheWarmOptions) error {
	res, err := workflow.WarmCache(ctx, workflow.WarmOptions{Dir: opts.Dir, Rev: opts.Rev,
		Manifest: workflow.ManifestOptions{File: opts.Manifest, Policy: opts.Policy}})
	if err != nil {
		return err
	}
	return report.WriteWarm(opts.Out, res)
}
