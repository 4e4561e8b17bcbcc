package hooks_test

import (
	"strings"
	"testing"
)

// Adversarial commit messages, pushed to a bare repository with the
// installed hook. Reviewers read a result commit's message; the audit
// log and the hook read its trailers. A verified result is verified
// whole, its message regenerated from its plan and run record, and a
// message whose Aos- trailers have more than one reading is refused
// whoever pushes it (docs/spec.md 7.1, 8).

// withMessage returns a copy of commit with its message replaced (and
// its headers edited by headers, when set): same tree, parents and
// identities.
func (c *client) withMessage(commit string, edit func(headers, msg string) (string, string)) string {
	c.t.Helper()
	raw := c.git("cat-file", "commit", commit) + "\n"
	headers, msg, _ := strings.Cut(raw, "\n\n")
	headers, msg = edit(headers, msg)
	return c.rawObject("commit", []byte(headers+"\n\n"+msg))
}

func message(f func(msg string) string) func(string, string) (string, string) {
	return func(h, m string) (string, string) { return h, f(m) }
}

// TestAdversarialMessages: a result commit whose tree verifies and whose
// message was rewritten in any way is verify.message, naming the first
// line that differs; unknown, lower-case, repeated or ambiguous Aos-
// trailers are commit.message on any ref, from anyone.
func TestAdversarialMessages(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"})
	c := s.clone(t)
	res := c.runPlan(plan("msg", "src/hello.txt", "hello\n"))
	result, planCommit := res.ResultCommit, res.PlanCommit
	for _, tc := range []struct {
		name, rule, line string
		edit             func(h, m string) (string, string)
	}{
		{"the review's rewrite", "verify.message", `line 1: expected "aos: msg: Write src/hello.txt", found "aos: msg: Security fix, reviewed"`,
			message(func(m string) string {
				_, trailers, _ := strings.Cut(m, "\n\nAos-Plan-Id:")
				return "aos: msg: Security fix, reviewed\n\nSecurity fix, reviewed by the security team.\n\nChecks:\n  tests default: exit 0 in 12.3 s\n\nApproved-By: security-team\nAos-Plan-Id:" + trailers
			})},
		{"another subject", "verify.message", `line 1: expected "aos: msg: Write src/hello.txt", found "aos: msg: Write src/hello.txt (reviewed)"`,
			message(func(m string) string { return strings.Replace(m, "src/hello.txt\n", "src/hello.txt (reviewed)\n", 1) })},
		{"no directive list", "verify.message", `expected "Directives:"`,
			message(func(m string) string {
				a, rest, _ := strings.Cut(m, "Directives:\n")
				_, b, _ := strings.Cut(rest, "Changes:\n")
				return a + "Changes:\n" + b
			})},
		{"invented checks", "verify.message", `expected "", found "Checks:"`,
			message(func(m string) string {
				return strings.Replace(m, "\n\nAos-Plan-Id:", "\nChecks:\n  tests default: exit 0 in 12.3 s\n\nAos-Plan-Id:", 1)
			})},
		{"an extra trailer before them", "verify.message", `found "Approved-By: security-team"`,
			message(func(m string) string {
				return strings.Replace(m, "\n\nAos-Plan-Id:", "\n\nApproved-By: security-team\nAos-Plan-Id:", 1)
			})},
		{"an extra trailer after them", "verify.message", `expected the end of the message, found "Approved-By: security-team"`,
			message(func(m string) string { return strings.TrimSuffix(m, "\n") + "\nApproved-By: security-team\n" })},
		{"a blank line more", "verify.message", "expected the end of the message",
			message(func(m string) string { return m + "\n" })},
		{"CRLF lines", "verify.message", `found "aos: msg: Write src/hello.txt\r"`,
			message(func(m string) string { return strings.ReplaceAll(m, "\n", "\r\n") })},
		{"an encoding header", "verify.message", "encoding header",
			func(h, m string) (string, string) { return h + "\nencoding ISO-8859-1", m }},
		{"an unknown Aos trailer", "commit.message", `unknown trailer "Aos-Approved"`,
			message(func(m string) string { return m + "Aos-Approved: security-team\n" })},
		{"a trailer in lower case", "commit.message", `unknown trailer "aos-result"`,
			message(func(m string) string { return strings.Replace(m, "Aos-Result:", "aos-result:", 1) })},
		{"a trailer twice", "commit.message", "Aos-Result appears twice",
			message(func(m string) string { return m + "Aos-Result: pass\n" })},
		{"a trailer continued", "commit.message", "more than one reading",
			message(func(m string) string {
				return strings.Replace(m, "Aos-Result: pass\n", "Aos-Result: pass\n and reviewed\n", 1)
			})},
		{"trailers behind a --- line", "commit.message", "more than one reading",
			message(func(m string) string { return strings.Replace(m, "\n\nAos-Plan-Id:", "\n---\n\nAos-Plan-Id:", 1) })},
		{"trailers behind a scissors line", "commit.message", "more than one reading",
			message(func(m string) string {
				return strings.Replace(m, "\n\nAos-Plan-Id:", "\n\n# ------------------------ >8 ------------------------\nAos-Plan-Id:", 1)
			})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forged := c.withMessage(result, tc.edit)
			// A rewritten result claims a run on any ref: refused, for
			// humans on topic branches too.
			for _, push := range []struct{ user, ref string }{
				{"build-bot", "refs/heads/main"},
				{"build-bot", "refs/heads/aos/msg"},
				{"alice", "refs/heads/main"},
				{"alice", "refs/heads/topic-" + strings.ReplaceAll(tc.name, " ", "-")},
			} {
				before := s.refs(t)
				out, ok := c.push(push.user, forged+":"+push.ref)
				expectRejected(t, s, before, out, ok, tc.rule)
				if !strings.Contains(out, tc.line) {
					t.Errorf("%s to %s: the rejection does not name %q:\n%s", push.user, push.ref, tc.line, out)
				}
			}
			// git aos verify says the same.
			out, err := run(t, c.dir, nil, binary(t), "verify", forged)
			if err == nil || !strings.Contains(out, "["+tc.rule+"]") || !strings.Contains(out, tc.line) {
				t.Errorf("git aos verify: %v\n%s", err, out)
			}
		})
	}

	// A plan commit whose message is not its plan's is no plan commit.
	t.Run("plan commit with another goal", func(t *testing.T) {
		forged := c.withMessage(planCommit, message(func(m string) string {
			return strings.ReplaceAll(m, "Write src/hello.txt\n", "Reviewed and approved\n")
		}))
		before := s.refs(t)
		out, ok := c.push("build-bot", forged+":refs/heads/aos/msg-plan")
		expectRejected(t, s, before, out, ok, "plan.commit")
		if !strings.Contains(out, `its message is not the one its plan makes: line 1: expected "aos: plan msg: Write src/hello.txt", found "aos: plan msg: Reviewed and approved"`) {
			t.Errorf("the first differing line is not named:\n%s", out)
		}
	})

	// Commits that claim nothing to git-aos's old reading, or to one of
	// git's, are refused whoever pushes them, wherever.
	c.git("checkout", "-q", "-B", "work", "origin/main")
	c.write("src/a.txt", "edited\n")
	tree := c.git("write-tree")
	for _, tc := range []struct{ name, msg, rule string }{
		{"a lone Aos-Result", "Edit a\n\nAos-Result: pass\n", "commit.message"},
		{"Aos-Run behind a --- line", "Edit a\n\nbody\n---\n\nAos-Run: .aos/runs/x.json\n", "commit.message"},
		{"Aos-Run in the body", "Edit a\n\nAos-Run: .aos/runs/x.json\n\nmore text\n", "commit.message"},
		{"Aos-Plan-Id as the subject", "Aos-Plan-Id: x\n", "commit.message"},
		// git reads these as the plan trailers: a plan commit's claim,
		// false.
		{"a key spaced from its colon", "Edit a\n\nAos-Plan-Id : x\nAos-Plan-Digest : y\n", "plan.commit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			commit := strings.TrimSpace(must(t, c.dir, "sh", "-c", "git commit-tree -p origin/main -F - "+tree+" <<'EOF'\n"+tc.msg+"EOF"))
			for _, push := range []struct{ user, ref string }{{"alice", "refs/heads/main"}, {"alice", "refs/heads/topic"}, {"build-bot", "refs/heads/agent-topic"}} {
				before := s.refs(t)
				out, ok := c.push(push.user, commit+":"+push.ref)
				expectRejected(t, s, before, out, ok, tc.rule)
			}
		})
	}

	// The result itself passes, and its message is what git reads.
	t.Run("the result as made", func(t *testing.T) {
		got := must(t, c.dir, "sh", "-c", "git cat-file commit "+result+" | sed '1,/^$/d' | git interpret-trailers --parse | cut -d: -f1 | tr '\\n' ' '")
		if got != "Aos-Plan-Id Aos-Plan-Digest Aos-Manifest-Digest Aos-Run Aos-Result" {
			t.Fatalf("git interpret-trailers reads %q", got)
		}
		out, ok := c.push("build-bot", result+":refs/heads/main")
		expectAccepted(t, out, ok)
	})
}
