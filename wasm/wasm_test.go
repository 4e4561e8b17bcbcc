package wasm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/internal/cputime"
	"github.com/architectos/aos/wasm/abi"
	"github.com/google/go-cmp/cmp"
)

// TestMain makes the test binary a sandbox process when a Runner starts it
// as one, and builds the hostile test module once.
func TestMain(m *testing.M) {
	if IsChild() {
		os.Exit(ChildMain(os.Stdin, os.Stdout, os.Stderr))
	}
	if os.Getenv("AOS_WASM_TEST_HELPER") != "" {
		os.Exit(helperMain())
	}
	dir, err := os.MkdirTemp("", "aos-wasm-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testCache = filepath.Join(dir, "cache")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	testCache   string
	hostileOnce sync.Once
	hostileMod  []byte
	hostileErr  error
)

// buildWasip1 builds a Go main package for GOOS=wasip1.
func buildWasip1(t testing.TB, pkg string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "m.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hostile(t testing.TB) []byte {
	t.Helper()
	hostileOnce.Do(func() {
		defer func() {
			if hostileMod == nil && hostileErr == nil {
				hostileErr = errors.New("build failed")
			}
		}()
		hostileMod = buildWasip1(t, "./testdata/hostile")
	})
	if hostileErr != nil {
		t.Fatal(hostileErr)
	}
	return hostileMod
}

func childRunner(t testing.TB) *Runner {
	t.Helper()
	child, err := ChildCommand()
	if err != nil {
		t.Fatal(err)
	}
	return &Runner{Child: child, CacheDir: testCache}
}

func srcFS() fstest.MapFS {
	return fstest.MapFS{
		"a.txt":     {Data: []byte("first line of a\nsecond\n")},
		"dir/b.txt": {Data: []byte("b")},
		"link":      {Data: []byte("/etc/passwd"), Mode: os.ModeSymlink},
	}
}

// timed returns limits with CPU time d and room for everything else.
func timed(d time.Duration) Limits { return Limits{Timeout: d, MemoryMB: 128, MaxOutputKB: 1024} }

func job(t testing.TB, name string, limits Limits) Job {
	req, err := abi.Request{Validator: name, Files: []aos.ChangedFile{
		{Path: "a.txt", Status: aos.StatusModified, Size: 23, Mode: "100644"},
		{Path: "dir/b.txt", Status: aos.StatusAdded, Size: 1, Mode: "100644"},
		{Path: "gone.txt", Status: aos.StatusDeleted, Size: 5, Mode: "100644"},
	}}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return Job{Name: name, Module: hostile(t), Stdin: req, Src: srcFS(), Limits: limits}
}

// runnerCase is an isolation mode under test.
type runnerCase struct {
	name string
	new  func(testing.TB) *Runner

	warm    sync.Once
	warmErr error
}

// r returns a Runner of the mode that finds the hostile module compiled:
// it is compiled once per mode, not once per test running in parallel.
func (rc *runnerCase) r(t testing.TB) *Runner {
	t.Helper()
	r := rc.new(t)
	m := hostile(t)
	rc.warm.Do(func() { rc.warmErr = r.Warm(context.Background(), m) })
	if rc.warmErr != nil {
		t.Fatal(rc.warmErr)
	}
	return r
}

var runners = []*runnerCase{
	{name: "child", new: childRunner},
	{name: "inprocess", new: func(testing.TB) *Runner { return &Runner{CacheDir: testCache} }},
}

// TestHostile runs each misbehaving module in both isolation modes: each is
// stopped, reported with its reason, and the host carries on.
func TestHostile(t *testing.T) {
	t.Parallel()
	short := Limits{Timeout: 500 * time.Millisecond, MemoryMB: 64, MaxOutputKB: 64}
	cases := []struct {
		mode   string
		limits Limits
		want   error
		detail string
	}{
		{"loop", short, ErrTimeout, "limit 500ms"},
		{"grow", Limits{Timeout: 30 * time.Second, MemoryMB: 64, MaxOutputKB: 1024}, ErrMemory, "limit 64 MB"},
		{"flood", short, ErrOutput, "limit 64 KB"},
		{"exit", short, ErrExit, "status 7"},
		{"panic", short, ErrExit, "status 2"},
		{"badline", short, ErrBadOutput, `line 2: not a finding object`},
		{"stderr", short, ErrExit, "status 1"},
	}
	for _, rc := range runners {
		for _, tc := range cases {
			t.Run(rc.name+"/"+tc.mode, func(t *testing.T) {
				t.Parallel()
				r := rc.r(t)
				j := job(t, tc.mode, tc.limits)
				start := time.Now()
				fs, err := r.Run(context.Background(), j)
				elapsed := time.Since(start)
				if !errors.Is(err, tc.want) {
					t.Fatalf("Run = %v, %v; want error %v", fs, err, tc.want)
				}
				var re *RunError
				if !errors.As(err, &re) || !strings.Contains(re.Detail, tc.detail) {
					t.Errorf("error %q does not say %q", err, tc.detail)
				}
				if tc.mode == "stderr" && !strings.Contains(re.Stderr, "something went wrong inside") {
					t.Errorf("error %q lacks the module's stderr", err)
				}
				if tc.want == ErrTimeout && (re.CPU < tc.limits.Timeout || re.CPU > tc.limits.Timeout+cpuAllowance) {
					t.Errorf("stopped after %s of CPU time (%s in all), limit %s", re.CPU, elapsed, tc.limits.Timeout)
				}
			})
		}
	}
}

// cpuAllowance is how much CPU time past its limit a run may use before
// it is stopped: the watchdog samples the clock every few milliseconds,
// and on a loaded machine it waits for a CPU too.
const cpuAllowance = 500 * time.Millisecond

// TestTimeoutPrecision checks that a looping module is stopped within half
// a second of its limit once it is compiled.
func TestTimeoutPrecision(t *testing.T) {
	t.Parallel()
	for _, rc := range runners {
		t.Run(rc.name, func(t *testing.T) {
			t.Parallel()
			r := rc.r(t)
			limits := timed(300 * time.Millisecond)
			j := job(t, "loop", limits)
			if err := r.Warm(context.Background(), j.Module); err != nil {
				t.Fatal(err)
			}
			r.Run(context.Background(), job(t, "echo", limits)) // load the compiled code
			start := time.Now()
			_, err := r.Run(context.Background(), j)
			elapsed := time.Since(start)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("err = %v, want timeout", err)
			}
			// The limit counts CPU time, which a loaded machine does not
			// stretch; BenchmarkHostileStop measures the wall-clock figure.
			var re *RunError
			if !errors.As(err, &re) || re.CPU < limits.Timeout || re.CPU > limits.Timeout+cpuAllowance {
				t.Errorf("stopped after %v of CPU time (%s in all), limit %s", re, elapsed, limits.Timeout)
			}
		})
	}
}

// TestLoadedMachine runs a module that does a fixed amount of work while
// the machine is busy with other threads: its run takes longer than its
// limit in wall-clock time, yet it is not stopped, because the limit counts
// the CPU time the module used. It changes GOMAXPROCS and loads the
// machine, so it does not run in parallel with other tests.
func TestLoadedMachine(t *testing.T) {
	for _, rc := range runners {
		t.Run(rc.name, func(t *testing.T) {
			r := rc.r(t)
			big := timed(time.Minute)
			if err := r.Warm(context.Background(), hostile(t)); err != nil {
				t.Fatal(err)
			}
			// The work's CPU time alone, from the kernel's accounting of this
			// process and its waited children (the child runner's sandbox),
			// not from the wall clock, which a busy machine stretches: no
			// other test of the package runs meanwhile.
			before := (cputime.Self() + cputime.Children())
			if _, err := r.Run(context.Background(), job(t, "work", big)); err != nil {
				t.Fatal(err)
			}
			alone := (cputime.Self() + cputime.Children()) - before
			limits := timed(2*alone + 100*time.Millisecond)

			// Four threads per CPU that burn CPU until the run ends, so the
			// module's thread gets at most a fifth of a CPU and its run takes
			// at least five times its CPU time in wall-clock time.
			burners := 4 * runtime.NumCPU()
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(burners + 2))
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for range burners {
				wg.Add(1)
				go func() {
					defer wg.Done()
					runtime.LockOSThread()
					for x := 0; ; x++ {
						if x%1000 == 0 {
							select {
							case <-stop:
								return
							default:
							}
						}
					}
				}()
			}
			start := time.Now()
			fs, err := r.Run(context.Background(), job(t, "work", limits))
			loaded := time.Since(start)
			close(stop)
			wg.Wait()
			if err != nil || len(fs) != 1 {
				t.Fatalf("under load, limit %s: %v, %v (%s in all, %s alone)", limits.Timeout, fs, err, loaded, alone)
			}
			if loaded <= limits.Timeout {
				t.Errorf("the load did not slow the run past its limit (%s in all, limit %s): the test shows nothing", loaded, limits.Timeout)
			}
			t.Logf("%s of CPU time alone, %s under load, limit %s of CPU time", alone, loaded, limits.Timeout)
		})
	}
}

// TestContained runs modules that try to reach the host: files outside
// /src, environment variables, writes. Each attempt must fail.
func TestContained(t *testing.T) {
	t.Parallel()
	limits := timed(30 * time.Second)
	want := map[string][]string{
		"passwd": {"passwd"},
		"escape": {"dotdot-file", "dotdot-dir", "symlink"},
		"env":    {"env"},
		"write":  {"write-src", "write-root", "remove-src"},
	}
	for _, rc := range runners {
		for mode, rules := range want {
			t.Run(rc.name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				fs, err := rc.r(t).Run(context.Background(), job(t, mode, limits))
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, f := range fs {
					got = append(got, f.Rule)
					if !strings.HasPrefix(f.Message, "contained: ") {
						t.Errorf("%s: %s", f.Rule, f.Message)
					}
				}
				if diff := cmp.Diff(rules, got); diff != "" {
					t.Errorf("probes (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestEcho checks what a module is given: argv, the request on stdin and
// the files at /src.
func TestEcho(t *testing.T) {
	t.Parallel()
	want := []aos.Finding{
		{Path: "request", Line: 1, Column: 1, Rule: "request", Severity: "note", Message: `api=1 validator=echo config={} args=["echo"]`},
		{Path: "a.txt", Line: 1, Column: 1, Rule: "echo", Severity: "warning", Message: "modified 23 100644: first line of a"},
		{Path: "dir/b.txt", Line: 1, Column: 1, Rule: "echo", Severity: "warning", Message: "added 1 100644: b"},
		{Path: "gone.txt", Line: 1, Column: 1, Rule: "echo", Severity: "warning", Message: "deleted 5 100644: unreadable"},
	}
	for _, rc := range runners {
		t.Run(rc.name, func(t *testing.T) {
			t.Parallel()
			got, err := rc.r(t).Run(context.Background(), job(t, "echo", timed(30*time.Second)))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDeterministic checks that the clock and random source are the same
// on every run.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	var first []aos.Finding
	for _, rc := range runners {
		for i := 0; i < 2; i++ {
			got, err := rc.r(t).Run(context.Background(), job(t, "determinism", timed(30*time.Second)))
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = got
				continue
			}
			if diff := cmp.Diff(first, got); diff != "" {
				t.Errorf("%s run %d differs (-first +this):\n%s", rc.name, i, diff)
			}
		}
	}
}

// TestHammer runs many modules at once in both modes, with some failing,
// under the race detector.
func TestHammer(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		rc := runners[i%2]
		mode := []string{"echo", "exit", "badline", "echo"}[i%4]
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := rc.r(t).Run(context.Background(), job(t, mode, timed(30*time.Second)))
			if (mode == "echo") != (err == nil) {
				t.Errorf("%s %s: %v", rc.name, mode, err)
			}
		}()
	}
	wg.Wait()
}

// TestCancel checks that cancelling the context stops a run with the
// context's error, not a verdict on the module.
func TestCancel(t *testing.T) {
	t.Parallel()
	for _, rc := range runners {
		t.Run(rc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(300*time.Millisecond, cancel)
			_, err := rc.r(t).Run(ctx, job(t, "loop", timed(time.Minute)))
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
		})
	}
}

// TestLimitsRequired checks that a job missing any limit is refused
// before its module runs, in both isolation modes: the limits are the
// manifest's, and this package guesses none (docs/validators.md 1).
func TestLimitsRequired(t *testing.T) {
	t.Parallel()
	ok := timed(30 * time.Second)
	cases := map[string]Limits{
		"no time":         {MemoryMB: ok.MemoryMB, MaxOutputKB: ok.MaxOutputKB},
		"no memory":       {Timeout: ok.Timeout, MaxOutputKB: ok.MaxOutputKB},
		"no output":       {Timeout: ok.Timeout, MemoryMB: ok.MemoryMB},
		"negative time":   {Timeout: -time.Second, MemoryMB: ok.MemoryMB, MaxOutputKB: ok.MaxOutputKB},
		"negative memory": {Timeout: ok.Timeout, MemoryMB: -1, MaxOutputKB: ok.MaxOutputKB},
		"negative output": {Timeout: ok.Timeout, MemoryMB: ok.MemoryMB, MaxOutputKB: -1},
		"none":            {},
	}
	for _, rc := range runners {
		for name, limits := range cases {
			t.Run(rc.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				// "exit" exits 7 when it runs: ErrExit would mean it ran.
				_, err := rc.r(t).Run(context.Background(), job(t, "exit", limits))
				var re *RunError
				if !errors.Is(err, ErrLimits) || !errors.As(err, &re) {
					t.Fatalf("err = %v, want a RunError of ErrLimits", err)
				}
			})
		}
		t.Run(rc.name+"/all set", func(t *testing.T) {
			t.Parallel()
			if _, err := rc.r(t).Run(context.Background(), job(t, "exit", ok)); !errors.Is(err, ErrExit) {
				t.Fatalf("err = %v, want ErrExit: the module runs", err)
			}
		})
	}
}

func TestBadModule(t *testing.T) {
	t.Parallel()
	for _, rc := range runners {
		t.Run(rc.name, func(t *testing.T) {
			t.Parallel()
			_, err := rc.r(t).Run(context.Background(), Job{Name: "x", Module: []byte("\x00asm\x01\x00\x00\x00garbage"), Limits: timed(time.Minute)})
			if !errors.Is(err, ErrCompile) {
				t.Fatalf("err = %v, want ErrCompile", err)
			}
		})
	}
}

func TestCheckSHA256(t *testing.T) {
	t.Parallel()
	m := []byte("module")
	sum := sha256.Sum256(m)
	good := hex.EncodeToString(sum[:])
	if err := CheckSHA256(m, good); err != nil {
		t.Errorf("right sum: %v", err)
	}
	if err := CheckSHA256(m, strings.ToUpper(good)); err != nil {
		t.Errorf("right sum in capitals: %v", err)
	}
	if err := CheckSHA256(m, strings.Repeat("0", 64)); !errors.Is(err, ErrChecksum) {
		t.Errorf("wrong sum: %v", err)
	}
	if err := CheckSHA256(m, ""); !errors.Is(err, ErrChecksum) {
		t.Errorf("empty sum: %v", err)
	}
}
