package sandbox

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/architectos/aos/internal/owner"
)

// killMonitors kills what is left of container name once the engine has
// removed it: a container engine's monitor (podman's conmon) runs apart
// from the engine, with the container's name among its arguments
// ("-n NAME"), and when the engine was killed between creating the
// container and starting it, the monitor and the runtime's init under it
// (runc init, waiting for a start that never comes) outlive the removal.
// It kills every process given name as an argument of its own, and their
// children, and waits until they are gone.
func killMonitors(name string) {
	if name == "" {
		return
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	arg := []byte(name)
	monitors := map[int]bool{}
	parents := map[int]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if stat, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil {
			// pid (comm) state ppid ...; comm may hold anything.
			if i := bytes.LastIndexByte(stat, ')'); i >= 0 {
				if f := bytes.Fields(stat[i+1:]); len(f) > 1 {
					if ppid, err := strconv.Atoi(string(f[1])); err == nil {
						parents[pid] = ppid
					}
				}
			}
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		for _, a := range bytes.Split(cmdline, []byte{0}) {
			if bytes.Equal(a, arg) {
				monitors[pid] = true
				break
			}
		}
	}
	if len(monitors) == 0 {
		return
	}
	var killed []int
	for pid, ppid := range parents {
		if monitors[pid] || monitors[ppid] {
			syscall.Kill(pid, syscall.SIGKILL)
			killed = append(killed, pid)
		}
	}
	waitPidsGone(killed)
}

// waitPidsGone waits until none of the killed processes pids is alive, for at
// most groupGoneTimeout.
func waitPidsGone(pids []int) {
	deadline := time.Now().Add(groupGoneTimeout)
	for _, pid := range pids {
		for pause := 100 * time.Microsecond; time.Now().Before(deadline); pause = min(2*pause, 10*time.Millisecond) {
			if _, alive := owner.StartTime(pid); !alive {
				break
			}
			time.Sleep(pause)
		}
	}
}
