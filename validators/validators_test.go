package validators

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/validators/rules"
	"github.com/architectos/aos/wasm"
	"github.com/google/go-cmp/cmp"
)

// testCache is the compilation cache of the tests.
var testCache string

func TestMain(m *testing.M) {
	if IsChild() {
		os.Exit(ChildMain(os.Stdin, os.Stdout, os.Stderr))
	}
	// Compiled modules are kept across test runs and packages (the
	// cache is keyed by each module's hash): compiling the modules under
	// the race detector takes tens of seconds. Package wasm's tests
	// compile from scratch.
	testCache = filepath.Join(os.TempDir(), "aos-test-wasm-cache")
	os.Exit(m.Run())
}

func testOptions(t testing.TB) Options {
	t.Helper()
	child, err := wasm.ChildCommand()
	if err != nil {
		t.Fatal(err)
	}
	return Options{CacheDir: testCache, Child: child}
}

// TestBuiltinReproducible assembles the built-in module again with the
// command of its go:generate line (wat2wasm, from Debian's wabt) and
// compares it with the committed one.
func TestBuiltinReproducible(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "builtin.wasm")
	cmd := exec.Command("wat2wasm", "builtin/builtin.wat", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm (apt-get install wabt): %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, BuiltinModule) {
		t.Fatalf("builtin/builtin.wasm is stale or not reproducible: rebuilt %d bytes, committed %d; run go generate ./validators", len(got), len(BuiltinModule))
	}
	src, err := os.ReadFile("builtin.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(src, []byte("//go:generate wat2wasm builtin/builtin.wat -o builtin/builtin.wasm")) {
		t.Error("the go:generate line differs from the command this test runs")
	}
}

// stage returns a state over base and the changes that turn base into
// files, as a plan would.
func stage(t testing.TB, base *MemTree, files map[string][]byte) (*engine.State, []engine.Change) {
	t.Helper()
	next := NewMemTree(files)
	changes, err := DiffTrees(base, next)
	if err != nil {
		t.Fatal(err)
	}
	st, err := engine.NewState(next)
	if err != nil {
		t.Fatal(err)
	}
	return st, changes
}

// schemaSpec is what the manifest loader decodes for a validator that
// sets nothing: the schema's paths and limits, defined there only.
var schemaSpec = sync.OnceValues(func() (aos.ValidatorSpec, error) {
	m, err := cue.LoadManifest(cue.Source{Name: "aos.yaml", Data: []byte("project: {name: t}\nvalidators: {v: {builtin: text}}\n")}, "aos.yaml", nil)
	if err != nil {
		return aos.ValidatorSpec{}, err
	}
	d := m.Validators["v"]
	d.Builtin = ""
	return d, nil
})

// defaults returns the schema's spec of a validator that sets nothing.
func defaults(t testing.TB) aos.ValidatorSpec {
	t.Helper()
	d, err := schemaSpec()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// loaded returns m with the paths and limits its validators leave unset
// filled in from the schema, as the manifest loader fills them.
func loaded(t testing.TB, m *aos.Manifest) *aos.Manifest {
	t.Helper()
	d := defaults(t)
	for name, s := range m.Validators {
		if s.Paths == nil {
			s.Paths = d.Paths
		}
		if s.TimeoutMs == 0 {
			s.TimeoutMs = d.TimeoutMs
		}
		if s.MemoryMB == 0 {
			s.MemoryMB = d.MemoryMB
		}
		if s.MaxOutputKB == 0 {
			s.MaxOutputKB = d.MaxOutputKB
		}
		m.Validators[name] = s
	}
	return m
}

func builtinManifest(t testing.TB) *aos.Manifest {
	return loaded(t, &aos.Manifest{
		Workspace: aos.Workspace{Ignored: []string{"node_modules/**"}},
		Validators: map[string]aos.ValidatorSpec{
			"secrets": {Builtin: "secrets", Paths: []string{"**"}},
			"syntax":  {Builtin: "syntax"},
			"php":     {Builtin: "php-malware", Paths: []string{"wp-content/**"}},
			"text":    {Builtin: "text", Config: json.RawMessage(`{"eol": "lf"}`)},
		},
	})
}

var token = "ghp_" + rules.Fake("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 36, 12)

func builtinTrees() (*MemTree, map[string][]byte) {
	base := NewMemTree(map[string][]byte{
		"README.md":   []byte("# project\n"),
		"old.txt":     []byte("to be deleted\n"),
		"src/main.go": []byte("package main\n\nfunc main() {}\n"),
	})
	next := map[string][]byte{
		"README.md":                     []byte("# project\n"),
		"src/main.go":                   []byte("package main\n\nconst t = \"" + token + "\"\n\nfunc main() {}\n"),
		"config/app.json":               []byte("{\n  \"a\": 1,\n}\n"),
		"notes.txt":                     []byte("one\r\ntwo\n"),
		"wp-content/uploads/shell.php":  []byte("<?php\neval(base64_decode($_POST['x']));\n"),
		"node_modules/x/secret.txt":     []byte("GITHUB_TOKEN=" + token + "\n"),
		"elsewhere/eval.php":            []byte("<?php eval(base64_decode('x'));\n"),
		"wp-content/plugins/ok/ok.json": []byte(`{"fine": true}`),
	}
	return base, next
}

// TestSpecRequired checks that a validator without paths or with a limit
// that is not positive is refused when the set is built, naming it, and
// never run over every file or under a guessed limit: the schema's
// defaults are filled in by the manifest loader, and only there.
func TestSpecRequired(t *testing.T) {
	t.Parallel()
	d := defaults(t)
	if d.Paths == nil || d.TimeoutMs <= 0 || d.MemoryMB <= 0 || d.MaxOutputKB <= 0 {
		t.Fatalf("schema defaults %+v", d)
	}
	cases := map[string]func(*aos.ValidatorSpec){
		"no paths":      func(s *aos.ValidatorSpec) { s.Paths = nil },
		"empty paths":   func(s *aos.ValidatorSpec) { s.Paths = []string{} },
		"no timeout":    func(s *aos.ValidatorSpec) { s.TimeoutMs = 0 },
		"no memory":     func(s *aos.ValidatorSpec) { s.MemoryMB = 0 },
		"no output cap": func(s *aos.ValidatorSpec) { s.MaxOutputKB = 0 },
		"negative":      func(s *aos.ValidatorSpec) { s.TimeoutMs = -1 },
	}
	base := NewMemTree(map[string][]byte{"a.txt": []byte("a\n")})
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := d
			s.Builtin = "text"
			edit(&s)
			m := &aos.Manifest{Validators: map[string]aos.ValidatorSpec{"ok": {Builtin: "secrets", Paths: d.Paths, TimeoutMs: d.TimeoutMs, MemoryMB: d.MemoryMB, MaxOutputKB: d.MaxOutputKB}, "t": s}}
			_, err := NewSet(m, base, testOptions(t))
			if !errors.Is(err, ErrSpec) || !strings.HasPrefix(err.Error(), "validator t: ") {
				t.Fatalf("err = %v, want ErrSpec for validator t", err)
			}
		})
	}
	t.Run("complete", func(t *testing.T) {
		t.Parallel()
		s := d
		s.Builtin = "text"
		if _, err := NewSet(&aos.Manifest{Validators: map[string]aos.ValidatorSpec{"t": s}}, base, testOptions(t)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestBuiltins(t *testing.T) {
	t.Parallel()
	base, next := builtinTrees()
	st, changes := stage(t, base, next)
	set, err := NewSet(builtinManifest(t), base, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []aos.Finding{
		{Validator: "syntax", Path: "config/app.json", Line: 3, Column: 1, Rule: "json", Severity: "error", Message: "invalid JSON: invalid character '}' looking for beginning of object key string"},
		{Validator: "text", Path: "notes.txt", Line: 1, Rule: "crlf", Severity: "error", Message: "1 lines end in CRLF; this project uses LF"},
		{Validator: "secrets", Path: "src/main.go", Line: 3, Column: 12, Rule: "github-token", Severity: "error", Message: "GitHub token"},
		{Validator: "php", Path: "wp-content/uploads/shell.php", Rule: "php-in-uploads", Severity: "error", Message: "PHP file in an uploads directory (uploads/)"},
		{Validator: "php", Path: "wp-content/uploads/shell.php", Line: 2, Column: 1, Rule: "eval-request", Severity: "error", Message: "eval runs request data ($_POST) as PHP"},
	}
	wantRecs := []aos.ValidatorRecord{
		{Name: "php", Builtin: "php-malware", Files: 2, Findings: 2},
		{Name: "secrets", Builtin: "secrets", Files: 7, Findings: 1},
		{Name: "syntax", Builtin: "syntax", Files: 7, Findings: 1},
		{Name: "text", Builtin: "text", Files: 7, Findings: 1},
	}
	// Twice, in parallel, to show that the results do not depend on
	// scheduling.
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, recs, err := set.Validate(context.Background(), st, changes)
			if err != nil {
				t.Error(err)
				return
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantRecs, recs); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		}()
	}
	wg.Wait()
}

// hostileModule builds the hostile module of package wasm's tests: its
// behaviour follows its validator name.
var hostileModule = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "hostile")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "m.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, "../wasm/testdata/hostile")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%v\n%s", err, b)
	}
	return os.ReadFile(out)
})

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestModules runs a project's own module, read from the base tree and
// pinned by sha256, and refuses modules that do not match.
func TestModules(t *testing.T) {
	t.Parallel()
	mod, err := hostileModule()
	if err != nil {
		t.Fatal(err)
	}
	base := NewMemTree(map[string][]byte{"tools/v.wasm": mod, "a.txt": []byte("old\n")})
	next := map[string][]byte{"tools/v.wasm": mod, "a.txt": []byte("new text\n"), "b.md": []byte("b\n")}
	st, changes := stage(t, base, next)
	// Compiled once here, not by each sandbox process of the subtests.
	if err := (&wasm.Runner{CacheDir: testCache, Child: testOptions(t).Child}).Warm(context.Background(), mod); err != nil {
		t.Fatal(err)
	}

	t.Run("echo", func(t *testing.T) {
		t.Parallel()
		m := &aos.Manifest{Validators: map[string]aos.ValidatorSpec{
			"echo": {Module: "tools/v.wasm", SHA256: strings.ToUpper(sum(mod)), Paths: []string{"*.txt"}, Config: json.RawMessage(`{"k": [1]}`)},
		}}
		v, err := New(context.Background(), loaded(t, m), base, testOptions(t))
		if err != nil {
			t.Fatal(err)
		}
		got, recs, err := v(context.Background(), st, changes)
		if err != nil {
			t.Fatal(err)
		}
		want := []aos.Finding{
			{Validator: "echo", Path: "a.txt", Line: 1, Column: 1, Rule: "echo", Severity: "warning", Message: "modified 9 100644: new text"},
			{Validator: "echo", Path: "request", Line: 1, Column: 1, Rule: "request", Severity: "note", Message: `api=1 validator=echo config={"k":[1]} args=["echo"]`},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
		wantRecs := []aos.ValidatorRecord{{Name: "echo", Module: "tools/v.wasm", SHA256: sum(mod), Files: 1, Findings: 2}}
		if diff := cmp.Diff(wantRecs, recs); diff != "" {
			t.Errorf("records (-want +got):\n%s", diff)
		}
	})

	t.Run("hostile", func(t *testing.T) {
		t.Parallel()
		m := &aos.Manifest{Validators: map[string]aos.ValidatorSpec{
			"loop":  {Module: "tools/v.wasm", SHA256: sum(mod), TimeoutMs: 200},
			"flood": {Module: "tools/v.wasm", SHA256: sum(mod), MaxOutputKB: 1},
			"echo":  {Module: "tools/v.wasm", SHA256: sum(mod)},
		}}
		v, err := New(context.Background(), loaded(t, m), base, testOptions(t))
		if err != nil {
			t.Fatal(err)
		}
		_, recs, err := v(context.Background(), st, changes)
		if !errors.Is(err, wasm.ErrTimeout) || !errors.Is(err, wasm.ErrOutput) {
			t.Fatalf("err = %v, want timeout and output errors", err)
		}
		for _, want := range []string{"validator loop: module ran past its time limit: limit 200ms", "validator flood: module wrote more than its output limit: limit 1 KB"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		if len(recs) != 3 || recs[0].Name != "echo" || recs[0].Error != "" || recs[1].Error == "" || recs[2].Error == "" {
			t.Errorf("records %+v", recs)
		}
	})

	for _, tc := range []struct {
		name string
		spec aos.ValidatorSpec
		want error
	}{
		{"wrong sha256", aos.ValidatorSpec{Module: "tools/v.wasm", SHA256: strings.Repeat("0", 64)}, wasm.ErrChecksum},
		{"no sha256", aos.ValidatorSpec{Module: "tools/v.wasm"}, wasm.ErrChecksum},
		{"missing", aos.ValidatorSpec{Module: "tools/none.wasm", SHA256: sum(mod)}, ErrModule},
		{"only in the plan", aos.ValidatorSpec{Module: "b.md", SHA256: sum([]byte("b\n"))}, ErrModule},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &aos.Manifest{Validators: map[string]aos.ValidatorSpec{"v": tc.spec}}
			_, err := New(context.Background(), loaded(t, m), base, testOptions(t))
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrModule) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// importsBuiltin is a minimal command module that imports the built-ins'
// host function aos_builtin.check and exports _start and its memory.
var importsBuiltin = func() []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	section := func(id byte, content ...byte) { b = append(append(b, id, byte(len(content))), content...) }
	section(1, 2, 0x60, 9, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f, 0x60, 0, 0)
	imp := append(append([]byte{1, 11}, "aos_builtin"...), 5)
	imp = append(append(imp, "check"...), 0, 0)
	section(2, imp...)
	section(3, 1, 1)
	section(5, 1, 0, 1)
	exp := append(append([]byte{2, 6}, "_start"...), 0, 1, 6)
	exp = append(append(exp, "memory"...), 2, 0)
	section(7, exp...)
	section(10, 1, 2, 0, 0x0b)
	return b
}()

// TestBuiltinImportRefused checks that a project's module cannot import
// the host function of the built-ins.
func TestBuiltinImportRefused(t *testing.T) {
	t.Parallel()
	base := NewMemTree(map[string][]byte{"v.wasm": importsBuiltin})
	m := &aos.Manifest{Validators: map[string]aos.ValidatorSpec{"v": {Module: "v.wasm", SHA256: sum(importsBuiltin)}}}
	for _, opts := range []Options{testOptions(t), {}} {
		v, err := New(context.Background(), loaded(t, m), base, opts)
		if err != nil {
			t.Fatal(err)
		}
		st, changes := stage(t, base, map[string][]byte{"v.wasm": importsBuiltin, "x": []byte("x")})
		_, _, err = v(context.Background(), st, changes)
		if !errors.Is(err, wasm.ErrCompile) || !strings.Contains(err.Error(), "imports aos_builtin.check") {
			t.Fatalf("err = %v, want a compile error naming aos_builtin.check", err)
		}
	}
}

// TestPathsFolded: a validator's paths select a file in each of its
// forms: WP-CONTENT/x.php and wp-content./x.php are wp-content/x.php on
// checkouts that ignore case and trailing dots (docs/spec.md 4.2).
func TestPathsFolded(t *testing.T) {
	t.Parallel()
	base := NewMemTree(map[string][]byte{"README.md": []byte("# project\n")})
	shell := []byte("<?php\neval(base64_decode($_POST['x']));\n")
	next := map[string][]byte{
		"README.md":           []byte("# project\n"),
		"WP-CONTENT/a.php":    shell,
		"wp-content./b.php":   shell,
		"Wp-Content/c.PHP":    shell,
		"elsewhere/d.php":     shell,
		"wp-content-x/e.php":  shell,
		"wp-content/fine.php": []byte("<?php echo 1;\n"),
	}
	st, changes := stage(t, base, next)
	m := loaded(t, &aos.Manifest{Validators: map[string]aos.ValidatorSpec{
		"php": {Builtin: "php-malware", Paths: []string{"wp-content/**/*.php"}},
	}})
	set, err := NewSet(m, base, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := set.Validate(context.Background(), st, changes)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range got {
		if !slices.Contains(paths, f.Path) {
			paths = append(paths, f.Path)
		}
	}
	slices.Sort(paths)
	if want := []string{"WP-CONTENT/a.php", "Wp-Content/c.PHP", "wp-content./b.php"}; !slices.Equal(paths, want) {
		t.Errorf("scanned %v, want %v", paths, want)
	}
}
