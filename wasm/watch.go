package wasm

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// A run's time limit counts CPU time: the time the module's thread (in
// process) or the sandbox process (all its threads) spent on a CPU from
// the module's start. A loaded machine makes a run take longer, not use
// more CPU, so it cannot turn a valid tree into a rejection; an endless
// loop uses CPU at the rate of the wall clock and is stopped as soon as it
// passes the limit. The wall clock is only a backstop, for a run that
// would stop without using the CPU: ten times the limit, plus a minute.
func wallBackstop(limit time.Duration) time.Duration { return 10*limit + time.Minute }

// cpuWatch stops a run through stop when its clock passes limit.
type cpuWatch struct {
	limit time.Duration
	used  atomic.Int64 // CPU time at the last sample, in nanoseconds
	over  atomic.Bool  // the CPU limit was passed
	wall  atomic.Bool  // the wall-clock backstop was passed
	done  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup
}

// startWatch samples clock until close, calling stop once when the run
// passes its limit.
func startWatch(limit time.Duration, clock cpuClock, stop func()) *cpuWatch {
	w := &cpuWatch{limit: limit, done: make(chan struct{})}
	base, _ := clock.now()
	start := time.Now()
	every := min(max(limit/50, time.Millisecond), 20*time.Millisecond)
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-w.done:
				w.sample(clock, base)
				return
			case <-t.C:
			}
			if w.sample(clock, base) > limit {
				w.over.Store(true)
				stop()
				return
			}
			if time.Since(start) > wallBackstop(limit) {
				w.wall.Store(true)
				stop()
				return
			}
		}
	}()
	return w
}

func (w *cpuWatch) sample(clock cpuClock, base time.Duration) time.Duration {
	if now, ok := clock.now(); ok {
		w.used.Store(int64(now - base))
	}
	return time.Duration(w.used.Load())
}

// close stops sampling; the run has ended.
func (w *cpuWatch) close() {
	w.once.Do(func() { close(w.done) })
	w.wg.Wait()
}

// expired reports whether the run was stopped for its time.
func (w *cpuWatch) expired() bool { return w.over.Load() || w.wall.Load() }

// Used returns the CPU time the run used, as last sampled.
func (w *cpuWatch) usedCPU() time.Duration { return time.Duration(w.used.Load()) }

func (w *cpuWatch) err() error {
	d := fmt.Sprintf("limit %s of CPU time, used %s", w.limit, w.usedCPU().Round(time.Millisecond))
	if w.wall.Load() && !w.over.Load() {
		d = fmt.Sprintf("limit %s of CPU time; stopped by the wall-clock backstop of %s", w.limit, wallBackstop(w.limit))
	}
	return &RunError{Err: ErrTimeout, Detail: d, CPU: w.usedCPU()}
}
