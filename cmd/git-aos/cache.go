package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/validators"
	"github.com/architectos/aos/wasm"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

func init() { register(newCacheCmd) }

// CacheEnv names a directory that replaces the compilation cache of
// validator modules (by default <gitdir>/aos/wasm-cache).
const CacheEnv = "AOS_WASM_CACHE"

// validatorOptions returns how this process runs validators: project
// modules in a sandbox process (this executable in its hidden mode), the
// compilation cache under the repository's git directory, or $AOS_WASM_CACHE,
// or the user cache directory outside a repository.
func validatorOptions(e *env) (validators.Options, error) {
	child, err := wasm.ChildCommand()
	if err != nil {
		return validators.Options{}, err
	}
	opts := validators.Options{Child: child, CacheDir: os.Getenv(CacheEnv)}
	if opts.CacheDir == "" {
		gitDir := ""
		if repo, err := gitops.Open(e.dir); err == nil {
			gitDir = repo.GitDir
		}
		if opts.CacheDir, err = wasm.DefaultCacheDir(gitDir); err != nil {
			return validators.Options{}, err
		}
	}
	return opts, nil
}

// newValidators is workflow.Runtime.Validators for git-aos.
func newValidators(ctx context.Context, e *env, m *aos.Manifest, base engine.Base) (engine.ValidateFunc, error) {
	opts, err := validatorOptions(e)
	if err != nil {
		return nil, err
	}
	return validators.New(ctx, m, base, opts)
}

func newCacheCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Manage the compilation cache of validator modules",
		Example: `  git aos cache warm
  AOS_WASM_CACHE=/var/cache/aos git aos cache warm`,
	}
	cmd.AddCommand(newCacheWarmCmd(e))
	return cmd
}

type cacheWarmOptions struct {
	manifest, policy, rev string
}

func newCacheWarmCmd(e *env) *cobra.Command {
	var opts cacheWarmOptions
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
			return cacheWarmRun(cmd.Context(), e, opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.manifest, "manifest", "m", "", "manifest `FILE` on disk (default: the one committed at --rev)")
	f.StringVar(&opts.policy, "policy", "", "organisation policy `FILE` (CUE) unified with the manifest")
	f.StringVar(&opts.rev, "rev", "HEAD", "commit `REV` whose manifest and modules to compile")
	return cmd
}

func cacheWarmRun(ctx context.Context, e *env, opts cacheWarmOptions) error {
	vopts, err := validatorOptions(e)
	if err != nil {
		return err
	}
	builtinOnly := func() error {
		if err := validators.WarmBuiltin(ctx, vopts.CacheDir); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "compiled the built-in module into %s\n", vopts.CacheDir)
		return nil
	}
	repo, err := gitops.Open(e.dir)
	if errors.Is(err, gitops.ErrNotRepository) && opts.manifest == "" {
		return builtinOnly()
	}
	if err != nil {
		return err
	}
	tree, err := repo.TreeOfRev(opts.rev)
	unborn := err != nil && opts.rev == "HEAD" && opts.manifest == ""
	if err != nil && !unborn {
		return err
	}
	var lm *workflow.LoadedManifest
	if !unborn {
		lm, err = workflow.ManifestFromTree(tree, workflow.ManifestOptions{File: opts.manifest, Policy: opts.policy})
	}
	if unborn || errors.Is(err, gitops.ErrNoManifest) {
		// A repository without commits (a new bare repository) or
		// without a manifest: the built-in module is all there is.
		return builtinOnly()
	}
	if err != nil {
		return err
	}
	set, err := validators.NewSet(lm.Manifest, tree, vopts)
	if err != nil {
		return err
	}
	if err := validators.WarmBuiltin(ctx, vopts.CacheDir); err != nil {
		return err
	}
	if err := set.Warm(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "compiled the built-in module and %d validator module(s) into %s\n", set.Modules(), vopts.CacheDir)
	return nil
}
