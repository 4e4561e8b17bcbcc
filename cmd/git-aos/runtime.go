package main

import (
	"context"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/sandbox"
	"github.com/architectos/aos/workflow"
)

// newRuntime returns the sandbox and validators every command that runs
// plans shares.
func newRuntime(e *env) *workflow.Runtime {
	return &workflow.Runtime{
		Version: buildVersion(),
		Jobs:    func(m *aos.Manifest) (engine.JobRunner, error) { return newJobRunner(e, m) },
		Validators: func(ctx context.Context, m *aos.Manifest, base engine.Base) (engine.ValidateFunc, error) {
			return newValidators(ctx, e, m, base)
		},
	}
}

// newJobRunner returns the sandbox of m's environment (docs/spec.md,
// "Jobs and sandboxes"). The repository's git directory is looked up only
// when environment.git asks for it.
func newJobRunner(e *env, m *aos.Manifest) (engine.JobRunner, error) {
	var opts sandbox.RunnerOptions
	if m.Environment.Git {
		repo, err := gitops.Open(e.dir)
		if err != nil {
			return nil, err
		}
		opts.GitDir = repo.GitDir
	}
	jr, err := sandbox.NewJobRunner(m, opts)
	if err != nil {
		return nil, err
	}
	return jr, nil
}
