package hooks_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Adversarial symlinks and gitlinks: every way a plan or a pushed commit
// can make a 120000 or 160000 entry needs the policy, and verifying a
// result does not replace the workspace content rules at the hook
// (docs/spec.md 4.5, 11).

// adminPush pushes refspec from dir to the server without its hook, as an
// administrator setting up a repository would.
func (s *server) adminPush(t *testing.T, dir, refspec string) {
	t.Helper()
	must(t, dir, "git", "push", "-q", "--receive-pack=git -c core.hooksPath=/nonexistent receive-pack", "file://"+s.bare, refspec)
}

const symlinkPatches = `
  - type: APPLY_PATCH
    patch: |
      diff --git a/src/link b/src/link
      --- a/src/link
      +++ b/src/link
      @@ -1 +1 @@
      -target.txt
      \ No newline at end of file
      +../../../../../../etc/shadow
      \ No newline at end of file
  - type: APPLY_PATCH
    patch: |
      diff --git a/src/link b/docs/link2
      similarity index 100%
      copy from src/link
      copy to docs/link2
  - type: APPLY_PATCH
    patch: |
      diff --git a/src/link b/docs/link3
      similarity index 100%
      rename from src/link
      rename to docs/link3
`

func TestAdversarialSymlinks(t *testing.T) {
	t.Parallel()
	manifest := strings.Replace(testManifest, "policies:\n", "policies:\n  allow_delete: true\n", 1)
	s := newServer(t, manifest, map[string]string{"src/a.txt": "a\n", "src/target.txt": "t\n"})
	setup := s.clone(t)
	if err := os.Symlink("target.txt", filepath.Join(setup.dir, "src/link")); err != nil {
		t.Fatal(err)
	}
	setup.commit("a symlink")
	s.adminPush(t, setup.dir, "HEAD:refs/heads/main")

	// plan check, run and propose refuse each patch as a symlink made
	// without allow_symlinks; the repro of the review passed all three.
	t.Run("plans", func(t *testing.T) {
		c := s.clone(t)
		for i, d := range strings.Split(strings.TrimPrefix(symlinkPatches, "\n"), "  - type: ")[1:] {
			p := filepath.Join(t.TempDir(), "plan.yaml")
			writeFile(t, p, "version: 1\nid: link-"+string(rune('a'+i))+"\ngoal: links\ndirectives:\n  - type: "+d)
			for _, cmd := range [][]string{{"plan", "check", p}, {"run", p}, {"propose", p}} {
				out, err := run(t, c.dir, nil, binary(t), cmd...)
				if err == nil || !strings.Contains(out, "[policies.allow_symlinks]") {
					t.Errorf("git aos %s of directive %d: %v\n%s", cmd[0], i, err, out)
				}
			}
		}
		if refs := c.git("for-each-ref", "refs/heads/aos/"); refs != "" {
			t.Errorf("a refused plan made a branch: %s", refs)
		}
	})

	// Pushed as plain commits, by an agent on its own branch or by a
	// human on main under humans: workspace: each change that leaves a
	// symlink is refused.
	t.Run("commits", func(t *testing.T) {
		c := s.clone(t)
		for _, tc := range []struct {
			name string
			edit func()
		}{
			{"retarget", func() {
				os.Remove(filepath.Join(c.dir, "src/link"))
				os.Symlink("../../../../../../etc/shadow", filepath.Join(c.dir, "src/link"))
			}},
			{"copy", func() { os.Symlink("target.txt", filepath.Join(c.dir, "docs/link2")) }},
			{"rename", func() {
				os.MkdirAll(filepath.Join(c.dir, "docs"), 0o755)
				c.git("mv", "src/link", "docs/link3")
			}},
			{"gitlink", func() {
				c.git("update-index", "--add", "--cacheinfo", "160000,1111111111111111111111111111111111111111,src/sub")
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c.t = t
				c.git("checkout", "-q", "-B", "work", "origin/main")
				os.MkdirAll(filepath.Join(c.dir, "docs"), 0o755)
				tc.edit()
				if tc.name == "gitlink" {
					c.git("commit", "-q", "-m", tc.name)
				} else {
					c.commit(tc.name)
				}
				rule := "policies.allow_symlinks"
				if tc.name == "gitlink" {
					rule = "policies.allow_submodules"
				}
				for _, push := range []struct{ user, ref string }{{"build-bot", "HEAD:refs/heads/agent-" + tc.name}, {"alice", "HEAD:refs/heads/main"}} {
					before := s.refs(t)
					out, ok := c.push(push.user, push.ref)
					expectRejected(t, s, before, out, ok, rule)
				}
			})
		}
	})
}

// TestVerifiedResultKeepsContentRules: under humans: workspace, a human
// pushing a verified result commit to a protected branch is bound by the
// workspace content rules like anyone else: verification proves that
// the result is what its plan makes, not that the change is allowed.
// Here the two judges differ on a mode change: the plan makes an
// existing file executable with FILE_WRITE (which needs allow_executable),
// and the content rules refuse any mode change without
// allow_mode_changes.
func TestVerifiedResultKeepsContentRules(t *testing.T) {
	t.Parallel()
	manifest := strings.Replace(testManifest, "policies:\n", "policies:\n  allow_executable: true\n", 1)
	s := newServer(t, manifest, map[string]string{"src/a.txt": "a\n", "src/tool.sh": "#!/bin/sh\n"})
	c := s.clone(t)
	res := c.runPlan(`version: 1
id: exec
goal: Make the tool executable
directives:
  - type: FILE_WRITE
    path: src/tool.sh
    content: "#!/bin/sh\necho tool\n"
    executable: true
`)
	out, err := run(t, c.dir, nil, binary(t), "verify", res.ResultCommit)
	if err != nil {
		t.Fatalf("the result does not verify: %v\n%s", err, out)
	}
	for _, user := range []string{"alice", "build-bot"} {
		before := s.refs(t)
		out, ok := c.push(user, res.ResultCommit+":refs/heads/main")
		expectRejected(t, s, before, out, ok, "policies.allow_mode_changes")
	}
	// Under humans: allow, the person is trusted: the push passes.
	s2 := newServer(t, strings.Replace(manifest, "humans: workspace", "humans: allow", 1), map[string]string{"src/a.txt": "a\n", "src/tool.sh": "#!/bin/sh\n"})
	c2 := s2.clone(t)
	res = c2.runPlan(`version: 1
id: exec
goal: Make the tool executable
directives:
  - type: FILE_WRITE
    path: src/tool.sh
    content: "#!/bin/sh\necho tool\n"
    executable: true
`)
	out, ok := c2.push("alice", res.ResultCommit+":refs/heads/main")
	expectAccepted(t, out, ok)
}
