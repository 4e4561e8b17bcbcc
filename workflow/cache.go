package workflow

import (
	"context"
	"errors"

	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/validators"
)

// WarmOptions configure [WarmCache].
type WarmOptions struct {
	// Dir is a directory inside the repository, or outside any.
	Dir string
	// Rev is the commit whose manifest names the modules; "" is HEAD.
	Rev      string
	Manifest ManifestOptions
}

// WarmResult is what [WarmCache] compiled.
type WarmResult struct {
	// CacheDir is the compilation cache.
	CacheDir string
	// Modules is how many project modules were compiled besides the
	// built-in one.
	Modules int
	// BuiltinOnly is set when there was no manifest to read modules from:
	// outside a repository, in one without commits, or without a manifest.
	BuiltinOnly bool
}

// WarmCache compiles the built-in validator module and the modules the
// manifest names into the compilation cache of [NewRuntime], so that
// later runs of validators start without compiling. The cache is keyed by
// each module's sha256 and the wazero version: it never needs clearing.
func WarmCache(ctx context.Context, opts WarmOptions) (*WarmResult, error) {
	vopts, err := validatorOptions(opts.Dir)
	if err != nil {
		return nil, err
	}
	out := &WarmResult{CacheDir: vopts.CacheDir}
	builtinOnly := func() (*WarmResult, error) {
		if err := validators.WarmBuiltin(ctx, vopts.CacheDir); err != nil {
			return nil, err
		}
		out.BuiltinOnly = true
		return out, nil
	}
	rev := opts.Rev
	if rev == "" {
		rev = "HEAD"
	}
	repo, err := openRepository(opts.Dir)
	if errors.Is(err, gitops.ErrNotRepository) && opts.Manifest.File == "" {
		return builtinOnly()
	}
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	tree, err := repo.RevTree(rev)
	unborn := err != nil && rev == "HEAD" && opts.Manifest.File == ""
	if err != nil && !unborn {
		return nil, err
	}
	var lm *LoadedManifest
	if !unborn {
		lm, err = ManifestFromTree(tree, opts.Manifest)
	}
	if unborn || errors.Is(err, gitops.ErrNoManifest) {
		// A repository without commits (a new bare repository) or
		// without a manifest: the built-in module is all there is.
		return builtinOnly()
	}
	if err != nil {
		return nil, err
	}
	set, err := validators.NewSet(lm.Manifest, tree, vopts)
	if err != nil {
		return nil, err
	}
	if err := validators.WarmBuiltin(ctx, vopts.CacheDir); err != nil {
		return nil, err
	}
	if err := set.Warm(ctx); err != nil {
		return nil, err
	}
	out.Modules = set.Modules()
	return out, nil
}
