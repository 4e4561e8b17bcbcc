package engine

import (
	"context"
	"errors"

	"github.com/architectos/aos"
)

// Job is a sandboxed job a directive asks for, resolved from the manifest.
type Job struct {
	Directive int
	Kind      aos.JobKind
	Name      string // suite, target or tool name
	Command   string // the manifest's command, templates expanded
	Args      []string
	// WorkingDir is the job's directory inside the sandbox: the manifest's
	// working_dir made absolute under the workspace root.
	WorkingDir string
	Root       string // the workspace root inside the sandbox
	Timeout    int    // seconds
	Outputs    []string
	// Sockets are the host's unix sockets the manifest grants the job
	// (docs/spec.md 10.6).
	Sockets []string
	// Export, for a tool that has one, is where the files it leaves go,
	// into a new directory named ExportName: "<plan id>.<directive>".
	Export     *aos.Export
	ExportName string
}

// JobResult is what a job did. Outputs are the files a build produced that
// match its outputs globs.
type JobResult struct {
	Record  aos.JobRecord
	Outputs []OutputFile
}

// OutputFile is a file produced by a build target.
type OutputFile struct {
	Path       string
	Data       []byte
	Executable bool
}

// JobRunner runs jobs in a sandbox.
type JobRunner interface {
	// Run runs job on the staged tree st, which it only reads. An error
	// means the job could not be run at all (no sandbox): it rejects the
	// plan, unless it is the machine's fault ([aos.MachineFault]: a full
	// disk, a damaged object), which ends the run instead. A job that
	// fails is a result with a non-zero exit code. The engine may call
	// Run for several RUN_TESTS jobs at once on the same State.
	Run(ctx context.Context, job Job, st *State) (JobResult, error)
}

// JobError is an error of a [JobRunner] that rejects the plan under its
// own rule, such as verify.job when a job run again disagrees with its
// record, rather than as sandbox.unavailable.
type JobError struct {
	Rule aos.Rule
	Msg  string
}

func (e *JobError) Error() string { return e.Msg }

// ErrBadOutputs is wrapped by the error of a [JobRunner] whose build ran
// but whose outputs cannot be staged (a symlink, over the size cap); the
// result's Record is still kept, and the plan is rejected with rule
// build.outputs.
var ErrBadOutputs = errors.New("build outputs cannot be staged")

// ValidateFunc runs the manifest's validators over the staged state and
// its changes. An error wrapping a [*ValidatorFailed] means validators
// could not run to their end within their limits: the plan is rejected
// with it (validators.run). Any other error ends the run, and [Run]
// returns it: the validators could not be run at all (a cache that cannot
// be trusted, a sandbox process that cannot start, an object of the
// repository that cannot be read), which is no verdict on the plan.
type ValidateFunc func(ctx context.Context, st *State, changes []Change) ([]aos.Finding, []aos.ValidatorRecord, error)

// ValidatorFailed is the error of a [ValidateFunc] whose validators ran
// and failed: a module that trapped, exited non-zero, passed a limit or
// printed what is not a finding.
type ValidatorFailed struct{ Err error }

func (e *ValidatorFailed) Error() string { return e.Err.Error() }

// Unwrap returns the validators' errors.
func (e *ValidatorFailed) Unwrap() error { return e.Err }
