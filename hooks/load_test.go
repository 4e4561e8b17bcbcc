package hooks_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// validatorManifest is testManifest with built-in validators, so that
// verifying a result commit runs the built-in module.
var validatorManifest = strings.Replace(testManifest, "protect:\n",
	"validators:\n  secrets:\n    builtin: secrets\n  text:\n    builtin: text\nprotect:\n", 1)

// TestColdCacheBurst pushes the plans and results of 16 agents at once
// to a server whose compilation cache is empty, as after a failed warm-up
// or an upgrade of wazero: every hook needs the built-in module, one of
// them compiles it and the others wait for its entry, and each push is
// judged within the budget, which does not count that preparation.
func TestColdCacheBurst(t *testing.T) {
	t.Parallel()
	const agents = 16
	s := newServer(t, validatorManifest, map[string]string{"src/a.txt": "a\n"})
	c := s.clone(t)
	for i := 0; i < agents; i++ {
		p := filepath.Join(t.TempDir(), "plan.yaml")
		writeFile(t, p, plan(fmt.Sprintf("burst-%02d", i), fmt.Sprintf("src/burst/%02d.txt", i), fmt.Sprintf("agent %d\n", i)))
		must(t, c.dir, binary(t), "run", p)
	}
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
	// One entry for the one module, and nothing half-made beside it.
	ents, err := os.ReadDir(filepath.Join(cache, "git-aos-1"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	for _, e := range ents {
		switch n := e.Name(); {
		case strings.HasSuffix(n, ".lock"):
		case strings.HasPrefix(n, "stage-"), strings.HasPrefix(n, "tmp-"):
			t.Errorf("left in the cache: %s", n)
		default:
			entries = append(entries, n)
		}
	}
	if len(entries) != 1 {
		t.Errorf("cache entries %v, want the built-in module's alone", entries)
	}
}

// BenchmarkBurst pushes the plan and result commits of 16 and 32 agents
// at once, each to its own branch, to a server whose compilation cache is
// cold (emptied before each burst) or warm, and reports how many pushes
// were accepted, the 95th percentile of a push's time (the hook's time
// and git's own), and the pushes per second of the whole burst.
//
//	go test -run XXX -bench Burst -benchtime 1x ./hooks
func BenchmarkBurst(b *testing.B) {
	for _, agents := range []int{16, 32} {
		// The server and the agents' branches, made once for both caches
		// (in b's directories, which outlive the sub-benchmarks).
		s := newServer(b, validatorManifest, map[string]string{"src/a.txt": "a\n"})
		c := s.clone(b)
		for i := 0; i < agents; i++ {
			p := filepath.Join(b.TempDir(), "plan.yaml")
			writeFile(b, p, plan(fmt.Sprintf("burst-%02d", i), fmt.Sprintf("src/burst/%02d.txt", i), fmt.Sprintf("agent %d\n", i)))
			must(b, c.dir, binary(b), "run", p)
		}
		for _, cache := range []string{"cold", "warm"} {
			b.Run(fmt.Sprintf("%s/%d", cache, agents), func(b *testing.B) {
				var times []time.Duration
				accepted, total := 0, 0
				var wall time.Duration
				for n := 0; n < b.N; n++ {
					b.StopTimer()
					dst := filepath.Join(b.TempDir(), "srv.git")
					must(b, "/", "cp", "-al", s.bare, dst)
					if cache == "cold" {
						os.RemoveAll(filepath.Join(dst, "aos", "wasm-cache"))
					}
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
					close(start)
					wg.Wait()
					wall += time.Since(t0)
				}
				sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
				p95 := times[(len(times)*95+99)/100-1]
				b.ReportMetric(float64(accepted)/float64(b.N), "accepted/burst")
				b.ReportMetric(p95.Seconds(), "p95-s")
				b.ReportMetric(float64(total)/wall.Seconds(), "pushes/s")
			})
		}
	}
}
