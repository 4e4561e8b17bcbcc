package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// bwrapSystemPaths are the host paths a bwrap job sees, read-only, when
// they exist. A path that is a symlink on the host (such as /bin on a
// merged-/usr system) is recreated as the same symlink.
var bwrapSystemPaths = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/alternatives"}

// bwrapNetworkPaths are the host files a bwrap job with network access
// also sees, read-only, so that name resolution and TLS work.
var bwrapNetworkPaths = []string{"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/ssl", "/etc/ca-certificates"}

// sandboxHostname is the host name isolated jobs see, the same on every
// machine, so that the host's name does not reach job output and records.
const sandboxHostname = "aos"

// bwrapArgs returns the bubblewrap options for s, up to and including "--".
func bwrapArgs(s Spec, v checked) ([]string, error) {
	var args []string
	for _, p := range bwrapSystemPaths {
		fi, err := os.Lstat(p)
		switch {
		case os.IsNotExist(err):
			continue
		case err != nil:
			return nil, fmt.Errorf("inspect %s: %w", p, err)
		case fi.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return nil, fmt.Errorf("inspect %s: %w", p, err)
			}
			args = append(args, "--symlink", target, p)
		case fi.IsDir():
			args = append(args, "--ro-bind", p, p)
		default:
			return nil, fmt.Errorf("%s is neither a directory nor a symlink", p)
		}
	}
	if s.Env.Network {
		for _, p := range bwrapNetworkPaths {
			args = append(args, "--ro-bind-try", p, p)
		}
	}
	wd := s.MountPoint
	if v.rel != "." {
		wd = path.Join(s.MountPoint, v.rel)
	}
	args = append(args, "--bind", v.dir, s.MountPoint)
	if v.gitDir != "" {
		args = append(args, "--ro-bind", v.gitDir, path.Join(s.MountPoint, ".git"))
	}
	for _, sock := range v.sockets {
		args = append(args, "--bind", sock, sock)
	}
	if v.export != "" {
		args = append(args, "--bind", v.export, s.ExportMount)
	}
	if v.changed != "" {
		args = append(args, "--ro-bind", v.changed, ChangedPath)
	}
	args = append(args,
		"--tmpfs", "/tmp",
		"--proc", "/proc",
		"--dev", "/dev",
		"--remount-ro", "/",
		"--chdir", wd,
		"--unshare-all",
		"--hostname", sandboxHostname,
	)
	if s.Env.Network {
		args = append(args, "--share-net")
	}
	args = append(args,
		"--cap-drop", "ALL",
		"--die-with-parent",
		"--new-session",
		"--clearenv",
	)
	env := cleanEnv(s.MountPoint, v.vars)
	if v.changed != "" {
		env = append(env, changedVar+"="+ChangedPath)
	}
	for _, kv := range env {
		k, val, _ := strings.Cut(kv, "=")
		args = append(args, "--setenv", k, val)
	}
	return append(args, "--"), nil
}

// bwrapPlan runs the job under bubblewrap. The bwrap process itself gets an
// empty environment.
func bwrapPlan(s Spec, v checked, b resolved) (procPlan, error) {
	if v.limited {
		return procPlan{}, fmt.Errorf("environment.limits cannot be enforced by the bwrap backend; use container: %w", ErrBadSpec)
	}
	args, err := bwrapArgs(s, v)
	if err != nil {
		return procPlan{}, err
	}
	// bwrap reports the host PID of the namespace's init on --info-fd.
	info, infoW, err := os.Pipe()
	if err != nil {
		return procPlan{}, fmt.Errorf("bwrap info pipe: %w", err)
	}
	sup, err := theSupervisor()
	if err != nil {
		info.Close()
		infoW.Close()
		return procPlan{}, err
	}
	ns := &pidNamespace{info: info, read: make(chan struct{}), pidfd: -1, sup: sup}
	argv := append([]string{b.program, "--info-fd", "3"}, args...)
	argv = append(argv, "/bin/sh", "-c", v.script)
	argv = append(argv, v.shArgs...)
	return procPlan{
		argv:       argv,
		env:        []string{},
		dir:        "/",
		extraFiles: []*os.File{infoW},
		launched:   func() { ns.watching = true; go ns.watch() },
		settle:     ns.kill,
		cleanup:    ns.close,
	}, nil
}

// settleTimeout bounds the wait for a killed PID namespace to empty.
const settleTimeout = 10 * time.Second

// pidNamespace follows the init process of a bwrap job's PID namespace.
// bwrap exits as soon as the job's command does, while its init may still
// be reaping the command's background children; they die with the init
// (SIGKILL from the kernel), and the init's exit is reported only once
// every process of the namespace is gone.
type pidNamespace struct {
	info  *os.File      // read end of bwrap's --info-fd
	read  chan struct{} // closed once info is read and pidfd set
	pidfd int           // pidfd of the init, or -1
	// watching is set once watch runs (bwrap started).
	watching bool
	// sup watches the init's group (the namespace's session), which is
	// outside bwrap's, until unwatch.
	sup     *supervisor
	unwatch func()
}

// watch reads the init's PID and opens a pidfd for it while bwrap, its
// parent, has not been reaped, so the PID cannot have been reused.
func (n *pidNamespace) watch() {
	defer close(n.read)
	var msg struct {
		ChildPID int `json:"child-pid"`
	}
	data, _ := io.ReadAll(io.LimitReader(n.info, 1<<16))
	if json.Unmarshal(data, &msg) != nil || msg.ChildPID <= 0 {
		return
	}
	if fd, err := unix.PidfdOpen(msg.ChildPID, 0); err == nil {
		n.pidfd = fd
		// Killing the init empties the namespace, and its exit is
		// reported once the namespace is empty.
		if u, err := n.sup.watchGroup(msg.ChildPID); err == nil {
			n.unwatch = u
		}
	}
}

// kill kills the namespace's init, and with it every process of the
// namespace, and waits until they are gone.
func (n *pidNamespace) kill() {
	if !n.watching {
		return
	}
	select {
	case <-n.read:
	case <-time.After(settleTimeout):
		return
	}
	if n.pidfd < 0 {
		return // bwrap never started it, or it was already reaped
	}
	unix.PidfdSendSignal(n.pidfd, unix.SIGKILL, nil, 0)
	fds := []unix.PollFd{{Fd: int32(n.pidfd), Events: unix.POLLIN}}
	deadline := time.Now().Add(settleTimeout)
	for time.Now().Before(deadline) {
		nready, err := unix.Poll(fds, int(time.Until(deadline).Milliseconds())+1)
		if nready > 0 || (err != nil && err != unix.EINTR) {
			return
		}
	}
}

// close releases the pipe and the pidfd. Closing the pipe ends watch.
func (n *pidNamespace) close() {
	n.info.Close()
	if !n.watching {
		return
	}
	<-n.read
	if n.pidfd >= 0 {
		unix.Close(n.pidfd)
	}
	if n.unwatch != nil {
		n.unwatch()
	}
}
