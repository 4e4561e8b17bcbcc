package hooks_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos/hooks"
	"github.com/architectos/aos/internal/benchplan"
)

// TestPostReceiveHandoff pushes the same plan and result commits, whose
// jobs a runner login vouches for, to two servers: one whose post-receive
// hook takes the pre-receive hook's handoff, one whose post-receive hook
// finds none (its script removes it first) and works the push out from
// the rules and the commits. Both note the same vouch on the result
// commit, and the handoff is taken: none is left. A push nothing is to
// be noted for leaves none either.
func TestPostReceiveHandoff(t *testing.T) {
	t.Parallel()
	quick := newServer(t, jobsManifest, map[string]string{"src/a.txt": "a\n"})
	// The same repository, hooks and all.
	full := &server{t: t, bare: filepath.Join(t.TempDir(), "full.git")}
	must(t, "/", "cp", "-a", quick.bare, full.bare)
	hook := filepath.Join(full.bare, "hooks", "post-receive")
	script, err := os.ReadFile(hook)
	if err != nil {
		t.Fatal(err)
	}
	withoutHandoff := strings.Replace(string(script), "exec ", "rm -rf '"+filepath.Join(full.bare, hooks.HandoffDir)+"'\nexec ", 1)
	if withoutHandoff == string(script) {
		t.Fatalf("the post-receive hook has no exec line:\n%s", script)
	}
	if err := os.WriteFile(hook, []byte(withoutHandoff), 0o755); err != nil {
		t.Fatal(err)
	}
	// One client, so both servers get the same commits.
	c := quick.clone(t)
	c.runPlanFile(nil, testsPlan("ci", "ok"))
	for _, s := range []*server{quick, full} {
		out, err := run(t, c.dir, []string{"REMOTE_USER=ci-runner"}, "git", "push", "file://"+s.bare, "aos/ci")
		expectAccepted(t, out, err == nil)
	}
	result := must(t, c.dir, "git", "rev-parse", "aos/ci")
	notes := map[*server]string{}
	for _, s := range []*server{quick, full} {
		notes[s] = must(t, s.bare, "git", "notes", "--ref=aos", "show", result)
		if !strings.Contains(notes[s], "ci-runner") {
			t.Errorf("%s: the note does not name the runner login:\n%s", s.bare, notes[s])
		}
		if e := s.log(t, "aos/ci"); len(e) != 1 || e[0].Vouch == nil || e[0].Vouch.Login != "ci-runner" {
			t.Errorf("%s: the log: %+v", s.bare, e)
		}
	}
	if notes[quick] != notes[full] {
		t.Errorf("the handoff noted\n%s\nworking the push out noted\n%s", notes[quick], notes[full])
	}
	// A push with nothing to note (a plan commit alone): its handoff is
	// taken too.
	c.runPlanFile(nil, testsPlan("two", "ok"))
	out, ok := c.push("ci-runner", "aos/two~1:refs/heads/aos/two")
	expectAccepted(t, out, ok)
	ents, _ := os.ReadDir(filepath.Join(quick.bare, hooks.HandoffDir))
	if len(ents) != 0 {
		t.Errorf("handoffs left behind: %v", ents)
	}
}

// TestPostReceiveIdle checks the idle mark (docs/hooks.md, "Post-receive"):
// a push with nothing to note does not start git-aos for its post-receive
// hook, and leaves neither mark nor handoff; a push with a vouch to note
// does start it. The script itself ends on a mark of its parent naming a
// handoff, and on nothing else.
func TestPostReceiveIdle(t *testing.T) {
	t.Parallel()
	s := newServer(t, jobsManifest, map[string]string{"src/a.txt": "a\n"})
	hook := filepath.Join(s.bare, "hooks", "post-receive")
	script, err := os.ReadFile(hook)
	if err != nil {
		t.Fatal(err)
	}
	started := filepath.Join(t.TempDir(), "started")
	recorded := strings.Replace(string(script), "exec ", "touch '"+started+"'\nexec ", 1)
	if err := os.WriteFile(hook, []byte(recorded), 0o755); err != nil {
		t.Fatal(err)
	}
	handoffs := filepath.Join(s.bare, hooks.HandoffDir)
	left := func() []string {
		ents, _ := os.ReadDir(handoffs)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	c := s.clone(t)
	c.runPlanFile(nil, "version: 1\nid: idle\ngoal: Read a\ndirectives:\n  - type: FILE_READ\n    path: src/a.txt\n")
	out, ok := c.push("build-bot", "aos/idle")
	expectAccepted(t, out, ok)
	if _, err := os.Stat(started); err == nil {
		t.Error("git-aos started for the post-receive hook of a push with nothing to note")
	}
	if l := left(); len(l) != 0 {
		t.Errorf("left in %s: %v", handoffs, l)
	}
	// A runner login's vouch is noted by git-aos.
	c.git("checkout", "-q", "main")
	c.runPlanFile(nil, testsPlan("ci", "ok"))
	out, ok = c.push("ci-runner", "aos/ci")
	expectAccepted(t, out, ok)
	if _, err := os.Stat(started); err != nil {
		t.Error("git-aos did not start for the post-receive hook of a push with a vouch to note")
	}
	if note := must(t, s.bare, "git", "notes", "--ref=aos", "show", must(t, c.dir, "git", "rev-parse", "aos/ci")); !strings.Contains(note, "ci-runner") {
		t.Errorf("the note: %s", note)
	}
	if l := left(); len(l) != 0 {
		t.Errorf("left in %s: %v", handoffs, l)
	}

	// The script alone, run by this process, whose id is its parent's.
	mark := filepath.Join(handoffs, fmt.Sprintf("idle-%d", os.Getpid()))
	name := strings.Repeat("ab", 32) + ".json"
	for _, tc := range []struct {
		what, mark string
		handoff    bool // a handoff of that name is there
		ends       bool // the script ends without starting git-aos
	}{
		{"a mark naming a handoff", name + "\n", true, true},
		{"a mark naming a handoff gone", name + "\n", false, true},
		{"no mark", "", true, false},
		{"a mark naming a path out", "../../hooks/post-receive\n", false, false},
		{"a mark naming two files", name + " " + name + "\n", false, false},
		{"an empty mark", "\n", false, false},
	} {
		os.Remove(started)
		os.MkdirAll(handoffs, 0o755)
		if tc.mark != "" {
			writeFile(t, mark, tc.mark)
		}
		if tc.handoff {
			writeFile(t, filepath.Join(handoffs, name), "{}")
		}
		cmd := exec.Command(hook)
		cmd.Dir, cmd.Stdin = s.bare, strings.NewReader("")
		cmd.Env = append(os.Environ(), "GIT_DIR=.")
		cmd.CombinedOutput()
		_, err := os.Stat(started)
		if ended := err != nil; ended != tc.ends {
			t.Errorf("%s: the script ended by itself: %v, want %v", tc.what, ended, tc.ends)
		}
		if _, err := os.Stat(filepath.Join(handoffs, name)); tc.ends && err == nil {
			t.Errorf("%s: the handoff is left", tc.what)
		}
		if _, err := os.Stat(hook); err != nil {
			t.Fatalf("%s: the hook itself is gone", tc.what)
		}
		os.Remove(mark)
		os.Remove(filepath.Join(handoffs, name))
	}
}

// TestPushLargePlans pushes the results of plans large enough that the
// hook parses and digests them as git streams them from the push's own
// pack, in both formats, as an agent: each is accepted; the same plan
// with its result's content changed is refused, named by path.
func TestPushLargePlans(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"yaml", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, benchManifest, map[string]string{"src/readme.txt": "large\n"})
			c := s.clone(t)
			p := filepath.Join(t.TempDir(), "plan."+format)
			writeFile(t, p, string(benchplan.Sized(format, 300, 10*1024)))
			if out, code := c.aos(nil, "run", p); code != 0 {
				t.Fatalf("git aos run: exit %d\n%s", code, out)
			}
			out, ok := c.push("bench-bot", "aos/bench")
			expectAccepted(t, out, ok)
			// A result whose tree is not the plan's.
			c.git("checkout", "-q", "aos/bench")
			writeFile(t, filepath.Join(c.dir, "src/gen/07/f0007.txt"), "changed\n")
			c.git("commit", "-q", "-a", "--amend", "--no-edit")
			out, ok = c.push("bench-bot", "+HEAD:refs/heads/aos/bench2")
			if ok || !strings.Contains(out, "src/gen/07/f0007.txt") {
				t.Fatalf("a tampered result of a large plan: accepted %v\n%s", ok, out)
			}
		})
	}
}
