package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/architectos/aos"
	"github.com/sourcegraph/conc/pool"
)

// Spec describes one job.
type Spec struct {
	// Name names the job in messages, e.g. "tests.default".
	Name string
	// Env is the manifest's environment: backend, engine, image, network,
	// variables and limits.
	Env aos.Environment
	// Dir is the host directory of the job's materialised workspace.
	Dir string
	// MountPoint is the absolute path of the workspace inside the sandbox,
	// e.g. /workspace. The host backend has no such path: there the job
	// runs in Dir itself.
	MountPoint string
	// WorkingDir is the absolute path, at or under MountPoint, the job starts
	// in; empty means MountPoint.
	WorkingDir string
	// Command is the trusted command from the manifest, run by /bin/sh -c.
	Command string
	// Args are the untrusted arguments of the plan, passed to Command as
	// "$@", one argv element each.
	Args []string
	// Timeout is the job's deadline; it must be positive.
	Timeout time.Duration
	// MaxOutput is how many bytes of output are kept; it must be positive.
	MaxOutput int64
	// Runtime, when set, is the OCI runtime the container engine is asked
	// to use (--runtime). Empty means the environment variable
	// AOS_CONTAINER_RUNTIME, or else the engine's default.
	Runtime string
	// GitDir, when set, is a host git directory mounted read-only at
	// MountPoint/.git (environment.git). The host backend cannot mount
	// it and rejects a Spec that sets it.
	GitDir string
	// Sockets are unix sockets of the host, each bound into the sandbox
	// at the same path (docs/spec.md 10.6). Each must be a socket, not a
	// symlink to one, when the job starts. The host backend isolates
	// nothing: there they change nothing.
	Sockets []string
	// Export, when set, is a host directory bound writable at
	// ExportMount, where the job leaves files to export (docs/spec.md
	// 10.6). The host backend cannot mount it and rejects a Spec that
	// sets it.
	Export      string
	ExportMount string
	// Changed, when set, is a host file listing the paths the plan has
	// changed, each followed by a NUL byte: the job finds it through
	// AOS_CHANGED_FILES, at [ChangedPath] inside bwrap and containers,
	// at Changed itself on the host backend (docs/spec.md 10.3).
	Changed string
}

// ChangedPath is where the list of changed files appears inside bwrap and
// containers.
const ChangedPath = "/aos/changed"

// changedVar names the environment variable that names the list.
const changedVar = "AOS_CHANGED_FILES"

// TailLines is how many lines of output [Result.Tail] holds at most.
const TailLines = 200

// Result is the record of a job that ran.
type Result struct {
	// Name is the Spec's name.
	Name string `json:"name"`
	// Backend is the backend that ran the job: "container:podman",
	// "container:docker", "bwrap" or "host".
	Backend string `json:"backend"`
	// ExitCode is the job's exit status; 128+N when it was killed by
	// signal N (as when it timed out).
	ExitCode int `json:"exit_code"`
	// Duration is the wall time from start to exit.
	Duration time.Duration `json:"duration"`
	// TimedOut reports that the job was killed at its deadline.
	TimedOut bool `json:"timed_out"`
	// OutputBytes is the length of the whole output stream, kept or not.
	OutputBytes int64 `json:"output_bytes"`
	// OutputDigest is "sha256:" and the hex sha256 of the whole output.
	OutputDigest string `json:"output_digest"`
	// Truncated reports that OutputBytes exceeded the cap, so Output holds
	// only the first MaxOutput bytes.
	Truncated bool `json:"truncated"`
	// Tail holds the last lines (at most [TailLines]) of the output's last
	// MaxOutput bytes, without their newlines. When the output was
	// truncated, they come from the end of the stream, not of Output.
	Tail []string `json:"tail"`
	// Output holds the first MaxOutput bytes of the output.
	Output []byte `json:"-"`
}

// OK reports whether the job exited with status 0 before its deadline.
func (r Result) OK() bool { return r.ExitCode == 0 && !r.TimedOut }

// ErrNotImplemented is wrapped by the error for a backend that exists in the
// manifest schema but not yet here (nix).
var ErrNotImplemented = errors.New("not implemented")

// ErrBadSpec is wrapped by every error about a Spec that cannot be run as
// given.
var ErrBadSpec = errors.New("bad job spec")

// BackendMissingError reports that the program a backend needs is not
// installed. Install says how to install it.
type BackendMissingError struct {
	Backend string // e.g. "bwrap", "container"
	Program string // e.g. "bwrap", "podman or docker"
	Install string // e.g. "apt-get install bubblewrap"
}

func (e *BackendMissingError) Error() string {
	return fmt.Sprintf("sandbox backend %s needs %s, which is not installed: %s", e.Backend, e.Program, e.Install)
}

// backend kinds after resolving environment.type and environment.engine.
const (
	kindBwrap     = "bwrap"
	kindHost      = "host"
	kindContainer = "container"
)

// resolved is a backend chosen for an environment.
type resolved struct {
	kind    string // kindBwrap, kindHost or kindContainer
	program string // absolute path of bwrap, podman or docker; "" for host
	engine  string // "podman" or "docker" for containers
}

func (r resolved) name() string {
	if r.kind == kindContainer {
		return kindContainer + ":" + r.engine
	}
	return r.kind
}

// Install hints for missing programs, in the terms of Debian packages.
const (
	installBwrap  = "apt-get install bubblewrap"
	installPodman = "apt-get install podman runc"
	installDocker = "apt-get install docker.io"
)

// resolve picks the backend of env and finds its program. It never falls
// back to another backend.
func resolve(env aos.Environment) (resolved, error) {
	engine := env.Engine
	switch env.Type {
	case "":
		return resolved{}, fmt.Errorf("environment.type is empty: set it to container, bwrap or host: %w", ErrBadSpec)
	case "nix":
		return resolved{}, fmt.Errorf("environment type nix: %w yet; use container or bwrap", ErrNotImplemented)
	case kindHost:
		return resolved{kind: kindHost}, nil
	case kindBwrap:
		p, err := exec.LookPath("bwrap")
		if err != nil {
			return resolved{}, &BackendMissingError{Backend: kindBwrap, Program: "bwrap (bubblewrap)", Install: installBwrap}
		}
		return resolved{kind: kindBwrap, program: p}, nil
	case "docker", "podman":
		if engine != "" && engine != env.Type {
			return resolved{}, fmt.Errorf("environment type %s conflicts with engine %s: %w", env.Type, engine, ErrBadSpec)
		}
		engine = env.Type
	case kindContainer:
	default:
		return resolved{}, fmt.Errorf("unknown environment type %q: %w", env.Type, ErrBadSpec)
	}
	switch engine {
	case "podman", "docker":
		p, err := exec.LookPath(engine)
		if err != nil {
			install := installPodman
			if engine == "docker" {
				install = installDocker
			}
			return resolved{}, &BackendMissingError{Backend: kindContainer, Program: engine, Install: install}
		}
		return resolved{kind: kindContainer, program: p, engine: engine}, nil
	case "":
		for _, e := range []string{"podman", "docker"} {
			if p, err := exec.LookPath(e); err == nil {
				return resolved{kind: kindContainer, program: p, engine: e}, nil
			}
		}
		return resolved{}, &BackendMissingError{Backend: kindContainer, Program: "podman or docker", Install: installPodman}
	default:
		return resolved{}, fmt.Errorf("unknown container engine %q: %w", engine, ErrBadSpec)
	}
}

// BackendNames returns the names a job run under env records as its
// backend ([Result.Backend]): one, or both engines' for a container type
// that pins none, since either may be the one installed. It looks for no
// program, and returns none for an environment no backend runs.
func BackendNames(env aos.Environment) []string {
	switch env.Type {
	case kindHost, kindBwrap:
		return []string{env.Type}
	case "docker", "podman":
		if env.Engine == "" || env.Engine == env.Type {
			return []string{kindContainer + ":" + env.Type}
		}
	case kindContainer:
		switch env.Engine {
		case "":
			return []string{kindContainer + ":podman", kindContainer + ":docker"}
		case "podman", "docker":
			return []string{kindContainer + ":" + env.Engine}
		}
	}
	return nil
}

// Available reports whether the backend env asks for can run here: nil, a
// [*BackendMissingError], or an error about env itself. It looks for the
// backend's program only; it does not start it.
func Available(env aos.Environment) error {
	_, err := resolve(env)
	return err
}

// Run runs the job s and returns its record. A job that fails or passes its
// deadline is a Result with a non-zero ExitCode or TimedOut set, and a nil
// error. Run returns an error only when the job could not run as asked: an
// unusable Spec, a missing backend, or an engine that could not start it.
// When ctx is done before the job ends, the job is killed and Run returns
// its Result with an error wrapping ctx.Err().
func Run(ctx context.Context, s Spec) (Result, error) {
	res, err := run(ctx, s)
	if err != nil {
		return res, fmt.Errorf("run job %s: %w", s.Name, err)
	}
	return res, nil
}

func run(ctx context.Context, s Spec) (Result, error) {
	b, err := resolve(s.Env)
	if err != nil {
		return Result{}, err
	}
	v, err := check(s)
	if err != nil {
		return Result{}, err
	}
	var p procPlan
	switch b.kind {
	case kindBwrap:
		p, err = bwrapPlan(s, v, b)
	case kindHost:
		p, err = hostPlan(s, v)
	case kindContainer:
		p, err = containerPlan(s, v, b)
	}
	if err != nil {
		return Result{}, err
	}
	if p.cleanup != nil {
		defer p.cleanup()
	}
	res, err := execute(ctx, s, p)
	res.Name = s.Name
	res.Backend = b.name()
	return res, err
}

// checked holds the validated, derived parts of a Spec.
type checked struct {
	dir     string   // absolute, symlink-free host path of the workspace
	rel     string   // WorkingDir relative to MountPoint, slash-separated
	vars    []string // KEY=VALUE of the manifest's variables, sorted
	script  string   // the script given to sh -c
	shArgs  []string // "sh" and the untrusted args, after the script
	limited bool     // environment.limits sets something
	gitDir  string   // absolute, symlink-free GitDir, or ""
	sockets []string // the sockets granted, each checked to be one
	export  string   // absolute, symlink-free Export, or ""
	changed string   // absolute, symlink-free Changed, or ""
}

// reservedMounts are paths a workspace may not be mounted over or under.
var reservedMounts = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/proc", "/dev", "/tmp", "/sys", "/run"}

func check(s Spec) (checked, error) {
	var v checked
	bad := func(format string, a ...any) (checked, error) {
		return checked{}, fmt.Errorf(format+": %w", append(a, ErrBadSpec)...)
	}
	if s.Timeout <= 0 {
		return bad("no timeout")
	}
	if s.MaxOutput <= 0 {
		return bad("no output cap")
	}
	if strings.TrimSpace(s.Command) == "" {
		return bad("empty command")
	}
	if strings.ContainsRune(s.Command, 0) {
		return bad("command holds a NUL byte")
	}
	for i, a := range s.Args {
		if strings.ContainsRune(a, 0) {
			return bad("argument %d holds a NUL byte", i)
		}
	}
	if s.Dir == "" {
		return bad("no workspace directory")
	}
	dir, err := filepath.Abs(s.Dir)
	if err != nil {
		return bad("workspace directory %s: %v", s.Dir, err)
	}
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		return bad("workspace directory %s: %v", s.Dir, err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return bad("workspace directory %s is not a directory", s.Dir)
	}
	if strings.ContainsAny(dir, ",:\n\"") {
		return bad("workspace directory %q holds a comma, colon, quote or newline", dir)
	}
	v.dir = dir
	if s.GitDir != "" {
		g, err := filepath.Abs(s.GitDir)
		if err == nil {
			g, err = filepath.EvalSymlinks(g)
		}
		if err != nil {
			return bad("git directory %s: %v", s.GitDir, err)
		}
		if strings.ContainsAny(g, ",:\n\"") {
			return bad("git directory %q holds a comma, colon, quote or newline", g)
		}
		v.gitDir = g
	}

	for _, sock := range s.Sockets {
		if !path.IsAbs(sock) || path.Clean(sock) != sock || sock == "/" || strings.ContainsAny(sock, ",:\n\"") {
			return bad("socket %q is not a clean absolute path", sock)
		}
		for _, r := range reservedMounts {
			if sock == r || strings.HasPrefix(sock, r+"/") && r != "/run" {
				return bad("socket %s is under %s, which the sandbox provides", sock, r)
			}
		}
		fi, err := os.Lstat(sock)
		if err != nil {
			return bad("socket %s: %v", sock, err)
		}
		if fi.Mode()&os.ModeSocket == 0 {
			return bad("socket %s is a %s, not a unix socket", sock, fileKind(fi.Mode()))
		}
		v.sockets = append(v.sockets, sock)
	}
	if s.Export != "" {
		e, err := filepath.EvalSymlinks(s.Export)
		if err != nil {
			return bad("export directory %s: %v", s.Export, err)
		}
		if fi, err := os.Stat(e); err != nil || !fi.IsDir() {
			return bad("export directory %s is not a directory", s.Export)
		}
		em := s.ExportMount
		if !path.IsAbs(em) || path.Clean(em) != em || em == "/" || strings.ContainsAny(em+e, ",:\n\"") {
			return bad("export mount %q is not a clean absolute path below /", em)
		}
		v.export = e
	}

	if s.Changed != "" {
		c, err := filepath.Abs(s.Changed)
		if err == nil {
			c, err = filepath.EvalSymlinks(c)
		}
		if err != nil {
			return bad("changed files list %s: %v", s.Changed, err)
		}
		if fi, err := os.Stat(c); err != nil || !fi.Mode().IsRegular() || strings.ContainsAny(c, ",:\n\"") {
			return bad("changed files list %s is not a regular file with a plain path", s.Changed)
		}
		v.changed = c
	}

	mp := s.MountPoint
	if !path.IsAbs(mp) || path.Clean(mp) != mp || mp == "/" || strings.ContainsAny(mp, ",:\n\"") {
		return bad("mount point %q is not a clean absolute path below /", mp)
	}
	for _, r := range reservedMounts {
		if mp == r || strings.HasPrefix(mp, r+"/") || strings.HasPrefix(r, mp+"/") {
			return bad("mount point %s overlaps %s", mp, r)
		}
	}
	wd := s.WorkingDir
	if wd == "" {
		wd = mp
	}
	if !path.IsAbs(wd) || path.Clean(wd) != wd {
		return bad("working directory %q is not a clean absolute path", wd)
	}
	switch {
	case wd == mp:
		v.rel = "."
	case strings.HasPrefix(wd, mp+"/"):
		v.rel = strings.TrimPrefix(wd, mp+"/")
	default:
		return bad("working directory %s is not under %s", wd, mp)
	}
	if err := checkWorkingDir(dir, v.rel); err != nil {
		return bad("working directory %s: %v", wd, err)
	}

	keys := make([]string, 0, len(s.Env.Variables))
	for k := range s.Env.Variables {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := s.Env.Variables[k]
		if !validVarName(k) {
			return bad("variable name %q is not a shell name", k)
		}
		if strings.ContainsRune(val, 0) {
			return bad("variable %s holds a NUL byte", k)
		}
		if k == changedVar && s.Changed != "" {
			continue // git-aos sets it (docs/spec.md 10.2)
		}
		v.vars = append(v.vars, k+"="+val)
	}

	l := s.Env.Limits
	if l.CPUs < 0 || l.MemoryMB < 0 || l.Pids < 0 {
		return bad("negative limit")
	}
	v.limited = l.CPUs > 0 || l.MemoryMB > 0 || l.Pids > 0

	v.script = s.Command
	if len(s.Args) > 0 {
		v.script += ` "$@"`
	}
	v.shArgs = append([]string{"sh"}, s.Args...)
	return v, nil
}

// fileKind names the kind of file mode m is, for messages.
func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeSymlink != 0:
		return "symlink"
	case m.IsDir():
		return "directory"
	case m.IsRegular():
		return "regular file"
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// checkWorkingDir checks that rel names a directory inside dir, resolving
// symlinks only within dir.
func checkWorkingDir(dir, rel string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	fi, err := root.Stat(rel)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return errors.New("not a directory")
	}
	return nil
}

func validVarName(k string) bool {
	if k == "" {
		return false
	}
	for i, c := range k {
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// cleanEnv returns the environment of a bwrap or host job: a minimal PATH,
// HOME, then the manifest's variables, which may override both.
func cleanEnv(home string, vars []string) []string {
	env := []string{"PATH=" + minimalPath, "HOME=" + home}
	return append(env, vars...)
}

const minimalPath = "/usr/local/bin:/usr/bin:/bin"

// RunAll runs specs with at most maxParallel jobs at once (at least one) and
// returns their results in the order of specs. The error joins the errors of
// every job that could not run, each naming its job; such a job's Result
// holds only its Name.
func RunAll(ctx context.Context, specs []Spec, maxParallel int) ([]Result, error) {
	if maxParallel < 1 {
		maxParallel = 1
	}
	results := make([]Result, len(specs))
	errs := make([]error, len(specs))
	p := pool.New().WithMaxGoroutines(maxParallel)
	for i := range specs {
		p.Go(func() {
			results[i], errs[i] = Run(ctx, specs[i])
			results[i].Name = specs[i].Name
		})
	}
	p.Wait()
	return results, errors.Join(errs...)
}
