package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
			// As main does: signals end the command's context.
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
			stop()
			os.Exit(code)
		},
		"session": sessionMain,
	})
}

// sessionMain is "session FILE COMMAND [ARG...]": it runs COMMAND as a
// terminal runs a foreground job, leading a process group of its own with
// SIGINT and SIGTERM at their defaults (whatever this process inherited),
// writes the group's id to FILE.pgid once it started, waits for it, and
// writes its exit status to FILE.status as a shell would print $? (128+N
// when signal N ended it). So a script can send the group the SIGINT of a
// Ctrl-C (kill -INT -- -PGID) and read what the shell would have seen.
func sessionMain() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: session FILE COMMAND [ARG...]")
		os.Exit(2)
	}
	file, args := os.Args[1], os.Args[2:]
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A handler installed here resets to the default in the child:
	// an ignored signal would stay ignored across exec.
	signal.Notify(make(chan os.Signal, 1), os.Interrupt, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(file+".pgid", []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	err := cmd.Wait()
	code := 0
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	} else if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(file+".status", []byte(strconv.Itoa(code)+"\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
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
			// The module's own files (.pre-commit-hooks.yaml, README.md),
			// for scripts that use them as users do.
			src, err := filepath.Abs(filepath.Join("..", ".."))
			if err != nil {
				return err
			}
			e.Setenv("AOS_SOURCE", src)
			// Go's caches, for scripts that build git-aos as the README
			// says: HOME is the script's own.
			out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE").Output()
			if err != nil {
				return fmt.Errorf("go env: %v", err)
			}
			if dirs := strings.Fields(string(out)); len(dirs) == 2 {
				e.Setenv("AOS_GOCACHE", dirs[0])
				e.Setenv("AOS_GOMODCACHE", dirs[1])
			}
			// Compiled validator modules are shared by every script and
			// kept across runs, keyed by each module's hash: compiling
			// them under the race detector takes tens of seconds.
			e.Setenv("AOS_WASM_CACHE", filepath.Join(os.TempDir(), "aos-test-wasm-cache"))
			return os.WriteFile(e.WorkDir+"/.gitconfig", []byte("[init]\n\tdefaultBranch = main\n[user]\n\tname = Test\n\temail = test@example.com\n"), 0o644)
		},
	})
}
