package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/internal/owner"
	"github.com/architectos/aos/policy"
	"golang.org/x/sys/unix"
)

// RunnerOptions configure a [JobRunner].
type RunnerOptions struct {
	// TempDir is where job workspaces are created; "" means
	// [WorkspaceTempDir].
	TempDir string
	// Runtime is the OCI runtime for container jobs (see [Spec.Runtime]).
	Runtime string
	// GitDir is the repository's git directory. When the manifest sets
	// environment.git, it is mounted read-only at .git in every workspace;
	// it is required then.
	GitDir string
	// Repo lists the repository's directories (its working tree and git
	// directory): a tool's export may not go into one.
	Repo []string
}

// JobRunner runs the jobs of one manifest's plans in the sandbox its
// environment names. It implements [engine.JobRunner] and is safe for
// concurrent use.
//
// For each job it materialises a fresh workspace from the staged tree
// (ignored paths and .git left out), runs the job there under the manifest's
// environment with its deadline and output cap, reads a build's outputs
// back, and removes the workspace.
type JobRunner struct {
	env        aos.Environment
	program    string // the container engine's program, for container jobs
	maxOutput  int64
	maxOutputs int64
	visible    func(string) bool
	opts       RunnerOptions
	// mu serialises reads of staged trees: their base may not allow
	// concurrent reads.
	mu sync.Mutex
}

var _ engine.JobRunner = (*JobRunner)(nil)

// NewJobRunner returns the runner for m's jobs. It fails, without falling
// back to another backend, when the backend environment.type names cannot
// run here (a [*BackendMissingError] saying what to install, or an error
// wrapping [ErrNotImplemented] or [ErrBadSpec]).
func NewJobRunner(m *aos.Manifest, opts RunnerOptions) (*JobRunner, error) {
	b, err := resolve(m.Environment)
	if err != nil {
		return nil, err
	}
	l := m.Environment.Limits
	if b.kind != kindContainer && (l.CPUs > 0 || l.MemoryMB > 0 || l.Pids > 0) {
		return nil, fmt.Errorf("environment.limits cannot be enforced by the %s backend; use container: %w", b.kind, ErrBadSpec)
	}
	if m.Environment.Git {
		if b.kind == kindHost {
			return nil, fmt.Errorf("environment.git needs a read-only mount, which the host backend cannot make: %w", ErrBadSpec)
		}
		if opts.GitDir == "" {
			return nil, fmt.Errorf("environment.git is set but no git directory is known: %w", ErrBadSpec)
		}
	}
	// The manifest loader fills both from the schema's defaults.
	if m.Policies.MaxOutputKB <= 0 || m.Policies.MaxPlanKB <= 0 {
		return nil, fmt.Errorf("policies.max_output_kb and policies.max_plan_kb must be positive: %w", ErrBadSpec)
	}
	rules, err := policy.NewRules(m.Workspace, "")
	if err != nil {
		return nil, err
	}
	program := ""
	if b.kind == kindContainer {
		program = b.program
	}
	return &JobRunner{
		env:        m.Environment,
		program:    program,
		maxOutput:  int64(m.Policies.MaxOutputKB) << 10,
		maxOutputs: int64(m.Policies.MaxPlanKB) << 10,
		opts:       opts,
		visible: func(p string) bool {
			return rules.Visible(p) && !hasGitSegment(p)
		},
	}, nil
}

// WorkspaceTempDir returns where job workspaces are created by default:
// $TMPDIR when it is set, else /dev/shm when it is a writable tmpfs, else
// [os.TempDir]. A workspace on tmpfs is written without disk I/O, which
// is most of the cost of materialising it (docs/RATIONALE.md, Sandboxes).
func WorkspaceTempDir() string {
	if os.Getenv("TMPDIR") != "" {
		return os.TempDir()
	}
	const shm = "/dev/shm"
	var st unix.Statfs_t
	if unix.Statfs(shm, &st) == nil && st.Type == unix.TMPFS_MAGIC && unix.Access(shm, unix.W_OK) == nil {
		return shm
	}
	return os.TempDir()
}

// hasGitSegment reports whether a segment of p is .git in any case.
func hasGitSegment(p string) bool {
	for _, s := range strings.Split(p, "/") {
		if strings.EqualFold(s, ".git") {
			return true
		}
	}
	return false
}

// Run runs job on the staged tree st and returns its record and, for a
// build that passed, the files matching its outputs globs. A job that ran
// and failed is a record with its exit code and a nil error.
func (r *JobRunner) Run(ctx context.Context, job engine.Job, st *engine.State) (engine.JobResult, error) {
	parent := r.opts.TempDir
	if parent == "" {
		parent = WorkspaceTempDir()
	}
	sweepStale(r.program, parent, os.TempDir())
	sup, err := theSupervisor()
	if err != nil {
		return engine.JobResult{}, err
	}
	tmp, unwatch, err := makeWatchedDir(sup, parent)
	if err != nil {
		return engine.JobResult{}, fmt.Errorf("job workspace: %w", err)
	}
	defer unwatch()
	defer owner.RemoveAll(tmp)
	ws := filepath.Join(tmp, "workspace")

	r.mu.Lock()
	fsys := st.FS(r.visible)
	changes, err := st.Changes()
	r.mu.Unlock()
	if err != nil {
		return engine.JobResult{}, fmt.Errorf("job workspace: %w", err)
	}
	if err := Materialize(ctx, ws, &lockedFS{fsys: fsys, mu: &r.mu}); err != nil {
		if aos.MachineFault(err) {
			err = aos.WithHint(err, "free space in "+parent+", or set TMPDIR to a larger file system")
		}
		return engine.JobResult{}, err
	}
	if err := makeWorkingDir(ws, job.Root, job.WorkingDir); err != nil {
		return engine.JobResult{}, err
	}
	spec := Spec{
		Name:       string(job.Kind) + "." + job.Name,
		Env:        r.env,
		Dir:        ws,
		MountPoint: job.Root,
		WorkingDir: job.WorkingDir,
		Command:    job.Command,
		Args:       job.Args,
		Timeout:    time.Duration(job.Timeout) * time.Second,
		MaxOutput:  r.maxOutput,
		Runtime:    r.opts.Runtime,
	}
	if r.env.Git {
		spec.GitDir = r.opts.GitDir
	}
	spec.Sockets = job.Sockets
	if spec.Changed, err = r.writeChanged(tmp, changes); err != nil {
		return engine.JobResult{}, err
	}
	var staging string
	if job.Export != nil {
		if staging, err = r.exportStaging(job); err != nil {
			return engine.JobResult{}, err
		}
		defer owner.RemoveAll(staging)
		spec.Export, spec.ExportMount = staging, job.Export.Mount
	}
	res, err := Run(ctx, spec)
	if err != nil {
		return engine.JobResult{}, err
	}
	out := engine.JobResult{Record: Record(job, res)}
	if staging != "" && res.OK() {
		if err := exportFiles(staging, job.Export.To, job.ExportName); err != nil {
			return out, &engine.JobError{Rule: aos.RuleToolsExport, Msg: fmt.Sprintf("tool %q: export to %s: %v", job.Name, job.Export.To, err)}
		}
	}
	if !res.OK() || len(job.Outputs) == 0 {
		return out, nil
	}
	files, err := CollectOutputs(ws, job.Outputs, r.maxOutputs)
	if err != nil {
		return out, fmt.Errorf("%w: %w", engine.ErrBadOutputs, err)
	}
	for _, f := range files {
		out.Outputs = append(out.Outputs, engine.OutputFile{Path: f.Path, Data: f.Content, Executable: f.Executable})
	}
	return out, nil
}

// writeChanged writes the list of AOS_CHANGED_FILES (docs/spec.md 10.3)
// into dir, beside the workspace: the paths changes adds or modifies that
// the workspace holds (visible regular files), sorted, each followed by a
// NUL byte, read-only.
func (r *JobRunner) writeChanged(dir string, changes []engine.Change) (string, error) {
	var b strings.Builder
	for _, c := range changes {
		if c.Status == aos.StatusDeleted || (c.Mode != aos.ModeFile && c.Mode != aos.ModeExecutable) || !r.visible(c.Path) {
			continue
		}
		b.WriteString(c.Path)
		b.WriteByte(0)
	}
	p := filepath.Join(dir, "changed")
	if err := os.WriteFile(p, []byte(b.String()), 0o444); err != nil {
		return "", fmt.Errorf("job workspace: %w", err)
	}
	return p, nil
}

// exportStaging makes the directory a tool's export is written to: a new
// directory of mode 0700 inside the export's destination (created 0700
// when missing), so that the files are moved into place by one rename and
// never copied. A destination inside the repository is refused.
func (r *JobRunner) exportStaging(job engine.Job) (string, error) {
	to := job.Export.To
	fail := func(err error) (string, error) {
		return "", &engine.JobError{Rule: aos.RuleToolsExport, Msg: fmt.Sprintf("tool %q: export to %s: %v", job.Name, to, err)}
	}
	if !filepath.IsAbs(to) || filepath.Clean(to) != to {
		return fail(errors.New("not a clean absolute path"))
	}
	real, err := resolvePath(to)
	if err != nil {
		return fail(err)
	}
	for _, d := range r.opts.Repo {
		rd, err := filepath.EvalSymlinks(d)
		if err != nil {
			return fail(err)
		}
		if real == rd || strings.HasPrefix(real, rd+string(filepath.Separator)) || strings.HasPrefix(rd, real+string(filepath.Separator)) {
			return fail(fmt.Errorf("it overlaps the repository (%s): exports never go into a repository", d))
		}
	}
	if job.ExportName == "" || strings.ContainsAny(job.ExportName, "/\x00") || strings.HasPrefix(job.ExportName, ".") {
		return fail(fmt.Errorf("bad export name %q", job.ExportName))
	}
	if err := os.MkdirAll(real, 0o700); err != nil {
		return fail(err)
	}
	if real, err = filepath.EvalSymlinks(real); err != nil {
		return fail(err)
	}
	dir, err := os.MkdirTemp(real, ".aos-export-")
	if err != nil {
		return fail(err)
	}
	return dir, nil
}

// resolvePath returns p with the symlinks of its longest existing prefix
// resolved, and the rest appended.
func resolvePath(p string) (string, error) {
	rest := ""
	for {
		r, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(r, rest), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(p)
		if parent == p {
			return "", err
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// exportFiles checks what a tool left in staging (directories and
// regular files only), makes directories 0700 and files 0600, and renames
// staging to to/name, or the first free of name-2, name-3...: an export
// never replaces another.
func exportFiles(staging, to, name string) error {
	err := filepath.WalkDir(staging, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(staging, p)
		switch {
		case d.IsDir():
			return os.Chmod(p, 0o700)
		case d.Type().IsRegular():
			return os.Chmod(p, 0o600)
		}
		return fmt.Errorf("%s is a %s: only regular files and directories are exported", rel, fileKind(d.Type()))
	})
	if err != nil {
		return err
	}
	for i := 1; i < 1000; i++ {
		dst := filepath.Join(filepath.Dir(staging), name)
		if i > 1 {
			dst = fmt.Sprintf("%s-%d", dst, i)
		}
		err := unix.Renameat2(unix.AT_FDCWD, staging, unix.AT_FDCWD, dst, unix.RENAME_NOREPLACE)
		if errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOTEMPTY) {
			continue
		}
		return err
	}
	return fmt.Errorf("%s: no free name", name)
}

// Record returns the run record of job from its result. Everything in it
// but DurationMs depends only on the job and what it printed (and, for an
// unpinned container engine, on which engine is installed).
func Record(job engine.Job, res Result) aos.JobRecord {
	return aos.JobRecord{
		Directive:    job.Directive,
		Kind:         job.Kind,
		Name:         job.Name,
		Command:      job.Command,
		Args:         job.Args,
		Backend:      res.Backend,
		ExitCode:     res.ExitCode,
		TimedOut:     res.TimedOut,
		DurationMs:   res.Duration.Milliseconds(),
		OutputBytes:  res.OutputBytes,
		OutputDigest: res.OutputDigest,
		Truncated:    res.Truncated,
		Tail:         res.Tail,
	}
}

// makeWorkingDir creates the job's working directory wd (an absolute path
// under root inside the sandbox) in the workspace ws, when the staged tree
// has no files there.
func makeWorkingDir(ws, root, wd string) error {
	if wd == "" || wd == root {
		return nil
	}
	rel, ok := strings.CutPrefix(wd, root+"/")
	if !ok || !fs.ValidPath(rel) || path.Clean(rel) != rel {
		return fmt.Errorf("working directory %s is not inside the workspace %s: %w", wd, root, ErrBadSpec)
	}
	rt, err := os.OpenRoot(ws)
	if err != nil {
		return err
	}
	defer rt.Close()
	if err := rt.MkdirAll(rel, 0o755); err != nil {
		return fmt.Errorf("working directory %s: %w", wd, err)
	}
	return nil
}

// lockedFS serialises every read of fsys with mu: files are read whole
// when opened, directories listed whole.
type lockedFS struct {
	fsys fs.FS
	mu   *sync.Mutex
}

func (l *lockedFS) ReadDir(name string) ([]fs.DirEntry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fs.ReadDir(l.fsys, name)
}

func (l *lockedFS) Open(name string) (fs.File, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := l.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		ents, err := fs.ReadDir(l.fsys, name)
		if err != nil {
			return nil, err
		}
		return &memDir{info: fi, ents: ents}, nil
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return &memFile{info: fi, r: strings.NewReader(string(data))}, nil
}

type memFile struct {
	info fs.FileInfo
	r    *strings.Reader
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *memFile) Close() error               { return nil }

type memDir struct {
	info fs.FileInfo
	ents []fs.DirEntry
}

func (d *memDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *memDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: errors.New("is a directory")}
}
func (d *memDir) Close() error { return nil }
func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if n <= 0 {
		ents := d.ents
		d.ents = nil
		return ents, nil
	}
	if len(d.ents) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.ents))
	ents := d.ents[:n]
	d.ents = d.ents[n:]
	return ents, nil
}
