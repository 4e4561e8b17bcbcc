package hooks_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/architectos/aos/workflow"
)

// The tests push with real git to real bare repositories whose
// pre-receive hook is the git-aos binary, built once here.

var (
	aosBin      string
	aosBinOnce  sync.Once
	aosBinErr   error
	testTempDir string
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

// goEnv is the environment go build runs with: the one the tests began
// with, before HOME changes.
var goEnv []string

// binary builds git-aos once, when a test first needs it (fuzz workers
// never do).
func binary(t testing.TB) string {
	t.Helper()
	aosBinOnce.Do(func() {
		aosBin = filepath.Join(testTempDir, "git-aos")
		cmd := exec.Command("go", "build", "-o", aosBin, "github.com/architectos/aos/cmd/git-aos")
		cmd.Env = goEnv
		if out, err := cmd.CombinedOutput(); err != nil {
			aosBinErr = fmt.Errorf("build git-aos: %v\n%s", err, out)
		}
	})
	if aosBinErr != nil {
		t.Fatal(aosBinErr)
	}
	return aosBin
}

func testMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "aos-hook-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	testTempDir = tmp
	goEnv = os.Environ()
	for _, kv := range [][2]string{
		{"HOME", tmp}, {"GIT_CONFIG_NOSYSTEM", "1"}, {"GIT_TERMINAL_PROMPT", "0"},
		{"GIT_AUTHOR_NAME", "Test"}, {"GIT_AUTHOR_EMAIL", "test@example.com"},
		{"GIT_COMMITTER_NAME", "Test"}, {"GIT_COMMITTER_EMAIL", "test@example.com"},
	} {
		os.Setenv(kv[0], kv[1])
	}
	for _, k := range []string{"GITHUB_USER_LOGIN", "GL_USERNAME", "REMOTE_USER", "GIT_DIR", "GIT_OBJECT_DIRECTORY"} {
		os.Unsetenv(k)
	}
	return m.Run()
}

const testManifest = `project:
  name: demo
workspace:
  writable: ["src/**", "docs/**"]
  read_only: ["vendor/**"]
  ignored: ["secret/**"]
policies:
  max_file_size_kb: 64
protect:
  branches: ["main", "release/*"]
  agents: ["*-bot"]
  humans: workspace
`

// server is a bare repository with the hook installed.
type server struct {
	t    *testing.T
	bare string
}

func run(t testing.TB, dir string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func must(t testing.TB, dir string, name string, args ...string) string {
	t.Helper()
	out, err := run(t, dir, nil, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(out)
}

func writeFile(t testing.TB, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// newServer makes a bare repository whose main holds the manifest and
// files, and installs the hook with installArgs.
func newServer(t testing.TB, manifest string, files map[string]string, installArgs ...string) *server {
	t.Helper()
	tmp := t.TempDir()
	seed := filepath.Join(tmp, "seed")
	must(t, tmp, "git", "init", "-q", "-b", "main", seed)
	writeFile(t, filepath.Join(seed, "project.yml"), manifest)
	for p, c := range files {
		writeFile(t, filepath.Join(seed, p), c)
	}
	must(t, seed, "git", "add", "-A")
	must(t, seed, "git", "commit", "-q", "-m", "seed")
	bare := filepath.Join(tmp, "srv.git")
	must(t, tmp, "git", "clone", "-q", "--bare", seed, bare)
	must(t, bare, "git", "config", "receive.advertisePushOptions", "true")
	must(t, tmp, binary(t), append([]string{"hook", "install", "--repo", bare}, installArgs...)...)
	s := &server{bare: bare}
	if tt, ok := t.(*testing.T); ok {
		s.t = tt
	}
	return s
}

// refs returns every ref of the server and its target.
func (s *server) refs(t testing.TB) string {
	return must(t, s.bare, "git", "for-each-ref", "--format=%(refname) %(objectname)")
}

func (s *server) ref(t testing.TB, name string) string {
	out, _ := run(t, s.bare, nil, "git", "rev-parse", "--verify", "--quiet", name)
	return strings.TrimSpace(out)
}

// client is a clone of a server, its remote origin.
type client struct {
	t   testing.TB
	dir string
}

func (s *server) clone(t testing.TB) *client {
	dir := filepath.Join(t.TempDir(), "c")
	must(t, filepath.Dir(dir), "git", "clone", "-q", "file://"+s.bare, dir)
	return &client{t: t, dir: dir}
}

func (c *client) git(args ...string) string { c.t.Helper(); return must(c.t, c.dir, "git", args...) }

func (c *client) write(p, content string) {
	c.t.Helper()
	writeFile(c.t, filepath.Join(c.dir, p), content)
}

func (c *client) commit(msg string) string {
	c.t.Helper()
	c.git("add", "-A")
	c.git("commit", "-q", "--allow-empty", "-m", msg)
	return c.git("rev-parse", "HEAD")
}

// push runs git push as user (REMOTE_USER; "" sets no identity).
func (c *client) push(user string, args ...string) (string, bool) {
	c.t.Helper()
	var env []string
	if user != "" {
		env = append(env, "REMOTE_USER="+user)
	}
	out, err := run(c.t, c.dir, env, "git", append([]string{"push", "origin"}, args...)...)
	return out, err == nil
}

// runPlan makes a plan commit and its result commit on branch aos/<id>
// with the workflow package, as git aos run does.
func (c *client) runPlan(plan string) *workflow.RunResult {
	c.t.Helper()
	res, err := workflow.Run(context.Background(), workflow.RunOptions{Dir: c.dir,
		Plan: workflow.PlanSource{File: "-", Data: []byte(plan)}})
	if err != nil {
		c.t.Fatal(err)
	}
	if !res.OK() {
		c.t.Fatalf("plan rejected: %+v", res.Report.Violations)
	}
	return res
}

func plan(id, path, content string) string {
	return fmt.Sprintf(`version: 1
id: %s
goal: Write %s
directives:
  - type: FILE_WRITE
    path: %s
    content: %q
`, id, path, path, content)
}

// expectRejected checks that a push failed with every rule named, and left
// the server's refs as they were.
func expectRejected(t *testing.T, s *server, before, out string, ok bool, rules ...string) {
	t.Helper()
	if ok {
		t.Fatalf("push accepted, want rejected (%v):\n%s", rules, out)
	}
	for _, r := range rules {
		if !strings.Contains(out, "["+r+"]") {
			t.Errorf("push output does not name rule %s:\n%s", r, out)
		}
	}
	if !strings.Contains(out, "remote: git-aos:") {
		t.Errorf("no reason reached the pusher:\n%s", out)
	}
	if after := s.refs(t); after != before {
		t.Errorf("refs changed after a rejected push:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func expectAccepted(t *testing.T, out string, ok bool) {
	t.Helper()
	if !ok {
		t.Fatalf("push rejected, want accepted:\n%s", out)
	}
}

func TestInstall(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest, nil)
	script, err := os.ReadFile(filepath.Join(s.bare, "hooks", "pre-receive"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "'"+aosBin+"' hook pre-receive --budget 4.5s") {
		t.Errorf("hook script does not run the binary by absolute path:\n%s", script)
	}
	writeFile(t, filepath.Join(s.bare, "hooks", "pre-receive"), "#!/bin/sh\nexit 0\n")
	if out, err := run(t, s.bare, nil, aosBin, "hook", "install", "--repo", s.bare); err == nil {
		t.Errorf("install replaced a foreign hook:\n%s", out)
	}
	must(t, s.bare, aosBin, "hook", "install", "--repo", s.bare, "--force")
}

func TestHumanCommits(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n", "vendor/lib.txt": "lib\n"})
	c := s.clone(t)

	c.write("src/a.txt", "a2\n")
	c.commit("edit src")
	out, ok := c.push("alice", "main")
	expectAccepted(t, out, ok)
	if !strings.Contains(out, "pusher alice (from REMOTE_USER): human") {
		t.Errorf("the pusher is not logged:\n%s", out)
	}

	for _, tc := range []struct {
		name  string
		edit  func()
		rules []string
	}{
		{"read_only", func() { c.write("vendor/lib.txt", "patched\n") }, []string{"workspace.read_only"}},
		{"ignored", func() { c.write("secret/key", "k\n") }, []string{"workspace.not_writable"}},
		{"outside writable", func() { c.write("Makefile", "all:\n") }, []string{"workspace.not_writable"}},
		{"manifest", func() { c.write("project.yml", testManifest+"# more\n") }, []string{"workspace.protected"}},
		{"too large", func() { c.write("src/big.bin", strings.Repeat("x", 65*1024)) }, []string{"policies.max_file_size_kb"}},
		{"delete", func() { c.git("rm", "-q", "src/a.txt") }, []string{"policies.allow_delete"}},
		{"symlink", func() { os.Symlink("/etc/passwd", filepath.Join(c.dir, "src/link")) }, []string{"policies.allow_symlinks"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			c.git("reset", "-q", "--hard", "origin/main")
			before := s.refs(t)
			tc.edit()
			c.commit(tc.name)
			out, ok := c.push("alice", "main")
			expectRejected(t, s, before, out, ok, tc.rules...)
		})
	}

	// The same commit is the pusher's business on another branch.
	t.Run("other branch", func(t *testing.T) {
		c.t = t
		c.git("reset", "-q", "--hard", "origin/main")
		c.write("vendor/lib.txt", "patched\n")
		c.commit("vendor on a topic branch")
		out, ok := c.push("alice", "HEAD:refs/heads/topic")
		expectAccepted(t, out, ok)
	})
}

func TestAgentCommits(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"})
	c := s.clone(t)

	t.Run("plan and result to agent branch then main", func(t *testing.T) {
		c.t = t
		res := c.runPlan(plan("add-hello", "src/hello.txt", "hello\n"))
		out, ok := c.push("build-bot", "aos/add-hello")
		expectAccepted(t, out, ok)
		if !strings.Contains(out, "build-bot (from REMOTE_USER): agent") {
			t.Errorf("the agent is not logged:\n%s", out)
		}
		out, ok = c.push("build-bot", res.ResultCommit+":refs/heads/main")
		expectAccepted(t, out, ok)
		if got := s.ref(t, "main"); got != res.ResultCommit {
			t.Errorf("main is %s, want %s", got, res.ResultCommit)
		}
	})
	t.Run("plain commit to main", func(t *testing.T) {
		c.t = t
		c.git("fetch", "-q", "origin")
		c.git("checkout", "-q", "-B", "work", "origin/main")
		before := s.refs(t)
		c.write("src/a.txt", "agent edit\n")
		c.commit("edit")
		out, ok := c.push("build-bot", "HEAD:main")
		expectRejected(t, s, before, out, ok, "protect.agent")
	})
	t.Run("plain commit to agent branch", func(t *testing.T) {
		c.t = t
		before := s.refs(t)
		out, ok := c.push("alice", "HEAD:refs/heads/aos/sneaky")
		expectRejected(t, s, before, out, ok, "protect.agent_branch")
	})
	t.Run("other branch keeps the workspace rules", func(t *testing.T) {
		c.t = t
		out, ok := c.push("build-bot", "HEAD:refs/heads/agent-topic")
		expectAccepted(t, out, ok)
		before := s.refs(t)
		c.write("Makefile", "all:\n")
		os.Symlink("../../etc/passwd", filepath.Join(c.dir, "src/link"))
		c.commit("outside")
		out, ok = c.push("build-bot", "HEAD:refs/heads/agent-topic")
		expectRejected(t, s, before, out, ok, "workspace.not_writable", "policies.allow_symlinks")
	})
	t.Run("unknown pusher is an agent", func(t *testing.T) {
		c.t = t
		c.git("checkout", "-q", "-B", "work", "origin/main")
		c.write("src/a.txt", "anonymous edit\n")
		c.commit("edit")
		before := s.refs(t)
		out, ok := c.push("", "HEAD:main")
		expectRejected(t, s, before, out, ok, "protect.agent")
		if !strings.Contains(out, "judged as an agent") {
			t.Errorf("no note on the unknown pusher:\n%s", out)
		}
	})
	t.Run("push options grant nothing", func(t *testing.T) {
		c.t = t
		before := s.refs(t)
		out, ok := c.push("build-bot", "-o", "role=human", "-o", "skip-checks", "HEAD:main")
		expectRejected(t, s, before, out, ok, "protect.agent")
		if !strings.Contains(out, `"role=human" "skip-checks"`) {
			t.Errorf("push options are not logged:\n%s", out)
		}
	})
}

func TestTamperedResult(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"})
	for _, tc := range []struct {
		name   string
		tamper func(c *client)
	}{
		{"one more file", func(c *client) { c.write("src/extra.txt", "extra\n") }},
		{"one changed byte", func(c *client) { c.write("src/hello.txt", "hellO\n") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := s.clone(t)
			id := "t" + fmt.Sprint(len(tc.name))
			res := c.runPlan(plan(id, "src/hello.txt", "hello\n"))
			c.git("checkout", "-q", "aos/"+id)
			tc.tamper(c)
			c.git("add", "-A")
			c.git("commit", "-q", "--amend", "--no-edit")
			forged := c.git("rev-parse", "HEAD")
			if forged == res.ResultCommit {
				t.Fatal("tampering changed nothing")
			}
			before := s.refs(t)
			out, ok := c.push("build-bot", "HEAD:refs/heads/aos/"+id)
			expectRejected(t, s, before, out, ok, "verify.mismatch")
			// Humans may not push a forged result commit either.
			out, ok = c.push("alice", "HEAD:main")
			expectRejected(t, s, before, out, ok, "verify.mismatch")
		})
	}
}

func TestMerges(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"})
	c := s.clone(t)
	c.git("checkout", "-q", "-b", "side")
	c.write("src/side.txt", "side\n")
	c.commit("side")
	c.git("checkout", "-q", "main")
	c.write("src/main.txt", "main\n")
	c.commit("main")
	c.git("merge", "-q", "--no-ff", "--no-commit", "side")
	c.write("src/evil.txt", "evil\n")
	c.commit("merge side")
	before := s.refs(t)
	out, ok := c.push("alice", "main")
	expectRejected(t, s, before, out, ok, "protect.evil_merge")
	if !strings.Contains(out, "src/evil.txt") {
		t.Errorf("the evil path is not named:\n%s", out)
	}

	c.git("reset", "-q", "--hard", "HEAD~1")
	c.git("merge", "-q", "--no-ff", "-m", "merge side", "side")
	out, ok = c.push("alice", "main")
	expectAccepted(t, out, ok)
}

func TestProtectedRefUpdates(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"})
	c := s.clone(t)
	c.write("src/a.txt", "a2\n")
	c.commit("edit")
	out, ok := c.push("alice", "main", "HEAD:refs/heads/release/1")
	expectAccepted(t, out, ok)

	before := s.refs(t)
	out, ok = c.push("alice", "--delete", "main")
	expectRejected(t, s, before, out, ok, "protect.delete")
	out, ok = c.push("alice", "--delete", "release/1")
	expectRejected(t, s, before, out, ok, "protect.delete")

	c.git("reset", "-q", "--hard", "HEAD~1")
	out, ok = c.push("alice", "--force", "main")
	expectRejected(t, s, before, out, ok, "protect.non_fast_forward")

	c.write("src/b.txt", "b\n")
	c.commit("diverge")
	out, ok = c.push("alice", "--force", "main")
	expectRejected(t, s, before, out, ok, "protect.non_fast_forward")

	out, ok = c.push("alice", "HEAD:refs/replace/"+c.git("rev-parse", "origin/main"))
	expectRejected(t, s, before, out, ok, "protect.ref_namespace")
	out, ok = c.push("alice", "HEAD:refs/notes/commits")
	expectRejected(t, s, before, out, ok, "protect.ref_namespace")

	// Unprotected branches may be deleted and rewound.
	out, ok = c.push("alice", "HEAD:refs/heads/topic")
	expectAccepted(t, out, ok)
	out, ok = c.push("alice", "--force", "HEAD~1:refs/heads/topic")
	expectAccepted(t, out, ok)
	out, ok = c.push("alice", "--delete", "topic")
	expectAccepted(t, out, ok)
}

func TestSeveralRefsOneBad(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n", "vendor/v.txt": "v\n"})
	c := s.clone(t)
	c.write("src/a.txt", "good\n")
	good := c.commit("good")
	c.git("checkout", "-q", "-b", "bad", "origin/main")
	c.write("vendor/v.txt", "bad\n")
	c.commit("bad")
	for _, atomic := range []bool{true, false} {
		t.Run(fmt.Sprintf("atomic=%v", atomic), func(t *testing.T) {
			before := s.refs(t)
			args := []string{good + ":refs/heads/topic", good + ":refs/tags/v1", "bad:refs/heads/release/2"}
			if atomic {
				args = append([]string{"--atomic"}, args...)
			}
			out, ok := c.push("alice", args...)
			expectRejected(t, s, before, out, ok, "workspace.read_only")
			if s.ref(t, "refs/heads/topic") != "" || s.ref(t, "refs/tags/v1") != "" {
				t.Errorf("a good ref of a rejected push was created")
			}
		})
	}
}

func TestLargePush(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"})
	c := s.clone(t)
	c.git("checkout", "-q", "-b", "agent-many")
	for i := 0; i < 150; i++ {
		c.write(fmt.Sprintf("src/d%d/f%d.txt", i%10, i), fmt.Sprintf("file %d\n", i))
	}
	c.commit("many files")
	// An agent's push is read file by file, from the quarantined pack.
	out, ok := c.push("build-bot", "HEAD:refs/heads/agent-many")
	expectAccepted(t, out, ok)
	c.write("vendor/x.txt", "x\n")
	c.commit("and one bad")
	before := s.refs(t)
	out, ok = c.push("build-bot", "HEAD:refs/heads/agent-many")
	expectRejected(t, s, before, out, ok, "workspace.read_only")

	c.git("checkout", "-q", "main")
	c.runPlan(plan("big", "src/big.txt", strings.Repeat("y", 1000)))
	for i := 0; i < 150; i++ {
		c.write(fmt.Sprintf("docs/p%d.txt", i), fmt.Sprintf("page %d\n", i))
	}
	c.commit("docs")
	out, ok = c.push("alice", "main", "aos/big")
	expectAccepted(t, out, ok)
}

// serverPolicy denies humans' own commits and leaves which branches are
// protected and who is an agent to the repository.
const serverPolicy = "protect: {humans: \"deny\", branches: [...string], agents: [...string]}\n"

func TestServerPolicy(t *testing.T) {
	t.Parallel()
	policy := filepath.Join(t.TempDir(), "policy.cue")
	// The policy names protect, so it says which of its fields the
	// repository keeps (docs/spec.md 2.6): branches and agents.
	writeFile(t, policy, serverPolicy)
	// The manifest leaves humans at its default, which the policy
	// tightens; a manifest saying humans: workspace would conflict.
	manifest := strings.Replace(testManifest, "  humans: workspace\n", "", 1)
	s := newServer(t, manifest, map[string]string{"src/a.txt": "a\n"}, "--policy", policy)
	c := s.clone(t)
	c.write("src/a.txt", "a2\n")
	c.commit("edit")
	before := s.refs(t)
	out, ok := c.push("alice", "main")
	expectRejected(t, s, before, out, ok, "protect.humans")

	// A policy in the repository's git directory applies without --policy.
	s2 := newServer(t, manifest, map[string]string{"src/a.txt": "a\n"})
	writeFile(t, filepath.Join(s2.bare, "aos-policy.cue"), serverPolicy)
	c2 := s2.clone(t)
	c2.write("src/a.txt", "a2\n")
	c2.commit("edit")
	before = s2.refs(t)
	out, ok = c2.push("alice", "main")
	expectRejected(t, s2, before, out, ok, "protect.humans")
}

// TestServerPolicyAgentsWithoutIt: agents run plans without the server's
// policy; their results verify under the repository's manifest and must
// pass the policy too.
func TestServerPolicyAgentsWithoutIt(t *testing.T) {
	t.Parallel()
	policy := filepath.Join(t.TempDir(), "policy.cue")
	writeFile(t, policy, "policies: max_file_size_kb: 1\n")
	manifest := strings.Replace(testManifest, "policies:\n  max_file_size_kb: 64\n", "", 1)
	s := newServer(t, manifest, map[string]string{"src/a.txt": "a\n"}, "--policy", policy)
	c := s.clone(t)
	c.runPlan(plan("small", "src/small.txt", "small\n"))
	out, ok := c.push("deploy-bot", "aos/small")
	expectAccepted(t, out, ok)

	c.git("checkout", "-q", "main")
	c.runPlan(plan("large", "src/large.txt", strings.Repeat("z", 2048)))
	before := s.refs(t)
	out, ok = c.push("deploy-bot", "aos/large")
	expectRejected(t, s, before, out, ok, "verify.policy", "policies.max_file_size_kb")
}

func TestFailClosed(t *testing.T) {
	t.Parallel()
	t.Run("budget", func(t *testing.T) {
		s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"}, "--budget", "1ns")
		c := s.clone(t)
		c.write("src/a.txt", "a2\n")
		c.commit("edit")
		before := s.refs(t)
		out, ok := c.push("alice", "main")
		if ok || !strings.Contains(out, "time budget") || s.refs(t) != before {
			t.Errorf("a push over the budget was not rejected:\n%s", out)
		}
	})
	t.Run("unreadable manifest", func(t *testing.T) {
		// hook install refuses a broken manifest, so it breaks later, in
		// a push the hook does not see.
		s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"})
		c := s.clone(t)
		c.write("project.yml", "project: {name: demo\n")
		c.commit("break the manifest")
		hook := filepath.Join(s.bare, "hooks", "pre-receive")
		if err := os.Rename(hook, hook+".off"); err != nil {
			t.Fatal(err)
		}
		if out, ok := c.push("alice", "main"); !ok {
			t.Fatal(out)
		}
		if err := os.Rename(hook+".off", hook); err != nil {
			t.Fatal(err)
		}
		c.write("src/a.txt", "a2\n")
		c.commit("edit")
		before := s.refs(t)
		out, ok := c.push("alice", "main")
		if ok || !strings.Contains(out, "remote: git-aos: error") || s.refs(t) != before {
			t.Errorf("a push judged by a broken manifest was not rejected:\n%s", out)
		}
	})
}

// TestHTTP pushes through git http-backend, which runs receive-pack with
// REMOTE_USER set by the web server from its authentication.
func TestHTTP(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"})
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _, ok := r.BasicAuth()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		h := &cgi.Handler{Path: gitPath, Args: []string{"http-backend"}, Env: []string{
			"GIT_PROJECT_ROOT=" + filepath.Dir(s.bare), "GIT_HTTP_EXPORT_ALL=1", "REMOTE_USER=" + user,
			"HOME=" + os.Getenv("HOME"), "GIT_CONFIG_NOSYSTEM=1"}}
		h.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://%s@" + ln.Addr().String() + "/" + filepath.Base(s.bare)

	c := s.clone(t)
	c.write("src/a.txt", "over http\n")
	c.commit("edit")
	c.git("remote", "set-url", "origin", fmt.Sprintf(base, "build-bot:pw"))
	before := s.refs(t)
	out, ok := c.push("", "main")
	expectRejected(t, s, before, out, ok, "protect.agent")
	if !strings.Contains(out, "pusher build-bot (from REMOTE_USER): agent") {
		t.Errorf("the HTTP user is not the pusher:\n%s", out)
	}
	c.git("remote", "set-url", "origin", fmt.Sprintf(base, "alice:pw"))
	out, ok = c.push("", "main")
	expectAccepted(t, out, ok)
	if !strings.Contains(out, "pusher alice (from REMOTE_USER): human") {
		t.Errorf("the HTTP user is not the pusher:\n%s", out)
	}
}

// TestValidators pushes a result commit made by git aos run with the
// built-in validators on; the hook verifies it with them.
func TestValidators(t *testing.T) {
	t.Parallel()
	manifest := strings.Replace(testManifest, "protect:\n", "validators:\n  secrets:\n    builtin: secrets\n  text:\n    builtin: text\nprotect:\n", 1)
	s := newServer(t, manifest, map[string]string{"src/a.txt": "a\n"})
	c := s.clone(t)
	p := filepath.Join(t.TempDir(), "plan.yaml")
	writeFile(t, p, plan("checked", "src/checked.txt", "checked\n"))
	must(t, c.dir, binary(t), "run", p)
	out, ok := c.push("build-bot", "aos/checked")
	expectAccepted(t, out, ok)

	// The same plan judged without validators is not what the server's
	// rules make: the manifest digests differ.
	s2 := newServer(t, manifest, map[string]string{"src/a.txt": "a\n"})
	c2 := s2.clone(t)
	writeFile(t, filepath.Join(c2.dir, "project.yml"), testManifest)
	c2.commit("local manifest without validators")
	writeFile(t, p, plan("unchecked", "src/unchecked.txt", "unchecked\n"))
	must(t, c2.dir, binary(t), "run", p)
	before := s2.refs(t)
	out, ok = c2.push("build-bot", "aos/unchecked")
	expectRejected(t, s2, before, out, ok, "protect.agent_branch", "verify.mismatch")
}
