//go:build !linux

package wasm

import "time"

// Elsewhere there is no CPU clock of a thread or of another process to
// read: the clocks count wall-clock time from their creation.
type cpuClock struct{ start time.Time }

func threadClock() cpuClock { return cpuClock{time.Now()} }

func processClock(int) cpuClock { return cpuClock{time.Now()} }

func (c cpuClock) now() (time.Duration, bool) { return time.Since(c.start), true }
