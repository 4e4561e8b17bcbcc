package github

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gh/ghtest"
	"github.com/architectos/aos/sandbox"
	"github.com/architectos/aos/workflow"
)

func TestMain(m *testing.M) {
	if workflow.IsSandboxChild() {
		os.Exit(workflow.SandboxChildMain(os.Stdin, os.Stdout, os.Stderr))
	}
	home, err := os.MkdirTemp("", "aos-github-home-")
	if err != nil {
		panic(err)
	}
	os.WriteFile(filepath.Join(home, ".gitconfig"), []byte("[init]\n\tdefaultBranch = main\n"), 0o644)
	for _, kv := range [][2]string{
		{"HOME", home}, {"GIT_CONFIG_GLOBAL", filepath.Join(home, ".gitconfig")}, {"GIT_CONFIG_NOSYSTEM", "1"}, {"GIT_TERMINAL_PROMPT", "0"},
		{"GIT_AUTHOR_NAME", "Agent"}, {"GIT_AUTHOR_EMAIL", "agent@example.com"},
		{"GIT_COMMITTER_NAME", "Agent"}, {"GIT_COMMITTER_EMAIL", "agent@example.com"},
	} {
		os.Setenv(kv[0], kv[1])
	}
	for _, k := range []string{"GITHUB_TOKEN", "GH_TOKEN", "GITHUB_API_URL", "GITHUB_REPOSITORY", "GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"} {
		os.Unsetenv(k)
	}
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

// git runs git in dir.
func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func write(t testing.TB, dir, p, content string) {
	t.Helper()
	full := filepath.Join(dir, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const testManifest = `project: {name: hello}
workspace:
  writable: ["src/**", "db/**"]
  read_only: ["vendor/**"]
environment: {type: bwrap}
tests:
  default: {command: "test -s src/hello.txt"}
policies:
  require_approval:
    - name: migrations
      paths: ["db/**"]
      reviewers: ["carol", "@octo-org/dba"]
      reason: schema changes need a DBA
protect:
  agents: ["*-bot"]
`

// world is an origin repository on disk, an agent's clone of it, and a
// GitHub double serving the repository octo-org/hello-world.
type world struct {
	t      testing.TB
	origin string // bare
	agent  string // the agent's clone
	srv    *ghtest.Server
	gh     *ghtest.Repo
	base   string // main's tip
}

func newWorld(t testing.TB, manifest string, files map[string]string) *world {
	t.Helper()
	tmp := t.TempDir()
	seed := filepath.Join(tmp, "seed")
	git(t, tmp, "init", "-q", "-b", "main", seed)
	write(t, seed, "aos.yaml", manifest)
	for p, c := range files {
		write(t, seed, p, c)
	}
	git(t, seed, "add", "-A")
	git(t, seed, "commit", "-q", "-m", "seed")
	w := &world{t: t, origin: filepath.Join(tmp, "origin.git"), agent: filepath.Join(tmp, "agent")}
	git(t, tmp, "clone", "-q", "--bare", seed, w.origin)
	git(t, tmp, "clone", "-q", "file://"+w.origin, w.agent)
	w.base = git(t, w.agent, "rev-parse", "main")
	w.srv = ghtest.NewServer(t)
	w.gh = &ghtest.Repo{Owner: "octo-org", Name: "hello-world", Teams: map[string][]string{"octo-org/dba": {"erin"}},
		Permissions: map[string]string{"gina": "write"}}
	w.srv.Serve(w.gh)
	return w
}

// bwrap runs jobs as git-aos does.
var bwrap = &workflow.Runtime{Jobs: func(m *aos.Manifest) (engine.JobRunner, error) {
	return sandbox.NewJobRunner(m, sandbox.RunnerOptions{})
}}

// propose commits a plan on aos/<id> in the agent's clone and pushes it;
// with apply, it runs it too.
func (w *world) propose(id, plan string, apply bool) (planCommit, resultCommit string) {
	w.t.Helper()
	f := filepath.Join(w.t.TempDir(), id+".yaml")
	os.WriteFile(f, []byte(plan), 0o644)
	run := workflow.Propose
	if apply {
		run = workflow.Run
	}
	res, err := run(context.Background(), workflow.RunOptions{Dir: w.agent, Plan: workflow.PlanSource{File: f}, Base: "main", Runtime: bwrap})
	if err != nil {
		w.t.Fatal(err)
	}
	if !res.OK() {
		w.t.Fatalf("plan %s rejected: %+v", id, res.Report.Violations)
	}
	git(w.t, w.agent, "push", "-q", "origin", "aos/"+id)
	return res.PlanCommit, res.ResultCommit
}

func writePlan(id, path, content string, tests bool) string {
	p := fmt.Sprintf("version: 1\nid: %s\ngoal: Write %s\ndirectives:\n  - type: FILE_WRITE\n    path: %s\n    content: %q\n", id, path, path, content)
	if tests {
		p += "  - type: RUN_TESTS\n"
	}
	return p
}

// openPR adds the pull request of branch aos/<id> to the double.
func (w *world) openPR(id, author, head string) *ghtest.PR {
	p := &ghtest.PR{Number: len(w.gh.PRs) + 1, Title: id, State: "open", Author: author, Head: "aos/" + id, Base: "main",
		HeadSHA: head, BaseSHA: w.base}
	w.gh.PRs = append(w.gh.PRs, p)
	return p
}

// runner is a checkout of the pull request as actions/checkout makes it,
// with the Actions environment of an event.
type runner struct {
	dir string
	env map[string]string
}

// checkout clones origin as a runner does: depth 0 is the whole history.
func (w *world) checkout(depth int, ref string) *runner {
	w.t.Helper()
	dir := filepath.Join(w.t.TempDir(), "ws")
	args := []string{"clone", "-q", "--no-tags"}
	if depth > 0 {
		args = append(args, "--depth", fmt.Sprint(depth))
	}
	args = append(args, "--branch", ref, "file://"+w.origin, dir)
	git(w.t, filepath.Dir(dir), args...)
	tmp := w.t.TempDir()
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "octo-org/hello-world", "GITHUB_API_URL": w.srv.URL,
		"GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "77", "GITHUB_TOKEN": ghtest.Token,
		"GITHUB_OUTPUT": filepath.Join(tmp, "output"), "GITHUB_STEP_SUMMARY": filepath.Join(tmp, "summary"),
		"GITHUB_WORKSPACE": dir,
	}
	for _, f := range []string{"output", "summary"} {
		os.WriteFile(filepath.Join(tmp, f), nil, 0o644)
	}
	return &runner{dir: dir, env: env}
}

// event writes the payload of a pull request event, shaped as GitHub's,
// from the double's pull request.
func (w *world) event(r *runner, name string, pr *ghtest.PR, fork bool) {
	w.t.Helper()
	var p map[string]any
	fixture := "event-pull_request.json"
	if name == "pull_request_review" {
		fixture = "event-pull_request_review.json"
	}
	if err := json.Unmarshal(ghtest.Fixture(fixture), &p); err != nil {
		w.t.Fatal(err)
	}
	pull := p["pull_request"].(map[string]any)
	pull["number"] = pr.Number
	pull["user"].(map[string]any)["login"] = pr.Author
	head, base := pull["head"].(map[string]any), pull["base"].(map[string]any)
	head["sha"], head["ref"], base["sha"], base["ref"] = pr.HeadSHA, pr.Head, pr.BaseSHA, pr.Base
	if fork {
		head["repo"].(map[string]any)["full_name"] = "mallory/hello-world"
	}
	p["number"] = pr.Number
	p["sender"].(map[string]any)["login"] = pr.Author
	w.writeEvent(r, name, p)
}

func (w *world) writeEvent(r *runner, name string, p map[string]any) {
	b, err := json.Marshal(p)
	if err != nil {
		w.t.Fatal(err)
	}
	path := filepath.Join(w.t.TempDir(), "event.json")
	os.WriteFile(path, b, 0o644)
	r.env["GITHUB_EVENT_NAME"], r.env["GITHUB_EVENT_PATH"] = name, path
}

// ci runs git aos ci on the runner's checkout.
func (w *world) ci(r *runner, apply bool) (*CIResult, error) {
	return CI(context.Background(), CIOptions{Dir: r.dir, Getenv: func(k string) string { return r.env[k] },
		HTTPClient: w.srv.Client(), SARIF: true, Comment: true, Apply: apply, Runtime: bwrap})
}

// outputs reads GITHUB_OUTPUT as the runner does.
func (r *runner) outputs(t testing.TB) map[string]string {
	b, err := os.ReadFile(r.env["GITHUB_OUTPUT"])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			continue
		}
		var v []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			v = append(v, lines[i])
		}
		out[name] = strings.Join(v, "\n")
	}
	return out
}

func (r *runner) summary(t testing.TB) string {
	b, err := os.ReadFile(r.env["GITHUB_STEP_SUMMARY"])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// proposeOn proposes the plan file on base in the agent's clone.
func proposeOn(w *world, base, file string) (string, error) {
	res, err := workflow.Propose(context.Background(), workflow.RunOptions{Dir: w.agent, Plan: workflow.PlanSource{File: file}, Base: base})
	if err != nil {
		return "", err
	}
	if !res.OK() {
		return "", fmt.Errorf("rejected: %+v", res.Report.Violations)
	}
	return res.PlanCommit, nil
}

func jsonUnmarshal(fixture string, v any) error { return json.Unmarshal(ghtest.Fixture(fixture), v) }
