package github

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gh/ghtest"
	"github.com/architectos/aos/workflow"
)

func (w *world) pr(opts PROptions) (*PRResult, error) {
	opts.Dir = w.agent
	opts.HTTPClient = w.srv.Client()
	env := map[string]string{"GITHUB_TOKEN": ghtest.Token, "GITHUB_API_URL": w.srv.URL}
	opts.Getenv = func(k string) string { return env[k] }
	return PR(context.Background(), opts)
}

// TestPR pushes a plan's branch and opens its pull request as a draft,
// with the plan check in its body, the label and the reviewers of the
// rules it matched; a second call updates the same pull request, and
// --ready marks it ready.
func TestPR(t *testing.T) {
	t.Parallel()
	w := newWorld(t, strings.Replace(testManifest, `reviewers: ["carol", "@octo-org/dba"]`, `reviewers: ["carol", "agent-bot", "@octo-org/dba", "@other-org/dba"]`, 1),
		map[string]string{"src/a.txt": "a\n"})
	w.gh.Viewer = "agent-bot"
	// origin fetches from GitHub (its URL names the repository) and
	// pushes to the bare repository.
	git(t, w.agent, "remote", "set-url", "origin", "git@github.com:octo-org/hello-world.git")
	git(t, w.agent, "remote", "set-url", "--push", "origin", w.origin)
	git(t, w.agent, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
	// Proposed, not pushed yet.
	f := t.TempDir() + "/db1.yaml"
	write(t, "/", f, "version: 1\nid: db1\ngoal: |\n  Add the users table\n\n  It holds @everyone's login.\ndirectives:\n  - type: FILE_WRITE\n    path: db/001.sql\n    content: \"create table users;\\n\"\n")
	plan, err := proposeOn(w, "main", f)
	if err != nil {
		t.Fatal(err)
	}
	git(t, w.agent, "checkout", "-q", "aos/db1")
	res, err := w.pr(PROptions{})
	if err != nil {
		t.Fatal(err)
	}
	if git(t, w.origin, "rev-parse", "refs/heads/aos/db1") != plan || !res.Pushed || !res.Created {
		t.Fatalf("not pushed: %+v", res)
	}
	p := w.gh.PR(1)
	if p == nil || p.Title != "Add the users table (db1)" || !p.Draft || p.Head != "aos/db1" || p.Base != "main" {
		t.Fatalf("pull request %+v", p)
	}
	for _, want := range []string{"not applied yet", "`migrations`", "`db/001.sql`", "`carol`", "`@octo-org/dba`"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, p.Body)
		}
	}
	if strings.Contains(p.Body, " @everyone") {
		t.Errorf("the goal mentions someone in the body:\n%s", p.Body)
	}
	if strings.Join(p.Labels, ",") != "aos" || strings.Join(p.Reviewers, ",") != "carol" || strings.Join(p.TeamRevs, ",") != "dba" {
		t.Errorf("labels %v reviewers %v teams %v", p.Labels, p.Reviewers, p.TeamRevs)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "@other-org/dba") {
		t.Errorf("warnings %v", res.Warnings)
	}

	// Applied and sent again: the same pull request, updated; ready.
	git(t, w.agent, "checkout", "-q", "main")
	applied, err := applyBranch(w, "aos/db1")
	if err != nil {
		t.Fatal(err)
	}
	res, err = w.pr(PROptions{Branch: "aos/db1", Ready: true, Labels: []string{"aos", "db"}})
	if err != nil {
		t.Fatal(err)
	}
	p = w.gh.PR(1)
	if res.Created || len(w.gh.PRs) != 1 || p.Draft || !strings.Contains(p.Body, "applied: result commit "+applied[:12]) || strings.Join(p.Labels, ",") != "aos,db" {
		t.Errorf("update: %+v %+v", res, p)
	}
	if git(t, w.origin, "rev-parse", "refs/heads/aos/db1") != applied {
		t.Error("the result was not pushed")
	}
	// --no-push with the branch already there.
	if res, err = w.pr(PROptions{Branch: "aos/db1", NoPush: true}); err != nil || res.Pushed {
		t.Errorf("--no-push: %v %+v", err, res)
	}
}

func TestPRRefuses(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testManifest, map[string]string{"src/a.txt": "a\n"})
	// main is not an agent branch, and holds no plan.
	_, err := w.pr(PROptions{Branch: "main", Repo: "octo-org/hello-world"})
	if !errors.Is(err, aos.ErrRejected) {
		t.Errorf("main: %v", err)
	}
	// A plan on a branch outside protect.agent_branches.
	f := t.TempDir() + "/x.yaml"
	write(t, "/", f, writePlan("x", "src/x.txt", "x\n", false))
	if _, err := proposeOn(w, "main", f); err != nil {
		t.Fatal(err)
	}
	git(t, w.agent, "branch", "-q", "-m", "aos/x", "feature/x")
	if _, err = w.pr(PROptions{Branch: "feature/x", Repo: "octo-org/hello-world"}); !errors.Is(err, aos.ErrRejected) || !strings.Contains(err.Error(), "not an agent branch") {
		t.Errorf("feature/x: %v", err)
	}
	// The repository cannot be told from a file:// remote.
	git(t, w.agent, "branch", "-q", "-m", "feature/x", "aos/x")
	_, err = w.pr(PROptions{Branch: "aos/x"})
	if err == nil || !strings.Contains(strings.Join(aos.Hints(err), " "), "--repo") {
		t.Errorf("no repository: %v", err)
	}
	w.srv.Expect() // nothing was asked of GitHub
}

// applyBranch applies the plan at the tip of branch in the agent's
// clone.
func applyBranch(w *world, branch string) (string, error) {
	res, err := workflow.Apply(context.Background(), workflow.RunOptions{Dir: w.agent, Rev: branch, Runtime: bwrap})
	if err != nil {
		return "", err
	}
	if !res.OK() {
		return "", fmt.Errorf("rejected: %+v", res.Report.Violations)
	}
	return res.ResultCommit, nil
}
