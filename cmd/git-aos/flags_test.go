package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/cobra"
)

// parse runs the command new makes under a root, with args, and returns
// what its runF received.
func parse[O any](t *testing.T, new func(*factory, func(context.Context, *O) error) *cobra.Command, args ...string) (*O, error) {
	t.Helper()
	var got *O
	root := &cobra.Command{Use: "git-aos", SilenceErrors: true, SilenceUsage: true}
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &usageError{err} })
	f := &factory{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard, Dir: "/repo"}
	root.AddCommand(new(f, func(_ context.Context, o *O) error { got = o; return nil }))
	root.SetArgs(args)
	err := root.Execute()
	return got, err
}

// TestFlags checks that each command turns its flags and arguments into
// the options its use case takes, and that bad invocations are usage
// errors that run nothing.
func TestFlags(t *testing.T) {
	t.Run("plan check", func(t *testing.T) {
		o, err := parse(t, newCmdPlanCheck, "check", "--base", "main", "-m", "aos.cue", "--policy", "p.cue", "--format", "json", "-")
		if err != nil {
			t.Fatal(err)
		}
		want := planCheckOptions{Plan: "-", Manifest: "aos.cue", Policy: "p.cue", Base: "main", Format: "json"}
		if diff := cmp.Diff(want, *o, cmpopts.IgnoreFields(planCheckOptions{}, "factory")); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("apply", func(t *testing.T) {
		o, err := parse(t, newCmdApply, "apply", "--replies", "r.json")
		if err != nil {
			t.Fatal(err)
		}
		want := applyOptions{Format: "text", Replies: "r.json"}
		if diff := cmp.Diff(want, *o, cmpopts.IgnoreFields(applyOptions{}, "factory")); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("log", func(t *testing.T) {
		o, err := parse(t, newCmdLog, "log", "-n", "5", "--json", "main..aos/x")
		if err != nil {
			t.Fatal(err)
		}
		want := logOptions{Range: "main..aos/x", Format: "json", JSON: true, Limit: 5}
		if diff := cmp.Diff(want, *o, cmpopts.IgnoreFields(logOptions{}, "factory")); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("validate paths", func(t *testing.T) {
		o, err := parse(t, newCmdValidate, "validate", "a", "b/c")
		if err != nil {
			t.Fatal(err)
		}
		want := validateOptions{Paths: []string{"a", "b/c"}, Format: "text"}
		if diff := cmp.Diff(want, *o, cmpopts.IgnoreFields(validateOptions{}, "factory")); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("hook install", func(t *testing.T) {
		o, err := parse(t, newCmdHookInstall, "install", "--repo", "x.git", "--budget", "2s")
		if err != nil {
			t.Fatal(err)
		}
		if o.Repo != "x.git" || o.Budget != 2*time.Second || o.RefsSet || o.Force {
			t.Errorf("%+v", o)
		}
		o, err = parse(t, newCmdHookInstall, "install", "--repo", "x.git", "--refs", "refs/heads/")
		if err != nil {
			t.Fatal(err)
		}
		if !o.RefsSet || len(o.Refs) != 1 || o.Refs[0] != "refs/heads/" {
			t.Errorf("%+v", o)
		}
	})
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"format", func() error { _, err := parse(t, newCmdVerify, "verify", "--format", "xml", "HEAD"); return err }, `unknown format "xml"`},
		{"rev and paths", func() error { _, err := parse(t, newCmdValidate, "validate", "--rev", "HEAD", "a"); return err }, "not both"},
		{"no repo", func() error { _, err := parse(t, newCmdHookInstall, "install"); return err }, "needs --repo"},
		{"budget", func() error { _, err := parse(t, newCmdHookPreReceive, "pre-receive", "--budget", "0s"); return err }, "must be positive"},
		{"arguments", func() error { _, err := parse(t, newCmdRun, "run"); return err }, "takes 1 argument"},
		{"flag", func() error { _, err := parse(t, newCmdPropose, "propose", "--bogus", "p.yaml"); return err }, "unknown flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			var ue *usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a usage error with %q", err, tc.want)
			}
		})
	}
}
