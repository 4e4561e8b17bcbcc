package main

import (
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestActionCommands parses the repository's action.yml and checks that
// it is a composite action whose every "git aos ..." call names a command
// that exists, with flags that command has.
func TestActionCommands(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Name   string
		Inputs map[string]struct {
			Description string
			Default     *string
		}
		Runs struct {
			Using string
			Steps []struct {
				Name string
				Run  string
			}
		}
	}
	if err := yaml.Unmarshal(b, &action); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if action.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q, want composite", action.Runs.Using)
	}
	for _, in := range []string{"plans", "policy", "format", "fail-on"} {
		if d, ok := action.Inputs[in]; !ok || d.Description == "" || d.Default == nil {
			t.Errorf("input %q is missing, undocumented or without a default", in)
		}
	}
	root := newCmdRoot(&factory{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard})
	call := regexp.MustCompile(`git aos ((?:[a-z][a-z-]*\s+)*[a-z][a-z-]*)((?:\s+"?\$\{[^}]*\}\[@\]"?|\s+--?[a-z-]+)*)`)
	calls := 0
	for _, st := range action.Runs.Steps {
		for _, l := range strings.Split(st.Run, "\n") {
			l = strings.TrimSpace(l)
			if strings.HasPrefix(l, "echo ") || strings.HasPrefix(l, "#") {
				continue
			}
			for _, m := range call.FindAllStringSubmatch(l, -1) {
				calls++
				words := strings.Fields(m[1])
				cmd, rest, err := root.Find(words)
				if err != nil || cmd == root || len(rest) > 0 && cmd.HasSubCommands() {
					t.Errorf("action.yml calls %q: no such command", "git aos "+m[1])
					continue
				}
				// The flags the action passes through "${args[@]}".
				for _, f := range []string{"format", "policy"} {
					if cmd.Flags().Lookup(f) == nil {
						t.Errorf("action.yml calls %q, which has no --%s", cmd.CommandPath(), f)
					}
				}
			}
		}
	}
	if calls < 2 {
		t.Fatalf("found %d git aos calls in action.yml, want plan check and verify", calls)
	}
}
