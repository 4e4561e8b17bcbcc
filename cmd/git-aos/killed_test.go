package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// builtBinary builds git-aos once, for tests that run it as git runs it:
// "git aos ..." finds git-aos on PATH.
func builtBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "aos-cmd-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "git-aos")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// TestKilledGitParent runs "git aos run" on a plan whose test suite runs
// for an hour and ignores SIGTERM, kills git with SIGKILL (as a CI timeout
// does) at moments spread from its start to the suite running, and checks
// that git-aos stops too, soon, and leaves nothing: no process of the
// job, no workspace, no branch.
func TestKilledGitParent(t *testing.T) {
	t.Parallel()
	bin := builtBinary(t)
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Fatal("bwrap is not installed: apt-get install bubblewrap")
	}
	var r [4]byte
	rand.Read(r[:])
	mark := strconv.FormatUint(uint64(r[0])<<24|uint64(r[1])<<16|uint64(r[2])<<8|uint64(r[3]), 10)
	seed := t.TempDir()
	writeTestFile(t, filepath.Join(seed, "project.yml"), `project:
  name: killed
workspace:
  writable: ["src/**"]
environment:
  type: bwrap
tests:
  default:
    command: trap "" TERM; sleep 3599.`+mark+` & sleep 3599.`+mark+`; wait
    timeout_seconds: 3600
`)
	writeTestFile(t, filepath.Join(seed, "plan.yaml"), "version: 1\nid: killed\ngoal: Run the long suite\ndirectives:\n"+
		"  - type: FILE_WRITE\n    path: src/a.txt\n    content: \"a\\n\"\n  - type: RUN_TESTS\n")
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "project.yml"}, {"commit", "-qm", "init"}} {
		gitIn(t, seed, args...)
	}
	// How long until the suite runs, unkilled.
	k := startGitAos(t, bin, seed, mark)
	start := time.Now()
	for deadline := start.Add(3 * time.Minute); len(withInCmdline("3599."+mark)) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(k.out)
			t.Fatalf("the suite never ran:\n%s", out)
		}
	}
	running := time.Since(start)
	k.killGit(t)
	delays := []time.Duration{0, running / 4, running / 2, 3 * running / 4, running + 300*time.Millisecond, running + time.Second}
	for _, d := range delays {
		k := startGitAos(t, bin, seed, mark)
		time.Sleep(d)
		k.killGit(t)
	}
}

// gitAos is a "git aos run" in a copy of the seed repository.
type gitAos struct {
	cmd  *exec.Cmd
	dir  string
	tmp  string // TMPDIR: the job's workspaces
	env  string // a variable in the environment of git and git-aos only
	out  string // the file of git's output: a pipe would keep Wait waiting for git-aos
	mark string
}

func startGitAos(t *testing.T, bin, seed, mark string) *gitAos {
	t.Helper()
	k := &gitAos{dir: filepath.Join(t.TempDir(), "repo"), tmp: t.TempDir(), out: filepath.Join(t.TempDir(), "out"), mark: mark}
	if out, err := exec.Command("cp", "-a", seed, k.dir).CombinedOutput(); err != nil {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	var r [8]byte
	rand.Read(r[:])
	k.env = fmt.Sprintf("AOS_KILL_TEST=%x", r)
	k.cmd = exec.Command("git", "aos", "run", "plan.yaml")
	k.cmd.Dir = k.dir
	k.cmd.Env = append(append(os.Environ(), gitIdentity...), "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"), "TMPDIR="+k.tmp, k.env)
	out, err := os.Create(k.out)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	k.cmd.Stdout, k.cmd.Stderr = out, out
	if err := k.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return k
}

// killGit kills git, then waits for every process that inherited its
// environment (git-aos, its supervisor) to exit, and checks that nothing
// is left.
func (k *gitAos) killGit(t *testing.T) {
	t.Helper()
	k.cmd.Process.Signal(os.Kill)
	k.cmd.Wait()
	// git-aos stops on its own: SIGTERM when its parent died. Its job
	// would run for an hour.
	for _, pid := range withInEnviron(k.env) {
		waitExited(t, pid, 2*time.Minute)
	}
	for deadline := time.Now().Add(time.Minute); len(withInCmdline("3599."+k.mark)) > 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if left := withInCmdline("3599." + k.mark); len(left) > 0 {
		t.Errorf("processes of the job left: %v", left)
	}
	if ents, _ := os.ReadDir(k.tmp); len(ents) > 0 {
		t.Errorf("left in TMPDIR: %v", ents)
	}
	if out := gitIn(t, k.dir, "for-each-ref", "refs/heads/aos"); out != "" {
		t.Errorf("a branch was made: %s", out)
	}
	if locks, _ := filepath.Glob(filepath.Join(k.dir, ".git", "refs", "heads", "aos", "*.lock")); len(locks) > 0 {
		t.Errorf("lock files left: %v", locks)
	}
	// What git-aos said, when it had the time: interrupted, not a
	// verdict on the plan.
	if out, _ := os.ReadFile(k.out); bytes.Contains(out, []byte("rejected")) || bytes.Contains(out, []byte("sandbox.unavailable")) {
		t.Errorf("git-aos judged the plan as it stopped:\n%s", out)
	}
}

// gitIdentity is git's environment in these tests: an identity, no user
// or system configuration.
var gitIdentity = []string{"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
	"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null"}

// withInCmdline and withInEnviron return the live processes (other than
// this one) whose command line, or environment, holds s.
func withInCmdline(s string) []int { return procsWith("cmdline", s) }
func withInEnviron(s string) []int { return procsWith("environ", s) }

func procsWith(file, s string) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/" + file)
		if err != nil || !bytes.Contains(b, []byte(s)) {
			continue
		}
		if st, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil {
			if i := bytes.LastIndexByte(st, ')'); i > 0 && len(st) > i+2 && (st[i+2] == 'Z' || st[i+2] == 'X') {
				continue
			}
		}
		out = append(out, pid)
	}
	return out
}

// waitExited waits until process pid has exited, or fails the test after
// limit.
func waitExited(t *testing.T, pid int, limit time.Duration) {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); {
		if n, err := unix.Poll(fds, 1000); n > 0 || (err != nil && err != unix.EINTR) {
			return
		}
	}
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	t.Fatalf("process %d (%s) did not stop in %s", pid, strings.ReplaceAll(string(b), "\x00", " "), limit)
}

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), gitIdentity...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func writeTestFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
