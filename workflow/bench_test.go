package workflow

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fastRepo makes a repository of n files of 1 KB with git fast-import.
func fastRepo(b testing.TB, n int) string {
	manifest := "project: name: \"bench\"\nworkspace: writable: [\"src/**\", \"gen/**\"]\npolicies: max_plan_kb: 262144\n"
	return importRepo(b, "aos.cue", manifest, strings.Repeat("x", 1023)+"\n", n)
}

// importRepo makes, with git fast-import, a repository whose one commit
// on main holds the manifest and n files src/dNN/fNNNNN.txt of content.
func importRepo(b testing.TB, manifestPath, manifest, content string, n int) string {
	b.Helper()
	dir := b.TempDir()
	git(b, dir, "init", "-q", "-b", "main")
	var in bytes.Buffer
	fmt.Fprintf(&in, "blob\nmark :1\ndata %d\n%s\n", len(content), content)
	fmt.Fprintf(&in, "blob\nmark :2\ndata %d\n%s\n", len(manifest), manifest)
	fmt.Fprintf(&in, "commit refs/heads/main\ncommitter A <a@example.com> 1700000000 +0000\ndata 4\ninit\n")
	fmt.Fprintf(&in, "M 100644 :2 %s\n", manifestPath)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&in, "M 100644 :1 src/d%02d/f%05d.txt\n", i%100, i)
	}
	in.WriteString("\n")
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir = dir
	cmd.Stdin = &in
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("fast-import: %v\n%s", err, out)
	}
	git(b, dir, "checkout", "-q", "main")
	return dir
}

// writesPlan is a plan of n FILE_WRITEs of 1 KB each.
func writesPlan(b testing.TB, id string, n int) string {
	var p strings.Builder
	fmt.Fprintf(&p, "version: 1\nid: %s\ngoal: many writes\ndirectives:\n", id)
	line := strings.Repeat("y", 1000)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&p, "  - type: FILE_WRITE\n    path: gen/d%02d/%06d.txt\n    content: \"%s %06d\"\n", i%100, i, line, i)
	}
	path := filepath.Join(b.TempDir(), "plan.yaml")
	if err := os.WriteFile(path, []byte(p.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkRunWrites runs plans of 1,000 to 100,000 FILE_WRITEs of 1 KB on
// a repository of 10,000 files, in a child process each time so that peak
// RSS is measured too, then verifies the result.
func BenchmarkRunWrites(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("directives=%d", n), func(b *testing.B) {
			dir := fastRepo(b, 10000)
			plan := writesPlan(b, "w", n)
			var runTime, verifyTime time.Duration
			var runRSS, verifyRSS int64
			for i := 0; i < b.N; i++ {
				git(b, dir, "update-ref", "-d", "refs/heads/aos/w")
				d, rss := child(b, exe, "run", dir, plan)
				runTime += d
				runRSS = max(runRSS, rss)
				d, rss = child(b, exe, "verify", dir, "aos/w")
				verifyTime += d
				verifyRSS = max(verifyRSS, rss)
			}
			b.ReportMetric(runTime.Seconds()/float64(b.N), "run-s")
			b.ReportMetric(float64(runRSS)/1024, "run-peak-RSS-MB")
			b.ReportMetric(verifyTime.Seconds()/float64(b.N), "verify-s")
			b.ReportMetric(float64(verifyRSS)/1024, "verify-peak-RSS-MB")
		})
	}
}

// child runs the test binary in the child mode what and returns its
// duration and peak RSS in KB.
func child(b *testing.B, exe, what, dir, arg string) (time.Duration, int64) {
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "AOS_TEST_CHILD="+what, "AOS_TEST_DIR="+dir, "AOS_TEST_ARG="+arg)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("child %s: %v\n%.2000s", what, err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return d, ru.Maxrss
}

// BenchmarkLog reads an audit log of 1,000 runs.
func BenchmarkLog(b *testing.B) {
	dir := fastRepo(b, 100)
	// 1,000 result commits made with fast-import in the shape apply makes
	// them: the record read back is a real one.
	plan := writePlan(b, "version: 1\nid: seed-1\ngoal: one\ndirectives:\n  - type: FILE_WRITE\n    path: gen/a.txt\n    content: a\n")
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: plan}})
	if err != nil || !res.OK() {
		b.Fatal(err)
	}
	rec := git(b, dir, "show", res.ResultCommit+":.aos/runs/seed-1.json")
	msg := git(b, dir, "log", "-1", "--format=%B", res.ResultCommit)
	var in bytes.Buffer
	for i := 0; i < 1000; i++ {
		r := strings.ReplaceAll(rec, "seed-1", fmt.Sprintf("seed-%d", i+2))
		m := strings.ReplaceAll(msg, "seed-1", fmt.Sprintf("seed-%d", i+2)) + "\n"
		fmt.Fprintf(&in, "commit refs/heads/history\n")
		fmt.Fprintf(&in, "committer A <a@example.com> %d +0000\ndata %d\n%s", 1700000000+i, len(m), m)
		if i == 0 {
			fmt.Fprintf(&in, "from %s\n", res.ResultCommit)
		}
		fmt.Fprintf(&in, "M 100644 inline .aos/runs/seed-%d.json\ndata %d\n%s\n", i+2, len(r), r)
	}
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir = dir
	cmd.Stdin = &in
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("fast-import: %v\n%s", err, out)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		entries, err := Log(ctx(), LogOptions{Dir: dir, Range: "history"})
		if err != nil {
			b.Fatal(err)
		}
		if len(entries) != 1001 {
			b.Fatalf("%d entries", len(entries))
		}
	}
}
