package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/sandbox"
)

const sessionManifest = `project: name: "app"
workspace: {
	writable: ["src/**", "gen/**"]
	read_only: ["vendor/**"]
	ignored: ["secrets/**"]
}
environment: type: "bwrap"
tests: default: command: "! grep -rq FAIL src"
build: targets: gen: {
	command: "mkdir -p gen && cat src/*.txt > gen/all.txt"
	outputs: ["gen/**"]
}
policies: {
	require_tests_on_write: true
	max_file_size_kb: 4
}
`

var sessionFiles = map[string]string{
	"aos.cue":       sessionManifest,
	"src/a.txt":     "alpha\n",
	"src/b.txt":     "beta\n",
	"vendor/lib.go": "package lib\n",
	"secrets/key":   "s3cr3t\n",
}

// countingJobs runs jobs in bubblewrap and counts them.
type countingJobs struct {
	n     *atomic.Int32
	inner engine.JobRunner
}

func (c countingJobs) Run(ctx context.Context, job engine.Job, st *engine.State) (engine.JobResult, error) {
	c.n.Add(1)
	return c.inner.Run(ctx, job, st)
}

func countingRuntime(n *atomic.Int32) *Runtime {
	return &Runtime{Jobs: func(m *aos.Manifest) (engine.JobRunner, error) {
		jr, err := sandbox.NewJobRunner(m, sandbox.RunnerOptions{})
		return countingJobs{n, jr}, err
	}}
}

// call is one directive of a session, its parameters as JSON.
func call(t *testing.T, s *Session, typ aos.DirectiveType, params string) *Reply {
	t.Helper()
	r, err := s.Do(ctx(), typ, []byte(params))
	if err != nil {
		t.Fatalf("%s %s: %v", typ, params, err)
	}
	return r
}

func mustPass(t *testing.T, r *Reply) *Reply {
	t.Helper()
	if !r.OK() {
		t.Fatalf("directive %d (%s) refused: %v", r.Directive, r.Type, r.Violations)
	}
	return r
}

func mustRefuse(t *testing.T, r *Reply, rule aos.Rule) {
	t.Helper()
	if r.OK() || r.Violations[0].Rule != rule {
		t.Fatalf("directive %d (%s): want %s, got %+v", r.Directive, r.Type, rule, r.Violations)
	}
}

// TestSessionSubmit is a whole session: looks, a search, a patch, writes,
// a refused write, a failing suite and a passing one in bubblewrap, a
// build. What is submitted holds exactly the directives that passed, runs
// no job again, verifies byte for byte and is in the audit log.
func TestSessionSubmit(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, sessionFiles)
	var jobs atomic.Int32
	s, err := OpenSession(ctx(), SessionOptions{Dir: dir, Runtime: countingRuntime(&jobs)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustPass(t, call(t, s, aos.LS, `{"path":"."}`))
	read := mustPass(t, call(t, s, aos.FileRead, `{"path":"src/a.txt"}`))
	if fr := read.Reply.(engine.FileReply); fr.Content != "alpha\n" {
		t.Errorf("read %+v", fr)
	}
	found := mustPass(t, call(t, s, aos.Search, `{"pattern":"^(alpha|s3cr3t)$"}`))
	if sr := found.Reply.(engine.SearchReply); len(sr.Matches) != 1 || sr.Matches[0].Path != "src/a.txt" || sr.Files != 4 {
		t.Errorf("search %+v", sr)
	}
	patched := mustPass(t, call(t, s, aos.ApplyPatch, `{"patch":"diff --git a/src/a.txt b/src/a.txt\n--- a/src/a.txt\n+++ b/src/a.txt\n@@ -1 +1 @@\n-alpha\n+ALPHA\n"}`))
	if len(patched.Changes) != 1 || patched.Changes[0].Status != aos.StatusModified {
		t.Errorf("patch changes %+v", patched.Changes)
	}
	mustRefuse(t, call(t, s, aos.FileWrite, `{"path":"vendor/lib.go","content":"x"}`), aos.RuleWorkspaceReadOnly)
	wrote := mustPass(t, call(t, s, aos.FileWrite, `{"path":"src/c.txt","content":"FAIL\n"}`))
	if len(wrote.Changes) != 1 || wrote.Changes[0].Status != aos.StatusAdded || wrote.Changes[0].Blob != engine.BlobID([]byte("FAIL\n")) {
		t.Errorf("write changes %+v", wrote.Changes)
	}
	failed := call(t, s, aos.RunTests, `{}`)
	mustRefuse(t, failed, aos.RuleTestsFailed)
	if failed.Job == nil || failed.Job.ExitCode != 1 || failed.Job.Backend != "bwrap" {
		t.Errorf("failed job %+v", failed.Job)
	}
	mustPass(t, call(t, s, aos.FileWrite, `{"path":"src/c.txt","content":"gamma\n"}`))
	built := mustPass(t, call(t, s, aos.BuildTarget, `{"target":"gen"}`))
	if len(built.Changes) != 1 || built.Changes[0].Path != "gen/all.txt" {
		t.Errorf("build changes %+v", built.Changes)
	}
	tests := mustPass(t, call(t, s, aos.RunTests, `{}`))
	if tests.Job == nil || tests.Job.ExitCode != 0 {
		t.Errorf("tests %+v", tests.Job)
	}
	st, err := s.Status(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if !st.OK || len(st.Directives) != 8 || len(st.Changes) != 3 || !strings.Contains(st.Diff, "+ALPHA") {
		t.Fatalf("status %+v", st)
	}
	ran := jobs.Load()
	if ran != 3 {
		t.Fatalf("%d jobs ran, want 3", ran)
	}
	res, err := s.Submit(ctx(), SubmitOptions{ID: "session-1", Goal: "Shout alpha\n\nand add gamma"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("submit rejected: %+v", res.Report.Violations)
	}
	if jobs.Load() != ran {
		t.Errorf("submit ran %d jobs again", jobs.Load()-ran)
	}
	if res.Branch != "refs/heads/aos/session-1" || git(t, dir, "rev-parse", "aos/session-1") != res.ResultCommit {
		t.Errorf("branch %s at %s", res.Branch, res.ResultCommit)
	}
	if !strings.HasPrefix(res.Summary, "aos: session-1: Shout alpha\n") || !strings.Contains(res.Summary, "tests default: exit 0") {
		t.Errorf("summary:\n%s", res.Summary)
	}
	// The plan file holds the directives that passed, nothing else.
	data := git(t, dir, "show", "aos/session-1^:.aos/plans/session-1.yaml")
	plan, err := planfile.Parse(t.Context(), "p.yaml", []byte(data), planfile.MaxLimits)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, d := range plan.Directives {
		types = append(types, string(d.Type))
	}
	if got := strings.Join(types, " "); got != "LS FILE_READ SEARCH APPLY_PATCH FILE_WRITE FILE_WRITE BUILD RUN_TESTS" {
		t.Errorf("plan directives: %s\n%s", got, data)
	}
	if plan.Base != s.Base() {
		t.Errorf("plan base %s, session base %s", plan.Base, s.Base())
	}
	v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: "aos/session-1"})
	if err != nil || !v.Report.OK {
		t.Fatalf("verify: %v %+v", err, v)
	}
	log, err := Log(ctx(), LogOptions{Dir: dir, Range: "aos/session-1"})
	if err != nil || len(log) != 1 || log[0].PlanID != "session-1" || log[0].Error != "" {
		t.Fatalf("log: %v %+v", err, log)
	}
	// The session starts again, empty, on the same base.
	if st, _ := s.Status(ctx()); len(st.Directives) != 0 || len(st.Changes) != 0 {
		t.Errorf("after submit: %+v", st)
	}
	mustPass(t, call(t, s, aos.FileRead, `{"path":"src/a.txt"}`))
}

// TestSessionLeavesNothing: a session that submits nothing writes no
// object and no ref, and touches neither the working tree nor the index.
func TestSessionLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, sessionFiles)
	before := takeSnapshot(t, dir)
	objects := git(t, dir, "count-objects", "-v")
	var jobs atomic.Int32
	s, err := OpenSession(ctx(), SessionOptions{Dir: dir, Runtime: countingRuntime(&jobs)})
	if err != nil {
		t.Fatal(err)
	}
	mustPass(t, call(t, s, aos.FileWrite, `{"path":"src/new.txt","content":"new\n"}`))
	mustRefuse(t, call(t, s, aos.FileDelete, `{"path":"src/b.txt"}`), aos.RulePoliciesAllowDelete)
	mustPass(t, call(t, s, aos.BuildTarget, `{"target":"gen"}`))
	mustPass(t, call(t, s, aos.RunTests, `{}`))
	if _, err := s.Status(ctx()); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Discard(ctx()); err != nil || n != 3 {
		t.Fatalf("discard: %d %v", n, err)
	}
	mustPass(t, call(t, s, aos.FileWrite, `{"path":"src/other.txt","content":"x\n"}`))
	s.Close()
	if after := takeSnapshot(t, dir); after != before {
		t.Errorf("a session changed the repository:\n%+v\n%+v", before, after)
	}
	if got := git(t, dir, "count-objects", "-v"); got != objects {
		t.Errorf("a session wrote objects:\n%s\n%s", objects, got)
	}
}

// TestSessionSubmitRefused: an id already used, a malformed id, or a plan
// that does not pass as a whole is refused, and the session stays as it
// was, ready to submit under another id.
func TestSessionSubmitRefused(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, sessionFiles)
	git(t, dir, "branch", "aos/taken")
	var jobs atomic.Int32
	s, err := OpenSession(ctx(), SessionOptions{Dir: dir, Runtime: countingRuntime(&jobs)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Submit(ctx(), SubmitOptions{ID: "empty", Goal: "nothing"}); err == nil || !strings.Contains(err.Error(), "nothing to submit") || len(aos.Hints(err)) == 0 {
		t.Errorf("empty submit: %v", err)
	}
	mustPass(t, call(t, s, aos.FileWrite, `{"path":"src/new.txt","content":"new\n"}`))
	// require_tests_on_write: no suite ran after the write.
	res, err := s.Submit(ctx(), SubmitOptions{ID: "untested", Goal: "untested"})
	if err != nil || res.OK() || res.Report.Violations[0].Rule != aos.RulePoliciesRequireTestsOnWrite {
		t.Fatalf("untested: %v %+v", err, res)
	}
	mustPass(t, call(t, s, aos.RunTests, `{}`))
	res, err = s.Submit(ctx(), SubmitOptions{ID: "taken", Goal: "taken"})
	if err != nil || res.OK() || res.Report.Violations[0].Rule != aos.RulePlanIDUsed {
		t.Fatalf("taken id: %v %+v", err, res)
	}
	res, err = s.Submit(ctx(), SubmitOptions{ID: "Not An Id", Goal: "g"})
	if err != nil || res.OK() || res.Report.Violations[0].Rule != aos.RulePlanID {
		t.Fatalf("bad id: %v %+v", err, res)
	}
	res, err = s.Submit(ctx(), SubmitOptions{ID: "ok-1", Goal: "  "})
	if err != nil || res.OK() || res.Report.Violations[0].Rule != aos.RulePlanSchema {
		t.Fatalf("empty goal: %v %+v", err, res)
	}
	for _, id := range []string{"untested", "ok-1"} {
		if got := git(t, dir, "for-each-ref", "refs/heads/aos/"+id); got != "" {
			t.Errorf("a refused submit left %s", got)
		}
	}
	res, err = s.Submit(ctx(), SubmitOptions{ID: "ok-1", Goal: "add new"})
	if err != nil || !res.OK() {
		t.Fatalf("submit: %v %+v", err, res)
	}
	if v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: "aos/ok-1"}); err != nil || !v.Report.OK {
		t.Fatalf("verify: %v %+v", err, v)
	}
}

// TestTwoSessions: two sessions of one repository, each its own plan,
// submitted at the same time: both land, and both verify.
func TestTwoSessions(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, sessionFiles)
	var jobs atomic.Int32
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		s, err := OpenSession(ctx(), SessionOptions{Dir: dir, Runtime: countingRuntime(&jobs)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		mustPass(t, call(t, s, aos.FileWrite, fmt.Sprintf(`{"path":"src/s%d.txt","content":"session %d\n"}`, i, i)))
		mustPass(t, call(t, s, aos.RunTests, `{}`))
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.Submit(ctx(), SubmitOptions{ID: fmt.Sprintf("two-%d", i), Goal: "one of two"})
			if err == nil && !res.OK() {
				err = fmt.Errorf("rejected: %v", res.Report.Violations)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		rev := fmt.Sprintf("aos/two-%d", i)
		if v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: rev}); err != nil || !v.Report.OK {
			t.Fatalf("verify %s: %v %+v", rev, err, v)
		}
		if got := git(t, dir, "show", fmt.Sprintf("%s:src/s%d.txt", rev, i)); got != fmt.Sprintf("session %d", i) {
			t.Errorf("%s holds %q", rev, got)
		}
	}
}

// TestSessionRefusals: each class of rule refuses a directive of a
// session as it refuses the same directive in a plan, and an ignored path
// answers as a missing one.
func TestSessionRefusals(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, sessionFiles)
	s, err := OpenSession(ctx(), SessionOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		typ    aos.DirectiveType
		params string
		rule   aos.Rule
	}{
		{aos.FileRead, `{"path":"../etc/passwd"}`, aos.RulePathDotSegment},
		{aos.FileRead, `{"path":"/etc/passwd"}`, aos.RulePathAbsolute},
		{aos.FileWrite, `{"path":"src/.git/config","content":"x"}`, aos.RulePathGit},
		{aos.FileWrite, `{"path":"vendor/lib.go","content":"x"}`, aos.RuleWorkspaceReadOnly},
		{aos.FileWrite, `{"path":"aos.cue","content":"x"}`, aos.RuleWorkspaceProtected},
		{aos.FileWrite, `{"path":"secrets/key","content":"x"}`, aos.RuleWorkspaceNotWritable},
		{aos.FileRead, `{"path":"secrets/key"}`, aos.RulePathNotFound},
		{aos.Search, `{"pattern":"x","path":"secrets"}`, aos.RulePathNotFound},
		{aos.FileWrite, `{"path":"src/big.txt","content":"` + strings.Repeat("x", 5000) + `"}`, aos.RulePoliciesMaxFileSize},
		{aos.RunTests, `{"suite":"nope"}`, aos.RuleTestsUnknown},
		{aos.SandboxExec, `{"tool":"nope"}`, aos.RuleToolsUnknown},
		{aos.BuildTarget, `{"target":"nope"}`, aos.RuleBuildUnknown},
		{aos.ApplyPatch, `{"patch":"diff --git a/src/a.txt b/src/a.txt\n--- a/src/a.txt\n+++ b/src/a.txt\n@@ -1 +1 @@\n-omega\n+x\n"}`, aos.RulePatchApply},
		{aos.ApplyPatch, `{"patch":"not a patch"}`, aos.RulePatchParse},
		{aos.FileWrite, `{"path":"src/x","content":"x","content_base64":"eA=="}`, aos.RulePlanSchema},
		{aos.Search, `{"pattern":"(bad"}`, aos.RuleSearchPattern},
		{aos.RunTests, `{}`, aos.RuleSandboxUnavailable},
	} {
		r := call(t, s, tc.typ, tc.params)
		if r.OK() || r.Violations[0].Rule != tc.rule || r.Status != aos.OutcomeRejected || r.Directive != 0 {
			t.Errorf("%s %.60s: want %s, got %+v", tc.typ, tc.params, tc.rule, r)
		}
		if r.Violations[0].Pos != (aos.Position{}) {
			t.Errorf("%s: a position in the arguments: %+v", tc.typ, r.Violations[0].Pos)
		}
	}
	if st, _ := s.Status(ctx()); len(st.Directives) != 0 {
		t.Errorf("refused directives were kept: %+v", st.Directives)
	}
}

// TestSessionPinsDiffAgainst: DIFF against a revision is recorded against
// the commit it named, so the plan shows the same diff whenever it runs.
func TestSessionPinsDiffAgainst(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, sessionFiles)
	first := git(t, dir, "rev-parse", "HEAD")
	commitFiles(t, dir, "second", map[string]string{"src/a.txt": "second\n"})
	s, err := OpenSession(ctx(), SessionOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := mustPass(t, call(t, s, aos.Diff, `{"path":"src/a.txt","against":"HEAD~1"}`))
	if d := r.Reply.(string); !strings.Contains(d, "-alpha") || !strings.Contains(d, "+second") {
		t.Errorf("diff %q", d)
	}
	res, err := s.Submit(ctx(), SubmitOptions{ID: "pinned", Goal: "look"})
	if err != nil || !res.OK() {
		t.Fatalf("submit: %v %+v", err, res)
	}
	if data := git(t, dir, "show", "aos/pinned^:.aos/plans/pinned.yaml"); !strings.Contains(data, `against: "`+first+`"`) {
		t.Errorf("plan does not pin against:\n%s", data)
	}
}

// TestReplies labels the replies of a run: each directive's index, type
// and status, with what it read, what it changed, its job and why it was
// refused.
func TestReplies(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, sessionFiles)
	repo := openRepo(t, dir)
	defer repo.Close()
	base, err := repo.RevTree("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	lm, err := ManifestFromTree(base, ManifestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opts, _, err := engineOptions(ctx(), repo, base, lm, bwrapRuntime, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planfile.Parse(t.Context(), "p.yaml", []byte(`version: 1
id: replies
goal: label
directives:
  - type: FILE_READ
    path: src/a.txt
  - type: FILE_WRITE
    path: src/a.txt
    content: "new\n"
  - type: RUN_TESTS
  - type: FILE_WRITE
    path: vendor/lib.go
    content: "x"
`), planfile.MaxLimits)
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Run(ctx(), plan, base, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := Replies(res)
	if len(got) != 4 || got[0].Type != aos.FileRead || got[0].Reply.(engine.FileReply).Content != "alpha\n" ||
		got[1].Status != aos.OutcomeOK || len(got[1].Changes) != 1 || got[1].Changes[0].Status != aos.StatusModified ||
		got[2].Job == nil || got[2].Job.Name != "default" || got[2].Job.ExitCode != 0 ||
		got[3].Status != aos.OutcomeRejected || got[3].Violations[0].Rule != aos.RuleWorkspaceReadOnly || got[3].Directive != 3 {
		b, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("replies %s", b)
	}
}
