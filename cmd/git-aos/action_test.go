package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/architectos/aos/gh/ghtest"
	"github.com/architectos/aos/workflow"
	"go.yaml.in/yaml/v3"
)

// action is action.yml as the runner reads it.
type action struct {
	Name   string
	Inputs map[string]struct {
		Description string
		Default     *string
	}
	Outputs map[string]struct {
		Description string
		Value       string
	}
	Runs struct {
		Using string
		Steps []struct {
			Name             string
			ID               string
			Uses             string
			With             map[string]string
			Shell            string
			Run              string
			Env              map[string]string
			WorkingDirectory string `yaml:"working-directory"`
		}
	}
}

func readAction(t *testing.T) *action {
	t.Helper()
	b, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return &a
}

// TestActionShape: a composite action with the documented inputs, each
// described and defaulted, outputs from the ci step, setup-go from the
// action's go.mod with its cache, and git-aos called through git aos ci.
func TestActionShape(t *testing.T) {
	t.Parallel()
	a := readAction(t)
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q, want composite", a.Runs.Using)
	}
	for _, in := range []string{"mode", "github-token", "policy", "fail-on", "sarif", "comment"} {
		if d, ok := a.Inputs[in]; !ok || d.Description == "" || d.Default == nil {
			t.Errorf("input %q is missing, undocumented or without a default", in)
		}
	}
	for _, out := range []string{"verdict", "plan-id", "result-sha"} {
		if o, ok := a.Outputs[out]; !ok || o.Value != "${{ steps.ci.outputs."+out+" }}" || o.Description == "" {
			t.Errorf("output %q: %+v", out, o)
		}
	}
	var setup bool
	for _, st := range a.Runs.Steps {
		if strings.HasPrefix(st.Uses, "actions/setup-go@") {
			setup = st.With["go-version-file"] == "${{ github.action_path }}/go.mod" && st.With["cache"] == "true" &&
				st.With["cache-dependency-path"] == "${{ github.action_path }}/go.sum"
		}
		if st.Run != "" && st.Shell != "bash" {
			t.Errorf("step %q runs without shell: bash", st.Name)
		}
		if strings.Contains(st.Run, "${{") {
			t.Errorf("step %q puts an expression in its script; pass it through env", st.Name)
		}
	}
	if !setup {
		t.Error("no actions/setup-go step with go-version-file and its cache")
	}
}

// runAction runs action.yml's steps as a GitHub runner runs a composite
// action: expressions resolved from the inputs and the github context,
// each run: script by bash in its working directory with the step's env,
// a GITHUB_OUTPUT file per step, and the action's outputs read from them.
// A uses: step is setup-go, whose Go is the one running the tests.
func runAction(t *testing.T, inputs, env map[string]string, workspace string) (outputs map[string]string, stdout string, code int) {
	t.Helper()
	a := readAction(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]string{}
	for k, v := range a.Inputs {
		if v.Default != nil {
			in[k] = *v.Default
		}
	}
	for k, v := range inputs {
		in[k] = v
	}
	steps := map[string]map[string]string{}
	expr := regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)
	resolve := func(s string) string {
		return expr.ReplaceAllStringFunc(s, func(m string) string {
			e := expr.FindStringSubmatch(m)[1]
			switch {
			case e == "github.action_path":
				return root
			case e == "github.token":
				return env["GITHUB_TOKEN"]
			case strings.HasPrefix(e, "inputs."):
				return resolveInput(t, in, strings.TrimPrefix(e, "inputs."))
			case strings.HasPrefix(e, "steps."):
				id, out, _ := strings.Cut(strings.TrimPrefix(e, "steps."), ".outputs.")
				return steps[id][out]
			}
			t.Fatalf("action.yml uses the expression %q, which this runner does not know", e)
			return ""
		})
	}
	// github.token is the default of github-token: resolve defaults first.
	for k, v := range in {
		in[k] = resolve(v)
	}
	var out strings.Builder
	for i, st := range a.Runs.Steps {
		if st.Uses != "" {
			if !strings.HasPrefix(st.Uses, "actions/setup-go@") {
				t.Fatalf("step %q uses %s, which this runner does not know", st.Name, st.Uses)
			}
			continue
		}
		outFile := filepath.Join(env["RUNNER_TEMP"], fmt.Sprintf("output-%d", i))
		os.WriteFile(outFile, nil, 0o644)
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", st.Run)
		cmd.Dir = workspace
		if st.WorkingDirectory != "" {
			cmd.Dir = resolve(st.WorkingDirectory)
		}
		cmd.Env = os.Environ()
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Env = append(cmd.Env, "GITHUB_OUTPUT="+outFile, "GITHUB_ACTION_PATH="+root)
		for k, v := range st.Env {
			cmd.Env = append(cmd.Env, k+"="+resolve(v))
		}
		b, err := cmd.CombinedOutput()
		out.Write(b)
		steps[st.ID] = readOutputFile(t, outFile)
		if err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatalf("step %q: %v", st.Name, err)
			}
			return nil, out.String(), ee.ExitCode()
		}
	}
	outputs = map[string]string{}
	for k, o := range a.Outputs {
		outputs[k] = resolve(o.Value)
	}
	return outputs, out.String(), 0
}

// resolveInput is inputs.NAME; an input the action does not declare is
// an error, as on GitHub.
func resolveInput(t *testing.T, in map[string]string, name string) string {
	v, ok := in[name]
	if !ok {
		t.Fatalf("action.yml reads input %q, which it does not declare", name)
	}
	return v
}

// readOutputFile parses GITHUB_OUTPUT as the runner does.
func readOutputFile(t *testing.T, file string) map[string]string {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok {
			var v []string
			for sc.Scan() && sc.Text() != delim {
				v = append(v, sc.Text())
			}
			out[name] = strings.Join(v, "\n")
		} else if name, v, ok := strings.Cut(line, "="); ok {
			out[name] = v
		}
	}
	return out
}

func gitT(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestActionRuns runs the Action's steps on pull requests of a real
// repository, checked out from a bare origin deep and shallow, against
// the GitHub API double.
func TestActionRuns(t *testing.T) {
	// The build step shares the tests' Go caches, whatever HOME is.
	goEnv := map[string]string{}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatal(err)
		}
		goEnv[k] = strings.TrimSpace(string(out))
	}
	for k, v := range map[string]string{"GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Agent", "GIT_AUTHOR_EMAIL": "agent@example.com",
		"GIT_COMMITTER_NAME": "Agent", "GIT_COMMITTER_EMAIL": "agent@example.com", "HOME": t.TempDir()} {
		t.Setenv(k, v)
	}
	tmp := t.TempDir()
	seed := filepath.Join(tmp, "seed")
	gitT(t, tmp, "init", "-q", "-b", "main", seed)
	os.WriteFile(filepath.Join(seed, "aos.yaml"), []byte("project: {name: hello}\nworkspace:\n  writable: [\"src/**\"]\n  read_only: [\"vendor/**\"]\nprotect:\n  agents: [\"*-bot\"]\n"), 0o644)
	os.MkdirAll(filepath.Join(seed, "vendor"), 0o755)
	os.WriteFile(filepath.Join(seed, "vendor", "lib.txt"), []byte("lib\n"), 0o644)
	gitT(t, seed, "add", "-A")
	gitT(t, seed, "commit", "-q", "-m", "seed")
	origin := filepath.Join(tmp, "origin.git")
	gitT(t, tmp, "clone", "-q", "--bare", seed, origin)
	agent := filepath.Join(tmp, "agent")
	gitT(t, tmp, "clone", "-q", "file://"+origin, agent)
	base := gitT(t, agent, "rev-parse", "main")
	run := func(id, path string) string {
		plan := fmt.Sprintf("version: 1\nid: %s\ngoal: Write %s\ndirectives:\n  - type: FILE_WRITE\n    path: %s\n    content: \"x\\n\"\n", id, path, path)
		res, err := workflow.Run(context.Background(), workflow.RunOptions{Dir: agent, Base: "main", Plan: workflow.PlanSource{File: "-", Data: []byte(plan)}})
		if err != nil || !res.OK() {
			t.Fatalf("run %s: %v %+v", id, err, res)
		}
		gitT(t, agent, "push", "-q", "origin", "aos/"+id)
		return res.ResultCommit
	}
	good := run("good", "src/hello.txt")
	// A human's commit on top of a plan that the base forbids.
	gitT(t, agent, "checkout", "-q", "-b", "aos/bad", "main")
	os.WriteFile(filepath.Join(agent, "vendor", "lib.txt"), []byte("owned\n"), 0o644)
	gitT(t, agent, "commit", "-q", "-am", "edit the vendored library")
	gitT(t, agent, "push", "-q", "origin", "aos/bad")
	bad := gitT(t, agent, "rev-parse", "HEAD")

	srv := ghtest.NewServer(t)
	repo := &ghtest.Repo{Owner: "octo-org", Name: "hello-world"}
	srv.Serve(repo)
	runnerTemp := t.TempDir()

	for _, tc := range []struct {
		name   string
		author string
		head   string
		branch string
		depth  int
		inputs map[string]string
		code   int
		want   map[string]string // outputs
		say    string            // in the step's output
	}{
		{name: "verified, deep clone", head: good, branch: "aos/good", code: 0,
			want: map[string]string{"verdict": "pass", "plan-id": "good", "result-sha": good}, say: "git aos ci: pass: 2 commits"},
		{name: "shallow clone fails closed", head: good, branch: "aos/good", depth: 1, code: 1,
			want: map[string]string{"verdict": "error"}, say: "fetch-depth: 0"},
		{name: "rejected", author: "alice", head: bad, branch: "aos/bad", code: 3,
			want: map[string]string{"verdict": "rejected"}, say: "::error file=vendor/lib.txt,title=workspace.read_only::"},
		{name: "an agent's own commit, fail-on never", head: bad, branch: "aos/bad", inputs: map[string]string{"fail-on": "never", "sarif": "false"}, code: 0,
			want: map[string]string{"verdict": "rejected"}, say: "::error title=protect.agent::commit "},
		{name: "bad mode", head: good, branch: "aos/good", inputs: map[string]string{"mode": "yolo"}, code: 2, say: "mode is check or apply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws := filepath.Join(t.TempDir(), "ws")
			args := []string{"clone", "-q", "--no-tags", "--branch", tc.branch}
			if tc.depth > 0 {
				args = append(args, "--depth", fmt.Sprint(tc.depth))
			}
			gitT(t, tmp, append(args, "file://"+origin, ws)...)
			author := tc.author
			if author == "" {
				author = "deploy-bot"
			}
			pr := &ghtest.PR{Number: len(repo.PRs) + 1, State: "open", Author: author, Head: tc.branch, Base: "main", HeadSHA: tc.head, BaseSHA: base}
			repo.PRs = append(repo.PRs, pr)
			var p map[string]any
			json.Unmarshal(ghtest.Fixture("event-pull_request.json"), &p)
			pull := p["pull_request"].(map[string]any)
			pull["number"] = pr.Number
			pull["user"].(map[string]any)["login"] = author
			p["sender"].(map[string]any)["login"] = author
			pull["head"].(map[string]any)["sha"], pull["head"].(map[string]any)["ref"] = tc.head, tc.branch
			pull["base"].(map[string]any)["sha"] = base
			ev, _ := json.Marshal(p)
			evFile := filepath.Join(t.TempDir(), "event.json")
			os.WriteFile(evFile, ev, 0o644)
			summary := filepath.Join(t.TempDir(), "summary")
			os.WriteFile(summary, nil, 0o644)
			env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": evFile,
				"GITHUB_REPOSITORY": "octo-org/hello-world", "GITHUB_API_URL": srv.URL, "GITHUB_SERVER_URL": "https://github.com",
				"GITHUB_RUN_ID": "5", "GITHUB_WORKSPACE": ws, "GITHUB_STEP_SUMMARY": summary, "RUNNER_TEMP": runnerTemp,
				"GITHUB_TOKEN": ghtest.Token}
			for k, v := range goEnv {
				env[k] = v
			}
			outputs, stdout, code := runAction(t, tc.inputs, env, ws)
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, stdout)
			}
			if tc.say != "" && !strings.Contains(stdout, tc.say) {
				t.Errorf("the step does not say %q:\n%s", tc.say, stdout)
			}
			if code != 0 {
				// The step failed: the outputs are those its last step
				// wrote before it did.
				outputs = map[string]string{}
				for _, f := range []string{"output-2"} {
					for k, v := range readOutputFile(t, filepath.Join(runnerTemp, f)) {
						outputs[k] = v
					}
				}
			}
			for k, v := range tc.want {
				if outputs[k] != v {
					t.Errorf("output %s = %q, want %q (all %v)", k, outputs[k], v, outputs)
				}
			}
			if s, _ := os.ReadFile(summary); tc.code != 2 && len(s) == 0 {
				t.Error("no job summary")
			}
		})
	}
	if c := repo.Check("ArchitectOS"); c == nil {
		t.Error("no check run was posted")
	}
}
