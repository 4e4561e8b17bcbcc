package hooks_test

import (
	"strings"
	"testing"
)

// Adversarial refs: a protected branch cannot be created or moved to pick
// its own rules. Every ref is judged by the default branch's manifest as
// it is before the push, unified with the server policy; creating a
// protected branch is an update judged against the default branch, and
// agents may not create one; branch names and logins are matched against
// the patterns case-folded (docs/spec.md 11).

func TestAdversarialRefs(t *testing.T) {
	t.Parallel()

	t.Run("an agent creates a protected branch", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"})
		c := s.clone(t)
		old := c.git("rev-parse", "HEAD")
		c.write("src/a.txt", "a2\n")
		c.commit("edit")
		s.adminPush(t, c.dir, "HEAD:refs/heads/main")
		for _, ref := range []string{"refs/heads/release/1", "refs/heads/Release/1", "refs/heads/RELEASE/2", "refs/heads/MAIN"} {
			for _, at := range []string{old, "HEAD"} {
				before := s.refs(t)
				out, ok := c.push("build-bot", at+":"+ref)
				expectRejected(t, s, before, out, ok, "protect.create")
			}
		}
		// A human may: at an old commit nothing new is judged.
		out, ok := c.push("alice", old+":refs/heads/release/1")
		expectAccepted(t, out, ok)
	})

	t.Run("a protected branch kept at a stale manifest", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"})
		c := s.clone(t)
		stale := c.git("rev-parse", "HEAD") // its manifest says humans: workspace
		// The administrator tightens main's manifest to humans: deny.
		c.write("project.yml", strings.Replace(testManifest, "humans: workspace", "humans: deny", 1))
		c.commit("deny humans")
		s.adminPush(t, c.dir, "HEAD:refs/heads/main")

		// Creating release/2 at the stale commit brings nothing new.
		out, ok := c.push("alice", stale+":refs/heads/release/2")
		expectAccepted(t, out, ok)
		// Pushes to it are judged by main's manifest, not release/2's.
		c.git("checkout", "-q", "-B", "rel", stale)
		c.write("src/a.txt", "on release\n")
		c.commit("edit on release")
		before := s.refs(t)
		out, ok = c.push("alice", "HEAD:refs/heads/release/2")
		expectRejected(t, s, before, out, ok, "protect.humans")
		// So is creating release/3 with that commit.
		out, ok = c.push("alice", "HEAD:refs/heads/release/3")
		expectRejected(t, s, before, out, ok, "protect.humans")
	})

	t.Run("creating a protected branch judges its commits against main", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n", "vendor/v.txt": "v\n"})
		c := s.clone(t)
		c.write("vendor/v.txt", "patched\n")
		c.commit("vendor")
		// On an unprotected branch a human may.
		out, ok := c.push("alice", "HEAD:refs/heads/topic")
		expectAccepted(t, out, ok)
		// A protected branch made from it brings that commit: judged.
		before := s.refs(t)
		out, ok = c.push("alice", "HEAD:refs/heads/release/1")
		expectRejected(t, s, before, out, ok, "workspace.read_only")
	})

	t.Run("branch names folded", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"})
		c := s.clone(t)
		c.write("project.yml", testManifest+"# loosened\n")
		c.commit("manifest change")
		before := s.refs(t)
		out, ok := c.push("alice", "HEAD:refs/heads/main")
		expectRejected(t, s, before, out, ok, "workspace.protected")
		// Each spelling a case-insensitive or HFS+ server stores as
		// main is main.
		for _, ref := range []string{"MAIN", "Main", "ma\u200cin", "release/X", "RELEASE/x"} {
			out, ok := c.push("alice", "HEAD:refs/heads/"+ref)
			expectRejected(t, s, before, out, ok, "workspace.protected")
		}
		// Agent branches too: only plan and result commits.
		for _, ref := range []string{"AOS/x", "Aos/y"} {
			out, ok := c.push("alice", "HEAD:refs/heads/"+ref)
			expectRejected(t, s, before, out, ok, "protect.agent_branch")
		}
	})

	t.Run("logins folded", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"})
		c := s.clone(t)
		c.write("src/a.txt", "edit\n")
		c.commit("edit")
		for _, login := range []string{"build-bot", "BUILD-BOT", "Deploy-Bot"} {
			before := s.refs(t)
			out, ok := c.push(login, "HEAD:refs/heads/main")
			expectRejected(t, s, before, out, ok, "protect.agent")
			if !strings.Contains(out, "): agent") {
				t.Errorf("%s is not judged as an agent:\n%s", login, out)
			}
		}
	})
}
