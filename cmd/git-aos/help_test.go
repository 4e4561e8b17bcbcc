package main

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasExamples walks the command tree: every command's
// --help shows runnable examples, each starting with git aos.
func TestEveryCommandHasExamples(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	root := newCmdRoot(&factory{In: strings.NewReader(""), Out: &buf, ErrOut: &buf, Dir: t.TempDir()})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s has no examples", c.CommandPath())
		}
		for _, line := range strings.Split(c.Example, "\n") {
			line = strings.TrimSpace(line)
			if line != "" && !strings.Contains(line, "git aos ") && !strings.Contains(line, "git-aos ") {
				t.Errorf("%s: example %q does not run git aos", c.CommandPath(), line)
			}
		}
		if c.Short == "" {
			t.Errorf("%s has no short description", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// TestRootHelpNamesEveryCommand checks that the root's help describes
// every command it has.
func TestRootHelpNamesEveryCommand(t *testing.T) {
	root := newCmdRoot(&factory{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard, Dir: t.TempDir()})
	n := 0
	for _, c := range root.Commands() {
		if !c.IsAvailableCommand() || c.Name() == "help" {
			continue
		}
		n++
		if !regexp.MustCompile(`\b` + regexp.QuoteMeta(c.Name()) + `\b`).MatchString(root.Long) {
			t.Errorf("the root's help does not describe %s", c.Name())
		}
	}
	if n < 13 {
		t.Errorf("%d commands, want at least 13", n)
	}
}
