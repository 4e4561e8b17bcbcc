package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gitops"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func ctx() context.Context { return context.Background() }

// golden compares got with testdata/golden/name, or rewrites it.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestRunMakesTwoCommits(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, siteFiles)
	before := takeSnapshot(t, dir)
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, rescuePlan)}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("rejected: %+v", res.Report.Violations)
	}
	after := takeSnapshot(t, dir)
	// Only the new branch appears; HEAD, index and working tree are as
	// they were.
	if after.head != before.head || after.status != before.status || after.index != before.index {
		t.Errorf("the checkout changed:\nbefore %+v\nafter  %+v", before, after)
	}
	wantRefs := "refs/heads/aos/rescue-1 " + res.ResultCommit + "\n" + before.refs
	if after.refs != wantRefs {
		t.Errorf("refs:\n%s\nwant\n%s", after.refs, wantRefs)
	}
	// git reads both commits, strictly.
	git(t, dir, "fsck", "--strict", "--no-dangling")
	if got := git(t, dir, "rev-parse", "aos/rescue-1^"); got != res.PlanCommit {
		t.Errorf("parent of the result is %s, want the plan commit %s", got, res.PlanCommit)
	}
	if got := git(t, dir, "diff-tree", "--no-commit-id", "--name-status", "-r", res.PlanCommit); got != "A\t.aos/plans/rescue-1.yaml" {
		t.Errorf("plan commit changes:\n%s", got)
	}
	got := git(t, dir, "diff-tree", "--no-commit-id", "--name-status", "-r", "--no-renames", res.ResultCommit)
	want := "A\t.aos/runs/rescue-1.json\nA\tnotes/quarantine/hello.php.txt\nM\twp-config.php\nD\twp-content/plugins/hello/hello.php"
	if got != want {
		t.Errorf("result commit changes:\n%s\nwant\n%s", got, want)
	}
	if got := git(t, dir, "show", "aos/rescue-1:notes/quarantine/hello.php.txt"); got != "<?php echo \"hello\";\n// quarantined" {
		t.Errorf("appended file: %q", got)
	}
	// git's own trailer parser finds the trailers.
	tr := git(t, dir, "log", "-1", "--format=%(trailers:only,unfold)", "aos/rescue-1")
	for _, k := range []string{"Aos-Plan-Id: rescue-1", "Aos-Plan-Digest: sha256:", "Aos-Manifest-Digest: sha256:", "Aos-Run: .aos/runs/rescue-1.json", "Aos-Result: pass"} {
		if !strings.Contains(tr, k) {
			t.Errorf("trailers lack %q:\n%s", k, tr)
		}
	}
	// go-git reads them too.
	r, err := gogit.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.CommitObject(plumbing.NewHash(res.ResultCommit))
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.File(".aos/runs/rescue-1.json")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := f.Contents()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "rescue-1.run.json", []byte(rec))
	golden(t, "rescue-1.message.txt", []byte(c.Message))
	// The record never holds the content of a read or an ignored path.
	for _, secret := range []string{"secret cached page", "cache/", `echo \"hello\"`} {
		if strings.Contains(rec, secret) {
			t.Errorf("run record holds %q", secret)
		}
	}
	// Replies: what the agent sees.
	if got := res.Answers[1]; got == nil || !strings.Contains(fmt.Sprint(got), `hello`) {
		t.Errorf("FILE_READ reply: %v", got)
	}
	b, _ := json.Marshal(res.Answers[8])
	if strings.Contains(string(b), "cache") {
		t.Errorf("GET_MANIFEST reveals ignored patterns: %s", b)
	}
}

func TestRunRejectedLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, siteFiles)
	before := takeSnapshot(t, dir)
	objects := git(t, dir, "count-objects", "-v")
	plan := `version: 1
id: bad-1
goal: overreach
directives:
  - type: FILE_WRITE
    path: wp-includes/load.php
    content: "x"
  - type: FILE_READ
    path: cache/page.html
  - type: FILE_WRITE
    path: wp-content/.GIT/config
    content: "x"
  - type: FILE_WRITE
    path: project.yml
    content: "x"
`
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, plan)}})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK() {
		t.Fatal("an overreaching plan passed")
	}
	var rules []string
	for _, v := range res.Report.Violations {
		rules = append(rules, fmt.Sprintf("%d:%s", v.Directive, v.Rule))
	}
	want := "0:workspace.read_only 1:path.not_found 2:path.git 3:workspace.protected"
	if got := strings.Join(rules, " "); got != want {
		t.Errorf("violations %s, want %s", got, want)
	}
	if after := takeSnapshot(t, dir); after != before {
		t.Errorf("a rejected run changed the repository:\n%+v\n%+v", before, after)
	}
	if got := git(t, dir, "count-objects", "-v"); got != objects {
		t.Errorf("a rejected run wrote objects:\n%s\n%s", objects, got)
	}
}

func TestProposeThenApply(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, siteFiles)
	before := takeSnapshot(t, dir)
	res, err := Propose(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, rescuePlan)}})
	if err != nil || !res.OK() {
		t.Fatalf("propose: %v %+v", err, res)
	}
	if got := git(t, dir, "rev-parse", "aos/rescue-1"); got != res.PlanCommit {
		t.Fatalf("branch at %s, want the plan commit %s", got, res.PlanCommit)
	}
	git(t, dir, "fsck", "--strict")
	// A second propose of the same id is rejected: the id is taken.
	if again, err := Propose(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, rescuePlan)}}); err != nil || again.OK() ||
		again.Report.Violations[0].Rule != aos.RulePlanIDUsed || !strings.Contains(again.Report.Violations[0].Message, "already exists") {
		t.Errorf("second propose: %v %+v", err, again)
	}
	ap, err := Apply(ctx(), RunOptions{Dir: dir, Rev: "aos/rescue-1"})
	if err != nil || !ap.OK() {
		t.Fatalf("apply: %v %+v", err, ap)
	}
	if got := git(t, dir, "rev-parse", "aos/rescue-1^"); got != res.PlanCommit {
		t.Errorf("result's parent %s, want %s", got, res.PlanCommit)
	}
	after := takeSnapshot(t, dir)
	if after.head != before.head || after.status != before.status || after.index != before.index {
		t.Errorf("the checkout changed")
	}
	// Applying again finds a result commit, not a plan commit: there is
	// nothing to apply, a usage error.
	if _, err := Apply(ctx(), RunOptions{Dir: dir, Rev: "aos/rescue-1"}); !errors.Is(err, aos.ErrUsage) || !strings.Contains(err.Error(), "applied already") {
		t.Errorf("second apply: %v", err)
	}
	// A result made by apply verifies.
	v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: "aos/rescue-1"})
	if err != nil || !v.Report.OK {
		t.Fatalf("verify: %v %+v", err, v)
	}
}

func TestApplyOnCurrentBranch(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, siteFiles)
	if _, err := Propose(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, rescuePlan)}}); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "checkout", "-q", "aos/rescue-1")
	ap, err := Apply(ctx(), RunOptions{Dir: dir})
	if err != nil || !ap.OK() {
		t.Fatalf("apply: %v %+v", err, ap)
	}
	// The branch moved; the checkout did not (git status shows the
	// difference, and nothing was lost).
	if got := git(t, dir, "rev-parse", "aos/rescue-1"); got != ap.ResultCommit {
		t.Errorf("branch at %s", got)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, siteFiles)
	plan := writePlan(t, rescuePlan)
	cases := []struct {
		name string
		run  func() (*RunResult, error)
		want string
	}{
		{"missing base", func() (*RunResult, error) {
			return Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: plan}, Base: "0123456789abcdef0123456789abcdef01234567"})
		}, "base:"},
		{"not a branch", func() (*RunResult, error) {
			return Apply(ctx(), RunOptions{Dir: dir, Rev: "HEAD~0"})
		}, "not a local branch"},
		{"no such plan file", func() (*RunResult, error) {
			return Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: filepath.Join(dir, "nope.yaml")}})
		}, "read plan"},
		{"not a repository", func() (*RunResult, error) {
			return Run(ctx(), RunOptions{Dir: t.TempDir(), Plan: PlanSource{File: plan}})
		}, "not a git repository"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.run()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	t.Run("detached HEAD", func(t *testing.T) {
		d := newRepo(t, siteFiles)
		git(t, d, "checkout", "-q", "--detach")
		_, err := Apply(ctx(), RunOptions{Dir: d})
		if err == nil || !strings.Contains(err.Error(), "HEAD is detached") {
			t.Errorf("error %v", err)
		}
		// run works from a detached HEAD: it makes its own branch.
		res, err := Run(ctx(), RunOptions{Dir: d, Plan: PlanSource{File: plan}})
		if err != nil || !res.OK() {
			t.Errorf("run from a detached HEAD: %v", err)
		}
	})
	t.Run("plan id used in history", func(t *testing.T) {
		d := newRepo(t, siteFiles)
		res, err := Run(ctx(), RunOptions{Dir: d, Plan: PlanSource{File: plan}})
		if err != nil || !res.OK() {
			t.Fatal(err)
		}
		git(t, d, "merge", "-q", "--ff-only", "aos/rescue-1")
		git(t, d, "branch", "-D", "aos/rescue-1")
		res, err = Run(ctx(), RunOptions{Dir: d, Plan: PlanSource{File: plan}})
		if err != nil || res.OK() || res.Report.Violations[0].Rule != aos.RulePlanIDUsed || !strings.Contains(res.Report.Violations[0].Message, "unique in history") {
			t.Errorf("%v %+v", err, res)
		}
	})
	t.Run("apply of a plain commit", func(t *testing.T) {
		// It makes no claim to be a plan commit: a usage error.
		if _, err := Apply(ctx(), RunOptions{Dir: dir, Rev: "main"}); !errors.Is(err, aos.ErrUsage) || !strings.Contains(err.Error(), "not a plan commit") {
			t.Errorf("%v", err)
		}
	})
	t.Run("shallow clone", func(t *testing.T) {
		src := newRepo(t, siteFiles)
		first := git(t, src, "rev-parse", "HEAD")
		commitFiles(t, src, "two", map[string]string{"wp-content/index.php": "<?php // two\n"})
		clone := filepath.Join(t.TempDir(), "clone")
		git(t, src, "clone", "-q", "--depth=1", "file://"+src, clone)
		p := writePlan(t, strings.Replace(rescuePlan, "goal:", "base: "+first+"\ngoal:", 1))
		_, err := Run(ctx(), RunOptions{Dir: clone, Plan: PlanSource{File: p}})
		if err == nil || !strings.Contains(strings.Join(aos.Hints(err), "\n"), "git fetch --unshallow") {
			t.Errorf("error %v, hints %q", err, aos.Hints(err))
		}
	})
}

func TestStaleness(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, siteFiles)
	named := git(t, dir, "rev-parse", "HEAD")
	plan := strings.Replace(rescuePlan, "goal:", "base: "+named+"\ngoal:", 1)
	// An unrelated change: the plan still applies.
	commitFiles(t, dir, "unrelated", map[string]string{"wp-content/themes/x.php": "<?php\n"})
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, plan)}})
	if err != nil || !res.OK() {
		t.Fatalf("unrelated change made the plan stale: %v %+v", err, res)
	}
	if res.Record.Plan.Base != named {
		t.Errorf("record base %q", res.Record.Plan.Base)
	}
	// A change to a path the plan touches: stale, naming the paths.
	dir2 := newRepo(t, siteFiles)
	named2 := git(t, dir2, "rev-parse", "HEAD")
	commitFiles(t, dir2, "touching", map[string]string{
		"wp-config.php":                  "<?php define('DB_NAME', 'other');\n",
		"wp-content/plugins/new/new.php": "<?php\n", // under the LS directory
		"wp-content/themes/y.php":        "<?php\n", // not touched
	})
	plan2 := strings.Replace(rescuePlan, "goal:", "base: "+named2+"\ngoal:", 1)
	// The patch no longer applies either; the stale rule is what matters.
	res, err = Run(ctx(), RunOptions{Dir: dir2, Plan: PlanSource{File: writePlan(t, plan2)}})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK() {
		t.Fatal("a stale plan passed")
	}
	var stale *aos.Violation
	for i, v := range res.Report.Violations {
		if v.Rule == "plan.stale" {
			stale = &res.Report.Violations[i]
		}
	}
	if stale == nil {
		t.Fatalf("no plan.stale violation: %+v", res.Report.Violations)
	}
	for _, p := range []string{"wp-config.php", "wp-content/plugins/new/new.php"} {
		if !strings.Contains(stale.Message, p) {
			t.Errorf("stale message lacks %s: %s", p, stale.Message)
		}
	}
	if strings.Contains(stale.Message, "themes") {
		t.Errorf("stale message names an untouched path: %s", stale.Message)
	}
	if _, err := os.Stat(filepath.Join(dir2, ".git", "refs", "heads", "aos")); err == nil {
		t.Error("a stale plan left a branch")
	}
}

func TestApplyRace(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, siteFiles)
	if _, err := Propose(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, rescuePlan)}}); err != nil {
		t.Fatal(err)
	}
	// Two applies race on one branch; different author dates make their
	// results differ, so a lost update would show.
	const n = 4
	var wg sync.WaitGroup
	results := make([]*RunResult, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], errs[i] = Apply(ctx(), RunOptions{Dir: dir, Rev: "aos/rescue-1"})
		}(i)
	}
	wg.Wait()
	won := 0
	for i := 0; i < n; i++ {
		switch {
		case errs[i] == nil && results[i].OK():
			won++
			if got := git(t, dir, "rev-parse", "aos/rescue-1"); got != results[i].ResultCommit {
				t.Errorf("winner %s, branch at %s", results[i].ResultCommit, got)
			}
		case errs[i] != nil:
			if !errors.Is(errs[i], gitops.ErrRefMoved) {
				t.Errorf("loser's error is not a ref race: %v", errs[i])
			}
		default:
			// A late apply sees the result commit: already applied.
			if !strings.Contains(results[i].Report.Violations[0].Message, "already applied") {
				t.Errorf("loser: %+v", results[i].Report)
			}
		}
	}
	if won != 1 {
		t.Errorf("%d applies won, want exactly 1", won)
	}
	git(t, dir, "fsck", "--strict")
	if got := git(t, dir, "rev-list", "--count", "main..aos/rescue-1"); got != "2" {
		t.Errorf("branch holds %s commits over main, want 2", got)
	}
}

func TestParallelPlansOnDifferentBranches(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, siteFiles)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			plan := strings.Replace(rescuePlan, "id: rescue-1", fmt.Sprintf("id: rescue-%d", i+10), 1)
			res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, plan)}})
			if err == nil && !res.OK() {
				err = fmt.Errorf("rejected: %+v", res.Report.Violations)
			}
			errs[i] = err
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("plan %d: %v", i, err)
		}
	}
	git(t, dir, "fsck", "--strict")
	for i := range errs {
		v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: fmt.Sprintf("aos/rescue-%d", i+10)})
		if err != nil || !v.Report.OK {
			t.Errorf("verify %d: %v %+v", i, err, v)
		}
	}
}

// TestStalenessQuarantine: a QUARANTINE touches its file and its place in
// the quarantine; a commit that fills that place since the plan's base
// makes the plan stale.
func TestStalenessQuarantine(t *testing.T) {
	t.Parallel()
	files := maps.Clone(siteFiles)
	files["project.yml"] = strings.Replace(siteManifest, "notes/**]", "notes/**, aos-rescue/**]", 1)
	dir := newRepo(t, files)
	named := git(t, dir, "rev-parse", "HEAD")
	dest := aos.QuarantinePath("wp-content/index.php")
	commitFiles(t, dir, "fill the place", map[string]string{dest: "<?php // earlier\n"})
	plan := "version: 1\nid: q-1\nbase: " + named + "\ngoal: quarantine\ndirectives:\n  - type: QUARANTINE\n    path: wp-content/index.php\n"
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, plan)}})
	if err != nil {
		t.Fatal(err)
	}
	var stale string
	for _, v := range res.Report.Violations {
		if v.Rule == aos.RulePlanStale {
			stale = v.Message
		}
	}
	if !strings.Contains(stale, dest) {
		t.Errorf("want plan.stale naming %s, got %+v", dest, res.Report.Violations)
	}
}
