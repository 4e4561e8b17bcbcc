// Package wasm runs validator modules: WebAssembly command modules for WASI
// preview 1 that read a JSON request on stdin, the staged tree at /src, and
// print one finding per line on stdout. The ABI is specified in
// docs/validators.md; this package is its only implementation and the only
// importer of wazero.
//
// # Sandbox
//
// A module sees its arguments, stdin, a read-only /src served from an
// [fs.FS] (never a host directory, so symlinks cannot lead out of it), a
// fixed clock and seeded randomness. It has no environment variables, no
// network and no other files. Memory is capped by [Limits.MemoryMB], output
// by [Limits.MaxOutputKB] and CPU time by [Limits.Timeout].
//
// # Isolation
//
// [Run] starts each module in a child process, the same executable run in a
// hidden mode ([ChildMain]), and kills it at its deadline: compiled guest
// code then runs at full speed, with no per-loop checks, and nothing a
// module does can stall the host's garbage collector or crash it. When no
// child command is given, modules run in process with wazero's
// WithCloseOnContextDone, which is safe but makes Go-built guests several
// times slower. docs/RATIONALE.md ("Validators") has the measurements.
package wasm

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"
)

// Limits bound one run of a module. Every field must be positive: the
// manifest's schema gives each validator its limits, so a zero is a
// caller's mistake, refused with [ErrLimits] rather than run unbounded or
// under a guessed limit.
type Limits struct {
	Timeout     time.Duration // CPU time of the run, compilation excluded (see watch.go)
	MemoryMB    int           // linear memory of the module
	MaxOutputKB int           // bytes written to stdout
}

// check refuses limits that are not all positive.
func (l Limits) check() error {
	if l.Timeout <= 0 || l.MemoryMB <= 0 || l.MaxOutputKB <= 0 {
		return &RunError{Err: ErrLimits, Detail: fmt.Sprintf("time %v, memory %d MB, output %d KB", l.Timeout, l.MemoryMB, l.MaxOutputKB)}
	}
	return nil
}

// Job is one run of a module.
type Job struct {
	// Name is the validator's name, the module's argv[0].
	Name string
	// Args follow Name in argv. The ABI passes none to third-party modules;
	// the built-in module reads which check to run from them.
	Args []string
	// Module is the WebAssembly binary.
	Module []byte
	// Host names a set of host functions registered with [ChildMain] or
	// [Runner.Hosts] that the module may import; "" offers none, as the ABI
	// says. Only the built-in module gets one.
	Host string
	// Stdin is the request, the JSON object of the ABI.
	Stdin []byte
	// Src is mounted read-only at /src.
	Src    fs.FS
	Limits Limits
}

// Errors that a failed run wraps; test them with errors.Is. Each one
// rejects the plan the module was validating.
var (
	ErrTimeout   = errors.New("ran past its time limit")
	ErrMemory    = errors.New("grew past its memory limit")
	ErrOutput    = errors.New("wrote more than its output limit")
	ErrBadOutput = errors.New("printed a line that is not a finding")
	ErrExit      = errors.New("exited with a non-zero status")
	ErrTrap      = errors.New("trapped")
	ErrCompile   = errors.New("is not a valid module")
	ErrChild     = errors.New("sandbox process failed")
	ErrChecksum  = errors.New("sha256 does not match")
	// ErrLimits is a job with a limit that is not positive, refused
	// before the module runs.
	ErrLimits = errors.New("has a limit that is not positive")
)

// RunError is how a module failed to run.
type RunError struct {
	Err    error  // one of the Err… values above
	Detail string // what was seen: the limit, exit code, trap or bad line
	Stderr string // the end of the module's stderr, if any
	// CPU is the CPU time a run stopped for its time limit had used when
	// it was stopped.
	CPU time.Duration
}

func (e *RunError) Error() string {
	s := "module " + e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Stderr != "" {
		s += " (stderr: " + oneLine(e.Stderr, 300) + ")"
	}
	return s
}

// Unwrap returns the Err… value.
func (e *RunError) Unwrap() error { return e.Err }

func oneLine(s string, max int) string {
	s = strings.TrimSpace(s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = "…" + s[len(s)-max:]
	}
	return s
}

// CheckSHA256 returns an error wrapping [ErrChecksum] unless module's
// sha256 is want, in hex (case-insensitive). An empty want never matches.
func CheckSHA256(module []byte, want string) error {
	sum := sha256.Sum256(module)
	got := hex.EncodeToString(sum[:])
	if want == "" || !strings.EqualFold(got, want) {
		return fmt.Errorf("%w: got %s, want %q", ErrChecksum, got, want)
	}
	return nil
}
