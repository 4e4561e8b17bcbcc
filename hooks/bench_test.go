package hooks_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/architectos/aos/internal/benchplan"
	"github.com/architectos/aos/internal/cputime"
)

// The benchmarks measure the push of one plan commit and its verified
// result commit, which writes 1,000 files of about 10 KB (10 MB), with the
// built-in validators on, by an agent to its branch:
//
//   - push: the whole git push over file://, pack transfer and index-pack
//     included, into a copy of the server repository;
//   - hook: the hook process alone, the push's objects already stored;
//
// each into a repository of one commit ("fresh") and of 100,001 commits
// ("history"), with the WASM compilation cache warm or cold (emptied
// before each push). The plan is YAML, written as the encoder writes
// it; "fresh-json" is the same plan in JSON.
//
//	go test -run XXX -bench PreReceive -benchtime 3x ./hooks
//
// The push cases report the CPU time of the whole push (cpu-ms/op): the
// gate's own cost is push/fresh/warm over push-nohook/fresh, for either
// format of plan:
//
//	go test -run XXX -bench 'PreReceive/push(-nohook)?/fresh(-json)?(/warm)?$' -benchtime 3x ./hooks
//
// BenchmarkGateCost measures the same ratio in wall time, the two pushes
// in turns.

const benchManifest = `project:
  name: bench
workspace:
  writable: ["src/**"]
policies:
  max_file_size_kb: 64
validators:
  secrets:
    builtin: secrets
  syntax:
    builtin: syntax
  text:
    builtin: text
protect:
  branches: ["main"]
  agents: ["*-bot"]
`

// benchRepo is a server repository and a clone holding the branch to push.
type benchRepo struct {
	bare   string // with the hook installed and the WASM cache warm
	client string
	tip    string // the result commit
	err    error
}

var (
	benchOnce  = map[string]*sync.Once{"fresh": {}, "fresh-json": {}, "history": {}}
	benchRepos = map[string]*benchRepo{}
)

// benchPlan is the plan of the benchmarks, in YAML or JSON: 1,000
// FILE_WRITE directives of about 10 KB each ([benchplan.Large]).
func benchPlan(format string) string { return string(benchplan.Large(format)) }

// history appends n commits to main of bare with git fast-import.
func history(b *testing.B, bare string, n int) {
	parent := must(b, bare, "git", "rev-parse", "main")
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir = bare
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(stdin)
	for i := 1; i <= n; i++ {
		msg := fmt.Sprintf("history %d\n", i)
		data := fmt.Sprintf("entry %d\n", i)
		fmt.Fprintf(w, "commit refs/heads/main\nmark :%d\ncommitter Test <test@example.com> %d +0000\ndata %d\n%s", i, 1700000000+i, len(msg), msg)
		if i == 1 {
			fmt.Fprintf(w, "from %s\n", parent)
		}
		fmt.Fprintf(w, "M 100644 inline history/%03d.txt\ndata %d\n%s\n", i%500, len(data), data)
	}
	w.Flush()
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		b.Fatal(err)
	}
}

func setupBench(b *testing.B, kind string) *benchRepo {
	benchOnce[kind].Do(func() {
		r := &benchRepo{}
		benchRepos[kind] = r
		tmp, err := os.MkdirTemp(testTempDir, "bench-")
		if err != nil {
			r.err = err
			return
		}
		seed := filepath.Join(tmp, "seed")
		must(b, tmp, "git", "init", "-q", "-b", "main", seed)
		writeFile(b, filepath.Join(seed, "project.yml"), benchManifest)
		writeFile(b, filepath.Join(seed, "src/readme.txt"), "bench\n")
		must(b, seed, "git", "add", "-A")
		must(b, seed, "git", "commit", "-q", "-m", "seed")
		r.bare = filepath.Join(tmp, "srv.git")
		must(b, tmp, "git", "clone", "-q", "--bare", seed, r.bare)
		if kind == "history" {
			history(b, r.bare, 100000)
			must(b, r.bare, "git", "repack", "-adq")
		}
		must(b, tmp, binary(b), "hook", "install", "--repo", r.bare)
		r.client = filepath.Join(tmp, "client")
		must(b, tmp, "git", "clone", "-q", r.bare, r.client)
		planFile := filepath.Join(tmp, "plan.yaml")
		if kind == "fresh-json" {
			planFile = filepath.Join(tmp, "plan.json")
		}
		writeFile(b, planFile, benchPlan(strings.TrimPrefix(filepath.Ext(planFile), ".")))
		must(b, r.client, binary(b), "run", planFile)
		r.tip = must(b, r.client, "git", "rev-parse", "aos/bench")
		// The run compiled the validators into the client's cache; the
		// server's warm cache is a copy (entries are keyed by module
		// and runtime, not by repository).
		must(b, tmp, "cp", "-r", filepath.Join(r.client, ".git", "aos", "wasm-cache"), filepath.Join(r.bare, "aos", "wasm-cache"))
	})
	r := benchRepos[kind]
	if r.err != nil {
		b.Fatal(r.err)
	}
	return r
}

func BenchmarkPreReceive(b *testing.B) {
	for _, kind := range []string{"fresh", "history"} {
		for _, cache := range []string{"warm", "cold"} {
			b.Run("push/"+kind+"/"+cache, func(b *testing.B) { benchPush(b, kind, cache, true) })
			if cache == "warm" {
				// git's own share of the push: the same push with no hook.
				b.Run("push-nohook/"+kind, func(b *testing.B) { benchPush(b, kind, cache, false) })
			}
			if cache == "warm" && kind == "fresh" {
				// The gate's cost with the plan in the other format.
				b.Run("push/fresh-json/warm", func(b *testing.B) { benchPush(b, "fresh-json", cache, true) })
				b.Run("push-nohook/fresh-json", func(b *testing.B) { benchPush(b, "fresh-json", cache, false) })
			}
			b.Run("hook/"+kind+"/"+cache, func(b *testing.B) {
				r := setupBench(b, kind)
				dst := filepath.Join(b.TempDir(), "srv.git")
				must(b, "/", "cp", "-al", r.bare, dst)
				must(b, dst, "git", "fetch", "-q", r.client, "aos/bench:refs/bench/objects")
				must(b, dst, "git", "update-ref", "-d", "refs/bench/objects")
				stdin := strings.Repeat("0", 40) + " " + r.tip + " refs/heads/aos/bench\n"
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if cache == "cold" {
						b.StopTimer()
						os.RemoveAll(filepath.Join(dst, "aos", "wasm-cache"))
						b.StartTimer()
					}
					cmd := exec.Command(binary(b), "hook", "pre-receive")
					cmd.Dir = dst
					cmd.Env = append(os.Environ(), "GIT_DIR=.", "REMOTE_USER=bench-bot")
					cmd.Stdin = strings.NewReader(stdin)
					out, err := cmd.CombinedOutput()
					if err != nil || !strings.Contains(string(out), "push accepted") {
						b.Fatalf("hook: %v\n%s", err, out)
					}
				}
			})
		}
	}
}

// BenchmarkGateCost is the gate's cost side by side: it pushes the
// benchmarks' result commit (a repository of one commit, the cache warm),
// in YAML and in JSON, with the hook and without it, in turns, so that
// both kinds of push meet the same machine, and reports the median wall
// time of each (hook-ms, plain-ms) and their ratio (x-plain), with the CPU
// time of each (hook-cpu-ms, plain-cpu-ms).
//
//	go test -run XXX -bench GateCost -benchtime 15x ./hooks
func BenchmarkGateCost(b *testing.B) {
	for _, tc := range []struct{ name, kind string }{{"yaml", "fresh"}, {"json", "fresh-json"}} {
		b.Run(tc.name, func(b *testing.B) {
			r := setupBench(b, tc.kind)
			var hook, plain []time.Duration
			var hookCPU, plainCPU time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				wall, cpu := timePush(b, r, true)
				hook, hookCPU = append(hook, wall), hookCPU+cpu
				wall, cpu = timePush(b, r, false)
				plain, plainCPU = append(plain, wall), plainCPU+cpu
			}
			h, p := median(hook), median(plain)
			b.ReportMetric(ms(h), "hook-ms")
			b.ReportMetric(ms(p), "plain-ms")
			b.ReportMetric(float64(h)/float64(p), "x-plain")
			b.ReportMetric(ms(hookCPU)/float64(b.N), "hook-cpu-ms")
			b.ReportMetric(ms(plainCPU)/float64(b.N), "plain-cpu-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// timePush pushes r's branch into a copy of its server repository, with
// the hooks or without them, and returns the push's wall time and the CPU
// time of it and every process it waited for.
func timePush(b *testing.B, r *benchRepo, hook bool) (wall, cpu time.Duration) {
	b.StopTimer()
	defer b.StartTimer()
	dst := filepath.Join(b.TempDir(), "srv.git")
	must(b, "/", "cp", "-al", r.bare, dst)
	defer os.RemoveAll(dst)
	if !hook {
		os.Remove(filepath.Join(dst, "hooks", "pre-receive"))
		os.Remove(filepath.Join(dst, "hooks", "post-receive"))
	}
	start, startCPU := time.Now(), cputime.Children()
	out, err := run(b, r.client, []string{"REMOTE_USER=bench-bot"}, "git", "push", "-q", dst, "aos/bench")
	wall, cpu = time.Since(start), cputime.Children()-startCPU
	if err != nil || (hook && !strings.Contains(out, "push accepted")) {
		b.Fatalf("push: %v\n%s", err, out)
	}
	return wall, cpu
}

func benchPush(b *testing.B, kind, cache string, hook bool) {
	r := setupBench(b, kind)
	// The CPU time of git push and every process it waits for (the
	// receive-pack, index-pack and the hook): on a shared machine, what
	// the push costs.
	var cpu time.Duration
	defer func() { b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op") }()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dst := filepath.Join(b.TempDir(), "srv.git")
		must(b, "/", "cp", "-al", r.bare, dst)
		if cache == "cold" {
			os.RemoveAll(filepath.Join(dst, "aos", "wasm-cache"))
		}
		if !hook {
			os.Remove(filepath.Join(dst, "hooks", "pre-receive"))
			os.Remove(filepath.Join(dst, "hooks", "post-receive"))
		}
		b.StartTimer()
		start := cputime.Children()
		out, err := run(b, r.client, []string{"REMOTE_USER=bench-bot"}, "git", "push", "-q", dst, "aos/bench")
		cpu += cputime.Children() - start
		b.StopTimer()
		if err != nil || (hook && !strings.Contains(out, "push accepted")) {
			b.Fatalf("push: %v\n%s", err, out)
		}
		os.RemoveAll(dst)
		b.StartTimer()
	}
}
