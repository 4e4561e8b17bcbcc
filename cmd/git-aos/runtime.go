package main

import (
	"github.com/architectos/aos/workflow"
)

// newRuntime returns the sandbox and validators every command that runs
// plans shares.
func newRuntime(e *env) *workflow.Runtime {
	return &workflow.Runtime{}
}
