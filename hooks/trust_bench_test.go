package hooks_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/architectos/aos/demo"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/internal/cputime"
	"github.com/architectos/aos/internal/sshtest"
	"github.com/architectos/aos/workflow/record"
)

// BenchmarkSignatureCheck measures the check of result commits'
// signatures as the hook makes it for an update: one git log over its
// commits, which runs ssh-keygen to find each signer's principal and to
// verify. It reports the cost per commit.
//
//	go test -run '^$' -bench SignatureCheck -benchtime 20x ./hooks
func BenchmarkSignatureCheck(b *testing.B) {
	dir := b.TempDir()
	must(b, dir, "git", "init", "-q")
	must(b, dir, "git", "commit", "-q", "--allow-empty", "-m", "base")
	key, pub := sshtest.Key(b, "", "runner")
	allowed := filepath.Join(b.TempDir(), "allowed")
	writeFile(b, allowed, "# many keys, as a server has\n")
	for i := 0; i < 20; i++ {
		_, other := sshtest.Key(b, "", fmt.Sprintf("other%d", i))
		f, _ := os.OpenFile(allowed, os.O_APPEND|os.O_WRONLY, 0o644)
		fmt.Fprintf(f, "other%d@example.com %s\n", i, other)
		f.Close()
	}
	f, _ := os.OpenFile(allowed, os.O_APPEND|os.O_WRONLY, 0o644)
	fmt.Fprintf(f, "runner@example.com namespaces=\"git\" %s\n", pub)
	f.Close()
	tree := must(b, dir, "git", "rev-parse", "HEAD^{tree}")
	parent := must(b, dir, "git", "rev-parse", "HEAD")
	var ids []string
	for i := 0; i < 100; i++ {
		id := must(b, dir, "git", "-c", "gpg.format=ssh", "commit-tree", tree, "-p", parent, "-S"+key, "-m", fmt.Sprintf("result %d", i))
		ids = append(ids, id)
		parent = id
	}
	repo, err := gitops.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer repo.Close()
	files := gitops.SignerFiles{Allowed: allowed}
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("commits-%d", n), func(b *testing.B) {
			cpu := cputime.Children()
			for i := 0; i < b.N; i++ {
				sigs, err := repo.Signatures(ids[:n], files)
				if err != nil {
					b.Fatal(err)
				}
				if !sigs[ids[0]].Good() {
					b.Fatalf("%+v", sigs[ids[0]])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*n), "ms/commit")
			b.ReportMetric(float64((cputime.Children()-cpu).Microseconds())/1000/float64(b.N*n), "cpu-ms/commit")
		})
	}
}

// BenchmarkPreReceiveTrust measures the hook on the push of a plan commit
// and its result commit with a job, side by side: vouched for by an
// allowed signature, by a runner login (no signature to check), and, for
// scale, a result without jobs. The first minus the second is the
// signature check at the hook.
//
//	go test -run '^$' -bench PreReceiveTrust -benchtime 10x -count 3 ./hooks
func BenchmarkPreReceiveTrust(b *testing.B) {
	key, pub := sshtest.Key(b, "", "runner")
	signers := filepath.Join(b.TempDir(), "allowed")
	writeFile(b, signers, "runner@example.com namespaces=\"git\" "+pub+"\n")
	s := newServer(b, jobsManifest, map[string]string{"src/a.txt": "a\n"}, "--allowed-signers", signers)
	c := s.clone(b)
	c.git("config", "gpg.format", "ssh")
	c.runPlanFile(nil, testsPlan("signed", "ok"), "--sign="+key)
	c.git("checkout", "-q", "main")
	c.runPlanFile(nil, testsPlan("unsigned", "ok"))
	c.git("checkout", "-q", "main")
	c.runPlanFile(nil, "version: 1\nid: nojobs\ngoal: Read a\ndirectives:\n  - type: FILE_READ\n    path: src/a.txt\n")
	dst := filepath.Join(b.TempDir(), "srv.git")
	must(b, "/", "cp", "-al", s.bare, dst)
	for _, br := range []string{"signed", "unsigned", "nojobs"} {
		must(b, dst, "git", "fetch", "-q", c.dir, "aos/"+br+":refs/bench/"+br)
	}
	for _, tc := range []struct{ name, branch, user string }{
		{"signature", "signed", "build-bot"},
		{"runner-login", "unsigned", "ci-runner"},
		{"no-jobs", "nojobs", "build-bot"},
	} {
		tip := must(b, dst, "git", "rev-parse", "refs/bench/"+tc.branch)
		stdin := strings.Repeat("0", 40) + " " + tip + " refs/heads/aos/" + tc.branch + "\n"
		b.Run(tc.name, func(b *testing.B) {
			cpu := cputime.Children()
			defer func() {
				b.ReportMetric(float64((cputime.Children()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			}()
			for i := 0; i < b.N; i++ {
				cmd := exec.Command(binary(b), "hook", "pre-receive")
				cmd.Dir = dst
				cmd.Env = append(os.Environ(), "GIT_DIR=.", "REMOTE_USER="+tc.user)
				cmd.Stdin = strings.NewReader(stdin)
				out, err := cmd.CombinedOutput()
				if err != nil || !strings.Contains(string(out), "push accepted") {
					b.Fatalf("hook: %v\n%s", err, out)
				}
			}
		})
	}
}

// BenchmarkRunner measures the post-receive runner on the demo's plan
// (RescueWP: a patch, writes, the built-in validators and a test suite
// in bubblewrap): the time git push takes to return, and the time from
// the push to the signed result commit on the branch, beside the jobs'
// own time as their records give it.
//
//	go test -run '^$' -bench Runner -benchtime 5x ./hooks
func BenchmarkRunner(b *testing.B) {
	tmp := b.TempDir()
	seed := filepath.Join(tmp, "seed")
	if err := demo.WriteSite(seed, "bwrap"); err != nil {
		b.Fatal(err)
	}
	must(b, seed, "git", "init", "-q", "-b", "main")
	must(b, seed, "git", "add", "-A")
	must(b, seed, "git", "commit", "-q", "-m", "seed")
	bare := filepath.Join(tmp, "srv.git")
	must(b, tmp, "git", "clone", "-q", "--bare", seed, bare)
	key, _ := sshtest.Key(b, "", "runner")
	must(b, tmp, binary(b), "hook", "install", "--repo", bare, "--runner-key", key)
	s := &server{bare: bare}
	c := s.clone(b)
	plan, err := demo.Plan("rescue.yaml")
	if err != nil {
		b.Fatal(err)
	}
	pc := c.propose(string(plan), "")
	// The first run compiles the validators into the server's cache.
	warm := filepath.Join(b.TempDir(), "srv.git")
	must(b, "/", "cp", "-a", bare, warm)
	must(b, c.dir, "git", "push", "-q", warm, "aos/rescue-hello-dolly")
	(&server{bare: warm}).waitRunner(b)
	os.RemoveAll(filepath.Join(bare, "aos", "wasm-cache"))
	must(b, "/", "cp", "-a", filepath.Join(warm, "aos", "wasm-cache"), filepath.Join(bare, "aos", "wasm-cache"))
	var push, result, jobs time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dst := filepath.Join(b.TempDir(), "srv.git")
		must(b, "/", "cp", "-al", bare, dst)
		b.StartTimer()
		start := time.Now()
		out, err := run(b, c.dir, []string{"REMOTE_USER=rescue-bot"}, "git", "push", "-q", dst, "aos/rescue-hello-dolly")
		push += time.Since(start)
		if err != nil {
			b.Fatalf("push: %v\n%s", err, out)
		}
		for {
			tip, _ := run(b, dst, nil, "git", "rev-parse", "refs/heads/aos/rescue-hello-dolly")
			if strings.TrimSpace(tip) != pc {
				break
			}
			if time.Since(start) > 5*time.Minute {
				b.Fatal("no result after 5 minutes")
			}
			time.Sleep(2 * time.Millisecond)
		}
		result += time.Since(start)
		b.StopTimer()
		var rec record.Record
		if err := json.Unmarshal([]byte(must(b, dst, "git", "show", "aos/rescue-hello-dolly:.aos/runs/rescue-hello-dolly.json")), &rec); err != nil {
			b.Fatal(err)
		}
		for _, j := range rec.Jobs {
			jobs += time.Duration(j.DurationMs) * time.Millisecond
		}
		(&server{bare: dst}).waitRunner(b)
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(float64(push.Milliseconds())/n, "push-ms")
	b.ReportMetric(float64(result.Milliseconds())/n, "result-ms")
	b.ReportMetric(float64(jobs.Milliseconds())/n, "jobs-ms")
	b.ReportMetric(float64((result-jobs).Milliseconds())/n, "beyond-jobs-ms")
}
