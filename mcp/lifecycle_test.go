package mcp_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/architectos/aos/gh/ghtest"
	"github.com/architectos/aos/mcp"
	toml "github.com/pelletier/go-toml/v2"
)

// repoState is what a session that submits nothing must leave as it was:
// every ref, HEAD, the index, the working tree, and the object store.
func repoState(t *testing.T, dir string) string {
	t.Helper()
	idx, _ := os.ReadFile(filepath.Join(dir, ".git", "index"))
	var objects []string
	filepath.WalkDir(filepath.Join(dir, ".git", "objects"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			objects = append(objects, strings.TrimPrefix(p, dir))
		}
		return nil
	})
	return strings.Join([]string{
		git(t, dir, "for-each-ref", "--format=%(refname) %(objectname)"),
		git(t, dir, "rev-parse", "HEAD"),
		git(t, dir, "status", "--porcelain", "--ignored"),
		git(t, dir, "count-objects", "-v"),
		strings.Join(objects, "\n"),
		string(idx),
	}, "\n--\n")
}

// TestSessionLeavesNothing: a session of writes, a patch, tests, a status
// and a discard, whose client then goes away, leaves no object and no ref.
func TestSessionLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, appFiles)
	before := repoState(t, dir)
	c := connect(t, dir, "")
	c.ok("write_file", map[string]any{"path": "src/new.go", "content": "package main\n"}, nil)
	c.ok("apply_patch", map[string]any{"patch": "diff --git a/src/main.go b/src/main.go\n--- a/src/main.go\n+++ b/src/main.go\n@@ -1 +1 @@\n-package main\n+package main // patched\n"}, nil)
	c.ok("run_tests", nil, nil)
	c.ok("plan_status", nil, nil)
	var d struct{ Discarded int }
	c.ok("discard", nil, &d)
	if d.Discarded != 3 {
		t.Errorf("discarded %d directives, want 3", d.Discarded)
	}
	c.ok("write_file", map[string]any{"path": "src/other.go", "content": "package main\n"}, nil)
	c.close()
	if after := repoState(t, dir); after != before {
		t.Errorf("a session that submitted nothing changed the repository:\n%s\n--- before:\n%s", after, before)
	}
}

// TestTwoServers: two servers on two sessions of one repository submit
// different plans at the same time; both land and both verify.
func TestTwoServers(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, appFiles)
	clients := []*client{connect(t, dir, ""), connect(t, dir, "")}
	for i, c := range clients {
		c.ok("write_file", map[string]any{"path": fmt.Sprintf("src/s%d.go", i), "content": fmt.Sprintf("package main\n\n// session %d\n", i)}, nil)
		c.ok("run_tests", nil, nil)
	}
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.call("submit", map[string]any{"id": fmt.Sprintf("two-%d", i), "goal": fmt.Sprintf("session %d", i)})
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.isError {
			t.Fatalf("session %d: %s", i, r.text)
		}
		branch := fmt.Sprintf("aos/two-%d", i)
		if out, code := aosCmd(t, dir, "verify", branch); code != 0 {
			t.Errorf("verify %s: exit %d\n%s", branch, code, out)
		}
		if got := git(t, dir, "show", fmt.Sprintf("%s:src/s%d.go", branch, i)); !strings.Contains(got, fmt.Sprintf("session %d", i)) {
			t.Errorf("%s holds %q", branch, got)
		}
		if _, err := os.Stat(filepath.Join(dir, "src", fmt.Sprintf("s%d.go", i))); err == nil {
			t.Errorf("the working tree got src/s%d.go", i)
		}
	}
}

var update = flag.Bool("update", false, "rewrite the golden files")

// TestClientConfig keeps each client's snippet in testdata/config.CLIENT
// and reads it back as its client would: JSON, or TOML for Codex.
func TestClientConfig(t *testing.T) {
	t.Parallel()
	for _, client := range mcp.Clients {
		snippet, where, err := mcp.ClientConfig(client, "/opt/aos/bin/git-aos", "/home/dev/site")
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "config."+client)
		if *update || os.Getenv("AOS_UPDATE") == "1" {
			os.WriteFile(golden, snippet, 0o644)
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if string(snippet) != string(want) {
			t.Errorf("%s:\n%s\nwant:\n%s", client, snippet, want)
		}
		if !strings.Contains(where, "/") {
			t.Errorf("%s: where %q names no file", client, where)
		}
		var doc map[string]map[string]struct {
			Type    string
			Command string
			Args    []string
		}
		if client == "codex" {
			err = toml.Unmarshal(snippet, &doc)
		} else {
			err = jsonUnmarshal(snippet, &doc)
		}
		if err != nil {
			t.Fatalf("%s: %v", client, err)
		}
		var server struct {
			Type    string
			Command string
			Args    []string
		}
		for _, servers := range doc {
			server = servers["git-aos"]
		}
		if server.Command != "/opt/aos/bin/git-aos" || strings.Join(server.Args, " ") != "mcp --repo /home/dev/site" {
			t.Errorf("%s: server %+v", client, server)
		}
	}
	// Paths that TOML and shells must quote.
	odd := `/tmp/a "b"\c`
	snippet, _, err := mcp.ClientConfig("codex", odd, odd)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		MCPServers map[string]struct {
			Command string
			Args    []string
		} `toml:"mcp_servers"`
	}
	if err := toml.Unmarshal(snippet, &doc); err != nil || doc.MCPServers["git-aos"].Command != odd || doc.MCPServers["git-aos"].Args[2] != odd {
		t.Errorf("odd path: %v %+v\n%s", err, doc, snippet)
	}
	if _, _, err := mcp.ClientConfig("emacs", "/x", "/y"); err == nil {
		t.Error("an unknown client is accepted")
	}
}

// TestSubmitOpensPullRequest: submit with open_pr pushes aos/<id> and opens
// its pull request as git aos pr does, here on a GitHub API double reached
// as GitHub Enterprise Server is.
func TestSubmitOpensPullRequest(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, appFiles)
	origin := filepath.Join(t.TempDir(), "origin.git")
	git(t, dir, "clone", "-q", "--bare", dir, origin)
	git(t, dir, "remote", "add", "origin", origin)
	git(t, dir, "fetch", "-q", "origin")
	git(t, dir, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
	srv := ghtest.NewServer(t)
	repo := &ghtest.Repo{Owner: "octo-org", Name: "site"}
	srv.Serve(repo)
	c := connectEnv(t, dir, "", []string{"GITHUB_TOKEN=" + ghtest.Token, "GITHUB_API_URL=" + srv.URL, "GITHUB_REPOSITORY=octo-org/site"})
	c.ok("write_file", map[string]any{"path": "docs/NOTES.md", "content": "notes\n"}, nil)
	c.ok("run_tests", nil, nil)
	var sub struct {
		Branch       string
		ResultCommit string `json:"result_commit"`
		PullRequest  *struct {
			Number  int
			URL     string
			Created bool
		} `json:"pull_request"`
		Warning string
	}
	c.ok("submit", map[string]any{"id": "notes", "goal": "Add notes", "open_pr": true}, &sub)
	if sub.PullRequest == nil || sub.PullRequest.Number != 1 || !sub.PullRequest.Created {
		t.Fatalf("submit %+v\n%s", sub, c.stderr)
	}
	if got := git(t, origin, "rev-parse", "refs/heads/aos/notes"); got != sub.ResultCommit {
		t.Errorf("origin has aos/notes at %s, the result is %s", got, sub.ResultCommit)
	}
	p := repo.PR(1)
	if p == nil || p.Head != "aos/notes" || p.Base != "main" || !p.Draft || !strings.Contains(p.Title, "Add notes (notes)") || strings.Join(p.Reviewers, ",") != "alice" {
		t.Errorf("pull request %+v", p)
	}
	// Without GitHub, the branch is made and the answer says why there
	// is no pull request.
	c2 := connectEnv(t, dir, "", []string{"GITHUB_TOKEN=", "GH_TOKEN=", "GITHUB_API_URL=" + srv.URL, "GITHUB_REPOSITORY=octo-org/site"})
	c2.ok("write_file", map[string]any{"path": "docs/MORE.md", "content": "more\n"}, nil)
	c2.ok("run_tests", nil, nil)
	var more struct {
		PullRequest *struct{ Number int } `json:"pull_request"`
		Warning     string
	}
	c2.ok("submit", map[string]any{"id": "more", "goal": "Add more", "open_pr": true}, &more)
	if more.PullRequest != nil || !strings.Contains(more.Warning, "aos/more is made") || !strings.Contains(more.Warning, "hint: set GITHUB_TOKEN") {
		t.Errorf("without a token: %+v", more)
	}
	if git(t, dir, "rev-parse", "aos/more") == "" {
		t.Error("no branch")
	}
}

// TestSubmitRefused: a submit of nothing, of a plan that does not pass as a
// whole, under an id already used or one that is malformed is a tool
// error naming the rule; it leaves no object and no ref, and the session
// stays as it was, ready to submit under another id.
func TestSubmitRefused(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, appFiles)
	git(t, dir, "branch", "aos/taken")
	before := repoState(t, dir)
	c := connect(t, dir, "")
	if r := c.call("submit", map[string]any{"id": "empty", "goal": "nothing"}); !r.isError || !strings.Contains(r.text, "nothing to submit") || !strings.Contains(r.text, "\nhint: ") {
		t.Errorf("empty submit: %+v", r)
	}
	c.ok("write_file", map[string]any{"path": "src/new.go", "content": "package main\n"}, nil)
	// require_tests_on_write: no suite ran after the write.
	c.refused("submit", map[string]any{"id": "untested", "goal": "untested"}, "policies.require_tests_on_write")
	c.ok("run_tests", nil, nil)
	c.refused("submit", map[string]any{"id": "taken", "goal": "taken"}, "plan.id_used")
	// The input schema holds the id's pattern: the SDK refuses it first.
	if r := c.call("submit", map[string]any{"id": "Not An Id", "goal": "g"}); !r.isError || !strings.Contains(r.text, "Not An Id") {
		t.Errorf("malformed id: %+v", r)
	}
	c.refused("submit", map[string]any{"id": "ok-1", "goal": " "}, "plan.schema")
	if after := repoState(t, dir); after != before {
		t.Errorf("refused submits changed the repository:\n%s\n--- before:\n%s", after, before)
	}
	var st struct{ Directives []any }
	c.ok("plan_status", nil, &st)
	if len(st.Directives) != 2 {
		t.Errorf("after refused submits the session holds %d directives, want 2", len(st.Directives))
	}
	var sub struct{ Branch string }
	c.ok("submit", map[string]any{"id": "ok-1", "goal": "Add new.go"}, &sub)
	if sub.Branch != "aos/ok-1" {
		t.Errorf("branch %q", sub.Branch)
	}
	if out, code := aosCmd(t, dir, "verify", "aos/ok-1"); code != 0 {
		t.Errorf("verify: exit %d\n%s", code, out)
	}
}
