package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/architectos/aos/workflow"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	if workflow.IsSandboxChild() {
		os.Exit(workflow.SandboxChildMain(os.Stdin, os.Stdout, os.Stderr))
	}
	testscript.Main(m, map[string]func(){
		"git-aos": func() {
			os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("AOS_UPDATE") == "1",
		Setup: func(e *testscript.Env) error {
			// Real git, with an identity and no user configuration.
			e.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			e.Setenv("GIT_CONFIG_GLOBAL", e.WorkDir+"/.gitconfig")
			e.Setenv("GIT_AUTHOR_NAME", "Test Author")
			e.Setenv("GIT_AUTHOR_EMAIL", "author@example.com")
			e.Setenv("GIT_COMMITTER_NAME", "Test Committer")
			e.Setenv("GIT_COMMITTER_EMAIL", "committer@example.com")
			e.Setenv("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z")
			e.Setenv("GIT_COMMITTER_DATE", "2026-01-02T03:04:05Z")
			e.Setenv("HOME", e.WorkDir)
			// Compiled validator modules are shared by every script and
			// kept across runs, keyed by each module's hash: compiling
			// them under the race detector takes tens of seconds.
			e.Setenv("AOS_WASM_CACHE", filepath.Join(os.TempDir(), "aos-test-wasm-cache"))
			return os.WriteFile(e.WorkDir+"/.gitconfig", []byte("[init]\n\tdefaultBranch = main\n[user]\n\tname = Test\n\temail = test@example.com\n"), 0o644)
		},
	})
}
