package hooks_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/hooks"
)

// TestInstallOptions writes the hook into a new bare repository and checks the
// script, the flags written only when given, the refusal to replace a
// hook git-aos did not write, and the note about an unborn default
// branch.
func TestInstallOptions(t *testing.T) {
	// Compiled modules are kept across runs, keyed by their hash.
	t.Setenv("AOS_WASM_CACHE", filepath.Join(os.TempDir(), "aos-test-wasm-cache"))
	bare := filepath.Join(t.TempDir(), "site.git")
	must(t, t.TempDir(), "git", "init", "-q", "--bare", "-b", "main", bare)
	bin := filepath.Join(t.TempDir(), "it's git-aos")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := hooks.Install(ctx, hooks.InstallOptions{Repo: bare, Binary: bin, UserEnv: "GL_USERNAME"})
	if err != nil {
		t.Fatal(err)
	}
	hook := filepath.Join(bare, "hooks", "pre-receive")
	if res.Hook != hook || res.Unborn != "main" || res.Warm == nil || !res.Warm.BuiltinOnly {
		t.Errorf("result %+v", res)
	}
	b, err := os.ReadFile(hook)
	if err != nil {
		t.Fatal(err)
	}
	want := "exec '" + strings.ReplaceAll(bin, "'", `'\''`) + "' hook pre-receive --budget 4.5s --user-env 'GL_USERNAME'\n"
	if !strings.HasPrefix(string(b), "#!/bin/sh\n"+hooks.Marker) || !strings.HasSuffix(string(b), want) {
		t.Errorf("hook script:\n%s\nwant it to end with:\n%s", b, want)
	}
	if fi, err := os.Stat(hook); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("hook mode: %v %v", fi.Mode(), err)
	}
	// Written again, with refs given: the hook is replaced in place.
	if _, err := hooks.Install(ctx, hooks.InstallOptions{Repo: bare, Binary: bin, RefPrefixes: []string{"refs/heads/"}}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(hook); !strings.Contains(string(b), "--refs 'refs/heads/'\n") || strings.Contains(string(b), "--user-env") {
		t.Errorf("hook script:\n%s", b)
	}
	if left, _ := filepath.Glob(filepath.Join(bare, "hooks", ".pre-receive-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// A hook git-aos did not write is kept, with a hint, unless forced.
	foreign := "#!/bin/sh\nexit 0\n"
	if err := os.WriteFile(hook, []byte(foreign), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = hooks.Install(ctx, hooks.InstallOptions{Repo: bare, Binary: bin})
	if err == nil || len(aos.Hints(err)) != 1 || !strings.Contains(aos.Hints(err)[0], "--force") {
		t.Fatalf("replacing a foreign hook: %v (hints %q)", err, aos.Hints(err))
	}
	if b, _ := os.ReadFile(hook); string(b) != foreign {
		t.Fatalf("the foreign hook was changed:\n%s", b)
	}
	if _, err := hooks.Install(ctx, hooks.InstallOptions{Repo: bare, Binary: bin, Force: true}); err != nil {
		t.Fatal(err)
	}
	// A directory that is no repository is an error.
	if _, err := hooks.Install(ctx, hooks.InstallOptions{Repo: t.TempDir(), Binary: bin}); err == nil {
		t.Error("installed into a directory that is no repository")
	}
	// A missing policy file is an error, before anything is written.
	_, err = hooks.Install(ctx, hooks.InstallOptions{Repo: bare, Binary: bin, Policy: filepath.Join(t.TempDir(), "none.cue")})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing policy: %v", err)
	}
}
