package hooks_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos/hooks"
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
