package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasExamples walks the command tree: every command's
// --help shows runnable examples, each starting with git aos.
func TestEveryCommandHasExamples(t *testing.T) {
	var buf bytes.Buffer
	root := newRootCmd(&env{stdin: strings.NewReader(""), stdout: &buf, stderr: &buf, dir: t.TempDir()})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
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
