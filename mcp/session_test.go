package mcp_test

import (
	"strings"
	"testing"
)

const appManifest = `project: name: "app"
workspace: {
	writable: ["src/**", "docs/**"]
	read_only: ["vendor/**"]
	ignored: ["secrets/**", "**/*.key"]
}
environment: type: "bwrap"
tests: {
	default: command: "sh test.sh"
	slow: command: "sleep 2.5 && sh test.sh"
}
tools: wc: {command: "wc -l", args_pattern: "^[a-z/._-]+$"}
validators: secrets: builtin: "secrets"
policies: {
	require_tests_on_write: true
	required_suites: ["default"]
	max_file_size_kb: 8
	require_approval: [{name: "docs", paths: ["docs/**"], reviewers: ["alice"]}]
}
`

var appFiles = map[string]string{
	"aos.cue":        appManifest,
	"test.sh":        "for f in src/*.go; do grep -q '^package ' \"$f\" || { echo \"$f: no package clause\"; exit 1; }; done; echo ok\n",
	"src/main.go":    "package main\n\nfunc main() {\n\tgreet()\n}\n",
	"src/greet.go":   "package main\n\nimport \"fmt\"\n\nfunc greet() {\n\tfmt.Println(\"hello\")\n}\n",
	"vendor/lib.go":  "package lib\n",
	"secrets/token":  "s3cr3t\n",
	"src/server.key": "KEY\n",
	"docs/README.md": "# App\n",
}

// TestWholeSession is an agent's session through the real client against
// the built binary: looks, a search, a patch, a write, a refusal, tests in
// bubblewrap with progress, the status, a submit. The result verifies with
// git aos verify and is listed by git aos log.
func TestWholeSession(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, appFiles)
	head := git(t, dir, "rev-parse", "HEAD")
	c := connect(t, dir, "")

	var manifest struct {
		Tests     map[string]any `json:"tests"`
		Workspace struct {
			Writable        []string `json:"writable"`
			IgnoredRedacted bool     `json:"ignored_redacted"`
		} `json:"workspace"`
	}
	c.ok("get_manifest", nil, &manifest)
	if len(manifest.Tests) != 2 || !manifest.Workspace.IgnoredRedacted {
		t.Errorf("manifest %+v", manifest)
	}
	var ls struct {
		Entries []struct{ Name, Type string }
		Total   int
	}
	c.ok("list_directory", map[string]any{"path": "."}, &ls)
	var names []string
	for _, e := range ls.Entries {
		names = append(names, e.Name)
	}
	if strings.Join(names, " ") != "aos.cue docs src test.sh vendor" {
		t.Errorf("ls . = %v", names)
	}
	var found struct {
		Matches []struct {
			Path   string
			Line   int
			Column int
			Text   string
		}
		Files int
	}
	c.ok("search", map[string]any{"pattern": `func \w+\(`, "glob": "*.go"}, &found)
	if len(found.Matches) != 2 || found.Matches[0].Path != "src/greet.go" || found.Matches[0].Line != 5 || found.Files != 3 {
		t.Errorf("search %+v", found)
	}
	var file struct {
		Content    string
		FirstLine  int `json:"first_line"`
		Lines      int
		TotalLines int `json:"total_lines"`
		Truncated  bool
	}
	c.ok("read_file", map[string]any{"path": "src/greet.go", "offset": 5, "limit": 2}, &file)
	if file.Content != "func greet() {\n\tfmt.Println(\"hello\")\n" || file.FirstLine != 5 || file.Lines != 2 || file.TotalLines != 7 || !file.Truncated {
		t.Errorf("read_file %+v", file)
	}
	var patched struct {
		Directive int
		Changes   []struct{ Path, Status string }
	}
	c.ok("apply_patch", map[string]any{"patch": "diff --git a/src/greet.go b/src/greet.go\n--- a/src/greet.go\n+++ b/src/greet.go\n@@ -6 +6 @@\n-\tfmt.Println(\"hello\")\n+\tfmt.Println(\"hello, world\")\n"}, &patched)
	if patched.Directive != 4 || len(patched.Changes) != 1 || patched.Changes[0].Status != "modified" {
		t.Errorf("apply_patch %+v", patched)
	}
	c.ok("write_file", map[string]any{"path": "src/bye.go", "content": "package main\n\nfunc bye() {}\n"}, nil)
	c.refused("write_file", map[string]any{"path": "vendor/lib.go", "content": "x"}, "workspace.read_only")
	c.ok("write_file", map[string]any{"path": "docs/CHANGES.md", "content": "- greet the world\n"}, nil)
	// A file without a package clause fails the suite: refused, not
	// recorded, and the output says why.
	c.ok("write_file", map[string]any{"path": "src/broken.go", "content": "oops\n"}, nil)
	r := c.refused("run_tests", nil, "tests.failed")
	if !strings.Contains(r.text, "| src/broken.go: no package clause") {
		t.Errorf("failed tests:\n%s", r.text)
	}
	c.ok("write_file", map[string]any{"path": "src/broken.go", "content": "package main\n"}, nil)
	var tests struct {
		Directive int
		Job       struct {
			ExitCode int `json:"exit_code"`
			Backend  string
			Tail     []string
			Name     string
		}
	}
	c.ok("run_tests", nil, &tests)
	if tests.Job.ExitCode != 0 || tests.Job.Backend != "bwrap" || tests.Job.Name != "default" || len(tests.Job.Tail) == 0 || tests.Job.Tail[len(tests.Job.Tail)-1] != "ok" {
		t.Errorf("run_tests %+v", tests)
	}
	// A slow suite reports its progress.
	r = c.callMeta("run_tests", map[string]any{"suite": "slow"}, map[string]any{"progressToken": "slow-1"})
	if r.isError {
		t.Fatalf("slow suite: %s", r.text)
	}
	c.mu.Lock()
	progress := len(c.progress)
	c.mu.Unlock()
	if progress < 2 {
		t.Errorf("%d progress notifications for a 2.5 s job", progress)
	}
	var status struct {
		OK         bool
		Directives []struct{ Type string }
		Changes    []struct{ Path, Status string }
		Diff       string
		Approvals  []struct{ Rule, Path string }
		Violations []any
	}
	c.ok("plan_status", nil, &status)
	if !status.OK || len(status.Directives) != 11 || len(status.Changes) != 4 || !strings.Contains(status.Diff, "+\tfmt.Println(\"hello, world\")") ||
		len(status.Approvals) != 1 || status.Approvals[0].Path != "docs/CHANGES.md" {
		t.Fatalf("plan_status %+v", status)
	}
	var sub struct {
		Branch       string
		PlanCommit   string `json:"plan_commit"`
		ResultCommit string `json:"result_commit"`
		Summary      string
	}
	c.ok("submit", map[string]any{"id": "greet-world", "goal": "Greet the world"}, &sub)
	if sub.Branch != "aos/greet-world" || git(t, dir, "rev-parse", "aos/greet-world") != sub.ResultCommit || git(t, dir, "rev-parse", "aos/greet-world^") != sub.PlanCommit {
		t.Fatalf("submit %+v", sub)
	}
	if !strings.Contains(sub.Summary, "tests default: exit 0") || !strings.Contains(sub.Summary, "Approvals required:") {
		t.Errorf("summary:\n%s", sub.Summary)
	}
	c.close()
	// Nothing of the working tree, the index or HEAD changed.
	if got := git(t, dir, "status", "--porcelain"); got != "" || git(t, dir, "rev-parse", "HEAD") != head {
		t.Errorf("the session touched the working tree: %q", got)
	}
	if out, code := aosCmd(t, dir, "verify", "aos/greet-world"); code != 0 {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}
	out, code := aosCmd(t, dir, "log", "aos/greet-world")
	if code != 0 || !strings.Contains(out, "greet-world") || !strings.Contains(out, "Greet the world") {
		t.Fatalf("log: exit %d\n%s", code, out)
	}
	plan := git(t, dir, "show", "aos/greet-world^:.aos/plans/greet-world.yaml")
	// The refused write and the failed suite are not in it.
	if strings.Count(plan, "- type:") != 11 || strings.Contains(plan, "vendor/lib.go") || strings.Count(plan, "- type: RUN_TESTS") != 2 {
		t.Errorf("the plan holds more than what passed:\n%s", plan)
	}
}
