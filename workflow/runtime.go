package workflow

import (
	"context"
	"io"
	"sync"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/sandbox"
	"github.com/architectos/aos/validators"
)

// Runtime supplies what a plan needs beyond the manifest and git objects:
// the sandbox its jobs run in and its validators. Front ends build one for
// the whole process with [NewRuntime]; a nil field means the capability
// is absent, and a plan that needs it is rejected, never run without it.
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

// RuntimeOptions configure [NewRuntime].
type RuntimeOptions struct {
	// Dir is a directory inside the repository, or the git directory a
	// hook runs in: environment.git mounts its git directory, and the
	// compilation cache of validator modules lives there.
	Dir string
	// Version is git-aos's version, for GET_ENVIRONMENT_INFO.
	Version string
	// Progress, when set, is told when each job starts and ends (the
	// command line shows it on a terminal). It may be called from several
	// goroutines at once.
	Progress func(JobProgress)
}

// JobProgress is a job starting (Done false) or ending (Done true, with
// its record; Err when it could not run).
type JobProgress struct {
	Job    engine.Job
	Done   bool
	Record aos.JobRecord
	Err    error
}

// progressRunner tells progress about each job of runner.
type progressRunner struct {
	runner   engine.JobRunner
	progress func(JobProgress)
}

func (p progressRunner) Run(ctx context.Context, job engine.Job, st *engine.State) (engine.JobResult, error) {
	p.progress(JobProgress{Job: job})
	res, err := p.runner.Run(ctx, job, st)
	p.progress(JobProgress{Job: job, Done: true, Record: res.Record, Err: err})
	return res, err
}

// NewRuntime returns the runtime of git-aos: jobs run in the sandbox of
// the manifest's environment (docs/spec.md section 10), and validators in
// wazero, the project's modules in a sandbox process of this executable
// (see [IsSandboxChild]), with compiled modules cached under the
// repository's git directory or in $AOS_WASM_CACHE ([validators.CacheEnv]).
func NewRuntime(opts RuntimeOptions) *Runtime {
	vopts := sync.OnceValues(func() (validators.Options, error) { return validatorOptions(opts.Dir) })
	return &Runtime{
		Version: opts.Version,
		Jobs: func(m *aos.Manifest) (engine.JobRunner, error) {
			jr, err := newJobRunner(opts.Dir, m)
			if err != nil || opts.Progress == nil {
				return jr, err
			}
			return progressRunner{jr, opts.Progress}, nil
		},
		Validators: func(ctx context.Context, m *aos.Manifest, base engine.Base) (engine.ValidateFunc, error) {
			o, err := vopts()
			if err != nil {
				return nil, err
			}
			return validators.New(ctx, m, base, o)
		},
	}
}

// validatorOptions returns how validators run for the repository holding
// dir; outside a repository, the cache is the user's.
func validatorOptions(dir string) (validators.Options, error) {
	gitDir, _ := gitops.GitDir(dir) // "" outside a repository
	return validators.DefaultOptions(gitDir)
}

// newJobRunner returns the sandbox of m's environment (docs/spec.md,
// "Jobs and sandboxes"). The repository's git directory is looked up only
// when environment.git asks for it.
func newJobRunner(dir string, m *aos.Manifest) (engine.JobRunner, error) {
	var opts sandbox.RunnerOptions
	if m.Environment.Git || hasExports(m) {
		repo, err := gitops.Open(dir)
		if err != nil {
			return nil, err
		}
		if m.Environment.Git {
			opts.GitDir = repo.GitDir
		}
		opts.Repo = []string{repo.GitDir}
		if repo.WorkTree != "" {
			opts.Repo = append(opts.Repo, repo.WorkTree)
		}
		repo.Close()
	}
	jr, err := sandbox.NewJobRunner(m, opts)
	if err != nil {
		return nil, err
	}
	return jr, nil
}

// hasExports reports whether a tool of m exports files.
func hasExports(m *aos.Manifest) bool {
	for _, t := range m.Tools {
		if t.Export != nil {
			return true
		}
	}
	return false
}

// IsSandboxChild reports whether this process is a sandbox process that
// a [Runtime] started to run one validator module ("git-aos
// __wasm-sandbox", docs/validators.md, "Isolation"). The process must
// then exit with the status of [SandboxChildMain], before anything else.
func IsSandboxChild() bool { return validators.IsChild() }

// SandboxChildMain runs the validator module its parent sends on stdin
// and returns the process's exit status.
func SandboxChildMain(stdin io.Reader, stdout, stderr io.Writer) int {
	return validators.ChildMain(stdin, stdout, stderr)
}
