package planfile

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

// endingCtx is a context that ends after its Err has been asked n times:
// it stands for an interrupt arriving while a plan is being read.
type endingCtx struct {
	context.Context
	mu   sync.Mutex
	n    int
	done chan struct{}
}

func newEndingCtx(n int) *endingCtx {
	return &endingCtx{Context: context.Background(), n: n, done: make(chan struct{})}
}

func (c *endingCtx) Done() <-chan struct{} { return c.done }

func (c *endingCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n--; c.n == 0 {
		close(c.done)
	}
	if c.n < 0 {
		return context.Canceled
	}
	return nil
}

// TestParseContext: a plan read under a context that has ended, or ends
// while the plan is read, is not read to its end; the error is the
// context's, never a rejected plan.
func TestParseContext(t *testing.T) {
	t.Parallel()
	n := 20000
	yamlDoc := head + "directives:\n" + strings.Repeat("  - {type: LS, path: a}\n", n)
	jsonDoc := `{"version": 1, "id": "p", "goal": "g", "directives": [` + strings.TrimSuffix(strings.Repeat(`{"type": "LS", "path": "a"},`, n), ",") + "]}"
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name, file, doc string
		ctx             context.Context
	}{
		{"YAML, ended before", "plan.yaml", yamlDoc, ended},
		{"JSON, ended before", "plan.json", jsonDoc, ended},
		// The first look is before the YAML library reads the
		// document; the next ones are between directives.
		{"YAML, ends between directives", "plan.yaml", yamlDoc, newEndingCtx(2)},
		// One look per checkEvery tokens: the plan has about 8 tokens
		// a directive.
		{"JSON, ends between tokens", "plan.json", jsonDoc, newEndingCtx(3)},
	} {
		p, err := Parse(tc.ctx, tc.file, []byte(tc.doc), MaxLimits)
		var pe *Error
		if !errors.Is(err, context.Canceled) || errors.As(err, &pe) || p != nil {
			t.Errorf("%s: Parse = %v, %v; want context.Canceled", tc.name, p, err)
		}
		if ec, ok := tc.ctx.(*endingCtx); ok && ec.n > -1 {
			t.Errorf("%s: the context was never seen ended", tc.name)
		}
	}
	// The same documents parse when nothing ends.
	for _, tc := range []struct{ file, doc string }{{"plan.yaml", yamlDoc}, {"plan.json", jsonDoc}} {
		if p, err := Parse(newEndingCtx(1<<30), tc.file, []byte(tc.doc), MaxLimits); err != nil || len(p.Directives) != n {
			t.Errorf("%s: %v", tc.file, err)
		}
	}
}
