package hooks_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// Adversarial paths by case and alias: a path is judged as every path a
// checkout may take it for (folded as macOS and Windows fold names), and
// a commit adding a name that folds as another entry of its directory is
// a collision (docs/spec.md 4.2). The review's repros, pushed by a human
// under protect.humans: workspace, and run by an agent.

const caseManifest = `project:
  name: demo
workspace:
  writable: ["src/**"]
  read_only: ["src/config/**"]
  ignored: ["src/private/**"]
policies:
  allow_delete: true
protect:
  branches: ["main"]
  agents: ["*-bot"]
  humans: workspace
`

func TestAdversarialCase(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"src/config/app.ini":  "app\n",
		"src/private/key.pem": "key\n",
		"src/readme.md":       "readme\n",
		"src/lib/y.txt":       "y\n",
	}
	s := newServer(t, caseManifest, files)
	for _, tc := range []struct {
		path, rule string
	}{
		{"src/CONFIG/app.ini", "workspace.read_only"},
		{"src/config./app.ini", "workspace.read_only"},
		{"src/config /app.ini", "workspace.read_only"},
		{"src/Config/new.ini", "workspace.read_only"},
		{"src/Private/key.pem", "workspace.not_writable"},
		{"src/PRIVATE./other.pem", "workspace.not_writable"},
		{"src/README.md", "path.collision"},
		{"src/ſrc.txt", ""},
		{"src/Lib/x.txt", "path.collision"},
	} {
		t.Run("human "+tc.path, func(t *testing.T) {
			t.Parallel()
			s := s
			if tc.rule == "" {
				// An accepted push moves main: a server of its own.
				s = newServer(t, caseManifest, files)
			}
			c := s.clone(t)
			c.write(tc.path, "evil\n")
			c.commit("write " + tc.path)
			before := s.refs(t)
			out, ok := c.push("alice", "HEAD:refs/heads/main")
			if tc.rule == "" {
				expectAccepted(t, out, ok)
				return
			}
			expectRejected(t, s, before, out, ok, tc.rule)
		})
	}
	// Two new names that are one file where case is ignored.
	t.Run("human two new names", func(t *testing.T) {
		t.Parallel()
		c := s.clone(t)
		c.write("src/new/A.txt", "a\n")
		c.write("src/new/a.txt", "a\n")
		c.commit("two names")
		before := s.refs(t)
		out, ok := c.push("alice", "HEAD:refs/heads/main")
		expectRejected(t, s, before, out, ok, "path.collision")
	})
	// Renaming by case alone is no collision.
	t.Run("human rename by case", func(t *testing.T) {
		t.Parallel()
		c := newServer(t, caseManifest, files).clone(t)
		c.git("mv", "src/readme.md", "src/README.md")
		c.commit("rename")
		out, ok := c.push("alice", "HEAD:refs/heads/main")
		expectAccepted(t, out, ok)
	})
	// An agent's plan writing the variants is refused by git aos run,
	// each write under the rule of the path it aliases.
	t.Run("agent", func(t *testing.T) {
		t.Parallel()
		c := s.clone(t)
		p := filepath.Join(t.TempDir(), "plan.yaml")
		writeFile(t, p, `version: 1
id: case
goal: case and alias variants
directives:
  - type: FILE_WRITE
    path: src/CONFIG/app.ini
    content: "evil\n"
  - type: FILE_WRITE
    path: src/Private/key.pem
    content: "evil\n"
  - type: FILE_WRITE
    path: src/config./app.ini
    content: "evil\n"
  - type: FILE_WRITE
    path: "src/config /app.ini"
    content: "evil\n"
  - type: FILE_WRITE
    path: src/README.md
    content: "evil\n"
`)
		out, err := run(t, c.dir, nil, binary(t), "run", p)
		if err == nil {
			t.Fatalf("git aos run accepted the variants:\n%s", out)
		}
		for _, want := range []string{"workspace.read_only", "workspace.not_writable", "path.collision"} {
			if !strings.Contains(out, want) {
				t.Errorf("git aos run does not name %s:\n%s", want, out)
			}
		}
		if got := s.ref(t, "refs/heads/aos/case"); got != "" {
			t.Errorf("the server has aos/case")
		}
	})
}
