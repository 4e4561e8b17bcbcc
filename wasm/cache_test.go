package wasm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/internal/owner"
)

// tinyModule returns a WASI command module that writes line and a newline
// to stdout and exits: a few hundred bytes, compiled in a millisecond.
func tinyModule(line string) []byte {
	text := line + "\n"
	if len(text) > 100 {
		panic("line too long")
	}
	sec := func(id byte, body ...byte) []byte { return append([]byte{id, byte(len(body))}, body...) }
	name := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	var m []byte
	m = append(m, 0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00)
	// Types: 0 is fd_write's (i32 i32 i32 i32) -> i32, 1 is () -> ().
	m = append(m, sec(1, 0x02, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00)...)
	imp := []byte{0x01}
	imp = append(imp, name("wasi_snapshot_preview1")...)
	imp = append(imp, name("fd_write")...)
	imp = append(imp, 0x00, 0x00)
	m = append(m, sec(2, imp...)...)
	m = append(m, sec(3, 0x01, 0x01)...)
	m = append(m, sec(5, 0x01, 0x00, 0x01)...)
	exp := []byte{0x02}
	exp = append(exp, name("memory")...)
	exp = append(exp, 0x02, 0x00)
	exp = append(exp, name("_start")...)
	exp = append(exp, 0x00, 0x01)
	m = append(m, sec(7, exp...)...)
	// _start: fd_write(1, iovec at 0, 1 iovec, written count at 8).
	body := []byte{0x00, 0x41, 0x01, 0x41, 0x00, 0x41, 0x01, 0x41, 0x08, 0x10, 0x00, 0x1a, 0x0b}
	m = append(m, sec(10, append([]byte{0x01, byte(len(body))}, body...)...)...)
	// Data: the iovec {16, len} at 0, the text at 16.
	data := []byte{0x02, 0x00, 0x41, 0x00, 0x0b, 0x08, 0x10, 0x00, 0x00, 0x00, byte(len(text)), 0x00, 0x00, 0x00}
	data = append(data, 0x00, 0x41, 0x10, 0x0b, byte(len(text)))
	data = append(data, text...)
	m = append(m, sec(11, data...)...)
	return m
}

func tinyFinding(msg string) string {
	return fmt.Sprintf(`{"path":"p","line":1,"column":1,"rule":"r","severity":"note","message":%q}`, msg)
}

// helperMain is the test binary run as a helper process: it warms the
// cache directory $AOS_WASM_TEST_DIR with the module in file
// $AOS_WASM_TEST_MODULE, in the mode of a sandbox process (native) or of
// an in-process run (checked), and prints how many modules it compiled.
func helperMain() int {
	mod, err := os.ReadFile(os.Getenv("AOS_WASM_TEST_MODULE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	r := &Runner{CacheDir: os.Getenv("AOS_WASM_TEST_DIR")}
	if os.Getenv("AOS_WASM_TEST_MODE") == "native" {
		r.Child = []string{"unused"}
	}
	if err := r.Warm(context.Background(), mod); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(compilations.Load())
	return 0
}

// helper starts a helper process warming dir with module; wait returns
// the number of modules it compiled.
func helper(t *testing.T, dir, mode string, module []byte) (wait func() int) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "m.wasm")
	if err := os.WriteFile(f, module, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "AOS_WASM_TEST_HELPER=warm", "AOS_WASM_TEST_DIR="+dir, "AOS_WASM_TEST_MODULE="+f, "AOS_WASM_TEST_MODE="+mode)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return func() int {
		t.Helper()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper: %v\n%s", err, stderr.String())
		}
		n, err := strconv.Atoi(strings.TrimSpace(out.String()))
		if err != nil {
			t.Fatalf("helper printed %q", out.String())
		}
		return n
	}
}

// warmIn fills dir with module in mode, in another process, and returns
// how many modules that process compiled.
func warmIn(t *testing.T, dir, mode string, module []byte) int { return helper(t, dir, mode, module)() }

// entryFile returns the compiled module that a warm cache directory holds:
// its largest file.
func entryFile(t *testing.T, dir string) string {
	t.Helper()
	var best string
	var size int64 = -1
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil && fi.Size() > size {
				best, size = p, fi.Size()
			}
		}
		return nil
	})
	if best == "" {
		t.Fatalf("no file in %s", dir)
	}
	return best
}

// modeRunner returns a runner of mode on dir: a sandbox process per run
// (native) or this process (checked), which has never opened dir.
func modeRunner(t *testing.T, mode, dir string) *Runner {
	if mode == "native" {
		child, err := ChildCommand()
		if err != nil {
			t.Fatal(err)
		}
		return &Runner{Child: child, CacheDir: dir}
	}
	return &Runner{CacheDir: dir}
}

func runTiny(t *testing.T, r *Runner, module []byte) []aos.Finding {
	t.Helper()
	got, err := r.Run(context.Background(), Job{Name: "tiny", Module: module, Limits: timed(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestCacheEntryIsTheModules checks that an entry of the compilation
// cache is used only for the module it was compiled from, intact: another
// module's compiled file copied over it, or the entry truncated, flipped
// or made for the other mode, is compiled again from the module itself,
// and the entry is replaced.
func TestCacheEntryIsTheModules(t *testing.T) {
	t.Parallel()
	good, evil := tinyModule(tinyFinding("the pinned module")), tinyModule(tinyFinding("another module"))
	tamper := map[string]func(t *testing.T, entry, mode string){
		"other module": func(t *testing.T, entry, mode string) {
			other := t.TempDir()
			warmIn(t, other, mode, evil)
			copyFile(t, entryFile(t, other), entry)
		},
		"other mode": func(t *testing.T, entry, mode string) {
			other := t.TempDir()
			warmIn(t, other, map[string]string{"native": "checked", "checked": "native"}[mode], good)
			copyFile(t, entryFile(t, other), entry)
		},
		"truncated": func(t *testing.T, entry, mode string) {
			fi, err := os.Stat(entry)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(entry, fi.Size()-1); err != nil {
				t.Fatal(err)
			}
		},
		"flipped": func(t *testing.T, entry, mode string) {
			b, err := os.ReadFile(entry)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)-len(b)/3] ^= 0x40
			if err := os.WriteFile(entry, b, 0o600); err != nil {
				t.Fatal(err)
			}
		},
		"writable by others": func(t *testing.T, entry, mode string) {
			if err := os.Chmod(entry, 0o666); err != nil {
				t.Fatal(err)
			}
		},
	}
	for _, mode := range []string{"native", "checked"} {
		for name, f := range tamper {
			t.Run(mode+"/"+name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				if n := warmIn(t, dir, mode, good); n != 1 {
					t.Fatalf("warming compiled %d modules, want 1", n)
				}
				entry := entryFile(t, dir)
				f(t, entry, mode)
				got := runTiny(t, modeRunner(t, mode, dir), good)
				if len(got) != 1 || got[0].Message != "the pinned module" {
					t.Fatalf("findings %+v, want the pinned module's", got)
				}
				// The entry was compiled again and replaced: loading it
				// now compiles nothing.
				if n := warmIn(t, dir, mode, good); n != 0 {
					t.Errorf("after the run, warming compiled %d modules, want 0 (entry replaced)", n)
				}
			})
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCacheUnsafeDir checks that a cache directory that another user
// could write, itself or through a directory above it, is refused, while
// one under a sticky directory such as /tmp is not.
func TestCacheUnsafeDir(t *testing.T) {
	t.Parallel()
	mod := tinyModule(tinyFinding("ok"))
	cases := []struct {
		name string
		prep func(t *testing.T, top, dir string)
		ok   bool
	}{
		{"private", func(t *testing.T, top, dir string) {}, true},
		{"sticky above", func(t *testing.T, top, dir string) { chmod(t, top, 0o777|fs.ModeSticky) }, true},
		{"group-writable", func(t *testing.T, top, dir string) { chmod(t, dir, 0o770) }, false},
		{"world-writable", func(t *testing.T, top, dir string) { chmod(t, dir, 0o777) }, false},
		{"sticky itself", func(t *testing.T, top, dir string) { chmod(t, dir, 0o777|fs.ModeSticky) }, false},
		{"writable above", func(t *testing.T, top, dir string) { chmod(t, top, 0o777) }, false},
		{"another owner", func(t *testing.T, top, dir string) {
			if os.Geteuid() != 0 {
				t.Skip("needs root to give a directory away") // TestCacheUnsafeDir's other cases run as any user
			}
			if err := os.Chown(dir, 12345, 12345); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"another owner above", func(t *testing.T, top, dir string) {
			if os.Geteuid() != 0 {
				t.Skip("needs root to give a directory away")
			}
			if err := os.Chown(top, 12345, 12345); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tc := range cases {
		for _, mode := range []string{"native", "checked"} {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				top := filepath.Join(t.TempDir(), "top")
				dir := filepath.Join(top, "cache")
				if err := os.MkdirAll(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				chmod(t, top, 0o700)
				tc.prep(t, top, dir)
				_, err := modeRunner(t, mode, dir).Run(context.Background(), Job{Name: "tiny", Module: mod, Limits: timed(time.Minute)})
				if tc.ok && err != nil {
					t.Fatalf("run: %v", err)
				}
				if !tc.ok && !errors.Is(err, ErrCacheUnsafe) {
					t.Fatalf("run: err = %v, want ErrCacheUnsafe", err)
				}
				if !tc.ok {
					if err := (&Runner{CacheDir: dir}).Warm(context.Background(), mod); !errors.Is(err, ErrCacheUnsafe) {
						t.Fatalf("warm: err = %v, want ErrCacheUnsafe", err)
					}
				}
			})
		}
	}
}

func chmod(t *testing.T, p string, m fs.FileMode) {
	t.Helper()
	if err := os.Chmod(p, m); err != nil {
		t.Fatal(err)
	}
}

// TestCacheSingleFlight starts processes that all need the same module at
// once, with an empty cache: one compiles it, the others wait for its
// entry and load it.
func TestCacheSingleFlight(t *testing.T) {
	t.Parallel()
	mod := hostile(t) // a Go-built module: compiling it takes long enough for the others to wait
	for _, mode := range []string{"native", "checked"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			const procs = 8
			waits := make([]func() int, procs)
			for i := range waits {
				waits[i] = helper(t, dir, mode, mod)
			}
			total := 0
			for _, w := range waits {
				total += w()
			}
			if total != 1 {
				t.Errorf("%d processes compiled the module %d times, want once", procs, total)
			}
			assertNoDebris(t, dir)
		})
	}
}

// assertNoDebris checks that a cache directory holds only entries and
// their lock files: no staging directory or temporary file is left.
func assertNoDebris(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, cacheSubdir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), stagePrefix) || strings.HasPrefix(e.Name(), tmpPrefix) {
			t.Errorf("left in the cache: %s", e.Name())
		}
	}
}

// TestCacheSweepsKilledCompiles checks that what a process killed while
// compiling left in the cache (its staging directory, a half-written
// entry) is removed by the next process, and nothing of a live one.
func TestCacheSweepsKilledCompiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sub := filepath.Join(dir, cacheSubdir)
	if err := os.MkdirAll(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	// A process that has exited: its token names no live process.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := strconv.Itoa(cmd.ProcessState.Pid()) + ".1.0"
	for _, name := range []string{stagePrefix + dead + "-x/wazero-v/k", tmpPrefix + dead + "-y"} {
		p := filepath.Join(sub, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	live := filepath.Join(sub, owner.Name(tmpPrefix)+"z")
	if err := os.WriteFile(live, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	runTiny(t, &Runner{CacheDir: dir}, tinyModule(tinyFinding("sweep")))
	assertNoDebrisExcept(t, dir, live)
}

func assertNoDebrisExcept(t *testing.T, dir, keep string) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, cacheSubdir))
	if err != nil {
		t.Fatal(err)
	}
	kept := false
	for _, e := range ents {
		p := filepath.Join(dir, cacheSubdir, e.Name())
		if p == keep {
			kept = true
			continue
		}
		if strings.HasPrefix(e.Name(), stagePrefix) || strings.HasPrefix(e.Name(), tmpPrefix) {
			t.Errorf("left in the cache: %s", e.Name())
		}
	}
	if !kept {
		t.Errorf("%s of a live process was removed", keep)
	}
}

// FuzzDecodeEntry checks that decoding an entry never panics, and accepts
// only the entry of the module, mode and runtime asked for, intact.
func FuzzDecodeEntry(f *testing.F) {
	sum := [32]byte{1, 2, 3}
	const tag = "wazero-v1.12.0-amd64-linux"
	good := (&entry{sum: sum, checked: true, tag: tag, key: "abcd", payload: []byte("compiled code")}).encode()
	f.Add(good, true)
	f.Add(good[:len(good)-1], true)
	f.Add(good, false)
	f.Add([]byte("AOSWASM1"), true)
	f.Fuzz(func(t *testing.T, data []byte, checked bool) {
		e, err := decodeEntry(data, sum, checked, tag)
		if err != nil {
			return
		}
		if e.sum != sum || e.checked != checked || e.tag != tag || !validKey(e.key) {
			t.Fatalf("accepted an entry of another module, mode or runtime: %+v", e)
		}
		if again := e.encode(); !bytes.Equal(again, data) {
			t.Fatalf("accepted bytes that are not the encoding of what they decode to")
		}
	})
}
