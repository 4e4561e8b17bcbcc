// Package validators runs a manifest's validators over a staged tree: the
// built-ins (secrets, syntax, php-malware, text) and the project's own
// WebAssembly modules, each in the sandbox of package wasm, in parallel,
// with their findings sorted so that output never depends on scheduling.
//
// # Use
//
// [New] returns the [engine.ValidateFunc] of one manifest, reading the
// modules it names from the base tree and checking their sha256; [Options]
// choose the compilation cache and the sandbox process, and
// [DefaultOptions] are git-aos's.
//
// # Isolation
//
// The built-in module is ours and embedded; it runs in this process, and
// its scanning runs natively in the host function aos_builtin.check, over
// the bytes every validator of a run shares.
// A project's module runs in a child process ([Options.Child]) killed at
// its deadline, so that its code runs at full speed without per-loop
// checks and nothing it does can stall or crash git-aos. docs/validators.md
// specifies the ABI; docs/RATIONALE.md ("Validators") explains the choices
// with measurements.
package validators

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/sourcegraph/conc/pool"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/policy"
	"github.com/architectos/aos/validators/kinds"
	"github.com/architectos/aos/wasm"
	"github.com/architectos/aos/wasm/abi"
)

// Options configure how validators run.
type Options struct {
	// CacheDir holds compiled modules across processes; "" keeps them in
	// memory. See [wasm.DefaultCacheDir].
	CacheDir string
	// Child is the command of a sandbox process for the project's modules
	// (see [wasm.ChildCommand]); nil runs them in this process, with
	// context checks compiled into their code.
	Child []string
	// Parallel is how many validators run at once; 0 means GOMAXPROCS.
	Parallel int
}

// CacheEnv names a directory that replaces the compilation cache of
// validator modules (by default [wasm.DefaultCacheDir]).
const CacheEnv = "AOS_WASM_CACHE"

// DefaultOptions returns how git-aos runs validators for the repository
// whose git directory is gitDir ("" outside a repository): the project's
// modules in a sandbox process, this executable in its hidden mode
// ([wasm.ChildCommand]), and compiled modules cached in $AOS_WASM_CACHE,
// else in [wasm.DefaultCacheDir] of gitDir.
func DefaultOptions(gitDir string) (Options, error) {
	child, err := wasm.ChildCommand()
	if err != nil {
		return Options{}, err
	}
	opts := Options{Child: child, CacheDir: os.Getenv(CacheEnv)}
	if opts.CacheDir == "" {
		if opts.CacheDir, err = wasm.DefaultCacheDir(gitDir); err != nil {
			return Options{}, err
		}
	}
	return opts, nil
}

// ErrModule wraps the errors of a module validator that cannot be loaded
// from the base tree: missing, not a regular file, or with another sha256
// (which also wraps [wasm.ErrChecksum]).
var ErrModule = errors.New("cannot load validator module")

// ErrSpec is a validator without paths or with a limit that is not
// positive. The manifest loader fills in the schema's defaults, so a spec
// without them did not come from a loaded manifest; it is refused rather
// than run over a guessed selection or limit.
var ErrSpec = errors.New("needs paths and positive limits")

// validator is one compiled entry of the manifest.
type validator struct {
	name   string
	spec   aos.ValidatorSpec
	paths  *policy.FoldedGlobs
	module []byte
	sum    string
	// config is what the module gets: the manifest's config, with what
	// the host read for it (wp-core's checksums).
	config json.RawMessage
}

// Set is the validators of one manifest, ready to run.
type Set struct {
	list    []*validator
	visible func(string) bool
	base    engine.Base
	opts    Options
	builtin *wasm.Runner
	modules *wasm.Runner
}

// New returns the validators of m as an [engine.ValidateFunc]. Each module
// validator's module is read from base (never from the plan's changes) and
// must match its sha256, or New returns an error wrapping [ErrModule].
func New(ctx context.Context, m *aos.Manifest, base engine.Base, opts Options) (engine.ValidateFunc, error) {
	s, err := NewSet(m, base, opts)
	if err != nil {
		return nil, err
	}
	return s.Validate, nil
}

// NewSet is [New] returning the [Set] itself.
func NewSet(m *aos.Manifest, base engine.Base, opts Options) (*Set, error) {
	rules, err := policy.NewRules(m.Workspace, "")
	if err != nil {
		return nil, err
	}
	s := &Set{
		visible: rules.Visible,
		base:    base,
		opts:    opts,
		builtin: &wasm.Runner{CacheDir: opts.CacheDir, Hosts: []wasm.HostModule{hostModule()}},
		modules: &wasm.Runner{CacheDir: opts.CacheDir, Child: opts.Child},
	}
	var files map[string]engine.Entry
	names := make([]string, 0, len(m.Validators))
	for name := range m.Validators {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		spec := m.Validators[name]
		v := &validator{name: name, spec: spec, config: spec.Config}
		if len(spec.Paths) == 0 || spec.TimeoutMs <= 0 || spec.MemoryMB <= 0 || spec.MaxOutputKB <= 0 {
			return nil, fmt.Errorf("validator %s: %w: paths %q, timeout_ms %d, memory_mb %d, max_output_kb %d",
				name, ErrSpec, spec.Paths, spec.TimeoutMs, spec.MemoryMB, spec.MaxOutputKB)
		}
		if v.paths, err = policy.CompileFoldedGlobs(spec.Paths); err != nil {
			return nil, fmt.Errorf("validator %s: paths: %w", name, err)
		}
		switch {
		case spec.Builtin != "" && spec.Module == "":
			if kinds.Index(spec.Builtin) < 0 {
				return nil, fmt.Errorf("validator %s: no built-in validator %q (want one of %s)", name, spec.Builtin, strings.Join(kinds.Builtins, ", "))
			}
			v.module = BuiltinModule
			if spec.Builtin == "wp-core" {
				if files == nil {
					if files, err = base.Files(); err != nil {
						return nil, fmt.Errorf("validator %s: %w", name, err)
					}
				}
				if v.config, err = loadChecksums(name, spec.Config, base, files); err != nil {
					return nil, err
				}
			}
		case spec.Module != "" && spec.Builtin == "":
			if files == nil {
				if files, err = base.Files(); err != nil {
					return nil, fmt.Errorf("validator %s: %w", name, err)
				}
			}
			e, ok := files[spec.Module]
			if !ok {
				return nil, fmt.Errorf("validator %s: %w: %s is not in the base tree", name, ErrModule, spec.Module)
			}
			if e.Mode != aos.ModeFile && e.Mode != aos.ModeExecutable {
				return nil, fmt.Errorf("validator %s: %w: %s is not a regular file (mode %06o)", name, ErrModule, spec.Module, e.Mode)
			}
			data, err := base.ReadBlob(e.Hash)
			if err != nil {
				return nil, fmt.Errorf("validator %s: %w: read %s: %v", name, ErrModule, spec.Module, err)
			}
			if err := wasm.CheckSHA256(data, spec.SHA256); err != nil {
				return nil, fmt.Errorf("validator %s: %w: %s: %w", name, ErrModule, spec.Module, err)
			}
			v.module = data
			v.sum = strings.ToLower(spec.SHA256)
		default:
			return nil, fmt.Errorf("validator %s: needs exactly one of builtin and module", name)
		}
		s.list = append(s.list, v)
	}
	return s, nil
}

// Modules returns how many validators of the set are project modules.
func (s *Set) Modules() int {
	n := 0
	for _, v := range s.list {
		if v.spec.Module != "" {
			n++
		}
	}
	return n
}

// Warm compiles the set's modules into the cache directory.
func (s *Set) Warm(ctx context.Context) error {
	var mods [][]byte
	builtin := false
	for _, v := range s.list {
		if v.spec.Builtin != "" {
			builtin = true
		} else {
			mods = append(mods, v.module)
		}
	}
	if builtin {
		if err := WarmBuiltin(ctx, s.opts.CacheDir); err != nil {
			return err
		}
	}
	return s.modules.Warm(ctx, mods...)
}

// WarmBuiltin compiles the built-in module into cacheDir.
func WarmBuiltin(ctx context.Context, cacheDir string) error {
	r := &wasm.Runner{CacheDir: cacheDir, Hosts: []wasm.HostModule{hostModule()}}
	return r.Warm(ctx, BuiltinModule)
}

// result is what one validator produced.
type result struct {
	findings []aos.Finding
	record   aos.ValidatorRecord
	err      error
}

// Validate runs every validator over the changes of st that its paths
// select, and returns their findings sorted (see [aos.SortFindings]),
// a record of each run in name order, and an error naming each validator
// that failed to run. It implements [engine.ValidateFunc].
func (s *Set) Validate(ctx context.Context, st *engine.State, changes []engine.Change) ([]aos.Finding, []aos.ValidatorRecord, error) {
	changes, err := s.unquarantined(changes)
	if err != nil {
		return nil, nil, err
	}
	src := newSharedFS(st, s.visible)
	if err := src.preload(s.reads(changes)); err != nil {
		return nil, nil, err
	}
	n := s.opts.Parallel
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	p := pool.NewWithResults[result]().WithMaxGoroutines(n)
	for _, v := range s.list {
		p.Go(func() result { return s.run(ctx, v, src, changes) })
	}
	results := p.Wait() // in completion order
	streamErr := src.wait()
	sort.Slice(results, func(i, j int) bool { return results[i].record.Name < results[j].record.Name })
	var (
		findings []aos.Finding
		records  []aos.ValidatorRecord
		// failed are validators that ran and failed; broken those that
		// could not be run at all.
		failed, broken []error
	)
	for _, r := range results {
		findings = append(findings, r.findings...)
		records = append(records, r.record)
		if r.err == nil {
			continue
		}
		err := fmt.Errorf("validator %s: %w", r.record.Name, r.err)
		if re := (*wasm.RunError)(nil); errors.As(r.err, &re) {
			failed = append(failed, err)
		} else {
			broken = append(broken, err)
		}
	}
	aos.SortFindings(findings)
	switch {
	case ctx.Err() != nil:
		return findings, records, ctx.Err()
	case streamErr != nil:
		return nil, nil, streamErr
	case src.damage() != nil:
		return findings, records, src.damage()
	case len(broken) > 0:
		return findings, records, errors.Join(broken...)
	case len(failed) > 0:
		return findings, records, &engine.ValidatorFailed{Err: errors.Join(failed...)}
	}
	return findings, records, nil
}

// limits are the bounds of one run of a validator, as its spec gives them.
func limits(spec aos.ValidatorSpec) wasm.Limits {
	return wasm.Limits{
		Timeout:     time.Duration(spec.TimeoutMs) * time.Millisecond,
		MemoryMB:    spec.MemoryMB,
		MaxOutputKB: spec.MaxOutputKB,
	}
}

func (s *Set) run(ctx context.Context, v *validator, src *sharedFS, changes []engine.Change) result {
	rec := aos.ValidatorRecord{Name: v.name, Builtin: v.spec.Builtin, Module: v.spec.Module, SHA256: v.sum}
	files, err := s.selectFiles(v, src, changes)
	if err != nil {
		rec.Error = err.Error()
		return result{record: rec, err: err}
	}
	rec.Files = len(files)
	req, err := abi.Request{Validator: v.name, Config: v.config, Files: files}.Encode()
	if err != nil {
		rec.Error = err.Error()
		return result{record: rec, err: err}
	}
	job := wasm.Job{
		Name:   v.name,
		Module: v.module,
		Stdin:  req,
		Src:    src,
		Limits: limits(v.spec),
	}
	runner := s.modules
	if v.spec.Builtin != "" {
		a := &ahead{}
		ctx = withAhead(ctx, a)
		defer a.wait()
		job.Args = []string{v.spec.Builtin}
		job.Host = HostModuleName
		runner = s.builtin
	}
	fs, err := runner.Run(ctx, job)
	if err != nil {
		rec.Error = err.Error()
		return result{record: rec, err: err}
	}
	for i := range fs {
		fs[i].Validator = v.name
	}
	rec.Findings = len(fs)
	return result{findings: fs, record: rec}
}

// selectFiles returns the changed files v sees: those its paths match,
// that are visible, in path order.
func (s *Set) selectFiles(v *validator, src *sharedFS, changes []engine.Change) ([]aos.ChangedFile, error) {
	var out []aos.ChangedFile
	for _, c := range changes {
		if !s.visible(c.Path) || hasDotGit(c.Path) {
			continue
		}
		if _, ok := v.paths.Match(c.Path); !ok {
			continue
		}
		var size int64
		var err error
		switch {
		case c.Mode == aos.ModeGitlink:
		case c.Status == aos.StatusDeleted:
			size, err = s.base.BlobSize(c.Hash)
		default:
			size, err = src.size(c.Path)
		}
		if err != nil {
			return nil, fmt.Errorf("size of %s: %w", c.Path, err)
		}
		out = append(out, aos.ChangedFile{Path: c.Path, Status: c.Status, Size: size, Mode: fmt.Sprintf("%06o", c.Mode)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func hasDotGit(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if policy.IsDotGit(seg) {
			return true
		}
	}
	return false
}

// unquarantined returns changes without the files that a quarantine
// moved in from the base (docs/spec.md 4.9): under aos-rescue/quarantine/,
// where QUARANTINE puts the file of its origin, with the content the
// base holds there. Validators do not read them; anything else in the
// quarantine they judge as any change.
func (s *Set) unquarantined(changes []engine.Change) ([]engine.Change, error) {
	var base map[string]engine.Entry
	out := changes[:0:0]
	for _, c := range changes {
		origin, ok := aos.QuarantineOrigin(c.Path)
		if !ok || c.Status == aos.StatusDeleted || c.Mode != aos.ModeFile {
			out = append(out, c)
			continue
		}
		if base == nil {
			var err error
			if base, err = s.base.Files(); err != nil {
				return nil, fmt.Errorf("read base tree: %w", err)
			}
		}
		was, ok := base[origin]
		hash := c.Hash
		if c.Data != nil || hash == "" {
			hash = engine.BlobID(c.Data)
		}
		if ok && (was.Mode == aos.ModeFile || was.Mode == aos.ModeExecutable) && was.Hash == hash {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// reads returns the changed files some validator of s reads: those that
// exist, are visible, and are selected by a validator's paths and, for a
// built-in, of a kind it reads.
func (s *Set) reads(changes []engine.Change) []string {
	var out []string
	for _, c := range changes {
		if c.Status == aos.StatusDeleted || !s.visible(c.Path) || hasDotGit(c.Path) {
			continue
		}
		for _, v := range s.list {
			if _, ok := v.paths.Match(c.Path); ok && (v.spec.Builtin == "" || kinds.Wants(v.spec.Builtin, c.Path)) {
				out = append(out, c.Path)
				break
			}
		}
	}
	return out
}
