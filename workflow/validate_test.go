package workflow

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gitops"
)

// TestValidateCommit judges a commit with the validators of its parent,
// through the runtime the command line uses, and refuses to judge without
// one.
func TestValidateCommit(t *testing.T) {
	// Compiled modules are kept across runs, keyed by their hash.
	t.Setenv("AOS_WASM_CACHE", filepath.Join(os.TempDir(), "aos-test-wasm-cache"))
	files := map[string]string{"project.yml": "project:\n  name: v\nworkspace:\n  writable: [\"**\"]\nvalidators:\n  secrets:\n    builtin: secrets\n", "a.txt": "a\n"}
	dir := newRepo(t, files)
	writeFiles(t, dir, map[string]string{"settings.py": "api_key = \"Zx8Qp2Lm9Vt4Rb7Nw3Kc6Hd1\"\n", "project.yml": "project:\n  name: v\nworkspace:\n  writable: [\"**\"]\n"})
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "a key, and no more validators")
	rt := NewRuntime(RuntimeOptions{Dir: dir})
	res, err := Validate(ctx(), ValidateOptions{Dir: dir, Runtime: rt})
	if err != nil {
		t.Fatal(err)
	}
	// The commit dropped the validators from the manifest; its parent's
	// still judge it.
	if res.Report.OK || res.Report.ErrorFindings() == 0 || res.Commit == "" {
		t.Errorf("%+v", res.Report)
	}
	res, err = Validate(ctx(), ValidateOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.OK || len(res.Report.Violations) != 1 || res.Report.Violations[0].Rule != "validators.unavailable" {
		t.Errorf("without a runtime: %+v", res.Report)
	}
	if _, err := Validate(ctx(), ValidateOptions{Dir: dir, Rev: "HEAD", Paths: []string{"a.txt"}}); !errors.Is(err, ErrRevAndPaths) {
		t.Errorf("rev and paths: %v", err)
	}
	if _, err := Validate(ctx(), ValidateOptions{Dir: t.TempDir()}); !errors.Is(err, gitops.ErrNotRepository) || len(aos.Hints(err)) == 0 {
		t.Errorf("outside a repository: %v (hints %q)", err, aos.Hints(err))
	}
}

// TestPlanSourceData checks a plan passed as data, under its name, as
// front ends that receive plans pass them.
func TestPlanSourceData(t *testing.T) {
	dir := newRepo(t, siteFiles)
	plan := "version: 1\nid: data-1\ngoal: g\ndirectives:\n  - type: FILE_WRITE\n    path: wp-includes/load.php\n    content: x\n"
	r, err := CheckPlan(ctx(), CheckOptions{Dir: dir, Plan: PlanSource{File: "agent/plan.yaml", Data: []byte(plan)}})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK || len(r.Violations) == 0 || r.Violations[0].Pos.File != "agent/plan.yaml" {
		t.Errorf("%+v", r)
	}
}
