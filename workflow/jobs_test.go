package workflow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/sandbox"
)

// bwrapRuntime runs jobs under bubblewrap, as git-aos does.
var bwrapRuntime = &Runtime{Jobs: func(m *aos.Manifest) (engine.JobRunner, error) {
	return sandbox.NewJobRunner(m, sandbox.RunnerOptions{})
}}

const buildManifest = `project: name: "gen"
workspace: writable: ["src/**", "gen/**"]
environment: type: "bwrap"
tests: default: command: "grep -q generated gen/out.txt"
build: targets: gen: {
	command: "mkdir -p gen && { echo generated; cat src/in.txt; } > gen/out.txt"
	outputs: ["gen/**"]
}
policies: require_tests_on_write: true
`

// TestVerifyReplaysJobs runs a plan whose BUILD stages a file and whose
// tests read it, in a real bubblewrap sandbox, then verifies the result
// without running the jobs again, and rejects a result whose build
// output was changed.
func TestVerifyReplaysJobs(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, map[string]string{"aos.cue": buildManifest, "src/in.txt": "one\n"})
	plan := `version: 1
id: gen-1
goal: Regenerate
directives:
  - type: FILE_WRITE
    path: src/in.txt
    content: "two\n"
  - type: BUILD
    target: gen
  - type: RUN_TESTS
`
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, plan)}, Runtime: bwrapRuntime})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("rejected: %+v", res.Report.Violations)
	}
	if got := git(t, dir, "show", "aos/gen-1:gen/out.txt"); got != "generated\ntwo" {
		t.Errorf("build output %q", got)
	}
	if len(res.Record.Jobs) != 2 || res.Record.Jobs[0].Kind != "build" || res.Record.Jobs[1].Kind != "tests" || res.Record.Jobs[1].Backend != "bwrap" {
		t.Fatalf("job records: %+v", res.Record.Jobs)
	}
	msg := git(t, dir, "log", "-1", "--format=%B", "aos/gen-1")
	if !strings.Contains(msg, "build gen: exit 0 in") || !strings.Contains(msg, "tests default: exit 0 in") {
		t.Errorf("commit body lacks the checks:\n%s", msg)
	}
	// verify needs no sandbox: jobs are replayed from the record.
	v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: "aos/gen-1"})
	if err != nil || !v.Report.OK {
		t.Fatalf("verify: %v %+v", err, v)
	}
	// A build output changed after the fact.
	bad := tamper(t, dir, "aos/gen-1", func(wt string) {
		os.WriteFile(filepath.Join(wt, "gen", "out.txt"), []byte("generated\nthree\n"), 0o644)
	})
	v, err = Verify(ctx(), VerifyOptions{Dir: dir, Rev: bad})
	if err != nil {
		t.Fatal(err)
	}
	if v.Report.OK {
		t.Fatal("verify accepted a changed build output")
	}
	// The record names the blob the build made; the replay takes the
	// changed one from the commit, so the rebuilt record differs.
	if m := v.Report.Violations[0].Message; !strings.Contains(m, ".aos/runs/gen-1.json: the run record differs") {
		t.Errorf("message: %s", m)
	}
	// A failing suite rejects the plan, and its output is shown.
	failing := strings.Replace(plan, "id: gen-1", "id: gen-2", 1)
	failing = strings.Replace(failing, "  - type: BUILD\n    target: gen\n", "", 1)
	res, err = Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, failing)}, Runtime: bwrapRuntime})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK() || res.Report.Violations[0].Rule != "tests.failed" {
		t.Fatalf("a failing suite: %+v", res.Report)
	}
	if got := git(t, dir, "for-each-ref", "--format=%(refname)", "refs/heads/aos/gen-2"); got != "" {
		t.Errorf("a failed plan left %s", got)
	}
}

// TestJobsNeedASandbox: without one, a plan with a job is rejected, never
// run unsandboxed.
func TestJobsNeedASandbox(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, map[string]string{"aos.cue": buildManifest, "src/in.txt": "one\n"})
	plan := "version: 1\nid: t-1\ngoal: test\ndirectives:\n  - type: RUN_TESTS\n"
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, plan)}})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK() || res.Report.Violations[0].Rule != "sandbox.unavailable" {
		t.Fatalf("%+v", res.Report)
	}
}

// TestSizeApprovalCountsBuildOutputs: a size rule is matched on the
// result's whole change, build outputs included, in the run record and
// the commit message, and verify rebuilds the same count; plan check,
// which runs no build, counts only what the directives write.
func TestSizeApprovalCountsBuildOutputs(t *testing.T) {
	t.Parallel()
	manifest := strings.Replace(buildManifest, "policies: require_tests_on_write: true\n",
		`policies: require_approval: [{name: "large", larger_than: {lines: 2}, reviewers: ["@org/leads"]}]
`, 1)
	dir := newRepo(t, map[string]string{"aos.cue": manifest, "src/in.txt": "one\n"})
	plan := "version: 1\nid: big-1\ngoal: Regenerate\ndirectives:\n" +
		"  - type: FILE_WRITE\n    path: src/in.txt\n    content: \"two\\n\"\n" +
		"  - type: BUILD\n    target: gen\n"
	planFile := writePlan(t, plan)
	chk, err := CheckPlan(ctx(), CheckOptions{Dir: dir, Plan: PlanSource{File: planFile}})
	if err != nil {
		t.Fatal(err)
	}
	if !chk.OK || len(chk.Approvals) != 0 {
		t.Fatalf("plan check: 2 changed lines are not more than 2, yet: %+v", chk)
	}
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: planFile}, Runtime: bwrapRuntime})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("rejected: %+v", res.Report.Violations)
	}
	want := aos.Approval{Rule: "large", Directive: -1, Reviewers: []string{"@org/leads"}, Lines: 4, Files: 2}
	if len(res.Record.Approvals) != 1 || !reflect.DeepEqual(res.Record.Approvals[0], want) {
		t.Fatalf("record approvals %+v, want %+v", res.Record.Approvals, want)
	}
	if msg := git(t, dir, "log", "-1", "--format=%B", "aos/big-1"); !strings.Contains(msg, "Approvals required:\n  large: 4 changed lines in 2 files (@org/leads)\n") {
		t.Errorf("commit message:\n%s", msg)
	}
	v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: "aos/big-1"})
	if err != nil || !v.Report.OK {
		t.Fatalf("verify: %v %+v", err, v)
	}
	if len(v.Report.Approvals) != 1 || !reflect.DeepEqual(v.Report.Approvals[0], want) {
		t.Errorf("verify approvals %+v", v.Report.Approvals)
	}
}

// forgingJobs claims that every job passed, as an agent with a fake
// sandbox on its PATH would, and makes the build outputs it wants.
type forgingJobs struct{ outputs []engine.OutputFile }

func (f forgingJobs) Run(_ context.Context, job engine.Job, _ *engine.State) (engine.JobResult, error) {
	res := engine.JobResult{Record: aos.JobRecord{Kind: job.Kind, Name: job.Name, Command: job.Command, Args: job.Args,
		Backend: "bwrap", OutputDigest: engine.Digest(nil)}}
	if job.Kind == "build" {
		res.Outputs = f.outputs
	}
	return res, nil
}

// TestVerifyRerunJobs: a result whose record forges a test pass, or a
// build output, verifies when jobs are replayed and is refused when they
// run again in bubblewrap; an honest result passes both.
func TestVerifyRerunJobs(t *testing.T) {
	t.Parallel()
	manifest := strings.Replace(buildManifest, `tests: default: command: "grep -q generated gen/out.txt"`, `tests: default: command: "grep -q two gen/out.txt"`, 1)
	dir := newRepo(t, map[string]string{"aos.cue": manifest, "src/in.txt": "one\n"})
	honest := "version: 1\nid: honest\ngoal: Regenerate\ndirectives:\n  - type: FILE_WRITE\n    path: src/in.txt\n    content: \"two\\n\"\n  - type: BUILD\n    target: gen\n  - type: RUN_TESTS\n"
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, honest)}, Runtime: bwrapRuntime})
	if err != nil || !res.OK() {
		t.Fatalf("honest run: %v %+v", err, res)
	}
	v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: "aos/honest", Runtime: bwrapRuntime, RerunJobs: true})
	if err != nil || !v.Report.OK {
		t.Fatalf("honest result, jobs run again: %v %+v", err, v.Report)
	}

	forge := func(id, content string, outputs []engine.OutputFile) string {
		plan := strings.NewReplacer("id: honest", "id: "+id, `content: "two\n"`, `content: "`+content+`\n"`).Replace(honest)
		rt := &Runtime{Jobs: func(*aos.Manifest) (engine.JobRunner, error) { return forgingJobs{outputs}, nil }}
		res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, plan)}, Runtime: rt})
		if err != nil || !res.OK() {
			t.Fatalf("forged run %s: %v %+v", id, err, res)
		}
		return "aos/" + id
	}
	for _, tc := range []struct {
		name, rev, want string
	}{
		// The input makes the suite fail; the record says it passed.
		{"forged test pass", forge("pass", "three", []engine.OutputFile{{Path: "gen/out.txt", Data: []byte("generated\nthree\n")}}),
			`tests "default" of directive 2, run again, it exits 1; the run record says it exits 0`},
		// The build's output is not what the build makes.
		{"forged build output", forge("out", "two", []engine.OutputFile{{Path: "gen/out.txt", Data: []byte("two\nforged\n")}}),
			`build "gen" of directive 1, run again, makes gen/out.txt`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: tc.rev})
			if err != nil || !v.Report.OK {
				t.Fatalf("replayed, the forged record verifies (that is what --rerun-jobs is for): %v %+v", err, v.Report)
			}
			v, err = Verify(ctx(), VerifyOptions{Dir: dir, Rev: tc.rev, Runtime: bwrapRuntime, RerunJobs: true})
			if err != nil {
				t.Fatal(err)
			}
			if v.Report.OK {
				t.Fatal("verify --rerun-jobs accepted a forged record")
			}
			var found bool
			for _, viol := range v.Report.Violations {
				if viol.Rule == "verify.job" && strings.Contains(viol.Message, tc.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("violations %+v, want verify.job saying %q", v.Report.Violations, tc.want)
			}
		})
	}
	// Without a sandbox, jobs cannot be run again: refused, not trusted.
	v, err = Verify(ctx(), VerifyOptions{Dir: dir, Rev: "aos/honest", RerunJobs: true})
	if err != nil || v.Report.OK {
		t.Fatalf("no sandbox: %v %+v", err, v.Report)
	}
}

// recordingJobs claims every job passed, with a record that edit may
// change: a record that is not the manifest's job.
type recordingJobs struct{ edit func(*aos.JobRecord) }

func (f recordingJobs) Run(_ context.Context, job engine.Job, _ *engine.State) (engine.JobResult, error) {
	rec := aos.JobRecord{Kind: job.Kind, Name: job.Name, Command: job.Command, Args: job.Args, Backend: "bwrap", OutputDigest: engine.Digest(nil)}
	f.edit(&rec)
	return engine.JobResult{Record: rec}, nil
}

// TestVerifyJobRecordsAreTheManifestsJobs: a record of a job that is not
// the one the manifest runs for its directive (another backend, command
// or name) is refused by verify as verify.job, jobs replayed or not.
func TestVerifyJobRecordsAreTheManifestsJobs(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, map[string]string{"aos.cue": testsManifest, "src/a.txt": "a\n"})
	for _, tc := range []struct {
		name string
		edit func(*aos.JobRecord)
		want string
	}{
		{"host backend", func(r *aos.JobRecord) { r.Backend = "host" }, `ran on backend "host", and the manifest's environment runs jobs on "bwrap"`},
		{"no backend", func(r *aos.JobRecord) { r.Backend = "" }, `ran on backend ""`},
		{"container", func(r *aos.JobRecord) { r.Backend = "container:podman" }, `ran on backend "container:podman"`},
		{"other command", func(r *aos.JobRecord) { r.Command = "true" }, `is not the job the manifest runs for it`},
		{"other suite", func(r *aos.JobRecord) { r.Name = "fast" }, `is not the job the manifest runs for it`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := "rec-" + strings.ReplaceAll(tc.name, " ", "-")
			rt := &Runtime{Jobs: func(*aos.Manifest) (engine.JobRunner, error) { return recordingJobs{tc.edit}, nil }}
			res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, testsPlan(id, "ok"))}, Runtime: rt})
			if err != nil || !res.OK() {
				t.Fatalf("run: %v %+v", err, res)
			}
			for _, rerun := range []bool{false, true} {
				v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: "aos/" + id, Runtime: bwrapRuntime, RerunJobs: rerun})
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, viol := range v.Report.Violations {
					found = found || viol.Rule == aos.RuleVerifyJob && strings.Contains(viol.Message, tc.want)
				}
				if v.Report.OK || !found {
					t.Errorf("rerun %v: %+v, want verify.job saying %q", rerun, v.Report, tc.want)
				}
			}
		})
	}
}

// TestVerifyUnderPolicySandbox: a server policy that pins the sandbox
// (the manifest leaves environment.type to its default) refuses a result
// whose jobs ran on another backend under the manifest alone, jobs
// replayed or run again.
func TestVerifyUnderPolicySandbox(t *testing.T) {
	t.Parallel()
	src := strings.Replace(testsManifest, "environment: type: \"bwrap\"\n", "", 1)
	dir := newRepo(t, map[string]string{"aos.cue": src, "src/a.txt": "a\n"})
	pol := filepath.Join(t.TempDir(), "org.cue")
	os.WriteFile(pol, []byte("environment: {type: \"container\", image: \"aos-test:none\"}\n"), 0o644)
	plain, err := loadManifest(srcOf("aos.cue", src), "aos.cue", "")
	if err != nil {
		t.Fatal(err)
	}
	strict, err := loadManifest(srcOf("aos.cue", src), "aos.cue", pol)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, testsPlan("pinned", "ok"))}, Runtime: bwrapRuntime})
	if err != nil || !res.OK() {
		t.Fatalf("run: %v %+v", err, res)
	}
	repo := openRepo(t, dir)
	defer repo.Close()
	for _, rerun := range []bool{false, true} {
		v, err := VerifyCommit(ctx(), repo, res.ResultCommit, VerifyOptions{Manifest: strict, Plain: plain, Runtime: bwrapRuntime, RerunJobs: rerun})
		if err != nil {
			t.Fatal(err)
		}
		if v.Report.OK || v.Report.Violations[0].Rule != aos.RuleVerifyPolicy || !strings.Contains(fmt.Sprint(v.Report.Violations), `ran on backend "bwrap"`) {
			t.Errorf("rerun %v: %+v", rerun, v.Report)
		}
	}
}
