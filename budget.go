package aos

import "context"

type pauseKey struct{}

// WithBudgetPause returns a copy of ctx through which code that prepares
// the means of a judgement, rather than judging, stops the clock of a
// time budget: pause is called when such preparation starts and returns
// the function that ends it. The pre-receive hook uses it so that
// compiling validator modules on a cold cache (or waiting for another
// process to compile them) does not count against the time a push may
// take; that work has bounds of its own.
func WithBudgetPause(ctx context.Context, pause func() (resume func())) context.Context {
	return context.WithValue(ctx, pauseKey{}, pause)
}

// PauseBudget stops the budget clock of ctx, if it carries one (see
// [WithBudgetPause]), and returns the function that restarts it. Calls may
// overlap: the clock runs again when the last of them has resumed.
func PauseBudget(ctx context.Context) (resume func()) {
	if p, ok := ctx.Value(pauseKey{}).(func() func()); ok && p != nil {
		return p()
	}
	return func() {}
}
