package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/architectos/aos"
	"github.com/google/go-cmp/cmp"
)

func TestExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		command string
		want    int
		output  string
	}{
		{"pass", "echo passing", 0, "passing\n"},
		{"fail", "echo failing; exit 3", 3, "failing\n"},
		// 125 is also the engines' own failure status; a container that
		// ran and exited 125 is still a job result.
		{"fail-125", "exit 125", 125, ""},
		{"not-found", "no-such-command-here 2>/dev/null", 127, ""},
		{"stderr-merged", "echo a; echo b >&2; echo c", 0, "a\nb\nc\n"},
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					res := mustRun(t, b.spec(t, tc.command))
					if res.ExitCode != tc.want || res.TimedOut {
						t.Errorf("exit code %d, timed out %v; want %d\n%s", res.ExitCode, res.TimedOut, tc.want, res.Output)
					}
					if res.OK() != (tc.want == 0) {
						t.Errorf("OK() = %v", res.OK())
					}
					if got := string(res.Output); got != tc.output {
						t.Errorf("output %q, want %q", got, tc.output)
					}
				})
			}
		})
	}
}

// listen starts a TCP server on 127.0.0.1 that counts the connections it
// accepts.
func listen(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Write([]byte("hello from the host\n"))
			c.Close()
		}
	}()
	return ln.Addr().String(), &n
}

func TestNetwork(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		backend string
		network bool
		reach   bool
	}{
		{"bwrap", "bwrap", false, false},
		{"bwrap-network-allowed", "bwrap", true, true},
		{"podman", "podman", false, false},
		// The host backend isolates no network (docs/spec.md 10.2).
		{"host", "host", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := backendNamed(t, tc.backend)
			addr, conns := listen(t)
			host, port, _ := net.SplitHostPort(addr)
			s := b.spec(t, "busybox nc -w 5 "+host+" "+port+" </dev/null")
			s.Env.Network = tc.network
			res := mustRun(t, s)
			reached := conns.Load() > 0
			if reached != tc.reach {
				t.Errorf("reached the host's server: %v, want %v (exit %d)\n%s", reached, tc.reach, res.ExitCode, res.Output)
			}
			if !tc.reach && res.ExitCode == 0 {
				t.Errorf("connection attempt exited 0:\n%s", res.Output)
			}
		})
	}
}

// TestNoNetworkInterfaces checks that isolated jobs see only a loopback
// interface, whatever the host's routes could reach.
func TestNoNetworkInterfaces(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		if !b.isolate {
			continue
		}
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			res := mustRun(t, b.spec(t, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"))
			if got := string(res.Output); got != "lo\n" || !res.OK() {
				t.Errorf("exit %d, interfaces %q, want only lo", res.ExitCode, got)
			}
		})
	}
}

// TestHostname checks that isolated jobs see a fixed host name, not the
// host's.
func TestHostname(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		if !b.isolate {
			continue
		}
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			res := mustRun(t, b.spec(t, "hostname"))
			if got := string(res.Output); got != "aos\n" || !res.OK() {
				t.Errorf("exit %d, host name %q, want aos", res.ExitCode, got)
			}
		})
	}
}

func backendNamed(t *testing.T, name string) backend {
	for _, b := range backends() {
		if b.name == name {
			return b
		}
	}
	t.Fatalf("no backend %s", name)
	return backend{}
}

func TestEnvironment(t *testing.T) {
	secret := "aos-secret-" + randomHex(t)
	t.Setenv("AOS_TEST_SECRET", secret)
	// Podman copies proxy variables into containers unless told not to.
	t.Setenv("HTTP_PROXY", "http://user:"+secret+"@127.0.0.1:9")
	t.Setenv("https_proxy", "http://user:"+secret+"@127.0.0.1:9")
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := b.spec(t, "env")
			s.Env.Variables = map[string]string{"GREETING": "hello world", "EMPTY": "", "MULTI": "a\nb"}
			res := mustRun(t, s)
			out := string(res.Output)
			if strings.Contains(out, secret) {
				t.Errorf("the caller's secret is visible in the job:\n%s", out)
			}
			for _, want := range []string{"GREETING=hello world\n", "EMPTY=\n", "MULTI=a\nb\n"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if b.name != "podman" {
				for _, want := range []string{"PATH=/usr/local/bin:/usr/bin:/bin\n", "HOME=" + b.workspacePath(s) + "\n"} {
					if !strings.Contains(out, want) {
						t.Errorf("output lacks %q:\n%s", want, out)
					}
				}
			}
		})
	}
}

func TestWritesStayInWorkspace(t *testing.T) {
	t.Parallel()
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range backends() {
		if !b.isolate {
			continue // the host backend does not isolate files
		}
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.spec(t, `echo inside > inside.txt; for p in "$@"; do (echo escaped > "$p") 2>/dev/null && echo "wrote $p"; done; :`)
			name := "aos-escape-" + randomHex(t)
			targets := []string{
				filepath.Join(home, name),
				"/root/" + name,
				"/etc/" + name,
				"/usr/" + name,
				"/usr/bin/" + name,
				"/tmp/" + name,
				filepath.Join(filepath.Dir(s.Dir), name), // beside the workspace
				"/workspace/../" + name,
			}
			s.Args = targets
			t.Cleanup(func() {
				for _, p := range targets {
					os.Remove(p)
				}
			})
			res := mustRun(t, s)
			for _, p := range targets {
				if _, err := os.Lstat(p); err == nil {
					t.Errorf("the job wrote %s on the host", p)
				}
			}
			if got, err := os.ReadFile(filepath.Join(s.Dir, "inside.txt")); err != nil || string(got) != "inside\n" {
				t.Errorf("the job could not write its workspace: %q, %v\n%s", got, err, res.Output)
			}
		})
	}
}

// procsWith returns the processes whose command line contains marker.
func procsWith(t *testing.T, marker string) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue // gone
		}
		if bytes.Contains(cmdline, []byte(marker)) {
			found = append(found, e.Name()+": "+string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
		}
	}
	return found
}

// markers counts the markers handed out, so that tests running in
// parallel never share one.
var markers atomic.Int64

// marker returns digits unique to this test, usable as the fraction of a
// sleep duration so that every process of a job shows it.
func marker() string {
	return fmt.Sprintf("%d%06d%d", os.Getpid()%100000, time.Now().UnixNano()%1e6, markers.Add(1))
}

// sleeper is the command of a job that runs until the test kills its
// sleep, then prints out: holdSleepers sees it run. The shell's stderr is
// closed, or it would report the kill.
func sleeper(marker, out string) string {
	return "exec 2>/dev/null; sleep 1000." + marker + "; echo " + out
}

// sleepers returns the processes running the sleep of sleeper(marker),
// left out those in skip.
func sleepers(marker string, skip map[int]bool) ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || skip[pid] {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue // gone
		}
		if argv := strings.Split(string(cmdline), "\x00"); len(argv) >= 2 && path.Base(argv[0]) == "sleep" && argv[1] == "1000."+marker {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// holdSleepers watches the jobs running sleeper(marker) and releases them
// a round at a time, killing their sleeps once min(parallel, jobs left)
// run together; before a release it looks again a few times for a job
// beyond the limit. It returns the most jobs it saw running together. It
// fails when done is closed (the jobs' runner returned) or watchdog has
// passed before every job was released, killing what still runs: the
// watchdog turns a runner that never starts enough jobs into a failure
// instead of a hang, and is far beyond any start-up time.
func holdSleepers(marker string, total, parallel int, done <-chan struct{}) (int, error) {
	const watchdog = 5 * time.Minute
	killed := map[int]bool{}
	release := func(pids []int) {
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
			killed[pid] = true
		}
	}
	most := 0
	deadline := time.Now().Add(watchdog)
	for len(killed) < total {
		want := min(parallel, total-len(killed))
		alive, err := sleepers(marker, killed)
		if err != nil {
			return most, err
		}
		most = max(most, len(alive))
		if len(alive) < want {
			select {
			case <-done:
				return most, fmt.Errorf("the runner returned after %d of %d jobs ran", len(killed), total)
			default:
			}
			if time.Now().After(deadline) {
				release(alive)
				return most, fmt.Errorf("%d of %d jobs released, %d running, waiting for %d to run together", len(killed), total, len(alive), want)
			}
			time.Sleep(5 * time.Millisecond)
			continue
		}
		for range 10 {
			time.Sleep(5 * time.Millisecond)
			if alive, err = sleepers(marker, killed); err != nil {
				return most, err
			}
			most = max(most, len(alive))
		}
		release(alive)
	}
	return most, nil
}

func TestDeadlineKillsEverything(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			m := marker()
			// A background child and a busy loop, and where processes are
			// isolated, a child in a session of its own.
			command := "sleep 1000." + m + " & sh -c 'while :; do :; done; : " + m + "'"
			if b.isolate {
				command = "setsid sleep 1000." + m + " & " + command
			}
			s := b.spec(t, command)
			s.Name += "-" + m
			s.Timeout = time.Second
			res := mustRun(t, s)
			if !res.TimedOut || res.OK() {
				t.Errorf("timed out %v, exit %d; want a timeout", res.TimedOut, res.ExitCode)
			}
			if res.ExitCode != 128+9 {
				t.Errorf("exit code %d, want 137 (SIGKILL)", res.ExitCode)
			}
			if res.Duration < s.Timeout {
				t.Errorf("killed after %v, before its deadline of %v", res.Duration, s.Timeout)
			}
			// Run has returned, long before the sleeps would end: none of
			// the job's processes may still live, whatever the machine's
			// load made of the moment it was killed.
			if left := procsWith(t, m); len(left) > 0 {
				t.Errorf("processes left after the deadline:\n%s", strings.Join(left, "\n"))
			}
			if b.name == "podman" {
				out, err := exec.Command("podman", "ps", "--all", "--quiet", "--filter", "name=aos-"+s.Name).CombinedOutput()
				if err != nil || len(bytes.TrimSpace(out)) > 0 {
					t.Errorf("containers left: %q, %v", out, err)
				}
			}
		})
	}
}

func TestBackgroundChildrenDieWithJob(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			m := marker()
			res := mustRun(t, b.spec(t, "sleep 1000."+m+" >/dev/null 2>&1 & sleep 1000."+m+" & echo started"))
			if !res.OK() || string(res.Output) != "started\n" {
				t.Errorf("exit %d, output %q", res.ExitCode, res.Output)
			}
			if left := procsWith(t, m); len(left) > 0 {
				t.Errorf("processes left after the job ended:\n%s", strings.Join(left, "\n"))
			}
		})
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			m := marker()
			s := b.spec(t, "sleep 1000."+m)
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(500*time.Millisecond, cancel)
			res, err := Run(ctx, s)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v, want context.Canceled", err)
			}
			if res.TimedOut || res.OK() {
				t.Errorf("timed out %v, exit %d", res.TimedOut, res.ExitCode)
			}
			if left := procsWith(t, m); len(left) > 0 {
				t.Errorf("processes left after cancellation:\n%s", strings.Join(left, "\n"))
			}
		})
	}
}

func TestOutputFlood(t *testing.T) {
	t.Parallel()
	const total = 5_000_000
	const max = 64 << 10
	// The digest covers the whole stream.
	h := sha256.New()
	h.Write(bytes.Repeat([]byte("y\n"), total/2))
	h.Write([]byte("last line\n"))
	wantDigest := "sha256:" + hex.EncodeToString(h.Sum(nil))
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.spec(t, "yes | head -c "+fmt.Sprint(total)+"; echo last line")
			s.MaxOutput = max
			res := mustRun(t, s)
			if !res.OK() {
				t.Fatalf("exit %d", res.ExitCode)
			}
			if res.OutputBytes != int64(total+len("last line\n")) || !res.Truncated {
				t.Errorf("output bytes %d, truncated %v", res.OutputBytes, res.Truncated)
			}
			if len(res.Output) != max || !bytes.Equal(res.Output, bytes.Repeat([]byte("y\n"), max/2)) {
				t.Errorf("kept %d bytes, want %d of y lines", len(res.Output), max)
			}
			if len(res.Tail) != TailLines || res.Tail[TailLines-1] != "last line" || res.Tail[0] != "y" {
				t.Errorf("tail has %d lines, first %q, last %q", len(res.Tail), res.Tail[0], res.Tail[len(res.Tail)-1])
			}
			if res.OutputDigest != wantDigest {
				t.Errorf("digest %s, want %s", res.OutputDigest, wantDigest)
			}
		})
	}
}

func TestHostileArgs(t *testing.T) {
	t.Parallel()
	args := []string{
		"; touch /workspace/pwned",
		"$(touch pwned)",
		"`touch pwned`",
		"a\nb; touch pwned",
		"*",
		"$HOME",
		"' \" \\",
		"-e",
		"",
		"&& touch pwned &",
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.spec(t, "printf '[%s]\\n'", args...)
			// A file for a glob to expand to, if anything expanded one.
			if err := os.WriteFile(filepath.Join(s.Dir, "glob-target"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			res := mustRun(t, s)
			var want strings.Builder
			for _, a := range args {
				want.WriteString("[" + a + "]\n")
			}
			if diff := cmp.Diff(want.String(), string(res.Output)); diff != "" || !res.OK() {
				t.Errorf("exit %d; output (-want +got):\n%s", res.ExitCode, diff)
			}
			if _, err := os.Lstat(filepath.Join(s.Dir, "pwned")); err == nil {
				t.Error("an argument was run by the shell")
			}
		})
	}
}

func TestWorkingDir(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.spec(t, "pwd; ls")
			if err := os.MkdirAll(filepath.Join(s.Dir, "sub", "dir"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(s.Dir, "sub", "dir", "file"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			s.WorkingDir = "/workspace/sub/dir"
			res := mustRun(t, s)
			want := filepath.Join(b.workspacePath(s), "sub", "dir") + "\nfile\n"
			if got := string(res.Output); got != want || !res.OK() {
				t.Errorf("exit %d, output %q, want %q", res.ExitCode, got, want)
			}
		})
	}
}

func TestContainerLimits(t *testing.T) {
	t.Parallel()
	b := backendNamed(t, "podman")
	t.Run("pids", func(t *testing.T) {
		t.Parallel()
		s := b.spec(t, "i=0; while [ $i -lt 40 ]; do sleep 2 & i=$((i+1)); done; wait")
		s.Env.Limits = aos.Limits{Pids: 10}
		res := mustRun(t, s)
		if res.OK() || !bytes.Contains(res.Output, []byte("can't fork")) {
			t.Errorf("exit %d; want a failed fork:\n%s", res.ExitCode, res.Output)
		}
	})
	t.Run("memory-and-cpu", func(t *testing.T) {
		t.Parallel()
		s := b.spec(t, "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes; "+
			"cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us")
		s.Env.Limits = aos.Limits{MemoryMB: 64, CPUs: 0.5}
		res := mustRun(t, s)
		out := string(res.Output)
		if !res.OK() || !strings.HasPrefix(out, "67108864\n") || !strings.Contains(out, "50000") {
			t.Errorf("exit %d; want 64 MiB of memory and half a CPU:\n%s", res.ExitCode, out)
		}
	})
}

func TestContainerEngineFailure(t *testing.T) {
	t.Parallel()
	b := backendNamed(t, "podman")
	s := b.spec(t, "true")
	s.Env.Image = "localhost/aos-no-such-image:0"
	_, err := Run(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "could not start the container") {
		t.Errorf("error %v, want one saying the container could not start", err)
	}
}

func TestBadSpec(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	good := Spec{
		Name: "good", Env: aos.Environment{Type: "host"}, Dir: dir, MountPoint: "/workspace",
		Command: "true", Timeout: time.Second, MaxOutput: 1024,
	}
	tests := []struct {
		name   string
		change func(*Spec)
		want   error
	}{
		{"empty type", func(s *Spec) { s.Env.Type = "" }, ErrBadSpec},
		{"unknown type", func(s *Spec) { s.Env.Type = "chroot" }, ErrBadSpec},
		{"nix", func(s *Spec) { s.Env.Type = "nix" }, ErrNotImplemented},
		{"engine conflict", func(s *Spec) { s.Env.Type, s.Env.Engine = "docker", "podman" }, ErrBadSpec},
		{"unknown engine", func(s *Spec) { s.Env.Type, s.Env.Engine = "container", "lxc" }, ErrBadSpec},
		{"no timeout", func(s *Spec) { s.Timeout = 0 }, ErrBadSpec},
		{"no output cap", func(s *Spec) { s.MaxOutput = 0 }, ErrBadSpec},
		{"empty command", func(s *Spec) { s.Command = " " }, ErrBadSpec},
		{"NUL in arg", func(s *Spec) { s.Args = []string{"a\x00b"} }, ErrBadSpec},
		{"no dir", func(s *Spec) { s.Dir = "" }, ErrBadSpec},
		{"missing dir", func(s *Spec) { s.Dir = filepath.Join(dir, "missing") }, ErrBadSpec},
		{"relative mount point", func(s *Spec) { s.MountPoint = "workspace" }, ErrBadSpec},
		{"mount point /", func(s *Spec) { s.MountPoint = "/" }, ErrBadSpec},
		{"mount point over /usr", func(s *Spec) { s.MountPoint = "/usr/src" }, ErrBadSpec},
		{"mount point over /etc", func(s *Spec) { s.MountPoint = "/etc" }, ErrBadSpec},
		{"unclean mount point", func(s *Spec) { s.MountPoint = "/workspace/../etc" }, ErrBadSpec},
		{"working dir outside", func(s *Spec) { s.WorkingDir = "/workspacex" }, ErrBadSpec},
		{"working dir escapes", func(s *Spec) { s.WorkingDir = "/workspace/../etc" }, ErrBadSpec},
		{"working dir missing", func(s *Spec) { s.WorkingDir = "/workspace/missing" }, ErrBadSpec},
		{"working dir is a file", func(s *Spec) { s.WorkingDir = "/workspace/file" }, ErrBadSpec},
		{"bad variable name", func(s *Spec) { s.Env.Variables = map[string]string{"A=B": "c"} }, ErrBadSpec},
		{"variable starting with a digit", func(s *Spec) { s.Env.Variables = map[string]string{"1A": "c"} }, ErrBadSpec},
		{"limits on host", func(s *Spec) { s.Env.Limits.MemoryMB = 100 }, ErrBadSpec},
		{"limits on bwrap", func(s *Spec) { s.Env.Type = "bwrap"; s.Env.Limits.Pids = 10 }, ErrBadSpec},
		{"no image", func(s *Spec) { s.Env.Type = "podman" }, ErrBadSpec},
		{"image like a flag", func(s *Spec) { s.Env.Type, s.Env.Image = "podman", "--privileged" }, ErrBadSpec},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := good
			tc.change(&s)
			_, err := Run(context.Background(), s)
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := Run(context.Background(), good); err != nil {
		t.Errorf("the good spec fails: %v", err)
	}
}

func TestBackendMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	tests := []struct {
		env     aos.Environment
		install string
	}{
		{aos.Environment{Type: "bwrap"}, "apt-get install bubblewrap"},
		{aos.Environment{Type: "container"}, "apt-get install podman runc"},
		{aos.Environment{Type: "podman"}, "apt-get install podman runc"},
		{aos.Environment{Type: "docker"}, "apt-get install docker.io"},
		{aos.Environment{Type: "container", Engine: "docker"}, "apt-get install docker.io"},
	}
	for _, tc := range tests {
		t.Run(tc.env.Type+tc.env.Engine, func(t *testing.T) {
			err := Available(tc.env)
			var missing *BackendMissingError
			if !errors.As(err, &missing) || missing.Install != tc.install || !strings.Contains(err.Error(), tc.install) {
				t.Errorf("error %v, want a BackendMissingError saying %q", err, tc.install)
			}
			// Run gives the same error, and never falls back to the host.
			_, err = Run(context.Background(), Spec{Name: "x", Env: tc.env, Dir: t.TempDir(), MountPoint: "/workspace", Command: "true", Timeout: time.Second, MaxOutput: 1})
			if !errors.As(err, &missing) {
				t.Errorf("Run: error %v, want a BackendMissingError", err)
			}
		})
	}
	if err := Available(aos.Environment{Type: "host"}); err != nil {
		t.Errorf("host: %v", err)
	}
}

func TestContainerArgs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := Spec{
		Name: "tests.unit", Dir: dir, MountPoint: "/src", WorkingDir: "/src",
		Command: "make test", Args: []string{"-v"}, Timeout: time.Second, MaxOutput: 1,
		Env: aos.Environment{Type: "docker", Image: "golang:1.26", Variables: map[string]string{"CGO_ENABLED": "0"},
			Limits: aos.Limits{CPUs: 1.5, MemoryMB: 512, Pids: 100}},
	}
	v, err := check(s)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    containerOpts
		network bool
		want    []string
		notWant []string
	}{
		{
			name: "docker as a user",
			opts: containerOpts{engine: "docker", name: "aos-x", cidfile: "/c", uid: 1000, gid: 100, owner: "7.8.9", host: "h"},
			want: []string{"run --rm", "--name aos-x", "--label aos.owner=7.8.9 --label aos.host=h", "--pull never", "--network none", "--cap-drop ALL",
				"--security-opt no-new-privileges", "--user 1000:100", "--cpus 1.5", "--memory 512m",
				"--memory-swap 512m", "--pids-limit 100", "--mount type=bind,source=" + v.dir + ",destination=/src",
				"--workdir /src", "--env CGO_ENABLED=0", "golang:1.26 /bin/sh -c exec 2>&1\nmake test \"$@\" sh -v"},
			notWant: []string{"--env-host", "--http-proxy", "--runtime", "--userns"},
		},
		{
			name:    "rootless podman with a runtime and network",
			opts:    containerOpts{engine: "podman", name: "aos-x", cidfile: "/c", runtime: "runc", uid: 1000, gid: 100},
			network: true,
			want:    []string{"--runtime runc", "--env-host=false --http-proxy=false", "--userns keep-id"},
			notWant: []string{"--network", "--user "},
		},
		{
			name:    "podman as root",
			opts:    containerOpts{engine: "podman", name: "aos-x", cidfile: "/c"},
			want:    []string{"--network none", "--env-host=false --http-proxy=false"},
			notWant: []string{"--user", "--userns"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := s
			s.Env.Network = tc.network
			args, err := containerArgs(s, v, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			line := strings.Join(args, " ")
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("args lack %q:\n%s", w, line)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(line, w) {
					t.Errorf("args hold %q:\n%s", w, line)
				}
			}
		})
	}
}

// TestContainerImageTransports refuses, before any engine runs, images
// that name a transport: podman would read the host paths they name.
func TestContainerImageTransports(t *testing.T) {
	t.Parallel()
	for _, img := range []string{"docker-archive:/etc/x.tar", "oci-archive:x.tar", "dir:/", "containers-storage:[vfs@/tmp/s+/tmp/r]x", "oci:/srv:t", "--privileged"} {
		s := Spec{Name: "tests.unit", Dir: t.TempDir(), MountPoint: "/src", WorkingDir: "/src", Command: "true",
			Timeout: time.Second, MaxOutput: 1, Env: aos.Environment{Type: "podman", Image: img}}
		v, err := check(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := containerArgs(s, v, containerOpts{engine: "podman", name: "aos-x", cidfile: "/c"}); !errors.Is(err, ErrBadSpec) {
			t.Errorf("image %q: %v, want ErrBadSpec", img, err)
		}
	}
}

func TestRunAll(t *testing.T) {
	t.Parallel()
	b := backendNamed(t, "host")
	var specs []Spec
	for i := range 40 {
		specs = append(specs, b.spec(t, fmt.Sprintf("sleep 0.0%d; echo %d; exit %d", i%10, i, i%3)))
		specs[i].Name = fmt.Sprint("job-", i)
	}
	specs[7].Timeout = 0 // cannot run
	results, err := RunAll(context.Background(), specs, 4)
	if err == nil || !strings.Contains(err.Error(), "job-7") || !errors.Is(err, ErrBadSpec) {
		t.Errorf("error %v, want one naming job-7", err)
	}
	if len(results) != len(specs) {
		t.Fatalf("%d results for %d specs", len(results), len(specs))
	}
	for i, r := range results {
		if r.Name != specs[i].Name {
			t.Errorf("result %d is %s", i, r.Name)
		}
		if i == 7 {
			continue
		}
		if r.ExitCode != i%3 || string(r.Output) != fmt.Sprintln(i) {
			t.Errorf("%s: exit %d, output %q", r.Name, r.ExitCode, r.Output)
		}
	}
}

// TestRunAllParallelism runs seven jobs, two at a time: never more than
// two are seen running together, and two run together while two are left.
func TestRunAllParallelism(t *testing.T) {
	t.Parallel()
	b := backendNamed(t, "host")
	m := marker()
	specs := make([]Spec, 7)
	for i := range specs {
		specs[i] = b.spec(t, sleeper(m, fmt.Sprint(i)))
		specs[i].Name += fmt.Sprint("-", i)
	}
	var most int
	var holdErr error
	done, held := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(held)
		most, holdErr = holdSleepers(m, len(specs), 2, done)
	}()
	results, err := RunAll(context.Background(), specs, 2)
	close(done)
	<-held
	if err != nil {
		t.Fatal(err)
	}
	if holdErr != nil {
		t.Fatal(holdErr)
	}
	if most != 2 {
		t.Errorf("at most %d jobs ran together, want 2", most)
	}
	for i, r := range results {
		if string(r.Output) != fmt.Sprintln(i) || !r.OK() {
			t.Errorf("job %d: exit %d, output %q", i, r.ExitCode, r.Output)
		}
	}
}

func randomHex(t testing.TB) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}
