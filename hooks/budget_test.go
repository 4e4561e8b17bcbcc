package hooks

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/architectos/aos"
)

// TestBudgetClockPauses checks that the budget does not run while a pause
// is in effect, overlapping pauses included, and runs out once they end.
func TestBudgetClockPauses(t *testing.T) {
	t.Parallel()
	const budget = 300 * time.Millisecond
	c := newBudgetClock(context.Background(), budget)
	defer c.stop()
	ctx := aos.WithBudgetPause(c.ctx, c.pause)
	r1 := aos.PauseBudget(ctx)
	r2 := aos.PauseBudget(ctx)
	time.Sleep(2 * budget)
	r1()
	time.Sleep(budget)
	if err := ctx.Err(); err != nil {
		t.Fatalf("the budget ran out during a pause: %v", context.Cause(ctx))
	}
	r2()
	r2() // a second call is a no-op
	<-ctx.Done()
	if !errors.Is(context.Cause(ctx), errOverBudget) {
		t.Fatalf("cause %v, want errOverBudget", context.Cause(ctx))
	}
	if p := c.paused(); p < 3*budget {
		t.Errorf("paused %s, want at least %s", p, 3*budget)
	}
}

// TestBudgetClockRunsOut checks that the budget runs out when nothing
// pauses it.
func TestBudgetClockRunsOut(t *testing.T) {
	t.Parallel()
	c := newBudgetClock(context.Background(), 50*time.Millisecond)
	defer c.stop()
	<-c.ctx.Done()
	if !errors.Is(context.Cause(c.ctx), errOverBudget) {
		t.Fatalf("cause %v, want errOverBudget", context.Cause(c.ctx))
	}
}
