package mcp_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// The measurements of docs/spec.md 14 (docs/RATIONALE.md, "MCP server"):
// through the real client, over stdio, on a repository of 10,000 files
// holding 10 MB, with the built-in validators on. Run them with
//
//	go test -run '^$' -bench . -benchtime 200x ./mcp
//
// Each reports the median and the 90th percentile of its calls.

const benchManifest = `project: name: "big"
workspace: {
	writable: ["src/**"]
	ignored: ["src/secret/**"]
}
environment: type: "bwrap"
tests: default: command: "true"
validators: {
	secrets: builtin: "secrets"
	text: builtin: "text"
}
`

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

// benchRepo is the repository of 10,000 files of about 1 KiB each (10 MB
// of Go-like text), packed as a clone would have it.
func benchRepo(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp(testTmp, "bench-")
		if err != nil {
			benchErr = err
			return
		}
		benchDir = dir
		run := func(args ...string) {
			if benchErr != nil {
				return
			}
			cmd := exec.Command("git", args...)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				benchErr = fmt.Errorf("git %v: %v\n%s", args, err, out)
			}
		}
		run("init", "-q", "-b", "main")
		run("config", "gc.auto", "0")
		rng := rand.New(rand.NewPCG(1, 2))
		os.WriteFile(filepath.Join(dir, "aos.cue"), []byte(benchManifest), 0o644)
		for i := range 10000 {
			p := filepath.Join(dir, "src", fmt.Sprintf("pkg%02d", i%100), fmt.Sprintf("file%04d.go", i))
			os.MkdirAll(filepath.Dir(p), 0o755)
			var sb strings.Builder
			fmt.Fprintf(&sb, "package pkg%02d\n\n", i%100)
			for sb.Len() < 1000 {
				fmt.Fprintf(&sb, "func helper%d(x int) int { return x * %d } // value_%03d\n", rng.IntN(100000), rng.IntN(1000), rng.IntN(1000))
			}
			os.WriteFile(p, []byte(sb.String()), 0o644)
		}
		run("add", "-A")
		run("commit", "-q", "-m", "ten thousand files")
		run("repack", "-adq")
		run("prune")
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir
}

// cpuTime is the CPU time (user and system) process pid has used, from
// /proc: what a call cost the server whatever the machine's load.
func cpuTime(b *testing.B, pid int) time.Duration {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command's closing parenthesis; utime and
	// stime are the 12th and 13th of them, in clock ticks (100 a second).
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	var user, sys int64
	fmt.Sscan(f[11], &user)
	fmt.Sscan(f[12], &sys)
	return time.Duration(user+sys) * 10 * time.Millisecond
}

// reportCPU reports the server's CPU time per operation since before.
func reportCPU(b *testing.B, c *client, before time.Duration, n int) {
	b.Helper()
	b.ReportMetric(float64((cpuTime(b, c.cmd.Process.Pid)-before).Microseconds())/1000/float64(n), "server-cpu-ms/op")
}

// timings collects call durations and reports their median and 90th
// percentile.
type timings []time.Duration

func (ts timings) report(b *testing.B) {
	b.Helper()
	if len(ts) == 0 {
		return
	}
	s := slices.Clone(ts)
	slices.Sort(s)
	b.ReportMetric(float64(s[len(s)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(s[len(s)*9/10].Microseconds())/1000, "ms-p90")
}

func timed(b *testing.B, c *client, ts *timings, name string, args map[string]any) {
	b.Helper()
	start := time.Now()
	r := c.call(name, args)
	*ts = append(*ts, time.Since(start))
	if r.isError {
		b.Fatalf("%s: %s", name, r.text)
	}
}

func BenchmarkReadFile(b *testing.B) {
	dir := benchRepo(b)
	c := connect(b, dir, "")
	c.ok("stat", map[string]any{"path": "aos.cue"}, nil)
	var ts timings
	cpu := cpuTime(b, c.cmd.Process.Pid)
	b.ResetTimer()
	for i := range b.N {
		timed(b, c, &ts, "read_file", map[string]any{"path": fmt.Sprintf("src/pkg%02d/file%04d.go", (i*37)%100, (i*37)%10000)})
	}
	b.StopTimer()
	ts.report(b)
	reportCPU(b, c, cpu, b.N)
}

func BenchmarkWriteFile(b *testing.B) {
	dir := benchRepo(b)
	c := connect(b, dir, "")
	c.ok("stat", map[string]any{"path": "aos.cue"}, nil)
	var ts timings
	cpu := cpuTime(b, c.cmd.Process.Pid)
	b.ResetTimer()
	for i := range b.N {
		timed(b, c, &ts, "write_file", map[string]any{"path": fmt.Sprintf("src/new/w%06d.go", i), "content": fmt.Sprintf("package new\n\nvar x%d = %d\n", i, i)})
	}
	b.StopTimer()
	ts.report(b)
	reportCPU(b, c, cpu, b.N)
}

// BenchmarkSearch searches all 10 MB: a pattern with a literal every match
// holds, one with a run of one class instead, one with neither, one whose
// literal every line holds, and the first search of a server, which reads every blob
// from the pack.
func BenchmarkSearch(b *testing.B) {
	dir := benchRepo(b)
	for _, bc := range []struct{ name, pattern string }{
		{"literal", `value_99[0-9] `},
		{"class-run", `[a-z]{7}[0-9]{6}`},
		{"no-prefilter", `[a-z][0-9][a-z][0-9]`},
		{"common-literal", `return x.* 7[0-9]{3}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := connect(b, dir, "")
			c.ok("stat", map[string]any{"path": "aos.cue"}, nil)
			var first timings
			cpu := cpuTime(b, c.cmd.Process.Pid)
			timed(b, c, &first, "search", map[string]any{"pattern": bc.pattern})
			firstCPU := cpuTime(b, c.cmd.Process.Pid) - cpu
			var ts timings
			cpu = cpuTime(b, c.cmd.Process.Pid)
			b.ResetTimer()
			for range b.N {
				timed(b, c, &ts, "search", map[string]any{"pattern": bc.pattern})
			}
			b.StopTimer()
			ts.report(b)
			reportCPU(b, c, cpu, b.N)
			// The first search of a server reads every blob from the pack.
			b.ReportMetric(float64(firstCPU.Microseconds())/1000, "first-server-cpu-ms")
			b.ReportMetric(float64(first[0].Microseconds())/1000, "first-ms")
		})
	}
}

// BenchmarkSubmit1000 times the submit of a session of 1,000 writes (the
// writes themselves are not timed): the plan encoded and parsed, both
// commits written, the plan run again and the validators over the 1,000
// files.
// submits numbers the plans of BenchmarkSubmit1000, whose ids are unique.
var submits int

func BenchmarkSubmit1000(b *testing.B) {
	dir := benchRepo(b)
	var ts timings
	var cpus []time.Duration
	for range b.N {
		b.StopTimer()
		c := connect(b, dir, "")
		for j := range 1000 {
			c.ok("write_file", map[string]any{"path": fmt.Sprintf("src/batch%d/f%04d.go", submits, j), "content": fmt.Sprintf("package batch\n\nvar v%d = %d\n", j, j)}, nil)
		}
		cpu := cpuTime(b, c.cmd.Process.Pid)
		b.StartTimer()
		submits++
		timed(b, c, &ts, "submit", map[string]any{"id": fmt.Sprintf("bench-%d-%d", os.Getpid(), submits), "goal": "a thousand files"})
		b.StopTimer()
		cpus = append(cpus, cpuTime(b, c.cmd.Process.Pid)-cpu)
		c.close()
		b.StartTimer()
	}
	b.StopTimer()
	ts.report(b)
	var total time.Duration
	for _, d := range cpus {
		total += d
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(len(cpus)), "server-cpu-ms/op")
}

// BenchmarkStart times a server's start, with the validator modules'
// compilation cache warm: from the process's start to the answer to
// initialize, and to the answer of its first tool call, which waits for
// the manifest and the validators.
func BenchmarkStart(b *testing.B) {
	dir := benchRepo(b)
	warm := connect(b, dir, "")
	warm.ok("stat", map[string]any{"path": "aos.cue"}, nil)
	warm.close()
	var handshake, first, startCPU timings
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		cmd := exec.Command(binary, "mcp", "--repo", dir)
		cs, err := sdk.NewClient(&sdk.Implementation{Name: "bench"}, nil).Connect(ctx(b), &sdk.CommandTransport{Command: cmd}, nil)
		if err != nil {
			b.Fatal(err)
		}
		handshake = append(handshake, time.Since(start))
		res, err := cs.CallTool(ctx(b), &sdk.CallToolParams{Name: "stat", Arguments: map[string]any{"path": "aos.cue"}})
		if err != nil || res.IsError {
			b.Fatalf("stat: %v %+v", err, res)
		}
		first = append(first, time.Since(start))
		b.StopTimer()
		startCPU = append(startCPU, cpuTime(b, cmd.Process.Pid))
		cs.Close()
		b.StartTimer()
	}
	b.StopTimer()
	handshake.report(b)
	s := slices.Clone(first)
	slices.Sort(s)
	b.ReportMetric(float64(s[len(s)/2].Microseconds())/1000, "ms-first-call-median")
	slices.Sort(startCPU)
	b.ReportMetric(float64(startCPU[len(startCPU)/2].Microseconds())/1000, "server-cpu-ms-to-first-call-median")
}
