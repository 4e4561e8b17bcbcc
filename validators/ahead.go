package validators

import (
	"context"
	"io/fs"
	"runtime"
	"sync"

	"github.com/architectos/aos/validators/rules"
	"github.com/architectos/aos/wasm"
	"github.com/sourcegraph/conc"
)

// ahead checks the files of one built-in run on every processor, ahead
// of the module: the module asks for one file's findings at a time
// (aos_builtin.check), in the order of the paths its request returned, so
// the host knows what it will ask and answers it from what was checked
// meanwhile. The answers are those the module's own call would give: the
// same checker over the same bytes, each path checked once. The CPU time
// of the work ahead counts against the run's limit ([wasm.CountCPU]), and
// it stops with the run.
type ahead struct {
	mu      sync.Mutex
	started bool
	key     string // builtin and config of the paths' checks
	c       *rules.Checker
	src     fs.FS
	paths   []string
	next    int // paths[:next] are claimed
	answers map[string]*answer
	wg      conc.WaitGroup
}

// answer is the reply of aos_builtin.check for one path, ready once done
// is closed.
type answer struct {
	done  chan struct{}
	b     []byte
	isErr bool
}

type aheadKey struct{}

// withAhead returns ctx carrying a for the host functions of one run.
func withAhead(ctx context.Context, a *ahead) context.Context {
	return context.WithValue(ctx, aheadKey{}, a)
}

// start checks paths ahead with c, for the run of ctx, reading files from
// src; only the first call of a run starts anything.
func (a *ahead) start(ctx context.Context, c *rules.Checker, key string, src fs.FS, paths []string) {
	workers := runtime.GOMAXPROCS(0) - 1
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.started || workers < 1 || len(paths) < 2 {
		return
	}
	a.started, a.key, a.c, a.src, a.paths = true, key, c, src, paths
	a.answers = make(map[string]*answer, len(paths))
	for _, p := range paths {
		a.answers[p] = &answer{done: make(chan struct{})}
	}
	for range min(workers, len(paths)-1) {
		a.wg.Go(func() {
			wasm.CountCPU(ctx, func() {
				for ctx.Err() == nil {
					p, ok := a.claim()
					if !ok {
						return
					}
					a.check(p)
				}
			})
		})
	}
}

// claim returns the first path not yet claimed, and claims it.
func (a *ahead) claim() (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.next == len(a.paths) {
		return "", false
	}
	a.next++
	return a.paths[a.next-1], true
}

// claimPath claims p if nothing claimed it yet: p is then before next.
func (a *ahead) claimPath(p string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.next < len(a.paths) && a.paths[a.next] == p {
		a.next++
		return true
	}
	return false
}

// check answers p.
func (a *ahead) check(p string) {
	ans := a.answers[p]
	ans.b, ans.isErr = checkFile(a.c, a.src, p)
	close(ans.done)
}

// reply returns the answer for p under key, the module's thread helping
// with the paths still to check while it waits; false when p is not one
// of the run's paths checked ahead.
func (a *ahead) reply(ctx context.Context, key, p string) ([]byte, bool, bool) {
	a.mu.Lock()
	ans, ok := a.answers[p]
	ok = ok && a.started && key == a.key
	a.mu.Unlock()
	if !ok {
		return nil, false, false
	}
	for {
		select {
		case <-ans.done:
			return ans.b, ans.isErr, true
		default:
		}
		if a.claimPath(p) {
			a.check(p)
			continue
		}
		// p is being checked: check the next path meanwhile, on this
		// thread, whose CPU is the run's.
		if q, ok := a.claim(); ok {
			a.check(q)
			continue
		}
		select {
		case <-ans.done:
		case <-ctx.Done():
			return nil, false, false
		}
	}
}

// wait waits for the work ahead to stop: the run has ended.
func (a *ahead) wait() { a.wg.Wait() }
