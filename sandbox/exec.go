package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/architectos/aos/internal/procgroup"
	"golang.org/x/sys/unix"
)

// procPlan is how a backend runs a job: one host process, plus what to do
// when the job must be killed and when it is over.
type procPlan struct {
	argv []string
	env  []string // the host process's environment; never nil
	dir  string   // the host process's working directory
	// kill, when set, is called after the host process was killed at the
	// deadline or on cancellation, to kill what lives outside its process
	// group (a container).
	kill func() error
	// started, when set, interprets the exit of a job that ended by
	// itself: it returns an error when the job never started (the engine
	// failed), given the exit code and the captured output.
	started func(code int, out []byte) error
	// cleanup, when set, removes temporary files of the plan.
	cleanup func()
	// extraFiles are given to the host process as descriptors 3, 4, ...;
	// this process's copies are closed once it has started.
	extraFiles []*os.File
	// launched, when set, is called once the host process has started.
	launched func()
	// settle, when set, is called once the host process has exited or
	// was killed: it kills and waits for what the job left running
	// outside the host process's group (a PID namespace).
	settle func()
}

// drainGrace bounds how long output is still read after the job's process
// group is gone, in case a process that left the group holds the pipe.
const drainGrace = 2 * time.Second

// execute starts p in its own process group, captures its merged output,
// and kills the whole group (and p.kill) at the deadline or when ctx is
// done. The group is killed after a normal exit as well, so that background
// children of the job do not outlive it.
func execute(ctx context.Context, s Spec, p procPlan) (Result, error) {
	var res Result
	if err := ctx.Err(); err != nil {
		return res, err
	}
	sup, err := theSupervisor()
	if err != nil {
		return res, err
	}
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Env = p.env
	cmd.Dir = p.dir
	// The job's host process dies with this process, whatever kills it;
	// the supervisor kills the rest of its group (supervisor.go).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	pr, pw, err := os.Pipe()
	if err != nil {
		return res, fmt.Errorf("output pipe: %w", err)
	}
	defer pr.Close()
	cmd.Stdout = pw
	cmd.Stderr = pw

	out := newCapture(s.MaxOutput)
	start := time.Now()
	cmd.ExtraFiles = p.extraFiles
	err = cmd.Start()
	pw.Close()
	for _, f := range p.extraFiles {
		f.Close()
	}
	if err != nil {
		return res, fmt.Errorf("start %s: %w", p.argv[0], err)
	}
	if p.launched != nil {
		p.launched()
	}
	pgid := cmd.Process.Pid
	unwatch, err := sup.watchGroup(pgid)
	if err != nil {
		killGroup(pgid)
		cmd.Wait()
		return res, err
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		io.Copy(out, pr) // capture never fails; a read error ends the copy
	}()
	// Wait for the exit without reaping, so that the group can still be
	// killed by its id while its leader is a zombie: the id cannot have
	// been reused by then.
	exited := make(chan error, 1)
	go func() { exited <- waitExit(pgid) }()

	timer := time.NewTimer(s.Timeout)
	defer timer.Stop()
	var killed, cancelled bool
	var exitErr error
	select {
	case exitErr = <-exited:
	case <-timer.C:
		killed = true
	case <-ctx.Done():
		killed, cancelled = true, true
	}
	var killErr error
	if killed {
		res.TimedOut = !cancelled
		killGroup(pgid)
		exitErr = <-exited
		if p.kill != nil {
			killErr = p.kill()
		}
	}
	res.Duration = time.Since(start)
	// Leftover background processes of the job die with the group.
	killGroup(pgid)
	if p.settle != nil {
		p.settle()
	}
	waitErr := cmd.Wait()
	waitGroupGone(pgid)
	unwatch()
	if exitErr != nil {
		return res, fmt.Errorf("wait for %s: %w", p.argv[0], exitErr)
	}

	// The pipe ends when every process holding it is gone.
	pr.SetReadDeadline(time.Now().Add(drainGrace))
	<-copied
	out.fill(&res)

	code, err := exitCode(cmd, waitErr)
	if err != nil {
		return res, err
	}
	res.ExitCode = code
	switch {
	case killErr != nil:
		return res, fmt.Errorf("kill job: %w", killErr)
	case cancelled:
		return res, ctx.Err()
	case !killed && p.started != nil:
		if err := p.started(code, res.Output); err != nil {
			return res, err
		}
	}
	return res, nil
}

// waitExit waits until the process pid has exited, leaving it waitable.
func waitExit(pid int) error {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return err
		}
	}
}

// killGroup sends SIGKILL to the process group pgid, ignoring a group that
// is already gone.
func killGroup(pgid int) {
	if pgid > 0 {
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

// groupGoneTimeout bounds the wait for killed processes to exit.
const groupGoneTimeout = 5 * time.Second

// waitGroupGone waits, after the group pgid was killed and its leader
// reaped, until no live process is left in it ([procgroup.WaitGone]).
func waitGroupGone(pgid int) { procgroup.WaitGone(pgid, groupGoneTimeout) }

// exitCode returns the status of the finished cmd: its exit code, or 128+N
// when signal N killed it.
func exitCode(cmd *exec.Cmd, waitErr error) (int, error) {
	var ee *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &ee) {
		return 0, fmt.Errorf("wait for %s: %w", cmd.Path, waitErr)
	}
	st, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok {
		return 0, fmt.Errorf("wait for %s: no wait status", cmd.Path)
	}
	if st.Signaled() {
		return 128 + int(st.Signal()), nil
	}
	return st.ExitStatus(), nil
}
