package hooks_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/hooks"
	"github.com/architectos/aos/internal/sshtest"
	"github.com/architectos/aos/workflow"
)

// judge runs JudgeRange over base..head of the client's repository.
func judge(t *testing.T, c *client, base, head string, logins ...string) *hooks.Result {
	t.Helper()
	repo, err := gitops.Open(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	res, err := hooks.JudgeRange(context.Background(), hooks.RangeOptions{Repo: repo, Base: base, Head: head, Ref: "refs/heads/main", Logins: logins})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func rules(res *hooks.Result) string {
	var out []string
	for _, r := range res.Rejections {
		out = append(out, string(r.Rule))
	}
	return strings.Join(out, " ")
}

// TestJudgeRangePlanAndResult: a pull request holding a plan commit and
// its result commit is accepted; the result is verified, and covers its
// plan commit.
func TestJudgeRangePlanAndResult(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest+"  agent_branches: [\"aos/*\"]\n", map[string]string{"src/a.txt": "a\n"})
	c := s.clone(t)
	base := c.git("rev-parse", "main")
	res := c.runPlan(plan("p1", "src/hello.txt", "hello\n"))
	r := judge(t, c, base, res.ResultCommit, "deploy-bot")
	if !r.OK() || !r.Agent {
		t.Fatalf("rejected: %v %+v", r.Agent, r.Rejections)
	}
	if len(r.Commits) != 2 || r.Commits[0].Kind != hooks.ResultCommit || r.Commits[0].PlanID != "p1" || !r.Commits[0].Report.OK ||
		r.Commits[1].Kind != hooks.PlanCommit || r.Commits[1].VerifiedBy != res.ResultCommit {
		t.Errorf("verdicts %+v", r.Commits)
	}
	// The plan commit alone is checked against its own parent.
	r = judge(t, c, base, res.PlanCommit, "deploy-bot")
	if !r.OK() || len(r.Commits) != 1 || r.Commits[0].Kind != hooks.PlanCommit || r.Commits[0].PlanFile != ".aos/plans/p1.yaml" || !r.Commits[0].Report.OK {
		t.Errorf("plan commit: %+v %+v", r.Rejections, r.Commits)
	}
}

// TestJudgeRangeRulesFromBase: the rules are the base's, never those of
// a commit of the pull request, and an agent's other commits are refused.
func TestJudgeRangeRulesFromBase(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n", "vendor/lib.txt": "lib\n"})
	c := s.clone(t)
	base := c.git("rev-parse", "main")
	// A commit loosens the manifest, then a plan writes the read-only
	// file, naming the loosened commit as its base.
	c.git("checkout", "-q", "-b", "aos/loose")
	loosened := strings.Replace(testManifest, `writable: ["src/**", "docs/**"]`, `writable: ["src/**", "docs/**", "vendor/**"]`, 1)
	c.write("project.yml", strings.Replace(loosened, "  read_only: [\"vendor/**\"]\n", "", 1))
	loose := c.commit("loosen")
	res := c.runPlan(strings.Replace(plan("v1", "vendor/lib.txt", "owned\n"), "directives:", "base: "+loose+"\ndirectives:", 1))
	r := judge(t, c, base, res.ResultCommit, "deploy-bot")
	if got := rules(r); !strings.Contains(got, "protect.agent") || !strings.Contains(got, "workspace.read_only") {
		t.Errorf("agent's pull request: rules %q, want protect.agent and workspace.read_only", got)
	}
	// From a human, the manifest change is refused by the workspace rules.
	r = judge(t, c, base, loose, "alice")
	if r.Agent || !strings.Contains(rules(r), "workspace.protected") {
		t.Errorf("human's manifest change: agent %v, rules %q", r.Agent, rules(r))
	}
	// No login at all is an agent.
	if r = judge(t, c, base, loose); !r.Agent {
		t.Error("an unknown author was judged as a human")
	}
}

// TestJudgeRangeMerges: merging the base into a pull request brings
// nothing to judge; an evil merge is still refused.
func TestJudgeRangeMerges(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"})
	c := s.clone(t)
	c.git("checkout", "-q", "-b", "feature")
	c.write("src/feature.txt", "f\n")
	c.commit("feature")
	c.git("checkout", "-q", "main")
	// The base moved with a change no pull request could make.
	c.write("project.yml", testManifest+"# reviewed by the owners\n")
	c.write("vendor/new.txt", "v\n")
	c.commit("owners' change")
	base := c.git("rev-parse", "main")
	c.git("checkout", "-q", "feature")
	c.git("merge", "-q", "--no-ff", "-m", "merge main", "main")
	r := judge(t, c, base, "HEAD", "alice")
	if !r.OK() {
		t.Errorf("a clean merge of the base: %+v", r.Rejections)
	}
	c.git("reset", "-q", "--hard", "HEAD~1")
	c.git("merge", "-q", "--no-ff", "--no-commit", "main")
	c.write("src/evil.txt", "evil\n")
	c.commit("merge main")
	if r = judge(t, c, base, "HEAD", "alice"); !strings.Contains(rules(r), "protect.evil_merge") {
		t.Errorf("evil merge: %q", rules(r))
	}
}

// TestJudgeRangeTrailerAfterDivider: trailers after a "---" line, which
// git interpret-trailers does not see and git log --format=%(trailers)
// does, or a divider inside the trailer block, which hides them from both
// while each line still reads as a trailer: a message with more than one
// reading is refused as commit.message, whoever pushes it (docs/spec.md
// 7.1).
func TestJudgeRangeTrailerAfterDivider(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"})
	c := s.clone(t)
	base := c.git("rev-parse", "main")
	res := c.runPlan(plan("d1", "src/hello.txt", "hello\n"))
	msg := c.git("log", "-1", "--format=%B", res.ResultCommit)
	i := strings.Index(msg, "Aos-Plan-Id:")
	c.git("checkout", "-q", "aos/d1")
	c.write("vendor/x.txt", "x\n")
	c.git("add", "-A")
	for _, tc := range []struct {
		divider string
		kind    hooks.CommitKind
		rule    string
	}{
		{"---\n\n", hooks.OtherCommit, "commit.message"},
		{"---\n", hooks.OtherCommit, "commit.message"},
	} {
		c.git("commit", "-q", "--amend", "-m", msg[:i]+tc.divider+msg[i:])
		forged := c.git("rev-parse", "HEAD")
		// What a shell script would ask git.
		out, err := run(t, c.dir, nil, "sh", "-c", "git log -1 --format=%B "+forged+" | git interpret-trailers --parse")
		if err != nil || strings.Contains(out, "Aos-Run") {
			t.Fatalf("git interpret-trailers sees the trailers: %q %v", out, err)
		}
		r := judge(t, c, base, forged, "alice")
		var last hooks.CommitVerdict
		for _, v := range r.Commits {
			if v.ID == forged {
				last = v
			}
		}
		if r.OK() || last.Kind != tc.kind || !strings.Contains(rules(r), tc.rule) {
			t.Errorf("divider %q: kind %s, rules %q, want %s and %s", tc.divider, last.Kind, rules(r), tc.kind, tc.rule)
		}
	}
}

func TestJudgeRangeMissingCommit(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest, nil)
	c := s.clone(t)
	repo, err := gitops.Open(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	_, err = hooks.JudgeRange(context.Background(), hooks.RangeOptions{Repo: repo, Base: "main", Head: strings.Repeat("1", 40), Logins: []string{"alice"}})
	if err == nil {
		t.Fatal("a missing head was judged")
	}
}

// TestJudgeRangeTrustsRunners: in a pull request too, a result commit's
// job records need a runner: they are refused unless its jobs run again,
// the caller ran them, a judgement that ran them is replayed, or an
// allowed key signed them; the forged ones fail when run again.
func TestJudgeRangeTrustsRunners(t *testing.T) {
	t.Parallel()
	key, pub := sshtest.Key(t, "", "runner")
	allowed := filepath.Join(t.TempDir(), "allowed")
	writeFile(t, allowed, "runner@example.com "+pub+"\n")
	s := newServer(t, jobsManifest, map[string]string{"src/a.txt": "a\n"})
	c := s.clone(t)
	base := c.git("rev-parse", "main")
	c.runPlanFile(nil, testsPlan("honest", "ok"))
	honest := c.git("rev-parse", "aos/honest")
	c.git("checkout", "-q", "main")
	c.git("config", "gpg.format", "ssh")
	c.runPlanFile(nil, testsPlan("signed", "ok"), "--sign="+key)
	signed := c.git("rev-parse", "aos/signed")
	c.git("checkout", "-q", "main")
	c.runPlanFile([]string{"PATH=" + fakeBwrap(t) + ":" + os.Getenv("PATH")}, testsPlan("forged", "fails"))
	forged := c.git("rev-parse", "aos/forged")
	repo, err := gitops.Open(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	rt := workflow.NewRuntime(workflow.RuntimeOptions{Dir: c.dir})
	for _, tc := range []struct {
		name string
		head string
		opts hooks.RangeOptions
		want string
	}{
		{"claims", honest, hooks.RangeOptions{}, "protect.runner"},
		{"run again", honest, hooks.RangeOptions{RerunJobs: true}, ""},
		{"ran by the caller", honest, hooks.RangeOptions{RanJobs: []string{honest}}, ""},
		{"replayed", honest, hooks.RangeOptions{ReplayJobs: true}, ""},
		{"signed", signed, hooks.RangeOptions{AllowedSigners: allowed}, ""},
		{"signed, no allowed signers", signed, hooks.RangeOptions{}, "protect.runner"},
		{"forged, run again", forged, hooks.RangeOptions{RerunJobs: true}, "verify.rejected verify.job"},
	} {
		opts := tc.opts
		opts.Repo, opts.Base, opts.Head, opts.Ref, opts.Logins, opts.Runtime = repo, base, tc.head, "refs/heads/main", []string{"deploy-bot"}, rt
		res, err := hooks.JudgeRange(context.Background(), opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := rules(res); got != tc.want {
			t.Errorf("%s: rules %q, want %q: %+v", tc.name, got, tc.want, res.Rejections)
		}
		if tc.want == "" && (res.Commits[0].Vouch == nil) != (tc.name == "replayed") {
			t.Errorf("%s: vouch %+v", tc.name, res.Commits[0].Vouch)
		}
	}
}
