package hooks_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// Adversarial manifests under a server policy: a repository cannot weaken
// the policy through fields it left open. What the policy names is
// closed: a manifest setting a field of a struct the policy names, which
// the policy does not name, is invalid, and every push is refused until
// the manifest is fixed (docs/spec.md 2.6). Each field of the schema is
// tested in cue (TestPolicyClosesWhatItNames); these are the repros,
// pushed.

const awsKeyPlan = `version: 1
id: key
goal: Add a config
directives:
  - type: FILE_WRITE
    path: src/config.txt
    content: "aws_access_key_id = AKIAZ7QW3RT5YU2IOPLK\n"
`

func TestAdversarialPolicy(t *testing.T) {
	t.Parallel()
	policy := filepath.Join(t.TempDir(), "policy.cue")
	writeFile(t, policy, "validators: secrets: builtin: \"secrets\"\n")
	const closed = "the policy names validators.secrets and leaves"
	for _, tc := range []struct {
		name, validators string
		// withPolicy is what git aos run --policy says; plain what git
		// aos run without it says ("" when it applies the plan), and
		// push what the hook says of the result pushed.
		withPolicy, plain, push string
	}{
		// The review's repro: the scan narrowed to nothing.
		{"paths narrowed", "validators:\n  secrets:\n    builtin: secrets\n    paths: [\"nothing/**\"]\n", closed, "", closed},
		{"paths narrowed elsewhere", "validators:\n  secrets:\n    builtin: secrets\n    paths: [\"docs/**\"]\n", closed, "", closed},
		// As the policy wants: the key is found, with the policy or by
		// the hook's run under it.
		{"as the policy says", "validators:\n  secrets:\n    builtin: secrets\n", "secrets/aws-access-key-id", "secrets/aws-access-key-id", ""},
		{"left to the policy", "", "secrets/aws-access-key-id", "", "[verify.policy]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			manifest := strings.Replace(testManifest, "protect:\n", tc.validators+"protect:\n", 1)
			s := newServer(t, manifest, map[string]string{"src/a.txt": "a\n"}, "--policy", policy)
			c := s.clone(t)
			p := filepath.Join(t.TempDir(), "plan.yaml")
			writeFile(t, p, awsKeyPlan)
			out, err := run(t, c.dir, nil, binary(t), "run", "--policy", policy, p)
			if err == nil || !strings.Contains(out, tc.withPolicy) {
				t.Fatalf("git aos run --policy: %v, want %q:\n%s", err, tc.withPolicy, out)
			}
			// An agent without the server's policy makes the result.
			out, err = run(t, c.dir, nil, binary(t), "run", p)
			if tc.plain != "" {
				if err == nil || !strings.Contains(out, tc.plain) {
					t.Fatalf("git aos run: %v, want %q:\n%s", err, tc.plain, out)
				}
				return
			}
			if err != nil {
				t.Fatalf("git aos run without the policy: %v\n%s", err, out)
			}
			before := s.refs(t)
			out, ok := c.push("build-bot", "aos/key")
			if ok || s.refs(t) != before || !strings.Contains(out, tc.push) {
				t.Fatalf("the hook on the result: accepted %v, want %q:\n%s", ok, tc.push, out)
			}
		})
	}

	// protect: humans: deny, and the manifest protects another branch.
	t.Run("protect narrowed", func(t *testing.T) {
		t.Parallel()
		deny := filepath.Join(t.TempDir(), "deny.cue")
		writeFile(t, deny, "protect: humans: \"deny\"\n")
		manifest := strings.Replace(strings.Replace(testManifest, "  branches: [\"main\", \"release/*\"]\n", "  branches: [\"nothing\"]\n", 1), "  humans: workspace\n", "", 1)
		s := newServer(t, manifest, map[string]string{"src/a.txt": "a\n"}, "--policy", deny)
		c := s.clone(t)
		c.write("src/a.txt", "edited by a human\n")
		c.commit("edit")
		before := s.refs(t)
		out, ok := c.push("alice", "HEAD:refs/heads/main")
		if ok || s.refs(t) != before || !strings.Contains(out, "protect.branches: the policy names protect and leaves branches out") {
			t.Fatalf("a manifest unprotecting main under humans: deny is not refused:\n%s", out)
		}
	})
}
