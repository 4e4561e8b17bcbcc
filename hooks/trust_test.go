package hooks_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos/internal/sshtest"
	"github.com/architectos/aos/workflow"
)

// jobsManifest runs a test suite in bubblewrap that passes only when
// src/a.txt says ok, and asks for it after every write.
const jobsManifest = `project:
  name: demo
workspace:
  writable: ["src/**"]
environment:
  type: bwrap
tests:
  default:
    command: "grep -q ok src/a.txt"
policies:
  require_tests_on_write: true
protect:
  branches: ["main"]
  agents: ["*-bot"]
  runners: ["ci-runner"]
`

// testsPlan writes src/a.txt and runs the suite.
func testsPlan(id, content string) string {
	return "version: 1\nid: " + id + "\ngoal: Change a\ndirectives:\n  - type: FILE_WRITE\n    path: src/a.txt\n    content: \"" + content + "\\n\"\n  - type: RUN_TESTS\n"
}

// fakeBwrap is a directory holding the forger's bwrap: it prints a
// version for --version and exits 0 for anything else, as an agent would
// put on its PATH so that apply records every job as passed.
func fakeBwrap(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bwrap"), "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'bubblewrap 0.8.0'; fi\nexit 0\n")
	if err := os.Chmod(filepath.Join(dir, "bwrap"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// aos runs the git-aos binary in the client with extra environment, and
// returns its output and exit code.
func (c *client) aos(env []string, args ...string) (string, int) {
	c.t.Helper()
	cmd := exec.Command(binary(c.t), args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatal(err)
	}
	return string(out), code
}

// runPlanFile runs git aos run on plan in the client, with env and args,
// and requires it to pass.
func (c *client) runPlanFile(env []string, plan string, args ...string) string {
	c.t.Helper()
	p := filepath.Join(c.t.TempDir(), "plan.yaml")
	writeFile(c.t, p, plan)
	out, code := c.aos(env, append(append([]string{"run"}, args...), p)...)
	if code != 0 {
		c.t.Fatalf("git aos run: exit %d\n%s", code, out)
	}
	return out
}

// serverLog is the audit log of the server's repository, as git aos log
// reads it there.
func (s *server) log(t testing.TB, rev string) []workflow.LogEntry {
	t.Helper()
	out := must(t, s.bare, binary(t), "log", "--json", rev)
	var entries []workflow.LogEntry
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return entries
}

// TestForgedTestPass: with the suite failing honestly, an agent with a
// fake bwrap on its PATH gets a result commit whose record says the suite
// passed, which replays exactly. The hook refuses it on agent and
// protected branches, saying how to set up a runner; verify --rerun-jobs
// refuses it as verify.job; a hook installed with --rerun-jobs refuses it
// as verify.job and accepts the honest result.
func TestForgedTestPass(t *testing.T) {
	t.Parallel()
	files := map[string]string{"src/a.txt": "a\n"}
	s := newServer(t, jobsManifest, files)
	c := s.clone(t)
	forger := []string{"PATH=" + fakeBwrap(t) + ":" + os.Getenv("PATH")}
	c.runPlanFile(forger, testsPlan("forged", "fails"))
	if out := c.git("log", "-1", "--format=%B", "aos/forged"); !strings.Contains(out, "tests default: exit 0") {
		t.Fatalf("the forged record does not claim a pass:\n%s", out)
	}
	if out, code := c.aos(nil, "verify", "aos/forged"); code != 0 {
		t.Fatalf("replayed, the forged result verifies (that is the hole): exit %d\n%s", code, out)
	}

	before := s.refs(t)
	out, ok := c.push("build-bot", "aos/forged")
	expectRejected(t, s, before, out, ok, "protect.runner")
	for _, want := range []string{"its run record holds 1 job record(s) (tests default)", "the commit is not signed", "the pusher build-bot is not in protect.runners",
		"remote: git-aos: hint: set up a runner", "--runner-key KEY"} {
		if !strings.Contains(out, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, out)
		}
	}
	out, ok = c.push("build-bot", "aos/forged:main")
	expectRejected(t, s, before, out, ok, "protect.runner")
	out, ok = c.push("alice", "aos/forged:main")
	expectRejected(t, s, before, out, ok, "protect.runner")

	out, code := c.aos(nil, "verify", "--rerun-jobs", "aos/forged")
	if code != 3 || !strings.Contains(out, `tests "default" of directive 1, run again, it exits 1; the run record says it exits 0 [verify.job]`) {
		t.Errorf("verify --rerun-jobs: exit %d\n%s", code, out)
	}

	// The server runs the jobs again.
	rerun := newServer(t, jobsManifest, files, "--rerun-jobs")
	c2 := rerun.clone(t)
	c2.runPlanFile(forger, testsPlan("forged", "fails"))
	before = rerun.refs(t)
	out, ok = c2.push("build-bot", "aos/forged")
	expectRejected(t, rerun, before, out, ok, "verify.rejected", "verify.job")
	c2.git("checkout", "-q", "main")
	c2.runPlanFile(nil, testsPlan("honest", "ok"))
	out, ok = c2.push("build-bot", "aos/honest")
	expectAccepted(t, out, ok)
	// Accepted because the server ran them: the post-receive hook notes
	// it for the audit log.
	if e := rerun.log(t, "aos/honest"); len(e) != 1 || e[0].Vouch == nil || e[0].Vouch.By != workflow.VouchServerRerun {
		t.Errorf("the server's log of the honest run: %+v", e)
	}
	// The honest result from a hook that runs nothing: no runner vouches.
	c.git("checkout", "-q", "main")
	c.runPlanFile(nil, testsPlan("honest", "ok"))
	before = s.refs(t)
	out, ok = c.push("build-bot", "aos/honest")
	expectRejected(t, s, before, out, ok, "protect.runner")
	// A result without jobs needs no runner: replay proves it.
	c.runPlan("version: 1\nid: nojobs\ngoal: Read a\ndirectives:\n  - type: FILE_READ\n    path: src/a.txt\n")
	out, ok = c.push("build-bot", "aos/nojobs")
	if !ok {
		t.Errorf("a result without jobs:\n%s", out)
	}
}

// TestSignedResultsAtTheHook: results signed by an allowed key are
// accepted; by an unknown key, a revoked one, a key removed from the
// allowed signers, or not at all, refused. A forged record re-signed by
// the allowed key is accepted at the hook, which trusts the key, and
// caught by verify --rerun-jobs; the server's log names who signed it.
func TestSignedResultsAtTheHook(t *testing.T) {
	t.Parallel()
	allowedKey, allowedPub := sshtest.Key(t, "", "allowed")
	unknownKey, _ := sshtest.Key(t, "", "unknown")
	revokedKey, revokedPub := sshtest.Key(t, "", "revoked")
	signersFile := filepath.Join(t.TempDir(), "allowed_signers")
	writeFile(t, signersFile, "# runners\nrunner@example.com namespaces=\"git\" "+allowedPub+"\nold@example.com "+revokedPub+"\n")
	revokedFile := filepath.Join(t.TempDir(), "revoked")
	writeFile(t, revokedFile, revokedPub+"\n")
	s := newServer(t, jobsManifest, map[string]string{"src/a.txt": "a\n"},
		"--allowed-signers", signersFile, "--revoked-signers", revokedFile)
	if b, err := os.ReadFile(filepath.Join(s.bare, "aos", "allowed_signers")); err != nil || !strings.Contains(string(b), allowedPub) {
		t.Fatalf("installed allowed signers: %v\n%s", err, b)
	}
	c := s.clone(t)
	c.git("config", "gpg.format", "ssh")
	sign := func(id, key string) {
		c.git("checkout", "-q", "main")
		c.runPlanFile(nil, testsPlan(id, "ok"), "--sign="+key)
	}
	sign("allowed", allowedKey)
	sign("unknown", unknownKey)
	sign("revoked", revokedKey)
	c.git("checkout", "-q", "main")
	c.runPlanFile(nil, testsPlan("unsigned", "ok"))
	if out, err := run(t, c.dir, nil, "git", "-c", "gpg.ssh.allowedSignersFile="+signersFile, "verify-commit", "aos/allowed"); err != nil {
		t.Fatalf("git verify-commit: %v\n%s", err, out)
	}

	out, ok := c.push("build-bot", "aos/allowed")
	expectAccepted(t, out, ok)
	for _, tc := range []struct{ branch, says string }{
		{"aos/unknown", "which no allowed signer lists"},
		{"aos/revoked", "the commit is signed by revoked key"},
		{"aos/unsigned", "the commit is not signed"},
	} {
		before := s.refs(t)
		out, ok := c.push("build-bot", tc.branch)
		expectRejected(t, s, before, out, ok, "protect.runner")
		if !strings.Contains(out, tc.says) {
			t.Errorf("%s: the refusal does not say %q:\n%s", tc.branch, tc.says, out)
		}
	}
	if e := s.log(t, "aos/allowed"); len(e) != 1 || e[0].Vouch == nil || e[0].Vouch.By != workflow.VouchSignature || e[0].Vouch.Signer != "runner@example.com" {
		t.Errorf("the server's log of the signed run: %+v", e[0].Vouch)
	}

	// Re-signed after editing: a forged record (a fake bwrap), then the
	// commit signed anew with the allowed key, tree and message kept.
	c.git("checkout", "-q", "main")
	c.runPlanFile([]string{"PATH=" + fakeBwrap(t) + ":" + os.Getenv("PATH")}, testsPlan("forged", "fails"))
	msg := filepath.Join(t.TempDir(), "msg")
	writeFile(t, msg, c.git("log", "-1", "--format=%B", "aos/forged")+"\n")
	resigned := c.git("-c", "gpg.format=ssh", "commit-tree", "aos/forged^{tree}", "-p", "aos/forged^", "-S"+allowedKey, "-F", msg)
	c.git("update-ref", "refs/heads/aos/forged", resigned)
	out, ok = c.push("build-bot", "aos/forged")
	expectAccepted(t, out, ok)
	out, code := c.aos(nil, "verify", "--rerun-jobs", "aos/forged")
	if code != 3 || !strings.Contains(out, "[verify.job]") {
		t.Errorf("verify --rerun-jobs of the re-signed forgery: exit %d\n%s", code, out)
	}
	if e := s.log(t, "aos/forged"); len(e) != 1 || e[0].Vouch == nil || e[0].Vouch.Signer != "runner@example.com" {
		t.Errorf("the server's log does not name who vouched for the forgery: %+v", e)
	}

	// Rotation: the allowed key's line removed, a new key added. What it
	// signed no longer passes a protected branch.
	_, newPub := sshtest.Key(t, "", "new")
	writeFile(t, signersFile, "runner@example.com namespaces=\"git\" "+newPub+"\n")
	must(t, s.bare, binary(t), "hook", "install", "--repo", s.bare, "--allowed-signers", signersFile, "--revoked-signers", revokedFile)
	before := s.refs(t)
	out, ok = c.push("alice", "aos/allowed:main")
	expectRejected(t, s, before, out, ok, "protect.runner")
	if !strings.Contains(out, "which no allowed signer lists") {
		t.Errorf("after rotation:\n%s", out)
	}
}

// TestRunnerLogins: a result with jobs pushed by a protect.runners login
// is trusted, and the server notes the login for its audit log; the same
// commit from another login, human or agent, or the runner's in another
// case, is refused, and a push option or a committer name claiming the
// runner's login grants nothing.
func TestRunnerLogins(t *testing.T) {
	t.Parallel()
	s := newServer(t, jobsManifest, map[string]string{"src/a.txt": "a\n"})
	c := s.clone(t)
	c.runPlanFile(nil, testsPlan("ci", "ok"))
	// A login differing from the runner's in case only is another user
	// on a server whose logins are case-sensitive: no runner.
	for _, who := range []string{"alice", "build-bot", "", "CI-Runner"} {
		before := s.refs(t)
		out, ok := c.push(who, "aos/ci")
		expectRejected(t, s, before, out, ok, "protect.runner")
	}
	before := s.refs(t)
	out, err := run(t, c.dir, []string{"REMOTE_USER=alice", "GIT_COMMITTER_NAME=ci-runner"}, "git", "push", "-o", "login=ci-runner", "-o", "REMOTE_USER=ci-runner", "origin", "aos/ci")
	expectRejected(t, s, before, out, err == nil, "protect.runner")
	out, ok := c.push("ci-runner", "aos/ci")
	expectAccepted(t, out, ok)
	if e := s.log(t, "aos/ci"); len(e) != 1 || e[0].Vouch == nil || e[0].Vouch.By != workflow.VouchRunnerLogin || e[0].Vouch.Login != "ci-runner" {
		t.Errorf("the server's log: %+v", e)
	}
	// Pushed on to main by a human, the commit is judged anew: alice is
	// no runner.
	before = s.refs(t)
	out, ok = c.push("alice", "aos/ci:main")
	expectRejected(t, s, before, out, ok, "protect.runner")
	out, ok = c.push("ci-runner", "aos/ci:main")
	expectAccepted(t, out, ok)
	// Clients cannot write the server's notes.
	c.git("fetch", "-q", "origin", "refs/notes/aos:refs/notes/aos")
	c.git("notes", "--ref=aos", "add", "-f", "-m", "Aos-Vouched-By: runner-login ci-runner", "aos/ci~1")
	before = s.refs(t)
	out, ok = c.push("ci-runner", "refs/notes/aos")
	expectRejected(t, s, before, out, ok, "protect.ref_namespace")
	s2 := newServer(t, jobsManifest, nil, "--refs", "refs/heads/,refs/notes/")
	c2 := s2.clone(t)
	c2.git("notes", "--ref=aos", "add", "-m", "Aos-Vouched-By: runner-login ci-runner", "main")
	before = s2.refs(t)
	out, ok = c2.push("ci-runner", "refs/notes/aos")
	expectRejected(t, s2, before, out, ok, "protect.ref_namespace")
}
