package validators

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/validators/internal/phpcorpus"
	"github.com/architectos/aos/validators/rules"
	"github.com/architectos/aos/wasm"
)

// corpus returns about 10 MB of Go sources from GOROOT, as the peer
// figures in docs/RATIONALE.md were measured on.
func corpus(b *testing.B, limit int) map[string][]byte {
	b.Helper()
	root := filepath.Join(runtime.GOROOT(), "src")
	files := map[string][]byte{}
	total := 0
	var paths []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.HasSuffix(p, ".go") && !strings.Contains(p, "testdata") {
			paths = append(paths, p)
		}
		return nil
	})
	sort.Strings(paths)
	for _, p := range paths {
		if total >= limit {
			break
		}
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = data
		total += len(data)
	}
	if total < limit {
		b.Fatalf("only %d bytes of Go sources", total)
	}
	return files
}

// scanBuiltins are the built-ins that judge each file alone; wp-core
// judges the core against a checksums file, in its own benchmark.
var scanBuiltins = slices.DeleteFunc(slices.Clone(rules.Builtins), func(b string) bool { return b == "wp-core" })

func allBuiltins() *aos.Manifest {
	m := &aos.Manifest{Validators: map[string]aos.ValidatorSpec{}}
	for _, b := range scanBuiltins {
		m.Validators[b] = aos.ValidatorSpec{Builtin: b}
	}
	return m
}

func size(files map[string][]byte) int64 {
	var n int64
	for _, d := range files {
		n += int64(len(d))
	}
	return n
}

// BenchmarkBuiltins runs the four built-ins over 10 MB of changed Go
// sources: natively (the same package rules, called directly, one built-in
// after another and all four at once) and through the WebAssembly module
// as validators run them, side by side.
func BenchmarkBuiltins(b *testing.B) {
	files := corpus(b, 10<<20)
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	checkers := map[string]*rules.Checker{}
	for _, name := range scanBuiltins {
		c, err := rules.NewChecker(name, nil, nil, rules.Parsers{YAML: planfile.CheckYAML})
		if err != nil {
			b.Fatal(err)
		}
		checkers[name] = c
	}
	native := func(name string) int {
		n := 0
		for _, p := range paths {
			if rules.Wants(name, p) {
				n += len(checkers[name].Check(p, files[p]))
			}
		}
		return n
	}
	b.Run("native-serial", func(b *testing.B) {
		b.SetBytes(size(files))
		for b.Loop() {
			for _, name := range scanBuiltins {
				native(name)
			}
		}
	})
	b.Run("native-parallel", func(b *testing.B) {
		b.SetBytes(size(files))
		for b.Loop() {
			done := make(chan int)
			for _, name := range scanBuiltins {
				go func() { done <- native(name) }()
			}
			for range scanBuiltins {
				<-done
			}
		}
	})
	b.Run("wasm", func(b *testing.B) {
		base := NewMemTree(nil)
		st, changes := stage(b, base, files)
		set, err := NewSet(loaded(b, allBuiltins()), base, Options{CacheDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		if _, _, err := set.Validate(ctx, st, changes); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(size(files))
		for b.Loop() {
			if _, _, err := set.Validate(ctx, st, changes); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, name := range scanBuiltins {
		b.Run("wasm-"+name, func(b *testing.B) {
			base := NewMemTree(nil)
			st, changes := stage(b, base, files)
			m := &aos.Manifest{Validators: map[string]aos.ValidatorSpec{name: {Builtin: name}}}
			set, err := NewSet(loaded(b, m), base, Options{CacheDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			set.Validate(context.Background(), st, changes)
			for b.Loop() {
				if _, _, err := set.Validate(context.Background(), st, changes); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("native-"+name, func(b *testing.B) {
			for b.Loop() {
				native(name)
			}
		})
	}
}

// BenchmarkStart measures the whole built-in set over a one-file change
// as a new git-aos process would run it: cold, compiling into an empty
// cache directory, and warm, loading the compiled module from it.
func BenchmarkStart(b *testing.B) {
	base := NewMemTree(map[string][]byte{"a.go": []byte("package a\n")})
	st, changes := stage(b, base, map[string][]byte{"a.go": []byte("package a\n\nconst x = 1\n")})
	run := func(b *testing.B, dir string) {
		set, err := NewSet(loaded(b, allBuiltins()), base, Options{CacheDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := set.Validate(context.Background(), st, changes); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			wasm.DropCompiled()
			run(b, b.TempDir())
		}
	})
	b.Run("warm", func(b *testing.B) {
		dir := b.TempDir()
		run(b, dir)
		for b.Loop() {
			wasm.DropCompiled()
			run(b, dir)
		}
	})
	b.Run("same-process", func(b *testing.B) {
		dir := b.TempDir()
		run(b, dir)
		for b.Loop() {
			run(b, dir)
		}
	})
	// A project module (the 3.7 MB hostile test module, printing two
	// findings) in a sandbox process, from a warm cache: the process
	// start, the cache load and the run.
	b.Run("module-sandbox-warm", func(b *testing.B) {
		mod, err := hostileModule()
		if err != nil {
			b.Fatal(err)
		}
		base := NewMemTree(map[string][]byte{"v.wasm": mod})
		m := &aos.Manifest{Validators: map[string]aos.ValidatorSpec{"determinism": {Module: "v.wasm", SHA256: sum(mod)}}}
		opts := testOptions(b)
		opts.CacheDir = b.TempDir()
		set, err := NewSet(loaded(b, m), base, opts)
		if err != nil {
			b.Fatal(err)
		}
		st, changes := stage(b, base, map[string][]byte{"v.wasm": mod, "a.go": []byte("package a\n")})
		if _, _, err := set.Validate(context.Background(), st, changes); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, _, err := set.Validate(context.Background(), st, changes); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkHostileStop measures how long past its 200 ms limit a module
// in an endless loop runs before its run returns, in a sandbox process.
func BenchmarkHostileStop(b *testing.B) {
	mod, err := hostileModule()
	if err != nil {
		b.Fatal(err)
	}
	base := NewMemTree(map[string][]byte{"v.wasm": mod})
	m := &aos.Manifest{Validators: map[string]aos.ValidatorSpec{"loop": {Module: "v.wasm", SHA256: sum(mod), TimeoutMs: 200}}}
	for _, mode := range []string{"child", "inprocess"} {
		b.Run(mode, func(b *testing.B) {
			opts := Options{CacheDir: testCache}
			if mode == "child" {
				opts = testOptions(b)
			}
			set, err := NewSet(loaded(b, m), base, opts)
			if err != nil {
				b.Fatal(err)
			}
			st, changes := stage(b, base, map[string][]byte{"v.wasm": mod, "x": []byte("x")})
			set.Validate(context.Background(), st, changes) // compile
			var worst time.Duration
			for b.Loop() {
				start := time.Now()
				set.Validate(context.Background(), st, changes)
				worst = max(worst, time.Since(start)-200*time.Millisecond)
			}
			b.ReportMetric(float64(worst.Milliseconds()), "worst-overshoot-ms")
		})
	}
}

// wordpress returns every file of Debian's WordPress tree (links to the
// bundled libraries followed), by path.
func wordpress(b *testing.B) map[string][]byte {
	b.Helper()
	files, err := phpcorpus.Files("/usr/share/wordpress", func(string) bool { return true })
	if err != nil || len(files) < 1000 {
		b.Fatalf("WordPress is not installed (apt-get install wordpress): %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f.Path)
		if err != nil {
			b.Fatal(err)
		}
		out[f.Rel] = data
	}
	return out
}

// BenchmarkWordPress runs the four built-ins over the whole WordPress tree
// as changed files, warm (the module compiled and in the cache), as
// "git aos validate" runs them, all four and each alone.
func BenchmarkWordPress(b *testing.B) {
	files := wordpress(b)
	run := func(b *testing.B, m *aos.Manifest, base *MemTree) {
		st, changes := stage(b, base, files)
		set, err := NewSet(loaded(b, m), base, Options{CacheDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := set.Validate(context.Background(), st, changes); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(size(files))
		b.ReportMetric(float64(len(files)), "files")
		for b.Loop() {
			if _, _, err := set.Validate(context.Background(), st, changes); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("all", func(b *testing.B) { run(b, allBuiltins(), NewMemTree(nil)) })
	for _, name := range scanBuiltins {
		b.Run(name, func(b *testing.B) {
			run(b, &aos.Manifest{Validators: map[string]aos.ValidatorSpec{name: {Builtin: name}}}, NewMemTree(nil))
		})
	}
	b.Run("wp-core", func(b *testing.B) {
		_, sums := wordpressFiles(b)
		run(b, coreManifest(b, `{"checksums": "`+checksumsPath+`"}`), NewMemTree(map[string][]byte{checksumsPath: sums}))
	})
}

// BenchmarkCommit runs the four built-ins over a commit of the WordPress
// tree read through git, as "git aos validate --rev" reads it without a
// working tree: streamed, the files read by one git process while the
// validators judge those already read, against reading them all first
// and judging after; and over the same commit with its working tree,
// whose files are read and hashed in place of the blobs.
func BenchmarkCommit(b *testing.B) {
	files := wordpress(b)
	tree := gitTree(b, files, false)
	wtRepo, wt := gitRepo(b, files, true)
	changes, err := DiffTrees(nil, tree)
	if err != nil {
		b.Fatal(err)
	}
	set, err := NewSet(loaded(b, allBuiltins()), tree, Options{CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	paths := make([]string, len(changes))
	for i, c := range changes {
		paths[i] = c.Path
	}
	validate := func(b *testing.B, st *engine.State, changes []engine.Change) {
		if _, _, err := set.Validate(context.Background(), st, changes); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("streamed", func(b *testing.B) {
		b.SetBytes(size(files))
		for b.Loop() {
			st, err := engine.NewState(tree)
			if err != nil {
				b.Fatal(err)
			}
			validate(b, st, changes)
		}
	})
	b.Run("read-first", func(b *testing.B) {
		b.SetBytes(size(files))
		for b.Loop() {
			st, err := engine.NewState(tree)
			if err != nil {
				b.Fatal(err)
			}
			read, err := st.ReadFiles(paths)
			if err != nil {
				b.Fatal(err)
			}
			memTree, memChanges := NewAddedTree(read)
			mem, err := engine.NewState(memTree)
			if err != nil {
				b.Fatal(err)
			}
			validate(b, mem, memChanges)
		}
	})
	b.Run("worktree", func(b *testing.B) {
		b.SetBytes(size(files))
		for b.Loop() {
			// A new tree: each reads the working tree once.
			t, err := wtRepo.CommitTree(wt.Commit)
			if err != nil {
				b.Fatal(err)
			}
			st, err := engine.NewState(t)
			if err != nil {
				b.Fatal(err)
			}
			validate(b, st, changes)
		}
	})
}
