package hooks_test

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/architectos/aos/hooks"
	"github.com/architectos/aos/internal/procgroup"
	"github.com/architectos/aos/internal/sshtest"
)

// waitRunner waits until the server's runner has no queued run left and
// no run of a live process: the push returned at once, so its verdict
// comes later. The bound is a watchdog for a broken runner, not a
// measure.
func (s *server) waitRunner(t testing.TB) []hooks.RunnerRun {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		pending, _ := filepath.Glob(filepath.Join(s.bare, hooks.RunnerDir, "pending", "*"))
		runs, err := hooks.Runs(s.bare)
		if err != nil {
			t.Fatal(err)
		}
		busy := len(pending) > 0
		for _, r := range runs {
			busy = busy || r.State == hooks.RunRunning
		}
		if !busy {
			return runs
		}
		if time.Now().After(deadline) {
			t.Fatalf("the runner is still busy after 5 minutes: pending %v, runs %+v", pending, runs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitRunning waits until a run of plan id is running.
func (s *server) waitRunning(t testing.TB, id string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		runs, err := hooks.Runs(s.bare)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			if r.PlanID == id && r.State == hooks.RunRunning {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no run of plan %s started", id)
}

// propose makes the plan commit of plan on branch aos/<id> in the client,
// on base (HEAD when "").
func (c *client) propose(plan, base string) string {
	c.t.Helper()
	p := filepath.Join(c.t.TempDir(), "plan.yaml")
	writeFile(c.t, p, plan)
	args := []string{"propose", p}
	if base != "" {
		args = append(args, "--base", base)
	}
	if out, code := c.aos(nil, args...); code != 0 {
		c.t.Fatalf("git aos propose: exit %d\n%s", code, out)
	}
	_, id, _ := strings.Cut(plan, "\nid: ")
	id, _, _ = strings.Cut(id, "\n")
	return c.git("rev-parse", "aos/"+id)
}

// verifyResult checks that commit rev of the client is a result commit
// signed by a key of the server's installed allowed signers, that git
// verify-commit and git aos verify accept it, and that its parent is
// planCommit.
func (c *client) verifyResult(s *server, rev, planCommit string) {
	c.t.Helper()
	if got := c.git("rev-parse", rev+"^"); planCommit != "" && got != planCommit {
		c.t.Fatalf("%s's parent is %s, not the plan commit %s", rev, got, planCommit)
	}
	allowed := filepath.Join(s.bare, "aos", "allowed_signers")
	if out, err := run(c.t, c.dir, nil, "git", "-c", "gpg.ssh.allowedSignersFile="+allowed, "verify-commit", rev); err != nil {
		c.t.Fatalf("git verify-commit %s: %v\n%s", rev, err, out)
	}
	if out, code := c.aos(nil, "verify", rev); code != 0 {
		c.t.Fatalf("git aos verify %s: exit %d\n%s", rev, code, out)
	}
}

// TestRunnerEndToEnd: an agent pushes plan commits to agent branches of a
// server installed with a runner key. The push returns before the run;
// the result commit, signed by the runner's key, then appears on the
// branch, and git verify-commit and git aos verify accept it. A plan
// whose tests fail stays at the plan commit, with the reasons in a note
// the agent fetches and in the run's log; a plan pushed on top of it is
// not run.
func TestRunnerEndToEnd(t *testing.T) {
	t.Parallel()
	key, _ := sshtest.Key(t, "", "runner")
	s := newServer(t, jobsManifest, map[string]string{"src/a.txt": "a\n"}, "--runner-key", key)
	c := s.clone(t)
	p1 := c.propose(testsPlan("p1", "ok"), "")
	out, ok := c.push("build-bot", "aos/p1")
	expectAccepted(t, out, ok)
	if !strings.Contains(out, "remote: git-aos: the server runs plan p1 of aos/p1") {
		t.Errorf("the push does not say the server runs the plan:\n%s", out)
	}
	runs := s.waitRunner(t)
	if len(runs) != 1 || runs[0].State != hooks.RunPass || runs[0].PlanCommit != p1 || runs[0].Branch != "refs/heads/aos/p1" {
		t.Fatalf("runs: %+v", runs)
	}
	c.git("fetch", "-q", "origin")
	c.verifyResult(s, "origin/aos/p1", p1)
	if r := c.git("rev-parse", "origin/aos/p1"); r != runs[0].Result {
		t.Errorf("the branch is at %s, the run made %s", r, runs[0].Result)
	}
	if e := s.log(t, "aos/p1"); len(e) != 1 || e[0].Vouch == nil || e[0].Vouch.Signer != hooks.RunnerPrincipal {
		t.Errorf("the server's log: %+v", e)
	}
	// The signed result goes on to main: its signature vouches there.
	c.git("checkout", "-q", "main")
	c.git("merge", "-q", "--ff-only", "origin/aos/p1")
	out, ok = c.push("alice", "main")
	expectAccepted(t, out, ok)

	// A plan whose tests fail.
	p2 := c.propose(testsPlan("p2", "fails"), "main")
	out, ok = c.push("build-bot", "aos/p2")
	expectAccepted(t, out, ok)
	runs = s.waitRunner(t)
	if runs[0].State != hooks.RunRejected || !strings.Contains(strings.Join(runs[0].Reasons, "\n"), "[tests.failed]") {
		t.Fatalf("the failing plan's run: %+v", runs[0])
	}
	c.git("fetch", "-q", "origin", "refs/notes/aos:refs/notes/aos", "+refs/heads/*:refs/remotes/origin/*")
	if tip := c.git("rev-parse", "origin/aos/p2"); tip != p2 {
		t.Fatalf("a rejected plan moved its branch to %s", tip)
	}
	note := c.git("notes", "--ref=aos", "show", p2)
	for _, want := range []string{`tests "default" failed: exit code 1 [tests.failed]`, "Aos-Runner-Verdict: rejected", "Aos-Runner-Run: " + runs[0].ID} {
		if !strings.Contains(note, want) {
			t.Errorf("the note the agent fetches does not say %q:\n%s", want, note)
		}
	}
	if b, err := os.ReadFile(runs[0].Log); err != nil || !strings.Contains(string(b), "[tests.failed]") {
		t.Errorf("the run's log: %v\n%s", err, b)
	}
	listed := must(t, s.bare, binary(t), "hook", "runs", "--repo", s.bare)
	if !strings.Contains(listed, runs[0].ID+" rejected aos/p2 plan p2") || !strings.Contains(listed, "  log "+runs[0].Log) {
		t.Errorf("git aos hook runs:\n%s", listed)
	}
	// Pushed again, a judged plan commit is not run again; one stacked
	// on it is not run either, and says why.
	c.git("checkout", "-q", "aos/p2")
	p3 := c.propose(testsPlan("p3", "ok"), "aos/p2")
	out, ok = c.push("build-bot", "aos/p3:aos/p2")
	expectAccepted(t, out, ok)
	runs = s.waitRunner(t)
	if runs[0].State != hooks.RunNotRun || runs[0].PlanCommit != p3 || !strings.Contains(runs[0].Reasons[0], "which the runner did not apply") {
		t.Errorf("a plan on a rejected one: %+v", runs[0])
	}
	if tip := s.ref(t, "aos/p2"); tip != p3 {
		t.Errorf("the branch moved to %s", tip)
	}
}

// orderManifest runs its suite on the host, where it waits for the file
// release to exist: the test holds a run while it pushes again.
func orderManifest(release string) string {
	return strings.NewReplacer("type: bwrap", "type: host",
		`command: "grep -q ok src/a.txt"`, `command: "while [ ! -e '`+release+`' ]; do sleep 0.02; done; grep -q ok src/a.txt"`+"\n    timeout_seconds: 300").Replace(jobsManifest)
}

// TestRunnerInOrder: two pushes to the same branch in a row, the second
// while the first one's run is held, are applied in order. Plan commits
// stacked on each other both land, the second re-made on the first's
// result (its tests pass only there); a plan commit replaced by a
// force-push is superseded, and only its replacement lands.
func TestRunnerInOrder(t *testing.T) {
	t.Parallel()
	key, _ := sshtest.Key(t, "", "runner")
	t.Run("stacked", func(t *testing.T) {
		t.Parallel()
		release := filepath.Join(t.TempDir(), "release")
		s := newServer(t, orderManifest(release), map[string]string{"src/a.txt": "a\n"}, "--runner-key", key, "--allow-host-jobs")
		c := s.clone(t)
		p1 := c.propose(testsPlan("s1", "ok"), "")
		out, ok := c.push("build-bot", "aos/s1:aos/s")
		expectAccepted(t, out, ok)
		s.waitRunning(t, "s1")
		// s2 writes b and runs the tests, which read a: they pass only
		// on s1's result.
		p2 := c.propose("version: 1\nid: s2\ngoal: Add b\ndirectives:\n  - type: FILE_WRITE\n    path: src/b.txt\n    content: \"b\\n\"\n  - type: RUN_TESTS\n", "aos/s1")
		if got := c.git("rev-parse", "aos/s2^"); got != p1 {
			t.Fatalf("s2 is on %s, not on s1's plan commit", got)
		}
		out, ok = c.push("build-bot", "aos/s2:aos/s")
		expectAccepted(t, out, ok)
		writeFile(t, release, "")
		runs := s.waitRunner(t)
		c.git("fetch", "-q", "origin")
		subjects := c.git("log", "--format=%s", "origin/aos/s")
		if want := "aos: s2: Add b\naos: plan s2: Add b\naos: s1: Change a\naos: plan s1: Change a\nseed"; subjects != want {
			t.Fatalf("the branch holds:\n%s\nwant:\n%s\nruns %+v", subjects, want, runs)
		}
		c.verifyResult(s, "origin/aos/s", "")
		c.verifyResult(s, "origin/aos/s~2", p1)
		if got := c.git("rev-parse", "origin/aos/s~1"); got == p2 {
			t.Error("s2 was not re-made on s1's result")
		}
		if got := c.git("show", "origin/aos/s:src/a.txt") + c.git("show", "origin/aos/s:src/b.txt"); got != "okb" {
			t.Errorf("the last result holds %q", got)
		}
		var passed []string
		for _, r := range runs {
			if r.State == hooks.RunPass {
				passed = append(passed, r.PlanID)
			}
		}
		if strings.Join(passed, " ") != "s2 s1" {
			t.Errorf("runs that passed, newest first: %v (%+v)", passed, runs)
		}
	})
	t.Run("force-pushed", func(t *testing.T) {
		t.Parallel()
		release := filepath.Join(t.TempDir(), "release")
		s := newServer(t, orderManifest(release), map[string]string{"src/a.txt": "a\n"}, "--runner-key", key, "--allow-host-jobs")
		c := s.clone(t)
		f1 := c.propose(testsPlan("f1", "ok"), "")
		out, ok := c.push("build-bot", "aos/f1:aos/f")
		expectAccepted(t, out, ok)
		s.waitRunning(t, "f1")
		f2 := c.propose(testsPlan("f2", "ok too"), "main")
		out, ok = c.push("build-bot", "+aos/f2:aos/f")
		expectAccepted(t, out, ok)
		writeFile(t, release, "")
		runs := s.waitRunner(t)
		c.git("fetch", "-q", "-f", "origin")
		c.verifyResult(s, "origin/aos/f", f2)
		states := map[string]string{}
		for _, r := range runs {
			states[r.PlanID+" "+r.PlanCommit] += r.State + " "
		}
		if states["f1 "+f1] != "superseded " || states["f2 "+f2] != "pass " {
			t.Errorf("runs: %v", states)
		}
	})
}

// TestRunnerRefusesHostJobs: the server runs no job of environment.type
// host for a pusher, neither in the runner nor with --rerun-jobs, unless
// installed with --allow-host-jobs.
func TestRunnerRefusesHostJobs(t *testing.T) {
	t.Parallel()
	key, _ := sshtest.Key(t, "", "runner")
	release := filepath.Join(t.TempDir(), "release")
	writeFile(t, release, "")
	s := newServer(t, orderManifest(release), map[string]string{"src/a.txt": "a\n"}, "--runner-key", key, "--rerun-jobs")
	c := s.clone(t)
	pc := c.propose(testsPlan("h1", "ok"), "")
	out, ok := c.push("build-bot", "aos/h1")
	expectAccepted(t, out, ok)
	runs := s.waitRunner(t)
	if len(runs) != 1 || runs[0].State != hooks.RunRejected || !strings.Contains(strings.Join(runs[0].Reasons, " "), "--allow-host-jobs [sandbox.unavailable]") {
		t.Fatalf("runs %+v", runs)
	}
	if tip := s.ref(t, "aos/h1"); tip != pc {
		t.Errorf("the branch moved to %s", tip)
	}
	// The agent's own result, which the hook would run again on the host.
	c.git("checkout", "-q", "main")
	c.runPlanFile(nil, testsPlan("h2", "ok"))
	before := s.refs(t)
	out, ok = c.push("build-bot", "aos/h2")
	expectRejected(t, s, before, out, ok, "sandbox.unavailable")
	must(t, s.bare, binary(t), "hook", "install", "--repo", s.bare, "--runner-key", key, "--rerun-jobs", "--allow-host-jobs")
	out, ok = c.push("build-bot", "aos/h2")
	expectAccepted(t, out, ok)
	// A key inside the git directory is refused.
	inside := filepath.Join(s.bare, "aos", "runner-key")
	must(t, "/", "cp", key, inside)
	if out, err := run(t, s.bare, nil, binary(t), "hook", "install", "--repo", s.bare, "--runner-key", inside); err == nil || !strings.Contains(out, "inside the repository's git directory") {
		t.Errorf("a key inside the repository: %v\n%s", err, out)
	}
}

// TestRerunJobsBudget: with --rerun-jobs, the jobs run within the hook's
// budget; past it the push is rejected, fail closed.
func TestRerunJobsBudget(t *testing.T) {
	t.Parallel()
	slow := strings.Replace(jobsManifest, `command: "grep -q ok src/a.txt"`, `command: "sleep 5; grep -q ok src/a.txt"`, 1)
	s := newServer(t, slow, map[string]string{"src/a.txt": "a\n"}, "--rerun-jobs", "--budget", "1s")
	c := s.clone(t)
	c.runPlanFile(nil, testsPlan("slow", "ok"))
	before := s.refs(t)
	out, ok := c.push("build-bot", "aos/slow")
	if ok || !strings.Contains(out, "longer than the time budget of 1s") {
		t.Fatalf("a re-run over the budget:\n%s", out)
	}
	if after := s.refs(t); after != before {
		t.Errorf("refs changed:\n%s", after)
	}
}

// TestRunnerKilled kills the runner at moments spread over its run, each
// time in a fresh copy of the server's repository: the branch is always
// at the plan commit or at a signed result commit that verifies, git
// fsck passes, no git lock is left, hook runs shows no run as running,
// and the runner run again finishes the job.
func TestRunnerKilled(t *testing.T) {
	t.Parallel()
	key, pub := sshtest.Key(t, "", "runner")
	allowed := filepath.Join(t.TempDir(), "allowed")
	writeFile(t, allowed, hooks.RunnerPrincipal+" "+pub+"\n")
	// A server without a runner holds the plan commit: each kill runs
	// the runner by hand on a copy of it.
	s := newServer(t, jobsManifest, map[string]string{"src/a.txt": "a\n"})
	c := s.clone(t)
	pc := c.propose(testsPlan("k1", "ok"), "")
	out, ok := c.push("build-bot", "aos/k1")
	expectAccepted(t, out, ok)
	child := func() (*exec.Cmd, string) {
		dir := filepath.Join(t.TempDir(), "srv.git")
		if out, err := exec.Command("cp", "-a", s.bare, dir).CombinedOutput(); err != nil {
			t.Fatalf("copy the repository: %v\n%s", err, out)
		}
		cmd := exec.Command(binary(t), "hook", "runner", "--repo", dir, "--runner-key", key, "--branch", "aos/k1")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		return cmd, dir
	}
	check := func(dir, when string) string {
		t.Helper()
		tip := strings.TrimSpace(must(t, dir, "git", "rev-parse", "aos/k1"))
		if tip != pc {
			if got := strings.TrimSpace(must(t, dir, "git", "rev-parse", "aos/k1^")); got != pc {
				t.Fatalf("%s: the branch is at %s, whose parent is not the plan commit", when, tip)
			}
			must(t, dir, "git", "-c", "gpg.ssh.allowedSignersFile="+allowed, "verify-commit", tip)
			must(t, dir, binary(t), "verify", "aos/k1")
		}
		must(t, dir, "git", "fsck", "--strict", "--no-dangling")
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.HasSuffix(p, ".lock") {
				t.Errorf("%s: %s is left", when, p)
			}
			return nil
		})
		runs, err := hooks.Runs(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			if r.State == hooks.RunRunning {
				t.Errorf("%s: run %s is shown running, and its process is gone", when, r.ID)
			}
		}
		return tip
	}
	cmd, dir := child()
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the runner: %v\n%s", err, out)
	}
	full := time.Since(start)
	if tip := check(dir, "unkilled"); tip == pc {
		t.Fatal("the runner did not apply the plan")
	}
	outcomes := map[string]int{}
	const rounds = 15
	for i := 0; i < rounds; i++ {
		if i >= 12 && outcomes["before"] > 0 && outcomes["after"] > 0 {
			break
		}
		delay := full * time.Duration(i) / 11
		if i >= 12 {
			delay = full * time.Duration(2*(i-11)+1)
		}
		cmd, dir := child()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		select {
		case <-time.After(delay):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		case <-exited:
		}
		waitGroupGone(t, cmd.Process.Pid)
		when := fmt.Sprintf("killed at %v of %v", delay, full)
		if check(dir, when) == pc {
			outcomes["before"]++
		} else {
			outcomes["after"]++
		}
		// Run again, the runner finishes what the kill left.
		if out, err := exec.Command(binary(t), "hook", "runner", "--repo", dir, "--runner-key", key, "--branch", "aos/k1").CombinedOutput(); err != nil {
			t.Fatalf("%s, then run again: %v\n%s", when, err, out)
		}
		if check(dir, when+", then run again") == pc {
			t.Fatalf("%s, the runner run again left the plan unapplied", when)
		}
	}
	t.Logf("the runner takes %v unkilled; outcomes: %v", full, outcomes)
	if outcomes["before"] == 0 || outcomes["after"] == 0 {
		t.Error("the kills did not land both before and after the branch moved; the test proves less than it should")
	}
}

// waitGroupGone waits until no live process is left in process group
// pgid: killed processes may take a moment to exit, and their children run
// on until they see their input end.
func waitGroupGone(t *testing.T, pgid int) {
	t.Helper()
	if !procgroup.WaitGone(pgid, 5*time.Minute) {
		t.Fatalf("processes of group %d are still alive 5 minutes after the kill", pgid)
	}
}
