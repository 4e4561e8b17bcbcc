// Package procgroup sees whether the processes of a process group are
// gone, reading /proc: after SIGKILL of a group, the sandbox waits until
// they are, and the tests that kill git-aos check that none is left.
package procgroup

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// WaitGone waits until no live process is left in group pgid, or timeout
// has passed, and reports whether the group is gone: SIGKILL is
// delivered at once, but a process takes a moment to exit. Zombies do not
// count; their new parent reaps them.
func WaitGone(pgid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for pause := 100 * time.Microsecond; ; pause = min(2*pause, 10*time.Millisecond) {
		if syscall.Kill(-pgid, 0) == syscall.ESRCH || !Live(pgid) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
	}
}

// Live reports whether a process of group pgid is alive (neither a
// zombie nor dead).
func Live(pgid int) bool {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return false
	}
	for _, e := range ents {
		if c := e.Name()[0]; c < '0' || c > '9' {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold anything.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if g, err := strconv.Atoi(f[2]); err == nil && g == pgid {
			return true
		}
	}
	return false
}
