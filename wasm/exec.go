package wasm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/architectos/aos"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// HostFunc is a function the host offers to trusted modules, called with
// the context of the run, the module's memory and its i32 arguments,
// returning one i32. It must not keep mem after it returns. [Source]
// returns the tree of the run from ctx.
type HostFunc struct {
	Params int
	Func   func(ctx context.Context, mem []byte, args []uint32) uint32
}

type sourceKey struct{}

// Source returns the tree a run mounts at /src ([Job.Src]), for the host
// functions it calls; nil when it mounts none.
func Source(ctx context.Context) fs.FS {
	fsys, _ := ctx.Value(sourceKey{}).(fs.FS)
	return fsys
}

// WithSource returns ctx carrying fsys as the tree [Source] returns, as a
// run gives it to the host functions it calls.
func WithSource(ctx context.Context, fsys fs.FS) context.Context {
	return context.WithValue(ctx, sourceKey{}, fsys)
}

// HostModule is a set of host functions imported under one module name.
type HostModule struct {
	Name  string
	Funcs map[string]HostFunc
}

// engine is a wazero runtime for one host module (or none), with its
// compiled modules. Guest code runs with wazero's context checks only when
// closeOnDone is set.
type engine struct {
	rt          wazero.Runtime
	cache       wazero.CompilationCache
	host        string
	closeOnDone bool
	// disk is the cache directory's entries (cache.go), nil when modules
	// are cached in memory only; wazero's own cache then lives in stage,
	// a directory of this process that exists only while a module
	// compiles, and tag names wazero's runtime.
	disk  *diskCache
	stage string
	tag   string

	mu       sync.Mutex
	compiled map[[32]byte]wazero.CompiledModule
}

// compilations counts the modules this process compiled rather than
// loaded from a cache directory's entry, for tests.
var compilations atomic.Int64

// engines are shared by every run in a process, so a module is compiled
// once per process.
var (
	enginesMu sync.Mutex
	engines   = map[string]*engine{}
)

// DropCompiled forgets every module compiled in this process, as a new
// process would start: the next run compiles again, or loads from its
// cache directory. Benchmarks of start-up time use it.
func DropCompiled() {
	enginesMu.Lock()
	defer enginesMu.Unlock()
	for k, e := range engines {
		e.rt.Close(context.Background())
		e.cache.Close(context.Background())
		delete(engines, k)
	}
}

// getEngine returns the process's engine for these settings, making it on
// first use.
func getEngine(ctx context.Context, cacheDir string, closeOnDone bool, host *HostModule) (*engine, error) {
	enginesMu.Lock()
	defer enginesMu.Unlock()
	name := ""
	if host != nil {
		name = host.Name
	}
	key := cacheDir + "\x00" + name + "\x00" + strconv.FormatBool(closeOnDone)
	if e, ok := engines[key]; ok {
		return e, nil
	}
	e := &engine{host: name, closeOnDone: closeOnDone, compiled: map[[32]byte]wazero.CompiledModule{}}
	if cacheDir == "" {
		e.cache = wazero.NewCompilationCache()
	} else {
		var err error
		if e.disk, err = openDiskCache(cacheDir); err != nil {
			return nil, err
		}
		if e.stage, err = e.disk.stageDir(); err != nil {
			return nil, err
		}
		e.cache, err = wazero.NewCompilationCacheWithDir(e.stage)
		if err == nil {
			e.tag, err = runtimeTag(e.stage)
		}
		os.RemoveAll(e.stage)
		if err != nil {
			return nil, fmt.Errorf("open compilation cache: %w", err)
		}
	}
	cfg := wazero.NewRuntimeConfig().
		WithCompilationCache(e.cache).
		WithCloseOnContextDone(closeOnDone).
		WithDebugInfoEnabled(false)
	e.rt = wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, e.rt); err != nil {
		return nil, fmt.Errorf("instantiate wasi: %w", err)
	}
	if host != nil {
		if err := instantiateHost(ctx, e.rt, host); err != nil {
			return nil, err
		}
	}
	engines[key] = e
	return e, nil
}

func instantiateHost(ctx context.Context, rt wazero.Runtime, h *HostModule) error {
	b := rt.NewHostModuleBuilder(h.Name)
	for name, fn := range h.Funcs {
		fn := fn
		params := make([]api.ValueType, fn.Params)
		for i := range params {
			params[i] = api.ValueTypeI32
		}
		b = b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
			mem, _ := m.Memory().Read(0, m.Memory().Size())
			args := make([]uint32, fn.Params)
			for i := range args {
				args[i] = api.DecodeU32(stack[i])
			}
			stack[0] = api.EncodeU32(fn.Func(ctx, mem, args))
		}), params, []api.ValueType{api.ValueTypeI32}).Export(name)
	}
	if _, err := b.Instantiate(ctx); err != nil {
		return fmt.Errorf("instantiate host module %s: %w", h.Name, err)
	}
	return nil
}

// compile returns the compiled module, compiling it on first use, and
// checks that it imports only what the ABI (and its host module) offers.
// With a cache directory, the module is loaded from its verified entry,
// or compiled by one process at a time and stored (cache.go); an entry
// that cannot be stored is an error only when store is set (warming the
// cache), since the module itself is compiled all the same. The time spent
// here is preparation, not judgement: it pauses a budget carried by ctx
// ([aos.PauseBudget]).
func (e *engine) compile(ctx context.Context, module []byte, store bool) (wazero.CompiledModule, error) {
	sum := sha256.Sum256(module)
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.compiled[sum]; ok {
		return c, nil
	}
	defer aos.PauseBudget(ctx)()
	var c wazero.CompiledModule
	var err, storeErr error
	if e.disk == nil {
		if c, err = e.rt.CompileModule(ctx, module); err != nil {
			err = &RunError{Err: ErrCompile, Detail: err.Error()}
		}
	} else {
		c, storeErr, err = e.compileCached(ctx, module, sum)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if err := e.checkImports(c); err != nil {
		c.Close(ctx)
		return nil, err
	}
	if store && storeErr != nil {
		c.Close(ctx)
		return nil, storeErr
	}
	e.compiled[sum] = c
	return c, nil
}

// compileCached compiles module through the cache directory: from its
// entry when one verifies, else by compiling it, one process at a time,
// and storing the entry. storeErr is why the entry could not be stored.
func (e *engine) compileCached(ctx context.Context, module []byte, sum [32]byte) (c wazero.CompiledModule, storeErr, err error) {
	name := entryName(e.tag, sum, e.closeOnDone)
	ent := e.disk.read(name, sum, e.closeOnDone, e.tag)
	if ent == nil {
		unlock, err := e.disk.lock(ctx, name)
		if err != nil {
			return nil, nil, err
		}
		defer unlock()
		// Another process may have stored it while this one waited.
		ent = e.disk.read(name, sum, e.closeOnDone, e.tag)
	}
	defer os.RemoveAll(e.stage)
	dir := filepath.Join(e.stage, e.tag)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("stage compiled module: %w", err)
	}
	var staged os.FileInfo
	if ent != nil {
		p := filepath.Join(dir, ent.key)
		if err := os.WriteFile(p, ent.payload, 0o600); err != nil {
			return nil, nil, fmt.Errorf("stage compiled module %s: %w", p, err)
		}
		if staged, err = os.Lstat(p); err != nil {
			return nil, nil, fmt.Errorf("stage compiled module: %w", err)
		}
	}
	if c, err = e.rt.CompileModule(ctx, module); err != nil {
		return nil, nil, &RunError{Err: ErrCompile, Detail: err.Error()}
	}
	// wazero wrote a file when it compiled the module: no entry, one it
	// could not load, or one for other CPU features.
	p, key, err := stagedFile(dir)
	if err != nil {
		return c, fmt.Errorf("store compiled module: %w", err), nil
	}
	if fi, err := os.Lstat(p); err == nil && staged != nil && os.SameFile(fi, staged) {
		return c, nil, nil
	}
	compilations.Add(1)
	payload, err := os.ReadFile(p)
	if err != nil {
		return c, fmt.Errorf("store compiled module: %w", err), nil
	}
	return c, e.disk.write(name, &entry{sum: sum, checked: e.closeOnDone, tag: e.tag, key: key, payload: payload}), nil
}

func (e *engine) checkImports(c wazero.CompiledModule) error {
	for _, f := range c.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod == wasi_snapshot_preview1.ModuleName || (e.host != "" && mod == e.host) {
			continue
		}
		return &RunError{Err: ErrCompile, Detail: fmt.Sprintf("imports %s.%s, which the ABI does not offer", mod, name)}
	}
	if len(c.ImportedMemories()) > 0 {
		return &RunError{Err: ErrCompile, Detail: "imports a memory; a module must define its own"}
	}
	if _, ok := c.ExportedFunctions()["_start"]; !ok {
		return &RunError{Err: ErrCompile, Detail: "exports no _start: not a WASI command module"}
	}
	return nil
}

// outcome is how a run inside this process ended.
type outcome struct {
	Kind   string `json:"kind"` // ok, exit, trap, memory, compile, cancelled
	Code   uint32 `json:"code,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// limitAllocator backs a module's memory and refuses to grow it past
// limit bytes, noting that it did.
type limitAllocator struct {
	limit uint64
	hit   atomic.Bool
}

func (a *limitAllocator) Allocate(capacity, max uint64) experimental.LinearMemory {
	return &limitMemory{a: a, buf: make([]byte, 0, min(capacity, a.limit))}
}

type limitMemory struct {
	a   *limitAllocator
	buf []byte
}

func (m *limitMemory) Reallocate(size uint64) []byte {
	if size > m.a.limit {
		m.a.hit.Store(true)
		return nil
	}
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	nb := make([]byte, size, min(m.a.limit, max(size, 2*uint64(cap(m.buf)))))
	copy(nb, m.buf)
	m.buf = nb
	return m.buf
}

func (m *limitMemory) Free() { m.buf = nil }

// execute runs a compiled module to its end. It returns the outcome as
// the module decided it; deciding about time limits is up to the caller,
// from its context.
func (e *engine) execute(ctx context.Context, c wazero.CompiledModule, job *Job, fsys fs.FS, stdout, stderr io.Writer) (out outcome) {
	limits := job.Limits
	for _, m := range c.ExportedMemories() {
		if uint64(m.Min())<<16 > uint64(limits.MemoryMB)<<20 {
			return outcome{Kind: "memory", Detail: fmt.Sprintf("declares %d pages of initial memory, over the limit of %d MB", m.Min(), limits.MemoryMB)}
		}
	}
	defer func() {
		if p := recover(); p != nil {
			out = outcome{Kind: "trap", Detail: fmt.Sprintf("instantiation failed: %v", p)}
		}
	}()
	alloc := &limitAllocator{limit: uint64(limits.MemoryMB) << 20}
	ctx = experimental.WithMemoryAllocator(ctx, alloc)
	fsc := wazero.NewFSConfig()
	if fsys != nil {
		fsc = fsc.WithFSMount(fsys, "/src")
		ctx = WithSource(ctx, fsys)
	}
	var seed [32]byte
	copy(seed[:], "git-aos validator seed, api 1")
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithArgs(append([]string{job.Name}, job.Args...)...).
		WithStdin(bytes.NewReader(job.Stdin)).
		WithStdout(stdout).
		WithStderr(stderr).
		WithFSConfig(fsc).
		WithRandSource(rand.NewChaCha8(seed))
	mod, err := e.rt.InstantiateModule(ctx, c, cfg)
	if mod != nil {
		mod.Close(context.Background())
	}
	var exit *sys.ExitError
	switch {
	case alloc.hit.Load():
		return outcome{Kind: "memory", Detail: fmt.Sprintf("limit %d MB", limits.MemoryMB)}
	case ctx.Err() != nil:
		return outcome{Kind: "cancelled"}
	case err == nil:
		return outcome{Kind: "ok"}
	case errors.As(err, &exit):
		if exit.ExitCode() == 0 {
			return outcome{Kind: "ok"}
		}
		return outcome{Kind: "exit", Code: exit.ExitCode(), Detail: "status " + strconv.FormatUint(uint64(exit.ExitCode()), 10)}
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return outcome{Kind: "trap", Detail: msg}
}

// runError turns an outcome other than ok into the error callers see.
func (o outcome) runError(stderr string) error {
	switch o.Kind {
	case "ok":
		return nil
	case "memory":
		return &RunError{Err: ErrMemory, Detail: o.Detail, Stderr: stderr}
	case "exit":
		return &RunError{Err: ErrExit, Detail: o.Detail, Stderr: stderr}
	case "trap":
		return &RunError{Err: ErrTrap, Detail: o.Detail, Stderr: stderr}
	case "compile":
		return &RunError{Err: ErrCompile, Detail: o.Detail}
	}
	return &RunError{Err: ErrChild, Detail: "unexpected outcome " + strconv.Quote(o.Kind+" "+o.Detail), Stderr: stderr}
}
