package wasm

import (
	"syscall"
	"time"
	"unsafe"
)

// Linux names the CPU clock of a process or thread by its id
// (MAKE_PROCESS_CPUCLOCK and MAKE_THREAD_CPUCLOCK in the kernel's
// posix-timers.h): CPUCLOCK_SCHED counts the time it ran on a CPU, in
// nanoseconds, in user and kernel mode.
const (
	cpuclockSched     = 2
	cpuclockPerThread = 4
)

// cpuClock reads the CPU time of one thread or process.
type cpuClock struct{ id int32 }

// threadClock returns the clock of the calling thread: the goroutine must
// be locked to it (runtime.LockOSThread).
func threadClock() cpuClock {
	return cpuClock{int32(^uint32(syscall.Gettid())<<3 | cpuclockSched | cpuclockPerThread)}
}

// processClock returns the clock of process pid, all its threads.
func processClock(pid int) cpuClock {
	return cpuClock{int32(^uint32(pid)<<3 | cpuclockSched)}
}

// now returns the CPU time used so far; ok is false once the thread or
// process is gone (or on a kernel without CPU clocks).
func (c cpuClock) now() (time.Duration, bool) {
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, uintptr(c.id), uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
