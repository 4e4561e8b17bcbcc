package hooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/hooks/receive"
	"github.com/architectos/aos/workflow"
)

// HookOptions configure [RunPreReceive].
type HookOptions struct {
	// Dir is the directory git runs the hook in: the repository's git
	// directory.
	Dir string
	// Stdin is what receive-pack writes to the hook.
	Stdin io.Reader
	// Getenv reads the hook's environment; nil is os.Getenv.
	Getenv func(string) string
	// Policy, UserEnv and RefPrefixes are as in [Options].
	Policy      string
	UserEnv     string
	RefPrefixes []string
	// Budget is the time the whole push may take; 0 is [DefaultBudget].
	Budget time.Duration
	// Runtime runs validators when result commits are verified, and
	// their jobs with RerunJobs.
	Runtime *workflow.Runtime
	// AllowedSigners, RevokedSigners and RerunJobs are as in [Options].
	AllowedSigners, RevokedSigners string
	RerunJobs, AllowHostJobs       bool
}

// RunPreReceive is the pre-receive hook: it reads the updates of a push
// from opts.Stdin, opens the repository with the push's quarantined
// objects and judges the updates with [PreReceive]. It fails closed: an
// error, or a push that takes longer than the budget, is an error, and the
// hook must reject the push then too. Past the budget it returns at once,
// abandoning whatever still runs: the hook process is about to exit.
//
// The budget measures the judgement of the push: the time spent
// preparing validators (compiling a module on a cold cache, or waiting
// for another hook that compiles it) is not counted, since it says
// nothing about the push and has limits of its own ([aos.PauseBudget]).
func RunPreReceive(ctx context.Context, opts HookOptions) (*Result, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	budget := opts.Budget
	if budget == 0 {
		budget = DefaultBudget
	}
	if budget < 0 {
		return nil, fmt.Errorf("the time budget must be positive, got %s", budget)
	}
	clock := newBudgetClock(ctx, budget)
	defer clock.stop()
	ctx = aos.WithBudgetPause(clock.ctx, clock.pause)
	type outcome struct {
		res *Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := preReceive(ctx, opts)
		done <- outcome{res, err}
	}()
	var out outcome
	select {
	case out = <-done:
	case <-ctx.Done():
		out.err = context.Cause(ctx)
	}
	if errors.Is(out.err, errOverBudget) {
		msg := fmt.Sprintf("judging the push took longer than the time budget of %s", budget)
		if p := clock.paused(); p > 0 {
			msg += fmt.Sprintf(" (not counting %s spent preparing validators)", p.Round(time.Millisecond))
		}
		return nil, aos.WithHint(errors.New(msg+", so it is rejected (fail closed)"),
			"push fewer commits at once, or raise --budget where the server allows")
	}
	if out.err != nil {
		return nil, fmt.Errorf("pre-receive: %w; the push is rejected (fail closed)", out.err)
	}
	return out.res, nil
}

// errOverBudget is the cause of a hook's context when the budget is spent.
var errOverBudget = errors.New("over the time budget")

// maxPreparation bounds, on the wall clock, the time the budget may stand
// paused, so that a hook never waits without end; compiling has its own
// tighter limits (of CPU time) in package wasm.
const maxPreparation = 5 * time.Minute

// errPreparation is the cause of a hook's context when preparing took
// longer than maxPreparation.
var errPreparation = fmt.Errorf("preparing validators took longer than %s", maxPreparation)

// budgetClock cancels ctx with errOverBudget once it has run for budget,
// not counting the time while at least one pause is in effect.
type budgetClock struct {
	ctx    context.Context
	cancel context.CancelCauseFunc

	mu        sync.Mutex
	left      time.Duration // budget left when the clock last started
	since     time.Time     // when the clock last started
	pauses    int
	pausedFor time.Duration
	timer     *time.Timer
	backstop  *time.Timer
	// pauseStart is when the current pause began.
	pauseStart time.Time
}

func newBudgetClock(parent context.Context, budget time.Duration) *budgetClock {
	c := &budgetClock{left: budget, since: time.Now()}
	c.ctx, c.cancel = context.WithCancelCause(parent)
	c.timer = time.AfterFunc(budget, func() { c.cancel(errOverBudget) })
	c.backstop = time.AfterFunc(budget+maxPreparation, func() { c.cancel(errPreparation) })
	return c
}

// pause stops the clock until the returned function is called.
func (c *budgetClock) pause() (resume func()) {
	c.mu.Lock()
	if c.pauses == 0 {
		now := time.Now()
		if c.timer.Stop() {
			c.left -= now.Sub(c.since)
		}
		c.pauseStart = now
	}
	c.pauses++
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.pauses--
			if c.pauses > 0 || c.ctx.Err() != nil {
				return
			}
			now := time.Now()
			c.pausedFor += now.Sub(c.pauseStart)
			c.since = now
			c.timer = time.AfterFunc(max(c.left, 0), func() { c.cancel(errOverBudget) })
		})
	}
}

// paused returns the time the clock was stopped.
func (c *budgetClock) paused() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.pausedFor
	if c.pauses > 0 {
		d += time.Since(c.pauseStart)
	}
	return d
}

func (c *budgetClock) stop() {
	c.mu.Lock()
	c.timer.Stop()
	c.mu.Unlock()
	c.backstop.Stop()
	c.cancel(nil)
}

func preReceive(ctx context.Context, opts HookOptions) (*Result, error) {
	updates, err := receive.Parse(opts.Stdin)
	if err != nil {
		return nil, err
	}
	repo, err := gitops.OpenHook(opts.Dir, opts.Getenv)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	if err := clearIdle(repo.GitDir, os.Getppid()); err != nil {
		return nil, err
	}
	res, err := PreReceive(ctx, Options{Repo: repo, Getenv: opts.Getenv, Policy: opts.Policy,
		UserEnv: opts.UserEnv, RefPrefixes: opts.RefPrefixes, Runtime: opts.Runtime,
		AllowedSigners: opts.AllowedSigners, RevokedSigners: opts.RevokedSigners, RerunJobs: opts.RerunJobs, AllowHostJobs: opts.AllowHostJobs}, updates)
	if err == nil && res.OK() && res.handoff != nil && ctx.Err() == nil {
		// Without it, the post-receive hook works the push out itself.
		writeHandoff(repo.GitDir, res.User, updates, res.handoff, os.Getppid())
	}
	return res, err
}
