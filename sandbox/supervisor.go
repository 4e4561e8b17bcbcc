package sandbox

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/architectos/aos/internal/owner"
)

// The supervisor.
//
// Whatever kills a git-aos process (SIGKILL, the OOM killer, a CI
// timeout killing its process group), nothing of its jobs may outlive
// it. The kernel takes care of what it can: every job's host process
// gets a parent-death signal (SIGKILL), and bwrap kills its PID
// namespace when it dies (--die-with-parent). What the kernel cannot
// reach is left to a supervisor: a process of the same executable,
// started with the first job of a process in a session of its own, which
// reads on a pipe what the process starts (job process groups, job
// workspaces, containers) and ends (the same, undone). When the pipe
// closes, because the process exited or was killed, the supervisor kills
// the process groups still listed, removes the containers still listed
// (by name, then by the label of their owner) and the workspaces still
// listed, and exits. A process that ends normally has undone everything:
// its supervisor exits at once.
//
// The supervisor is this executable run again with the argument
// supervisorArg and supervisorEnv=1. Every executable that links this
// package becomes one when started that way, before main or TestMain
// runs (the "reexec" idiom): git-aos, and the test binaries of the
// packages that run jobs.

const (
	supervisorArg = "__aos-job-supervisor"
	supervisorEnv = "AOS_JOB_SUPERVISOR"
)

func init() {
	if len(os.Args) > 3 && os.Args[1] == supervisorArg && os.Getenv(supervisorEnv) == "1" {
		os.Exit(superviseMain(os.Stdin, os.Stdout))
	}
}

// supervisor is the connection of this process to its supervisor.
type supervisor struct {
	mu sync.Mutex
	w  *os.File
}

var (
	supOnce sync.Once
	sup     *supervisor
	supErr  error
)

// theSupervisor returns this process's supervisor, starting it on first
// use. It returns only once the supervisor is ready to read.
func theSupervisor() (*supervisor, error) {
	supOnce.Do(func() { sup, supErr = startSupervisor() })
	return sup, supErr
}

func startSupervisor() (*supervisor, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start the job supervisor: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start the job supervisor: %w", err)
	}
	ready, readyW, err := os.Pipe()
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("start the job supervisor: %w", err)
	}
	defer ready.Close()
	tok := owner.Self()
	if tok == "" {
		tok = "unknown"
	}
	cmd := exec.Command(exe, supervisorArg, strconv.Itoa(os.Getpid()), tok)
	// The container CLI runs with this process's environment; so does
	// the supervisor that removes containers.
	cmd.Env = append(os.Environ(), supervisorEnv+"=1")
	cmd.Dir = "/"
	cmd.Stdin = r
	cmd.Stdout = readyW
	// A session of its own: a signal to this process's group or
	// session does not reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	r.Close()
	readyW.Close()
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("start the job supervisor: %w", err)
	}
	// It is not waited for: it outlives this process when this process
	// is killed, and exits on its own otherwise.
	go cmd.Wait()
	line, err := bufio.NewReader(ready).ReadString('\n')
	if err != nil || line != "ready\n" {
		w.Close()
		cmd.Process.Kill()
		return nil, fmt.Errorf("start the job supervisor: it did not start (%v)", err)
	}
	return &supervisor{w: w}, nil
}

// send writes one line to the supervisor.
func (s *supervisor) send(words ...string) error {
	for _, w := range words {
		if w == "" || strings.ContainsAny(w, " \n") {
			return fmt.Errorf("job supervisor: %q cannot be sent", w)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := io.WriteString(s.w, strings.Join(words, " ")+"\n"); err != nil {
		return fmt.Errorf("job supervisor: %w", err)
	}
	return nil
}

// watch asks the supervisor to remove or kill what the words name if this
// process dies, and returns the function that says it is done with.
func (s *supervisor) watch(kind string, args ...string) (done func(), err error) {
	if err := s.send(append([]string{"+" + kind}, args...)...); err != nil {
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(func() { s.send(append([]string{"-" + kind}, args...)...) }) }, nil
}

// watchDir watches a directory this process made (a workspace): path
// must hold no space or newline.
func (s *supervisor) watchDir(path string) (func(), error) { return s.watch("dir", path) }

// watchGroup watches the process group of a job, led by process pgid.
func (s *supervisor) watchGroup(pgid int) (func(), error) {
	start, ok := procStart(pgid)
	if !ok {
		return func() {}, nil // already gone
	}
	return s.watch("group", strconv.Itoa(pgid), strconv.FormatUint(start, 10))
}

// watchContainer watches a container, by its engine's program and name.
func (s *supervisor) watchContainer(program, name string) (func(), error) {
	return s.watch("container", program, name)
}

// superviseMain is the supervisor: it reads what to watch from in until
// it ends, then cleans up what is still watched. It says "ready" on out
// first.
func superviseMain(in io.Reader, out io.Writer) int {
	signalIgnore()
	if _, err := io.WriteString(out, "ready\n"); err != nil {
		return 1
	}
	if f, ok := out.(*os.File); ok {
		f.Close()
	}
	watched := map[string]map[string]bool{"dir": {}, "group": {}, "container": {}}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || len(f[0]) < 2 {
			continue
		}
		set, ok := watched[f[0][1:]]
		if !ok {
			continue
		}
		key := strings.Join(f[1:], " ")
		if f[0][0] == '+' {
			set[key] = true
		} else {
			delete(set, key)
		}
	}
	// Its arguments are the watched process's pid and owner token.
	cleanup(watched, os.Args[3])
	return 0
}

// signalIgnore makes the supervisor deaf to the signals a terminal or a
// CI runner sends to the process it watches: it ends when that process
// is gone and it has cleaned up, not before.
func signalIgnore() {
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
}

// cleanup kills the job process groups still watched, waits until they are
// gone, removes the containers still watched and those labelled with the
// dead owner's token, then the directories.
func cleanup(w map[string]map[string]bool, tok string) {
	for key := range w["group"] {
		f := strings.Fields(key)
		if len(f) != 2 {
			continue
		}
		pgid, err1 := strconv.Atoi(f[0])
		start, err2 := strconv.ParseUint(f[1], 10, 64)
		if err1 != nil || err2 != nil || pgid <= 1 {
			continue
		}
		// The group is the job's while its leader is the process that
		// was watched, or, with the leader reaped, while members are
		// left: a new group of that id needs a new process of that pid.
		if now, ok := procStart(pgid); ok && now != start {
			continue
		}
		syscall.Kill(-pgid, syscall.SIGKILL)
		waitGroupGone(pgid)
	}
	// A job process that started before its group was watched (bwrap's
	// namespace init, an engine CLI) names its workspace in its
	// arguments, and workspaces have names of their own.
	dirs := make([]string, 0, len(w["dir"]))
	for dir := range w["dir"] {
		dirs = append(dirs, dir)
	}
	killNaming(dirs)
	engines := map[string]bool{}
	names := make([]string, 0, len(w["container"]))
	for key := range w["container"] {
		names = append(names, key)
	}
	sort.Strings(names)
	for _, key := range names {
		program, name, ok := strings.Cut(key, " ")
		if !ok {
			continue
		}
		engines[program] = true
		removeContainer(resolved{program: program, engine: engineOf(program)}, name)
	}
	if tok != "" && tok != "unknown" {
		for program := range engines {
			removeOwned(program, func(o string) bool { return o == tok })
		}
	}
	for _, dir := range dirs {
		owner.RemoveAll(dir)
	}
}

// killNaming kills every process whose command line names one of dirs,
// and waits until they are gone.
func killNaming(dirs []string) {
	if len(dirs) == 0 {
		return
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	var killed []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		args := string(b)
		for _, d := range dirs {
			if strings.Contains(args, d) {
				syscall.Kill(pid, syscall.SIGKILL)
				killed = append(killed, pid)
				break
			}
		}
	}
	waitPidsGone(killed)
}

// engineOf returns the engine a container program is.
func engineOf(program string) string {
	if strings.HasSuffix(program, "docker") {
		return "docker"
	}
	return "podman"
}

// Container labels: the owner's token and host, so that containers whose
// owner died can be found (and only this host's).
const (
	labelOwner = "aos.owner"
	labelHost  = "aos.host"
)

// hostLabel is this machine's name, for labelHost.
var hostLabel = sync.OnceValue(func() string {
	h, err := os.Hostname()
	if err != nil || h == "" || strings.ContainsAny(h, " \n,=") {
		return "unknown"
	}
	return h
})

// removeOwned removes the containers of engine program, labelled by a
// git-aos process of this host, whose owner token dead reports dead.
func removeOwned(program string, dead func(tok string) bool) {
	ctx, cancel := context.WithTimeout(context.Background(), removeTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, program, "ps", "-a", "--no-trunc",
		"--filter", "label="+labelHost+"="+hostLabel(), "--filter", "label="+labelOwner,
		"--format", `{{.Names}} {{index .Labels "`+labelOwner+`"}}`).Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, tok, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || !strings.HasPrefix(name, "aos-") || !dead(tok) {
			continue
		}
		removeContainer(resolved{program: program, engine: engineOf(program)}, name)
	}
}

// sweptOnce remembers what [sweepStale] did in this process.
var sweptOnce sync.Map

// sweepStale removes, once per process for each, the job workspaces in
// dirs and the containers of engine program (when set) that git-aos
// processes left when they were killed, before their supervisor (or
// without one: an older git-aos, a killed supervisor) could.
func sweepStale(program string, dirs ...string) {
	for _, d := range dirs {
		if _, done := sweptOnce.LoadOrStore("dir "+d, true); !done {
			owner.Sweep(d, workspacePrefix)
		}
	}
	if program != "" {
		if _, done := sweptOnce.LoadOrStore("engine "+program, true); !done {
			removeOwned(program, func(tok string) bool { return tok != owner.Self() && !owner.Alive(tok) })
		}
	}
}

// procStart returns the start time of process pid, and false when it is
// gone (or a zombie).
func procStart(pid int) (uint64, bool) {
	return owner.StartTime(pid)
}

// workspacePrefix starts the names of job workspaces and of the
// container id directories, followed by their owner's token.
const workspacePrefix = "aos-job-"

// makeWatchedDir makes a new directory in parent, named after this
// process (so that a later process can tell it was left by a dead one)
// and watched by sup (so that it goes with this process, whatever kills
// it). done removes the watch; the caller removes the directory first.
func makeWatchedDir(sup *supervisor, parent string) (dir string, done func(), err error) {
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", nil, err
	}
	dir = filepath.Join(parent, owner.Name(workspacePrefix)+hex.EncodeToString(r[:]))
	if strings.ContainsAny(dir, " \n") {
		return "", nil, fmt.Errorf("%s: a job directory may not hold a space or newline: %w", dir, ErrBadSpec)
	}
	if done, err = sup.watchDir(dir); err != nil {
		return "", nil, err
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		done()
		return "", nil, err
	}
	return dir, done, nil
}

// ownerLabel is this process's token for labelOwner.
func ownerLabel() string {
	if t := owner.Self(); t != "" {
		return t
	}
	return "unknown"
}
