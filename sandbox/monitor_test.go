package sandbox

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/architectos/aos/internal/owner"
)

// TestKillMonitors: what a container leaves behind after its removal, a
// monitor process naming it and the runtime's init under the monitor, is
// killed, and a process that names another container is not.
func TestKillMonitors(t *testing.T) {
	t.Parallel()
	name := "aos-test.monitor-" + strconv.Itoa(os.Getpid())
	start := func(n string) (*exec.Cmd, int) {
		// A monitor in the shape of conmon: "-n NAME" among its
		// arguments, a child that waits for ever.
		cmd := exec.Command("sh", "-c", "sleep 300 & echo $!; wait", "conmon", "-n", n)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		b := make([]byte, 32)
		k, _ := out.Read(b)
		child, err := strconv.Atoi(strings.TrimSpace(string(b[:k])))
		if err != nil {
			t.Fatalf("the monitor's child: %q: %v", b[:k], err)
		}
		t.Cleanup(func() { syscall.Kill(child, syscall.SIGKILL) })
		return cmd, child
	}
	mon, child := start(name)
	other, otherChild := start(name + "-other")

	killMonitors(name)

	done := make(chan error, 1)
	go func() { done <- mon.Wait() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the monitor naming the container is still running")
	}
	if _, alive := owner.StartTime(child); alive {
		t.Error("the monitor's child is still running")
	}
	if _, alive := owner.StartTime(other.Process.Pid); !alive {
		t.Error("the monitor of another container was killed")
	}
	if _, alive := owner.StartTime(otherChild); !alive {
		t.Error("the child of another container's monitor was killed")
	}
}
