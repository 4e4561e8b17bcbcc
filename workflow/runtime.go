package workflow

import (
	"context"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
)

// Runtime supplies what a plan needs beyond the manifest and git objects:
// the sandbox its jobs run in and its validators. Commands build one for
// the whole process; a nil field means the capability is absent, and a
// plan that needs it is rejected, never run without it.
type Runtime struct {
	// Version is git-aos's version, for GET_ENVIRONMENT_INFO.
	Version string
	// Jobs returns the sandbox that runs m's RUN_TESTS, BUILD and
	// SANDBOX_EXEC jobs. An error rejects the plan when it holds a job.
	Jobs func(m *aos.Manifest) (engine.JobRunner, error)
	// Validators returns the validators of m; the modules they name are
	// read from base, the tree the plan runs against, never from the
	// plan's own changes.
	Validators func(ctx context.Context, m *aos.Manifest, base engine.Base) (engine.ValidateFunc, error)
}
