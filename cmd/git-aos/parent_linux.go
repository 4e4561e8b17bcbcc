package main

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// followGitParent makes the kernel send this process SIGTERM when its
// parent dies, when that parent is git: "git aos run" runs git-aos as a
// child of git, and a CI timeout that kills git with SIGKILL would
// otherwise leave git-aos running, and moving its branch, after the
// caller saw git's exit. SIGTERM cancels the command as Ctrl-C does: jobs
// are killed, temporary files removed, and a branch not yet moved is left
// alone (docs/spec.md section 1, "Interrupted"). A parent that is not git
// (a shell, a supervisor, nohup) is left to decide for itself.
func followGitParent() {
	ppid := os.Getppid()
	if ppid == 1 && os.Getenv("GIT_EXEC_PATH") != "" {
		// git runs its commands with GIT_EXEC_PATH set: git died before
		// this process started following it.
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		return
	}
	if ppid <= 1 || !isGit(ppid) {
		return
	}
	// The setting belongs to the calling thread, and is acted on while
	// that thread lives: keep it on the main thread, which never exits.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0, 0, 0) != nil {
		return
	}
	// The parent may have died before the setting took effect.
	if os.Getppid() != ppid {
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}
}

// isGit reports whether process pid runs git: its command name is git or
// git-something (git-receive-pack runs server hooks), but not git-aos,
// whose children that outlive it do so on purpose (the post-receive hook
// starts the runner and returns).
func isGit(pid int) bool {
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return false
	}
	name := strings.TrimSpace(string(comm))
	return name == "git" || strings.HasPrefix(name, "git-") && name != "git-aos"
}
