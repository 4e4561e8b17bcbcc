package hooks_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/workflow"
)

const rescueManifest = `project:
  name: site
workspace:
  read_only: ["wp-includes/**"]
  writable: ["wp-content/**", "aos-rescue/**"]
validators:
  php:
    builtin: php-malware
policies:
  allow_delete: true
protect:
  branches: ["main"]
  humans: workspace
`

// TestQuarantinePush pushes quarantines through the installed hook: a
// plan's QUARANTINE of a web shell, whose result the hook verifies with
// the php-malware validator on, and a human moving one by hand within
// the workspace rules, are accepted though the quarantine holds the
// shell.
func TestQuarantinePush(t *testing.T) {
	t.Parallel()
	shell := "<?php @eval($_POST['x']); ?>\n"
	s := newServer(t, rescueManifest, map[string]string{
		"wp-content/uploads/thumb.php": shell,
		"wp-content/uploads/logo.php":  shell,
		"wp-includes/load.php":         "<?php\n",
	})
	c := s.clone(t)
	plan := "version: 1\nid: q-1\ngoal: Quarantine the web shell\ndirectives:\n  - type: QUARANTINE\n    path: wp-content/uploads/thumb.php\n    reason: eval of $_POST\n"
	res, err := workflow.Run(context.Background(), workflow.RunOptions{Dir: c.dir,
		Plan: workflow.PlanSource{File: "-", Data: []byte(plan)}, Runtime: workflow.NewRuntime(workflow.RuntimeOptions{Dir: c.dir})})
	if err != nil || !res.OK() {
		t.Fatalf("run: %v %+v", err, res)
	}
	out, ok := c.push("agent-bot", "aos/q-1")
	expectAccepted(t, out, ok)

	// A human moves the other shell by hand, as QUARANTINE would.
	if err := os.MkdirAll(filepath.Join(c.dir, "aos-rescue/quarantine/wp-content/uploads"), 0o755); err != nil {
		t.Fatal(err)
	}
	c.git("mv", "wp-content/uploads/logo.php", "aos-rescue/quarantine/wp-content/uploads/logo%2Ephp")
	c.commit("quarantine logo.php")
	out, ok = c.push("alice", "main")
	expectAccepted(t, out, ok)

	// What the hook holds of the rescue: the quarantined content,
	// byte for byte, and no shell left where it ran.
	for _, p := range []string{"aos-rescue/quarantine/wp-content/uploads/logo%2Ephp"} {
		if got := must(t, s.bare, "git", "show", "main:"+p); got+"\n" != shell {
			t.Errorf("%s on the server: %q", p, got)
		}
	}
	if got := must(t, s.bare, "git", "show", "aos/q-1:"+aos.QuarantinePath("wp-content/uploads/thumb.php")); got+"\n" != shell {
		t.Errorf("the quarantined shell on aos/q-1: %q", got)
	}
	if out, err := run(t, s.bare, nil, "git", "cat-file", "-e", "aos/q-1:wp-content/uploads/thumb.php"); err == nil {
		t.Errorf("the shell is still in place on aos/q-1: %s", out)
	}
}
