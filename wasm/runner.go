package wasm

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/architectos/aos"
)

// ChildArg is the hidden argument that makes the git-aos binary act as a
// sandbox process: "git-aos __wasm-sandbox" must call [ChildMain] (through
// validators.ChildMain, which adds the built-ins' host functions).
const ChildArg = "__wasm-sandbox"

// ChildEnv is set to "1" in a sandbox process's environment, which holds
// nothing else. Test binaries check it in TestMain to act as the child.
const ChildEnv = "AOS_WASM_SANDBOX"

// IsChild reports whether this process was started by a [Runner] as a
// sandbox process: its first argument is [ChildArg] and its environment
// sets [ChildEnv]. Such a process must call [ChildMain] and exit.
func IsChild() bool {
	return len(os.Args) > 1 && os.Args[1] == ChildArg && os.Getenv(ChildEnv) == "1"
}

// compileTimeout bounds the CPU time of compiling a module in a sandbox
// process, which the run's own time limit does not count.
const compileTimeout = 2 * time.Minute

// Runner runs modules. The zero Runner runs them in process with the
// in-memory compilation cache only.
type Runner struct {
	// Child is the command of a sandbox process: Child[0] run with
	// Child[1:] as arguments, which calls ChildMain. Nil runs modules in
	// this process, with context checks compiled into the guest code.
	Child []string
	// CacheDir holds compiled modules across processes; "" keeps them in
	// memory only. See [DefaultCacheDir].
	CacheDir string
	// Hosts are the host modules a [Job.Host] may name, for in-process
	// runs (a sandbox process gets its own from ChildMain).
	Hosts []HostModule
}

// ChildCommand returns the command that runs this executable as a sandbox
// process, for [Runner.Child].
func ChildCommand() ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find executable: %w", err)
	}
	return []string{exe, ChildArg}, nil
}

// DefaultCacheDir returns the compilation cache of a repository: gitDir's
// aos/wasm-cache when gitDir is set, else the user cache directory's
// git-aos/wasm.
func DefaultCacheDir(gitDir string) (string, error) {
	if gitDir != "" {
		return filepath.Join(gitDir, "aos", "wasm-cache"), nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find user cache directory: %w", err)
	}
	return filepath.Join(dir, "git-aos", "wasm"), nil
}

func (r *Runner) host(name string) (*HostModule, error) {
	if name == "" {
		return nil, nil
	}
	for i := range r.Hosts {
		if r.Hosts[i].Name == name {
			return &r.Hosts[i], nil
		}
	}
	return nil, fmt.Errorf("no host module %q", name)
}

// Warm compiles modules into the cache directory, as the runs of this
// Runner (in this process or in a sandbox process) use them, so that later
// runs skip compiling them.
func (r *Runner) Warm(ctx context.Context, modules ...[]byte) error {
	if len(modules) == 0 {
		return nil
	}
	// Modules are compiled by the engine that will run them: the one
	// with the runner's host module, when it has one.
	var host *HostModule
	if len(r.Hosts) > 0 {
		host = &r.Hosts[0]
	}
	e, err := getEngine(ctx, r.CacheDir, r.Child == nil, host)
	if err != nil {
		return err
	}
	for _, m := range modules {
		if _, err := e.compile(ctx, m, true); err != nil {
			return err
		}
	}
	return nil
}

// Run runs job and returns its findings, in the order printed, with no
// validator name set. A module that does not run to a zero exit status
// within its limits, or prints a line that is not a finding, returns a
// *[RunError]. Cancelling ctx returns ctx's error.
func (r *Runner) Run(ctx context.Context, job Job) ([]aos.Finding, error) {
	if err := job.Limits.check(); err != nil {
		return nil, err
	}
	if r.Child != nil {
		return r.runChild(ctx, &job)
	}
	return r.runInProcess(ctx, &job)
}

// tail keeps the last bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// outputSink counts and parses a module's stdout, and calls stop once when
// the module must be stopped: the output limit is passed or a line is bad.
type outputSink struct {
	max    int
	n      int
	parser findingParser
	over   bool
	stop   func(error)
}

func (s *outputSink) Write(p []byte) (int, error) {
	if s.over || s.parser.err != nil {
		return 0, errors.New("output closed")
	}
	s.n += len(p)
	if s.n > s.max {
		s.over = true
		s.stop(ErrOutput)
		return 0, errors.New("output limit")
	}
	s.parser.write(p)
	if s.parser.err != nil {
		s.stop(ErrBadOutput)
		return 0, errors.New("bad output")
	}
	return len(p), nil
}

// result decides the error of a run from what stopped it.
func (s *outputSink) result(limits Limits) ([]aos.Finding, error) {
	if s.over {
		return nil, &RunError{Err: ErrOutput, Detail: fmt.Sprintf("limit %d KB", limits.MaxOutputKB)}
	}
	if err := s.parser.close(); err != nil {
		return nil, err
	}
	return s.parser.findings, nil
}

func (r *Runner) runInProcess(ctx context.Context, job *Job) ([]aos.Finding, error) {
	host, err := r.host(job.Host)
	if err != nil {
		return nil, err
	}
	e, err := getEngine(ctx, r.CacheDir, true, host)
	if err != nil {
		return nil, err
	}
	c, err := e.compile(ctx, job.Module, false)
	if err != nil {
		return nil, err
	}
	stopCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	acct := newCPUAccount()
	runCtx, cancel := context.WithCancel(context.WithValue(stopCtx, accountKey{}, acct))
	defer cancel()
	sink := &outputSink{max: job.Limits.MaxOutputKB << 10, stop: stop}
	stderr := &tail{max: 4096}
	// The module runs on a thread of its own, whose CPU clock is the run's
	// (see watch.go).
	clocks := make(chan cpuClock, 1)
	outs := make(chan outcome, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		clocks <- threadClock()
		outs <- e.execute(runCtx, c, job, job.Src, sink, stderr)
	}()
	w := startWatch(job.Limits.Timeout, <-clocks, acct, cancel)
	out := <-outs
	w.close()
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case sink.over || sink.parser.err != nil:
		return sink.result(job.Limits)
	case w.expired():
		return nil, w.err()
	}
	if err := out.runError(stderr.String()); err != nil {
		return nil, err
	}
	return sink.result(job.Limits)
}

// childJob is the job header sent to a sandbox process.
type childJob struct {
	Name     string   `json:"name"`
	Args     []string `json:"args"`
	Host     string   `json:"host,omitempty"`
	Stdin    []byte   `json:"stdin"`
	MemoryMB int      `json:"memory_mb"`
	CacheDir string   `json:"cache_dir,omitempty"`
}

func (r *Runner) runChild(ctx context.Context, job *Job) ([]aos.Finding, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.CacheDir != "" {
		// The sandbox process opens it too; its errors are ours.
		if _, err := openDiskCache(r.CacheDir); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(r.Child[0], r.Child[1:]...)
	cmd.Env = []string{ChildEnv + "=1"}
	setChildAttrs(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	childErr := &tail{max: 4096}
	cmd.Stderr = childErr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start sandbox: %w", err)
	}

	var killOnce sync.Once
	kill := func() { killOnce.Do(func() { cmd.Process.Kill() }) }
	done := make(chan struct{})
	defer close(done)

	watch := func(c context.Context) {
		go func() {
			select {
			case <-c.Done():
				kill()
			case <-done:
			}
		}()
	}
	watch(ctx)
	// Until the module starts, the sandbox process loads or compiles it:
	// preparation, which a time budget does not count.
	resume := sync.OnceFunc(aos.PauseBudget(ctx))
	defer resume()
	// Before the module starts, only compiling runs: bound it on its own.
	// Compiling counts CPU time too, so a loaded machine does not fail it.
	var compileExpired atomic.Bool
	compileWatch := startWatch(compileTimeout, processClock(cmd.Process.Pid), nil, func() { compileExpired.Store(true); kill() })
	defer compileWatch.close()
	runCtx := ctx

	fw := newFrameWriter(stdin)
	go func() {
		hdr, _ := json.Marshal(childJob{Name: job.Name, Args: job.Args, Host: job.Host, Stdin: job.Stdin, MemoryMB: job.Limits.MemoryMB, CacheDir: r.CacheDir})
		if fw.write(frameJob, hdr, false) == nil {
			fw.write(frameModule, job.Module, true)
		}
	}()

	sink := &outputSink{max: job.Limits.MaxOutputKB << 10, stop: func(error) { kill() }}
	stderr := &tail{max: 4096}
	srv := &fsServer{fsys: job.Src}
	defer srv.close()
	var (
		final   *outcome
		started bool
		readErr error
		w       *cpuWatch
	)
	defer func() {
		if w != nil {
			w.close()
		}
	}()
	br := bufio.NewReaderSize(stdout, 64<<10)
loop:
	for {
		kind, payload, err := readFrame(br)
		if err != nil {
			readErr = err
			break
		}
		switch kind {
		case frameStarted:
			if started {
				readErr = errors.New("started twice")
				break loop
			}
			started = true
			resume()
			compileWatch.close()
			if compileExpired.Load() {
				break loop // the watch killed the process
			}
			var cancel context.CancelFunc
			runCtx, cancel = context.WithCancel(ctx)
			defer cancel()
			watch(runCtx)
			w = startWatch(job.Limits.Timeout, processClock(cmd.Process.Pid), nil, cancel)
		case frameStdout:
			sink.Write(payload)
			if sink.over || sink.parser.err != nil {
				break loop
			}
		case frameStderr:
			stderr.Write(payload)
		case frameFSQuery:
			if err := fw.write(frameFSReply, srv.serve(payload), true); err != nil {
				readErr = err
				break loop
			}
		case frameExit:
			var o outcome
			if err := json.Unmarshal(payload, &o); err != nil {
				readErr = err
				break loop
			}
			if runCtx.Err() == nil && (w == nil || !w.expired()) {
				final = &o
			}
			break loop
		default:
			readErr = fmt.Errorf("unknown frame %q", kind)
			break loop
		}
	}
	kill()
	stdin.Close()
	cmd.Wait()
	if w != nil {
		w.close()
	}

	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case sink.over || sink.parser.err != nil:
		return sink.result(job.Limits)
	case !started && compileExpired.Load():
		return nil, &RunError{Err: ErrCompile, Detail: fmt.Sprintf("compiling took more than %s of CPU time", compileTimeout)}
	case started && w.expired():
		return nil, w.err()
	case final == nil:
		detail := "ended without a result"
		if readErr != nil && readErr != io.EOF {
			detail += ": " + readErr.Error()
		}
		if st := cmd.ProcessState; st != nil {
			detail += " (" + st.String() + ")"
		}
		return nil, &RunError{Err: ErrChild, Detail: detail, Stderr: childErr.String()}
	}
	if err := final.runError(stderr.String()); err != nil {
		return nil, err
	}
	return sink.result(job.Limits)
}
