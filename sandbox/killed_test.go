package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/internal/owner"
	"golang.org/x/sys/unix"
)

// The kill tests run a job in a child process (this test binary, in the
// mode killChildMain), SIGKILL it, and check that nothing of the job is
// left once its supervisor is done: no process, no container, no
// workspace.

const killChildEnv = "AOS_SANDBOX_KILL_CHILD"

// killChildMain runs one long job of the backend $AOS_SANDBOX_KILL_CHILD
// whose processes carry $AOS_SANDBOX_KILL_MARK in their command lines and
// ignore SIGTERM, with workspaces in $AOS_SANDBOX_KILL_TMP. It is killed
// before the job ends.
func killChildMain() int {
	var b backend
	for _, c := range backends() {
		if c.name == os.Getenv(killChildEnv) {
			b = c
		}
	}
	mark := os.Getenv("AOS_SANDBOX_KILL_MARK")
	m := testManifest(b)
	jr, err := NewJobRunner(m, RunnerOptions{TempDir: os.Getenv("AOS_SANDBOX_KILL_TMP"), Runtime: testRuntime})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	base := testBase()
	for i := 0; i < 400; i++ {
		base[fmt.Sprintf("src/many/f%03d.txt", i)] = memFileEntry{aos.ModeFile, strings.Repeat("x", 4096)}
	}
	st, err := engine.NewState(base)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cmd := `trap "" TERM; sleep 3599.` + mark + ` & sleep 3599.` + mark + `; wait`
	_, err = jr.Run(context.Background(), engine.Job{Kind: aos.JobExec, Name: "kill-" + mark, Command: cmd,
		Root: "/workspace", WorkingDir: "/workspace", Timeout: 600}, st)
	fmt.Fprintln(os.Stderr, "the job ended:", err)
	return 1
}

// TestKilledParent kills a process running a job, with bwrap and with
// podman, at moments spread from its start to the job running, and
// checks each time that once its supervisor has exited nothing of the
// job is left: no process (of the job, the engine CLI or conmon), no
// container labelled with the process's token, no workspace, no
// container id directory.
func TestKilledParent(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"bwrap", "podman"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := backendNamed(t, name)
			b.require(t)
			// A reference run: how long until the job runs.
			start := time.Now()
			k := startKillChild(t, name)
			k.waitRunning(t)
			running := time.Since(start)
			k.kill(t)
			delays := []time.Duration{0}
			for i := 1; i <= 6; i++ {
				delays = append(delays, running*time.Duration(i)/6)
			}
			delays = append(delays, running+500*time.Millisecond, running+2*time.Second)
			for _, d := range delays {
				k := startKillChild(t, name)
				time.Sleep(d)
				k.kill(t)
			}
		})
	}
}

// killChild is a child process running a job.
type killChild struct {
	cmd   *exec.Cmd
	mark  string
	tmp   string
	token string
	out   *bytes.Buffer
}

func startKillChild(t *testing.T, backend string) *killChild {
	t.Helper()
	var r [4]byte
	rand.Read(r[:])
	mark := strconv.FormatUint(uint64(r[0])<<24|uint64(r[1])<<16|uint64(r[2])<<8|uint64(r[3]), 10)
	k := &killChild{mark: mark, tmp: t.TempDir(), out: &bytes.Buffer{}}
	k.cmd = exec.Command(os.Args[0], "-test.run=^$")
	k.cmd.Env = append(os.Environ(), killChildEnv+"="+backend, "AOS_SANDBOX_KILL_MARK="+mark, "AOS_SANDBOX_KILL_TMP="+k.tmp)
	k.cmd.Stdout, k.cmd.Stderr = k.out, k.out
	if err := k.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	k.token = owner.Of(k.cmd.Process.Pid)
	return k
}

// waitRunning waits until the job's processes run.
func (k *killChild) waitRunning(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for len(processesWith(k.marker())) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the job never ran:\n%s", k.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (k *killChild) marker() string { return "3599." + k.mark }

// kill kills the child with SIGKILL, waits for its supervisor to exit,
// and checks that nothing of the job is left.
func (k *killChild) kill(t *testing.T) {
	t.Helper()
	pid := k.cmd.Process.Pid
	k.cmd.Process.Signal(os.Kill)
	k.cmd.Wait()
	for _, s := range processesWith(supervisorArg + "\x00" + strconv.Itoa(pid) + "\x00") {
		waitGone(t, s)
	}
	// Processes that started before the supervisor heard of them die
	// of their parent-death signal, a moment after their parent; one
	// that is still alive after a minute was left.
	for deadline := time.Now().Add(time.Minute); len(processesWith(k.marker())) > 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if left := processesWith(k.marker()); len(left) > 0 {
		t.Errorf("processes of the job left: %v (%s)", left, cmdlines(left))
	}
	if ents, _ := os.ReadDir(k.tmp); len(ents) > 0 {
		t.Errorf("workspaces left in %s: %v", k.tmp, ents)
	}
	if k.token != "" {
		if left, _ := filepath.Glob(filepath.Join(os.TempDir(), workspacePrefix+k.token+"-*")); len(left) > 0 {
			t.Errorf("directories left: %v", left)
		}
		if podman, err := exec.LookPath("podman"); err == nil {
			out, _ := exec.Command(podman, "ps", "-a", "-q", "--filter", "label="+labelOwner+"="+k.token).Output()
			if s := strings.TrimSpace(string(out)); s != "" {
				t.Errorf("containers left: %s", s)
			}
		}
	}
}

// processesWith returns the live processes whose command line (its
// arguments joined by NULs) holds s.
func processesWith(s string) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !bytes.Contains(append(b, 0), []byte(s)) {
			continue
		}
		if _, alive := owner.StartTime(pid); alive {
			out = append(out, pid)
		}
	}
	return out
}

func cmdlines(pids []int) string {
	var parts []string
	for _, p := range pids {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/cmdline")
		parts = append(parts, strings.ReplaceAll(string(b), "\x00", " "))
	}
	return strings.Join(parts, "; ")
}

// waitGone waits until process pid has exited, with a watchdog of
// minutes for a supervisor that never ends.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return // already gone
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if n, err := unix.Poll(fds, 1000); n > 0 || (err != nil && err != unix.EINTR) {
			return
		}
	}
	t.Fatalf("supervisor %d did not exit", pid)
}
