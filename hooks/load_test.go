package hooks_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/architectos/aos/internal/cputime"
)

// validatorManifest is testManifest with built-in validators, so that
// verifying a result commit runs the built-in module.
var validatorManifest = strings.Replace(testManifest, "protect:\n",
	"validators:\n  secrets:\n    builtin: secrets\n  text:\n    builtin: text\nprotect:\n", 1)

// echoModule is a project's validator module, built from Go (package
// wasm's test module, in its "echo" mode, which reports each file as a
// warning): several megabytes of WebAssembly that take seconds of CPU
// time to compile, as a project's own modules do.
var echoModule = sync.OnceValues(func() ([]byte, error) {
	out := filepath.Join(testTempDir, "echo.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, "../wasm/testdata/hostile")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the echo module: %v\n%s", err, b)
	}
	return os.ReadFile(out)
})

// burstServer is a server whose manifest runs the built-in validators,
// and with module the echo module, committed at tools/echo.wasm, over
// src/, and a clone holding the plan and result commits of agents, each
// on its branch aos/burst-NN, writing one file.
func burstServer(t testing.TB, agents int, module bool) (*server, *client) {
	manifest := validatorManifest
	files := map[string]string{"src/a.txt": "a\n"}
	if module {
		mod, err := echoModule()
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(mod)
		manifest = strings.Replace(validatorManifest, "protect:\n",
			"  echo:\n    module: tools/echo.wasm\n    sha256: \""+hex.EncodeToString(sum[:])+"\"\n    paths: [\"src/**\"]\nprotect:\n", 1)
		files["tools/echo.wasm"] = string(mod)
	}
	s := newServer(t, manifest, files)
	c := s.clone(t)
	for i := 0; i < agents; i++ {
		p := filepath.Join(t.TempDir(), "plan.yaml")
		writeFile(t, p, plan(fmt.Sprintf("burst-%02d", i), fmt.Sprintf("src/burst/%02d.txt", i), fmt.Sprintf("agent %d\n", i)))
		must(t, c.dir, binary(t), "run", p)
	}
	return s, c
}

// TestColdCacheBurst pushes the plans and results of 16 agents at once
// to a server whose compilation cache is empty, as after a failed warm-up
// or an upgrade of wazero: every hook needs the project's module, which
// takes seconds to compile; one hook compiles it and the others wait for
// its entry, and each push is judged within the budget, which does not
// count that preparation.
func TestColdCacheBurst(t *testing.T) {
	t.Parallel()
	const agents = 16
	s, c := burstServer(t, agents, true)
	cache := filepath.Join(s.bare, "aos", "wasm-cache")
	if err := os.RemoveAll(cache); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	outs := make([]string, agents)
	errs := make([]error, agents)
	for i := 0; i < agents; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			outs[i], errs[i] = run(t, c.dir, []string{"REMOTE_USER=agent-bot"}, "git", "push", "file://"+s.bare, fmt.Sprintf("aos/burst-%02d", i))
		}()
	}
	close(start)
	wg.Wait()
	for i := 0; i < agents; i++ {
		if errs[i] != nil || !strings.Contains(outs[i], "push accepted") {
			t.Errorf("push %d rejected: %v\n%s", i, errs[i], outs[i])
		}
		if s.ref(t, fmt.Sprintf("refs/heads/aos/burst-%02d", i)) == "" {
			t.Errorf("branch aos/burst-%02d is missing on the server", i)
		}
	}
	// One entry for each module, and nothing half-made beside them.
	ents, err := os.ReadDir(filepath.Join(cache, "git-aos-1"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	for _, e := range ents {
		switch n := e.Name(); {
		case strings.HasSuffix(n, ".flock"):
		case strings.HasPrefix(n, "stage-"), strings.HasPrefix(n, "tmp-"):
			t.Errorf("left in the cache: %s", n)
		default:
			entries = append(entries, n)
		}
	}
	if len(entries) != 2 {
		t.Errorf("cache entries %v, want one for the built-in module and one for the echo module", entries)
	}
}

// BenchmarkBurst pushes the plan and result commits of 16 and 32 agents
// at once, each to its own branch, to a server whose compilation cache is
// cold (emptied before each burst) or warm, with the built-in validators
// alone or with a project's module too, and reports how many pushes were
// accepted, the 95th percentile of a push's time (the hook's time and
// git's own), the pushes per second of the whole burst, and the CPU time
// of a push (git and the hook, every process the pushes waited for).
//
//	go test -run XXX -bench Burst -benchtime 1x ./hooks
func BenchmarkBurst(b *testing.B) {
	for _, scenario := range []struct {
		name   string
		module bool
	}{{"builtin", false}, {"module", true}} {
		for _, agents := range []int{16, 32} {
			// The server and the agents' branches, made once for both
			// caches (in b's directories, which outlive the
			// sub-benchmarks).
			s, c := burstServer(b, agents, scenario.module)
			for _, cache := range []string{"cold", "warm"} {
				burst(b, fmt.Sprintf("%s/%s/%d", scenario.name, cache, agents), s, c, agents, cache == "cold")
			}
		}
	}
}

// burst is one sub-benchmark of [BenchmarkBurst].
func burst(b *testing.B, name string, s *server, c *client, agents int, cold bool) {
	b.Run(name, func(b *testing.B) {
		var times []time.Duration
		accepted, total := 0, 0
		var wall, cpu time.Duration
		var hooks []time.Duration // the pre-receive hook's own times
		for n := 0; n < b.N; n++ {
			b.StopTimer()
			dst := filepath.Join(b.TempDir(), "srv.git")
			must(b, "/", "cp", "-al", s.bare, dst)
			if cold {
				os.RemoveAll(filepath.Join(dst, "aos", "wasm-cache"))
			}
			hookTimes := timeHook(b, dst)
			var wg sync.WaitGroup
			var mu sync.Mutex
			start := make(chan struct{})
			for i := 0; i < agents; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					t0 := time.Now()
					out, err := run(b, c.dir, []string{"REMOTE_USER=agent-bot"}, "git", "push", "file://"+dst, fmt.Sprintf("aos/burst-%02d", i))
					d := time.Since(t0)
					mu.Lock()
					defer mu.Unlock()
					times = append(times, d)
					total++
					if err == nil && strings.Contains(out, "push accepted") {
						accepted++
					}
				}()
			}
			b.StartTimer()
			t0 := time.Now()
			cpu0 := cputime.Children()
			close(start)
			wg.Wait()
			wall += time.Since(t0)
			cpu += cputime.Children() - cpu0
			hooks = append(hooks, readHookTimes(b, hookTimes)...)
		}
		p95 := percentile95(times)
		b.ReportMetric(float64(accepted)/float64(b.N), "accepted/burst")
		b.ReportMetric(p95.Seconds(), "p95-s")
		b.ReportMetric(percentile95(hooks).Seconds(), "hook-p95-s")
		b.ReportMetric(float64(total)/wall.Seconds(), "pushes/s")
		b.ReportMetric(float64(cpu.Milliseconds())/float64(total), "cpu-ms/push")
	})
}

// percentile95 returns the 95th percentile of ds.
func percentile95(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[(len(ds)*95+99)/100-1]
}

// timeHook makes the pre-receive hook of the bare repository dst write
// its start and end times, in nanoseconds, to a file whose name it
// returns: the hook's own time, without git's before and after it. The
// hook is written anew, since dst's files may be links to another
// repository's.
func timeHook(b *testing.B, dst string) string {
	b.Helper()
	hook := filepath.Join(dst, "hooks", "pre-receive")
	old, err := os.ReadFile(hook)
	if err != nil {
		b.Fatal(err)
	}
	times := filepath.Join(b.TempDir(), "hook-times")
	script := strings.Replace(string(old), "exec ", "", 1)
	if script == string(old) {
		b.Fatalf("the pre-receive hook has no exec line:\n%s", old)
	}
	script = strings.Replace(script, "\n", "\nstart=$(date +%s%N)\n", 1) + "\nrc=$?\necho \"$start $(date +%s%N)\" >> '" + times + "'\nexit $rc\n"
	os.Remove(hook)
	if err := os.WriteFile(hook, []byte(script), 0o755); err != nil {
		b.Fatal(err)
	}
	return times
}

// readHookTimes reads the hook's times that [timeHook] made it write.
func readHookTimes(b *testing.B, file string) []time.Duration {
	b.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	var out []time.Duration
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var start, end int64
		if _, err := fmt.Sscan(line, &start, &end); err != nil {
			b.Fatalf("hook times %q: %v", line, err)
		}
		out = append(out, time.Duration(end-start))
	}
	return out
}
