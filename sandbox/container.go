package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/architectos/aos/policy"
)

// runtimeEnvVar names the environment variable that selects the container
// runtime when Spec.Runtime is empty.
const runtimeEnvVar = "AOS_CONTAINER_RUNTIME"

// engineFailed is the exit status with which podman and docker report that
// they, not the container, failed.
const engineFailed = 125

// removeTimeout bounds the forced removal of a container after a kill.
const removeTimeout = 30 * time.Second

// containerOpts are the host facts the container's options depend on.
type containerOpts struct {
	engine  string // "podman" or "docker"
	name    string // unique container name
	cidfile string // where the engine writes the container's id
	runtime string // OCI runtime, or ""
	uid     int    // effective uid and gid of this process
	gid     int
	owner   string // this process's owner token (package owner)
	host    string // this machine's name
}

// containerArgs returns the engine's arguments (after the program name) that
// run the job s in a fresh container.
func containerArgs(s Spec, v checked, o containerOpts) ([]string, error) {
	img := s.Env.Image
	if img == "" {
		return nil, fmt.Errorf("environment.image is empty: %w", ErrBadSpec)
	}
	if err := policy.CheckImage(img); err != nil {
		return nil, fmt.Errorf("environment.image: %v: %w", err, ErrBadSpec)
	}
	if strings.HasPrefix(o.runtime, "-") {
		return nil, fmt.Errorf("container runtime %q is not a name or path: %w", o.runtime, ErrBadSpec)
	}
	wd := s.MountPoint
	if v.rel != "." {
		wd = path.Join(s.MountPoint, v.rel)
	}
	args := []string{
		"run", "--rm",
		"--name", o.name,
		"--label", labelOwner + "=" + o.owner,
		"--label", labelHost + "=" + o.host,
		"--hostname", sandboxHostname,
		"--cidfile", o.cidfile,
		"--pull", "never",
		"--log-driver", "none",
		"--cap-drop", "ALL",
		"--security-opt", "no-new-privileges",
	}
	if o.runtime != "" {
		args = append(args, "--runtime", o.runtime)
	}
	if !s.Env.Network {
		args = append(args, "--network", "none")
	}
	if o.engine == "podman" {
		// Podman would otherwise copy the caller's proxy variables (and,
		// if containers.conf says so, its whole environment) into the
		// container.
		args = append(args, "--env-host=false", "--http-proxy=false")
	}
	if o.uid != 0 {
		if o.engine == "podman" {
			// Rootless podman: map the caller to the same id inside, so
			// that the workspace stays writable and owned by the caller.
			args = append(args, "--userns", "keep-id")
		} else {
			args = append(args, "--user", fmt.Sprintf("%d:%d", o.uid, o.gid))
		}
	}
	l := s.Env.Limits
	if l.CPUs > 0 {
		args = append(args, "--cpus", strconv.FormatFloat(l.CPUs, 'f', -1, 64))
	}
	if l.MemoryMB > 0 {
		m := strconv.Itoa(l.MemoryMB) + "m"
		args = append(args, "--memory", m, "--memory-swap", m)
	}
	if l.Pids > 0 {
		args = append(args, "--pids-limit", strconv.Itoa(l.Pids))
	}
	args = append(args,
		"--mount", "type=bind,source="+v.dir+",destination="+s.MountPoint,
	)
	if v.gitDir != "" {
		args = append(args, "--mount", "type=bind,source="+v.gitDir+",destination="+path.Join(s.MountPoint, ".git")+",readonly")
	}
	for _, sock := range v.sockets {
		args = append(args, "--mount", "type=bind,source="+sock+",destination="+sock)
	}
	if v.export != "" {
		args = append(args, "--mount", "type=bind,source="+v.export+",destination="+s.ExportMount)
	}
	if v.changed != "" {
		args = append(args, "--mount", "type=bind,source="+v.changed+",destination="+ChangedPath+",readonly")
	}
	args = append(args, "--workdir", wd)
	for _, kv := range v.vars {
		args = append(args, "--env", kv)
	}
	if v.changed != "" {
		args = append(args, "--env", changedVar+"="+ChangedPath)
	}
	// Merge standard error into standard output inside the container: the
	// engine relays the two streams separately and would lose their order.
	args = append(args, img, "/bin/sh", "-c", "exec 2>&1\n"+v.script)
	return append(args, v.shArgs...), nil
}

// containerPlan runs the job with the podman or docker CLI. The CLI gets
// this process's environment (CONTAINERS_CONF, DOCKER_HOST, ...); the
// container gets only the manifest's variables.
func containerPlan(s Spec, v checked, b resolved) (procPlan, error) {
	name, err := containerName(s.Name)
	if err != nil {
		return procPlan{}, err
	}
	sup, err := theSupervisor()
	if err != nil {
		return procPlan{}, err
	}
	tmp, unwatchDir, err := makeWatchedDir(sup, os.TempDir())
	if err != nil {
		return procPlan{}, fmt.Errorf("container id file: %w", err)
	}
	// The container is watched before it exists: a process killed
	// while the engine creates it leaves it to the supervisor.
	unwatch, err := sup.watchContainer(b.program, name)
	if err != nil {
		os.RemoveAll(tmp)
		unwatchDir()
		return procPlan{}, err
	}
	cleanup := func() {
		os.RemoveAll(tmp)
		unwatchDir()
		unwatch()
	}
	runtime := s.Runtime
	if runtime == "" {
		runtime = os.Getenv(runtimeEnvVar)
	}
	cidfile := filepath.Join(tmp, "cid")
	args, err := containerArgs(s, v, containerOpts{
		engine:  b.engine,
		name:    name,
		cidfile: cidfile,
		runtime: runtime,
		uid:     os.Geteuid(),
		gid:     os.Getegid(),
		owner:   ownerLabel(),
		host:    hostLabel(),
	})
	if err != nil {
		cleanup()
		return procPlan{}, err
	}
	return procPlan{
		argv:    append([]string{b.program}, args...),
		env:     os.Environ(),
		dir:     "/",
		kill:    func() error { return removeContainer(b, name) },
		started: func(code int, out []byte) error { return checkStarted(b, cidfile, code, out) },
		cleanup: cleanup,
	}, nil
}

// containerName returns a name no other container has: "aos-", the job's
// name made safe, and random hex.
func containerName(job string) (string, error) {
	var sb strings.Builder
	for _, c := range job {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '-':
			sb.WriteRune(c)
		default:
			sb.WriteByte('_')
		}
		if sb.Len() >= 40 {
			break
		}
	}
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("container name: %w", err)
	}
	return "aos-" + sb.String() + "-" + hex.EncodeToString(r[:]), nil
}

// removeContainer forcibly removes the container name, which may not exist
// (the engine may have been killed before creating it).
func removeContainer(b resolved, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), removeTimeout)
	defer cancel()
	args := []string{"rm", "--force"}
	if b.engine == "podman" {
		args = append(args, "--time", "0")
	}
	out, err := exec.CommandContext(ctx, b.program, append(args, name)...).CombinedOutput()
	if err != nil && !strings.Contains(strings.ToLower(string(out)), "no such container") {
		return fmt.Errorf("remove container %s: %w: %s", name, err, strings.TrimSpace(string(out)))
	}
	killMonitors(name)
	return nil
}

// checkStarted tells an engine failure from a job that exited with the
// engine's failure status: only a created container has an id file.
func checkStarted(b resolved, cidfile string, code int, out []byte) error {
	if code != engineFailed {
		return nil
	}
	if id, err := os.ReadFile(cidfile); err == nil && len(strings.TrimSpace(string(id))) > 0 {
		return nil
	}
	msg := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:]
	}
	return fmt.Errorf("%s could not start the container: %s", b.engine, msg)
}
