package main

import (
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
)

// TestExitCodesMatchSpec holds the exit codes each command's help states
// to the table of docs/spec.md section 1, both ways, and checks that every
// command that runs states them.
func TestExitCodesMatchSpec(t *testing.T) {
	t.Parallel()
	spec, err := os.ReadFile("../../docs/spec.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `git aos ([a-z -]+)` \\| ([^|]+) \\| ([^|]+) \\|$")
	fromSpec := map[string]exitDoc{}
	for _, m := range row.FindAllStringSubmatch(string(spec), -1) {
		d := exitDoc{ok: strings.TrimSpace(m[2]), rejected: strings.TrimSpace(m[3])}
		if d.rejected == "never" {
			d.rejected = ""
		}
		fromSpec[m[1]] = d
	}
	want := map[string]exitDoc{}
	for k, v := range exitDocs {
		if strings.HasPrefix(v.rejected, "never") {
			v.rejected = ""
		}
		want[k] = v
	}
	// A rejected that says "never (...)" in the spec is "" here.
	for k, v := range fromSpec {
		if strings.HasPrefix(v.rejected, "never") {
			v.rejected = ""
			fromSpec[k] = v
		}
	}
	delete(want, "help")
	if diff := cmp.Diff(want, fromSpec, cmp.AllowUnexported(exitDoc{})); diff != "" {
		t.Errorf("exitDocs and docs/spec.md section 1 differ (-code +spec):\n%s", diff)
	}

	root := newCmdRoot(&factory{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard, Dir: t.TempDir()})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.Hidden || c == root || c.HasSubCommands() {
			return
		}
		path := strings.TrimPrefix(c.CommandPath(), "git aos ")
		if _, ok := exitDocs[path]; !ok {
			t.Errorf("git aos %s: no exit codes in exitDocs (and docs/spec.md section 1)", path)
		}
		if !strings.Contains(c.Long, "Exit codes: 0 ") {
			t.Errorf("git aos %s: its help does not end with its exit codes", path)
		}
		if n := strings.Count(c.Long, "Exit codes:"); n != 1 {
			t.Errorf("git aos %s: its help states exit codes %d times", path, n)
		}
	}
	walk(root)
}
