// Package cputime measures the CPU time a process spends, for the
// benchmarks and the load-proof tests: on a machine shared with other
// work, the CPU time is what a piece of code costs, and the ratios of
// docs/RATIONALE.md ("Linear costs") are taken from it.
package cputime

import (
	"syscall"
	"testing"
	"time"
)

// Self returns the CPU time (user and system, garbage collection
// included) this process has spent.
func Self() time.Duration { return usage(syscall.RUSAGE_SELF) }

// Children returns the CPU time of the child processes this process has
// waited for: what git, ssh-keygen or a module's process cost, whatever
// the load.
func Children() time.Duration { return usage(syscall.RUSAGE_CHILDREN) }

func usage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Loop runs f b.N times and reports, beside the wall time, the CPU time
// of the process per run as the metric cpu-ns/op.
func Loop(b *testing.B, f func()) {
	start := Self()
	for b.Loop() {
		f()
	}
	b.ReportMetric(float64(Self()-start)/float64(b.N), "cpu-ns/op")
}
