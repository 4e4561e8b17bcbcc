package sandbox

import (
	"fmt"
	"os"
	"path"
	"strings"
)

// bwrapSystemPaths are the host paths a bwrap job sees, read-only, when
// they exist. A path that is a symlink on the host (such as /bin on a
// merged-/usr system) is recreated as the same symlink.
var bwrapSystemPaths = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/alternatives"}

// bwrapNetworkPaths are the host files a bwrap job with network access
// also sees, read-only, so that name resolution and TLS work.
var bwrapNetworkPaths = []string{"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/ssl", "/etc/ca-certificates"}

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
	args = append(args,
		"--tmpfs", "/tmp",
		"--proc", "/proc",
		"--dev", "/dev",
		"--remount-ro", "/",
		"--chdir", wd,
		"--unshare-all",
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
	for _, kv := range cleanEnv(s.MountPoint, v.vars) {
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
	argv := append([]string{b.program}, args...)
	argv = append(argv, "/bin/sh", "-c", v.script)
	argv = append(argv, v.shArgs...)
	return procPlan{argv: argv, env: []string{}, dir: "/"}, nil
}
