package github

import (
	"github.com/architectos/aos"
	"strings"
	"testing"

	"github.com/architectos/aos/gh"
)

// TestCIVerifiesAPullRequest: a pull request holding a plan commit and
// its result commit, cloned whole, is verified with its jobs run again;
// both check runs, code scanning, the comment, the summary and the
// outputs say so, in at most eight calls of the API.
func TestCIVerifiesAPullRequest(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testManifest, map[string]string{"src/a.txt": "a\n"})
	_, result := w.propose("hello", writePlan("hello", "src/hello.txt", "hello\n", true), true)
	pr := w.openPR("hello", "deploy-bot", result)
	r := w.checkout(0, "aos/hello")
	w.event(r, "pull_request", pr, false)
	w.srv.Took()
	res, err := w.ci(r, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != VerdictPass || res.PlanID != "hello" || res.ResultSHA != result || res.ReadOnly || len(res.Warnings) > 0 {
		t.Fatalf("result %+v", res)
	}
	calls := w.srv.Took()
	if len(calls) > 8 {
		t.Errorf("%d calls of the API, want at most 8: %v", len(calls), calls)
	}
	c := w.gh.Check(CheckName)
	if c == nil || c.HeadSHA != result || c.Conclusion != gh.ConclusionSuccess || c.CompletedEarly || c.DetailsURL != "https://github.com/octo-org/hello-world/actions/runs/77" {
		t.Fatalf("check run %+v", c)
	}
	if !strings.Contains(c.Summary, "ran every job again") {
		t.Errorf("check summary:\n%s", c.Summary)
	}
	a := w.gh.Check(ApprovalsName)
	if a == nil || a.Conclusion != gh.ConclusionSuccess || a.Title != "no approval required" {
		t.Errorf("approvals check %+v", a)
	}
	if len(w.gh.SARIF) != 1 || w.gh.SARIF[0].Ref != "refs/pull/1/head" || w.gh.SARIF[0].CommitSHA != result {
		t.Errorf("sarif %+v", w.gh.SARIF)
	}
	if cs := w.gh.PR(1).Comments; len(cs) != 1 || !strings.HasPrefix(cs[0].Body, CommentMarker) {
		t.Errorf("comments %+v", cs)
	}
	if out := r.outputs(t); out["verdict"] != "pass" || out["plan-id"] != "hello" || out["result-sha"] != result {
		t.Errorf("outputs %v", out)
	}
	if s := r.summary(t); !strings.Contains(s, "✅ verified") || !strings.Contains(s, "`src/hello.txt`") {
		t.Errorf("summary:\n%s", s)
	}
	// Run again on the same head: the comment is edited, not added.
	w.event(r, "pull_request", pr, false)
	if _, err := w.ci(r, false); err != nil {
		t.Fatal(err)
	}
	if cs := w.gh.PR(1).Comments; len(cs) != 1 {
		t.Errorf("%d comments after a second run", len(cs))
	}
}

// TestCIShallowClone: without the history, ci fails and says to fetch
// it; it never judges less than the whole range.
func TestCIShallowClone(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testManifest, map[string]string{"src/a.txt": "a\n"})
	_, result := w.propose("s1", writePlan("s1", "src/hello.txt", "hello\n", false), true)
	pr := w.openPR("s1", "deploy-bot", result)
	for _, depth := range []int{1, 2} {
		r := w.checkout(depth, "aos/s1")
		w.event(r, "pull_request", pr, false)
		_, err := w.ci(r, false)
		if err == nil || !strings.Contains(strings.Join(aos.Hints(err), " "), "fetch-depth: 0") {
			t.Fatalf("depth %d: error %v, want the fetch-depth hint", depth, err)
		}
		if c := w.gh.Check(CheckName); c == nil || c.Conclusion != gh.ConclusionFailure || !strings.Contains(c.Summary, "fetch-depth: 0") {
			t.Errorf("depth %d: check run %+v", depth, c)
		}
	}
}

// TestCIRejects: a plan that writes a read-only file is rejected by the
// base's rules, even when the pull request loosens the manifest first,
// with an annotation at the plan's line.
func TestCIRejects(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testManifest, map[string]string{"src/a.txt": "a\n", "vendor/lib.txt": "lib\n"})
	git(t, w.agent, "checkout", "-q", "-b", "aos/v1")
	write(t, w.agent, "aos.yaml", strings.Replace(strings.Replace(testManifest, `read_only: ["vendor/**"]`, `read_only: []`, 1), `writable: ["src/**", "db/**"]`, `writable: ["src/**", "db/**", "vendor/**"]`, 1))
	git(t, w.agent, "commit", "-q", "-am", "loosen the rules")
	loose := git(t, w.agent, "rev-parse", "HEAD")
	git(t, w.agent, "checkout", "-q", "main")
	f := t.TempDir() + "/v1.yaml"
	write(t, "/", f, writePlan("v1", "vendor/lib.txt", "owned\n", false))
	git(t, w.agent, "branch", "-q", "-D", "aos/v1")
	// The plan commit on top of the loosening commit.
	git(t, w.agent, "branch", "-q", "loose", loose)
	res, err := proposeOn(w, "loose", f)
	if err != nil {
		t.Fatal(err)
	}
	git(t, w.agent, "push", "-q", "origin", "aos/v1")
	pr := w.openPR("v1", "deploy-bot", res)
	r := w.checkout(0, "aos/v1")
	w.event(r, "pull_request", pr, false)
	out, err := w.ci(r, false)
	if err != nil {
		t.Fatal(err)
	}
	if out.Verdict != VerdictRejected || r.outputs(t)["verdict"] != "rejected" {
		t.Fatalf("verdict %s", out.Verdict)
	}
	c := w.gh.Check(CheckName)
	if c.Conclusion != gh.ConclusionFailure {
		t.Fatalf("check %+v", c)
	}
	var sawPlan bool
	for _, a := range c.Annotations {
		if a["path"] == ".aos/plans/v1.yaml" && a["title"] == "workspace.read_only" && a["start_line"].(float64) > 1 {
			sawPlan = true
		}
	}
	if !sawPlan {
		t.Errorf("no annotation of the plan's directive: %v", c.Annotations)
	}
	if !strings.Contains(c.Summary, "protect.agent") {
		t.Errorf("the agent's other commit is not named:\n%s", c.Summary)
	}
	if len(w.gh.SARIF) != 1 {
		t.Fatal("no SARIF")
	}
	if a := w.gh.Check(ApprovalsName); a.Conclusion != gh.ConclusionActionRequired {
		t.Errorf("approvals check of rejected commits: %+v", a)
	}
}

// TestCIApprovals: the approvals check holds the pull request until a
// listed reviewer, or a member of a listed team, approves its head; it is
// evaluated again on review events, and a push makes approvals stale.
func TestCIApprovals(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testManifest, map[string]string{"src/a.txt": "a\n", "src/hello.txt": "x\n"})
	_, result := w.propose("db1", writePlan("db1", "db/001.sql", "create table t;\n", false), true)
	pr := w.openPR("db1", "deploy-bot", result)
	r := w.checkout(0, "aos/db1")
	step := func(name string, want string) {
		t.Helper()
		w.event(r, name, pr, false)
		res, err := w.ci(r, false)
		if err != nil {
			t.Fatal(err)
		}
		a := w.gh.Check(ApprovalsName)
		if a == nil || a.Conclusion != want || a.HeadSHA != pr.HeadSHA {
			t.Fatalf("after %s: approvals check %+v, want %s", name, a, want)
		}
		if res.Verdict != VerdictPass {
			t.Fatalf("verdict %s", res.Verdict)
		}
	}
	step("pull_request", gh.ConclusionActionRequired)
	checks := len(w.gh.CheckRuns)
	// Reviews that do not count.
	w.gh.AddReview(1, "deploy-bot", "APPROVED", result) // the author, an agent
	w.gh.AddReview(1, "dave", "APPROVED", result)       // not listed
	w.gh.AddReview(1, "carol", "COMMENTED", result)
	step("pull_request_review", gh.ConclusionActionRequired)
	// A review event re-evaluates approvals only: one new check run, and
	// ArchitectOS is left as the pull_request run set it.
	if n := len(w.gh.CheckRuns); n != checks+1 || w.gh.Check(CheckName).ID != w.gh.CheckRuns[checks-2].ID {
		t.Errorf("check runs after a review: %d, want %d", n, checks+1)
	}
	// A team member of @octo-org/dba approves.
	w.gh.AddReview(1, "erin", "APPROVED", result)
	step("pull_request_review", gh.ConclusionSuccess)
	if s := w.gh.Check(ApprovalsName).Summary; !strings.Contains(s, "`erin`") || !strings.Contains(s, "the author of the pull request cannot approve it") {
		t.Errorf("approvals summary:\n%s", s)
	}
	// The same approval does not count on a new head.
	_, next := w.propose("db2", writePlan("db2", "db/002.sql", "create table u;\n", false), true)
	git(t, w.agent, "push", "-q", "-f", "origin", next+":refs/heads/aos/db1")
	pr.HeadSHA = next
	r = w.checkout(0, "aos/db1")
	step("pull_request", gh.ConclusionActionRequired)
	if s := w.gh.Check(ApprovalsName).Summary; !strings.Contains(s, "not the head") {
		t.Errorf("stale approval not explained:\n%s", s)
	}
	// carol asks for changes: even with erin's new approval, blocked.
	w.gh.AddReview(1, "erin", "APPROVED", next)
	w.gh.AddReview(1, "carol", "CHANGES_REQUESTED", next)
	step("pull_request_review", gh.ConclusionActionRequired)
}

// TestCIFork: a fork's pull request has a read-only token: ci calls no
// API that writes, reports in the summary, annotations and outputs, and
// its verdict is still the judgement's.
func TestCIFork(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testManifest, map[string]string{"src/a.txt": "a\n", "vendor/lib.txt": "lib\n"})
	_, result := w.propose("f1", writePlan("f1", "src/hello.txt", "hello\n", true), true)
	pr := w.openPR("f1", "mallory", result)
	r := w.checkout(0, "aos/f1")
	w.event(r, "pull_request", pr, true)
	w.srv.Took()
	res, err := w.ci(r, false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.ReadOnly || res.Verdict != VerdictPass || len(w.gh.CheckRuns) != 0 {
		t.Fatalf("fork: read-only %v verdict %s, %d check runs", res.ReadOnly, res.Verdict, len(w.gh.CheckRuns))
	}
	w.srv.Expect() // not one call
	if s := r.summary(t); !strings.Contains(s, "read\\-only token") {
		t.Errorf("the summary does not say why nothing was posted:\n%s", s)
	}
	if r.outputs(t)["verdict"] != "pass" {
		t.Error("outputs")
	}
	// A fork's pull request that breaks the rules is rejected all the
	// same: no false pass for lack of a token.
	git(t, w.agent, "checkout", "-q", "aos/f1")
	write(t, w.agent, "vendor/lib.txt", "owned\n")
	git(t, w.agent, "commit", "-q", "-am", "sneak")
	git(t, w.agent, "push", "-q", "origin", "aos/f1")
	pr.HeadSHA = git(t, w.agent, "rev-parse", "HEAD")
	r = w.checkout(0, "aos/f1")
	w.event(r, "pull_request", pr, true)
	if res, err = w.ci(r, false); err != nil || res.Verdict != VerdictRejected {
		t.Fatalf("fork breaking the rules: %v %+v", err, res)
	}
}

// TestCIReadOnlyToken: a token GitHub refuses to write with (no
// permissions: checks: write) turns the run read-only with a warning; it
// never fails the step for that.
func TestCIReadOnlyToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testManifest, map[string]string{"src/a.txt": "a\n", "src/hello.txt": "x\n"})
	_, result := w.propose("ro", writePlan("ro", "src/hello.txt", "hello\n", false), true)
	pr := w.openPR("ro", "deploy-bot", result)
	w.gh.ReadOnly = true
	r := w.checkout(0, "aos/ro")
	w.event(r, "pull_request", pr, false)
	res, err := w.ci(r, false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.ReadOnly || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "permissions: checks: write") || res.Verdict != VerdictPass {
		t.Errorf("result %+v", res)
	}
	// Code scanning not enabled: a warning, the rest is reported.
	w.gh.ReadOnly, w.gh.NoCodeScanning = false, true
	w.event(r, "pull_request", pr, false)
	if res, err = w.ci(r, false); err != nil || res.ReadOnly || len(res.Warnings) != 1 || w.gh.Check(ApprovalsName) == nil {
		t.Errorf("no code scanning: %v %+v", err, res)
	}
}

// TestCIApply: the head is a plan commit; ci applies it on the runner,
// runs its jobs, pushes the result to the pull request's branch and
// reports on the result.
func TestCIApply(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testManifest, map[string]string{"src/a.txt": "a\n"})
	plan, _ := w.propose("ap", writePlan("ap", "src/hello.txt", "hello\n", true), false)
	pr := w.openPR("ap", "deploy-bot", plan)
	r := w.checkout(0, "aos/ap")
	w.event(r, "pull_request", pr, false)
	res, err := w.ci(r, true)
	if err != nil {
		t.Fatal(err)
	}
	pushed := git(t, w.origin, "rev-parse", "refs/heads/aos/ap")
	if !res.Applied || res.ResultSHA != pushed || res.Head != pushed || pushed == plan || res.Verdict != VerdictPass {
		t.Fatalf("apply: %+v, origin at %s", res, pushed)
	}
	if parent := git(t, w.origin, "rev-parse", pushed+"^"); parent != plan {
		t.Errorf("the result's parent %s is not the plan commit %s", parent, plan)
	}
	c := w.gh.Check(CheckName)
	if c.HeadSHA != pushed || c.Conclusion != gh.ConclusionSuccess {
		t.Errorf("check run on %s: %+v", pushed, c)
	}
	if first := w.gh.CheckRuns[0]; first.HeadSHA != plan || first.Title != "applied" {
		t.Errorf("the plan commit's check run %+v", first)
	}
	if out := r.outputs(t); out["result-sha"] != pushed {
		t.Errorf("outputs %v", out)
	}
	// The result verifies with its jobs run again by anyone.
	w.gh.PR(1).HeadSHA = pushed
	pr.HeadSHA = pushed
	r2 := w.checkout(0, "aos/ap")
	w.event(r2, "pull_request", pr, false)
	if res, err := w.ci(r2, true); err != nil || res.Verdict != VerdictPass || res.Applied {
		t.Errorf("the pushed result: %v %+v", err, res)
	}

	// A plan whose tests fail is not pushed.
	plan2, _ := w.propose("bad", "version: 1\nid: bad\ngoal: Empty the file the tests read\ndirectives:\n  - type: FILE_WRITE\n    path: src/hello.txt\n    content: \"\"\n  - type: RUN_TESTS\n", false)
	pr2 := w.openPR("bad", "deploy-bot", plan2)
	r3 := w.checkout(0, "aos/bad")
	w.event(r3, "pull_request", pr2, false)
	res, err = w.ci(r3, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != VerdictRejected || res.Applied || git(t, w.origin, "rev-parse", "refs/heads/aos/bad") != plan2 {
		t.Errorf("a failing plan: %+v", res)
	}
}

// TestCIPush: a push of a new agent branch is judged against the
// default branch.
func TestCIPush(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testManifest, map[string]string{"src/a.txt": "a\n"})
	_, result := w.propose("p1", writePlan("p1", "src/hello.txt", "hello\n", false), true)
	r := w.checkout(0, "aos/p1")
	var ev map[string]any
	if err := jsonUnmarshal("event-push.json", &ev); err != nil {
		t.Fatal(err)
	}
	ev["ref"], ev["before"], ev["after"] = "refs/heads/aos/p1", gh.ZeroSHA, result
	w.writeEvent(r, "push", ev)
	res, err := w.ci(r, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != VerdictPass || res.Base != w.base || len(res.Judgement.Commits) != 2 || w.gh.Check(ApprovalsName) != nil {
		t.Errorf("push: %+v", res)
	}
	if len(w.gh.SARIF) != 1 || w.gh.SARIF[0].Ref != "refs/heads/aos/p1" {
		t.Errorf("sarif %+v", w.gh.SARIF)
	}
}

// TestCIApprovalsTeamUnreadable: a rule naming a team the token cannot
// see holds the pull request and says why; the step fails with the hint.
func TestCIApprovalsTeamUnreadable(t *testing.T) {
	t.Parallel()
	w := newWorld(t, strings.Replace(testManifest, `"@octo-org/dba"`, `"@octo-org/secret-team"`, 1), map[string]string{"src/a.txt": "a\n", "src/hello.txt": "x\n"})
	_, result := w.propose("tm", writePlan("tm", "db/001.sql", "create table t;\n", false), true)
	pr := w.openPR("tm", "deploy-bot", result)
	w.gh.AddReview(1, "erin", "APPROVED", result)
	r := w.checkout(0, "aos/tm")
	w.event(r, "pull_request", pr, false)
	res, err := w.ci(r, false)
	if err == nil || !strings.Contains(strings.Join(aos.Hints(err), " "), "cannot read teams") {
		t.Fatalf("error %v", err)
	}
	if res == nil || res.Verdict != VerdictPass {
		t.Fatalf("result %+v", res)
	}
	a := w.gh.Check(ApprovalsName)
	if a == nil || a.Conclusion != gh.ConclusionActionRequired || !strings.Contains(a.Summary, "cannot read teams") {
		t.Errorf("approvals check %+v", a)
	}
}
