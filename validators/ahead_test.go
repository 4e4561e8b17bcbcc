package validators

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/wasm"
	"github.com/architectos/aos/wasm/abi"
	"github.com/google/go-cmp/cmp"
)

// builtinJob is a run of the built-in module as builtin over every file
// of files.
func builtinJob(t *testing.T, builtin string, files map[string][]byte, lim wasm.Limits) wasm.Job {
	t.Helper()
	var changed []aos.ChangedFile
	src := fstest.MapFS{}
	for p, data := range files {
		changed = append(changed, aos.ChangedFile{Path: p, Status: aos.StatusAdded, Size: int64(len(data)), Mode: "100644"})
		src[p] = &fstest.MapFile{Data: data}
	}
	// Listed, not a regular file: no findings, in both ways.
	changed = append(changed, aos.ChangedFile{Path: "src", Status: aos.StatusAdded})
	slices.SortFunc(changed, func(a, b aos.ChangedFile) int { return cmpString(a.Path, b.Path) })
	req, err := abi.Request{Validator: builtin, Files: changed}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return wasm.Job{Name: builtin, Args: []string{builtin}, Module: BuiltinModule, Host: HostModuleName, Stdin: req, Src: src, Limits: lim}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestCheckAhead runs each scanning built-in over a few hundred files,
// with its files checked ahead on other threads and without, and checks
// that the findings are the same, run after run, and that the work ahead
// answered every path (with -race, that it shares the answers safely). It
// changes GOMAXPROCS, so it does not run in parallel with other tests.
func TestCheckAhead(t *testing.T) {
	files := streamFiles()
	r := &wasm.Runner{CacheDir: testCache, Hosts: []wasm.HostModule{hostModule()}}
	for _, b := range scanBuiltins {
		t.Run(b, func(t *testing.T) {
			job := builtinJob(t, b, files, limits(defaults(t)))
			want, err := r.Run(context.Background(), job)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatalf("%s found nothing: the test shows nothing", b)
			}
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
			for i := range 3 {
				a := &ahead{}
				got, err := r.Run(withAhead(context.Background(), a), job)
				a.wait()
				if err != nil {
					t.Fatal(err)
				}
				if !cmp.Equal(got, want) {
					t.Fatalf("run %d: checked ahead, the findings differ (-want +got):\n%s", i, cmp.Diff(want, got))
				}
				if !a.started || a.next != len(a.paths) || len(a.paths) < len(files)/2 {
					t.Fatalf("run %d: the work ahead did not answer the run (started %v, %d of %d paths)", i, a.started, a.next, len(a.paths))
				}
				for p, ans := range a.answers {
					select {
					case <-ans.done:
					default:
						t.Errorf("run %d: %s was never answered", i, p)
					}
				}
			}
		})
	}
}

// TestAheadCountsCPU runs the built-in module with a host whose check
// hands its work to another thread and waits: the module's own thread
// uses almost no CPU, yet the run is stopped at its limit, because the
// work a host function does on other threads counts as the run's.
func TestAheadCountsCPU(t *testing.T) {
	t.Parallel()
	busy := hostModule()
	busy.Funcs["check"] = wasm.HostFunc{Params: 8, Func: func(ctx context.Context, mem []byte, a []uint32) uint32 {
		done := make(chan struct{})
		go func() {
			defer close(done)
			wasm.CountCPU(ctx, func() {
				for x := 0; ctx.Err() == nil; x++ {
					for range 1 << 16 {
						x ^= x << 1
					}
				}
			})
		}()
		<-done
		return 0
	}}
	// Its own cache: a runtime serves one host module of a name.
	r := &wasm.Runner{CacheDir: t.TempDir(), Hosts: []wasm.HostModule{busy}}
	lim := limits(defaults(t))
	lim.Timeout = 200 * time.Millisecond
	job := builtinJob(t, "text", map[string][]byte{"a.txt": []byte("a\n")}, lim)
	if err := r.Warm(context.Background(), job.Module); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := r.Run(context.Background(), job)
	var re *wasm.RunError
	if !errors.Is(err, wasm.ErrTimeout) || !errors.As(err, &re) || re.CPU < lim.Timeout {
		t.Fatalf("err = %v (CPU %v), want a timeout past %s of CPU time", err, re, lim.Timeout)
	}
	if wall := time.Since(start); wall > time.Minute {
		t.Errorf("stopped after %s: by the wall-clock backstop, not by the CPU time", wall)
	}
}
