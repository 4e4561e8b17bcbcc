package hooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
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
	// Runtime runs validators when result commits are verified.
	Runtime *workflow.Runtime
}

// RunPreReceive is the pre-receive hook: it reads the updates of a push
// from opts.Stdin, opens the repository with the push's quarantined
// objects and judges the updates with [PreReceive]. It fails closed: an
// error, or a push that takes longer than the budget, is an error, and the
// hook must reject the push then too. Past the budget it returns at once,
// abandoning whatever still runs: the hook process is about to exit.
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
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
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
		out.err = ctx.Err()
	}
	if errors.Is(out.err, context.DeadlineExceeded) {
		return nil, aos.WithHint(fmt.Errorf("the push took longer than the time budget of %s, so it is rejected (fail closed)", budget),
			"push fewer commits at once, or raise --budget where the server allows")
	}
	if out.err != nil {
		return nil, fmt.Errorf("pre-receive: %w; the push is rejected (fail closed)", out.err)
	}
	return out.res, nil
}

func preReceive(ctx context.Context, opts HookOptions) (*Result, error) {
	updates, err := receive.Parse(opts.Stdin)
	if err != nil {
		return nil, err
	}
	repo, err := gitops.OpenWithObjectDirs(opts.Dir, gitops.HookObjectDirs(opts.Dir, opts.Getenv))
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	return PreReceive(ctx, Options{Repo: repo, Getenv: opts.Getenv, Policy: opts.Policy,
		UserEnv: opts.UserEnv, RefPrefixes: opts.RefPrefixes, Runtime: opts.Runtime}, updates)
}
