package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/demo"
	"github.com/spf13/cobra"
)

func init() { register(newDemoCmd) }

func newDemoCmd(e *env) *cobra.Command {
	var keep string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the RescueWP example end to end in a temporary repository",
		Long: `Demo makes a temporary git repository from an embedded example (a small
WordPress site with the whitepaper's RescueWP manifest), then:

  1. checks a plan that oversteps the manifest, and shows why it is rejected;
  2. runs a plan that stays inside the manifest but smuggles in a web shell
     and a cloud key, which the built-in validators (WASM) reject;
  3. proposes and applies a plan that rescues the site: patches, a
     quarantine report, validators, and the test suite in a sandbox;
  4. shows the result commit, verifies it, and prints the audit log.

It needs only git. Jobs run under bubblewrap when it is installed, else on
the host (the demo's manifest says so explicitly). The repository is
removed afterwards unless --keep DIR is given.`,
		Example: `  git aos demo
  git aos demo --keep /tmp/rescuewp`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd, e, keep)
		},
	}
	cmd.Flags().StringVar(&keep, "keep", "", "make the repository in `DIR` (which must not exist) and keep it")
	return cmd
}

func runDemo(cmd *cobra.Command, e *env, keep string) error {
	dir := keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "aos-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = filepath.Join(tmp, "site")
	} else if _, err := os.Stat(dir); err == nil {
		return &usageError{fmt.Errorf("--keep %s: already exists", dir)}
	}
	envType := "host"
	if bwrapWorks() {
		envType = "bwrap"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := demo.WriteSite(dir, envType); err != nil {
		return err
	}
	git := func(args ...string) error {
		c := exec.Command("git", args...)
		c.Dir = dir
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		if err := c.Run(); err != nil {
			return fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, out.String())
		}
		return nil
	}
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"config", "user.name", "RescueWP operator"},
		{"config", "user.email", "operator@rescuewp.example"},
		{"add", "-A"},
		{"commit", "-q", "-m", "A compromised WordPress site"},
	} {
		if err := git(args...); err != nil {
			return err
		}
	}
	plans := filepath.Join(dir, "..", "plans")
	if keep != "" {
		plans = filepath.Join(dir, ".git", "aos-demo-plans")
	}
	if err := os.MkdirAll(plans, 0o755); err != nil {
		return err
	}
	for _, p := range demo.Plans {
		b, err := demo.Plan(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(plans, p), b, 0o644); err != nil {
			return err
		}
	}
	sub := &env{stdin: e.stdin, stdout: e.stdout, stderr: e.stdout, dir: dir}
	aosCmd := func(args ...string) int {
		fmt.Fprintf(e.stdout, "\n$ git aos %s\n", strings.Join(args, " "))
		return execute(cmd.Context(), sub, args)
	}
	show := func(args ...string) error {
		fmt.Fprintf(e.stdout, "\n$ git %s\n", strings.Join(args, " "))
		c := exec.Command("git", args...)
		c.Dir = dir
		c.Stdout, c.Stderr = e.stdout, e.stdout
		return c.Run()
	}
	fmt.Fprintf(e.stdout, "RescueWP demo in %s (jobs sandbox: %s)\n", dir, envType)
	fmt.Fprintln(e.stdout, "\n== 1. A plan that oversteps the manifest is rejected, with every reason")
	if code := aosCmd("plan", "check", filepath.Join(plans, "overreach.yaml")); code != aos.ExitRejected {
		return fmt.Errorf("demo: the overreaching plan was not rejected (exit %d)", code)
	}
	fmt.Fprintln(e.stdout, "\n== 2. A plan inside the manifest that smuggles in a web shell: the validators reject it")
	if code := aosCmd("run", filepath.Join(plans, "shortcut.yaml")); code != aos.ExitRejected {
		return fmt.Errorf("demo: the smuggling plan was not rejected (exit %d)", code)
	}
	fmt.Fprintln(e.stdout, "\n== 3. The rescue plan is proposed on its own branch, then applied")
	if code := aosCmd("propose", filepath.Join(plans, "rescue.yaml")); code != aos.ExitOK {
		return fmt.Errorf("demo: propose failed (exit %d)", code)
	}
	if code := aosCmd("apply", "aos/rescue-hello-dolly"); code != aos.ExitOK {
		return fmt.Errorf("demo: apply failed (exit %d)", code)
	}
	fmt.Fprintln(e.stdout, "\n== 4. The result commit, verified, and the audit log")
	if err := show("log", "--stat", "--format=fuller", "-1", "aos/rescue-hello-dolly"); err != nil {
		return err
	}
	if code := aosCmd("verify", "aos/rescue-hello-dolly"); code != aos.ExitOK {
		return fmt.Errorf("demo: verify failed (exit %d)", code)
	}
	if code := aosCmd("log", "aos/rescue-hello-dolly"); code != aos.ExitOK {
		return fmt.Errorf("demo: log failed (exit %d)", code)
	}
	fmt.Fprintln(e.stdout, "\nThe working tree and the main branch were never touched:")
	if err := show("status", "--short", "--branch"); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\ndemo ok")
	return nil
}

// bwrapWorks reports whether bubblewrap can make a sandbox here.
func bwrapWorks() bool {
	p, err := exec.LookPath("bwrap")
	if err != nil {
		return false
	}
	return exec.Command(p, "--ro-bind", "/", "/", "--unshare-net", "--die-with-parent", "true").Run() == nil
}
