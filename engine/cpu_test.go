package engine_test

import (
	"syscall"
	"testing"
	"time"
)

// cpuLoop runs f b.N times and reports, beside the wall time, the CPU
// time of the process per run (user and system, garbage collection
// included): on a machine shared with other work, the CPU time is what a
// benchmark's cost is, and the ratios of docs/RATIONALE.md ("Linear
// costs") are taken from it.
func cpuLoop(b *testing.B, f func()) {
	start := cpuNow()
	for b.Loop() {
		f()
	}
	b.ReportMetric(float64(cpuNow()-start)/float64(b.N), "cpu-ns/op")
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
