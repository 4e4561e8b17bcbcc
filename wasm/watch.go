package wasm

import (
	"context"
	"fmt"
	"runtime"
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

// cpuAccount is the CPU time that work a run's host functions handed to
// other goroutines uses ([CountCPU]), while it runs and after: the run's
// watch adds it to the module thread's.
type cpuAccount struct {
	mu     sync.Mutex
	ended  time.Duration
	active map[*counted]struct{}
}

// counted is one thread's work for a run, from the thread's CPU time at
// its start.
type counted struct {
	clock cpuClock
	start time.Duration
}

// used returns the CPU time of the work ended and of the work running.
func (a *cpuAccount) used() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.ended
	for c := range a.active {
		if now, ok := c.clock.now(); ok {
			t += now - c.start
		}
	}
	return t
}

type accountKey struct{}

// CountCPU runs fn on the calling goroutine and counts the CPU time it
// uses, as it uses it, against the time limit of the run whose host
// function ctx came from (or a context derived from it): work a host
// function does ahead on other goroutines is the run's, and stops the run
// when it passes the limit as the module's own would (fn should stop when
// ctx ends). Outside a run it only runs fn.
func CountCPU(ctx context.Context, fn func()) {
	a, _ := ctx.Value(accountKey{}).(*cpuAccount)
	if a == nil {
		fn()
		return
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c := &counted{clock: threadClock()}
	start, ok := c.clock.now()
	if ok {
		c.start = start
		a.mu.Lock()
		a.active[c] = struct{}{}
		a.mu.Unlock()
	}
	defer func() {
		if !ok {
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		delete(a.active, c)
		if now, ok := c.clock.now(); ok {
			a.ended += now - c.start
		}
	}()
	fn()
}

func newCPUAccount() *cpuAccount { return &cpuAccount{active: map[*counted]struct{}{}} }

// cpuWatch stops a run through stop when its clock, plus what acct
// counted, passes limit.
type cpuWatch struct {
	limit time.Duration
	acct  *cpuAccount
	used  atomic.Int64 // CPU time at the last sample, in nanoseconds
	over  atomic.Bool  // the CPU limit was passed
	wall  atomic.Bool  // the wall-clock backstop was passed
	done  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup
}

// startWatch samples clock until close, calling stop once when the run
// passes its limit.
func startWatch(limit time.Duration, clock cpuClock, acct *cpuAccount, stop func()) *cpuWatch {
	w := &cpuWatch{limit: limit, acct: acct, done: make(chan struct{})}
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
		if w.acct != nil {
			now += w.acct.used()
		}
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
