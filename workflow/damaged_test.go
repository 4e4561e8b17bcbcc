package workflow

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/internal/objdamage"
)

// TestDamagedObjects damages each kind of object a plan depends on, in
// each way, and checks that plan check, run and verify fail with an error
// that names the object (exit 1), never with a verdict on the plan: the
// repository's damage is not the agent's doing.
func TestDamagedObjects(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"project.yml":         siteManifest,
		"wp-content/a.txt":    "hello\n",
		"wp-content/sub/b.md": "deep\n",
	}
	// Each plan reads what its case damages, in another way.
	plans := map[string]string{
		"read":   "  - type: FILE_READ\n    path: wp-content/a.txt\n",
		"stat":   "  - type: STAT\n    path: wp-content/a.txt\n",
		"ls":     "  - type: LS\n    path: wp-content\n",
		"append": "  - type: FILE_APPEND\n    path: wp-content/a.txt\n    content: \"more\\n\"\n",
		"diff":   "  - type: DIFF\n    path: wp-content/a.txt\n",
		"patch": "  - type: APPLY_PATCH\n    patch: |\n      diff --git a/wp-content/a.txt b/wp-content/a.txt\n" +
			"      --- a/wp-content/a.txt\n      +++ b/wp-content/a.txt\n      @@ -1 +1 @@\n      -hello\n      +hi\n",
		"write": "  - type: FILE_WRITE\n    path: wp-content/sub/c.txt\n    content: \"new\\n\"\n",
	}
	cases := []struct {
		name   string
		object func(dir string) string // the object damaged
		plan   string
	}{
		{"blob read", func(dir string) string { return git(t, dir, "rev-parse", "HEAD:wp-content/a.txt") }, "read"},
		{"blob statted", func(dir string) string { return git(t, dir, "rev-parse", "HEAD:wp-content/a.txt") }, "stat"},
		{"blob listed", func(dir string) string { return git(t, dir, "rev-parse", "HEAD:wp-content/a.txt") }, "ls"},
		{"blob appended to", func(dir string) string { return git(t, dir, "rev-parse", "HEAD:wp-content/a.txt") }, "append"},
		{"blob diffed", func(dir string) string { return git(t, dir, "rev-parse", "HEAD:wp-content/a.txt") }, "diff"},
		{"blob patched", func(dir string) string { return git(t, dir, "rev-parse", "HEAD:wp-content/a.txt") }, "patch"},
		{"manifest", func(dir string) string { return git(t, dir, "rev-parse", "HEAD:project.yml") }, "write"},
		{"tree on the path", func(dir string) string { return git(t, dir, "rev-parse", "HEAD:wp-content/sub") }, "write"},
		{"root tree", func(dir string) string { return git(t, dir, "rev-parse", "HEAD^{tree}") }, "write"},
		{"base commit", func(dir string) string { return git(t, dir, "rev-parse", "HEAD") }, "write"},
	}
	for _, tc := range cases {
		for _, how := range objdamage.Ways {
			t.Run(tc.name+"/"+how, func(t *testing.T) {
				t.Parallel()
				dir := newRepo(t, files)
				id := tc.object(dir)
				objdamage.Loose(t, dir, id, how)
				plan := writePlan(t, "version: 1\nid: damaged\ngoal: Read what is damaged\ndirectives:\n"+plans[tc.plan])
				check := func(what string, err error, ok bool) {
					t.Helper()
					if err == nil {
						t.Fatalf("%s: no error (ok %v): damage to %s was not seen", what, ok, id)
					}
					if !errors.Is(err, aos.ErrDamaged) {
						t.Errorf("%s: %v does not say the repository is damaged", what, err)
					}
					if !strings.Contains(err.Error(), id) {
						t.Errorf("%s: %v does not name %s", what, err, id)
					}
					if len(aos.Hints(err)) == 0 {
						t.Errorf("%s: %v has no hint", what, err)
					}
				}
				rep, err := CheckPlan(ctx(), CheckOptions{Dir: dir, Plan: PlanSource{File: plan}})
				check("plan check", err, rep != nil && rep.OK)
				res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: plan}})
				check("run", err, res != nil && res.OK())
				if out := git(t, dir, "for-each-ref", "refs/heads/aos"); out != "" {
					t.Errorf("run made a branch: %s", out)
				}
			})
		}
	}
}

// TestDamagedObjectsVerify damages a blob that a verified result's plan
// read, and checks that verify fails naming it rather than rejecting the
// commit (verify.rejected would blame whoever made it).
func TestDamagedObjectsVerify(t *testing.T) {
	t.Parallel()
	for _, how := range objdamage.Ways {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			dir := newRepo(t, map[string]string{"project.yml": siteManifest, "wp-content/a.txt": "hello\n"})
			id := git(t, dir, "rev-parse", "HEAD:wp-content/a.txt")
			plan := writePlan(t, "version: 1\nid: verified\ngoal: Read then write\ndirectives:\n"+
				"  - type: FILE_READ\n    path: wp-content/a.txt\n  - type: FILE_WRITE\n    path: wp-content/b.txt\n    content: \"b\\n\"\n")
			res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: plan}})
			if err != nil || !res.OK() {
				t.Fatalf("run: %v %+v", err, res)
			}
			objdamage.Loose(t, dir, id, how)
			v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: "aos/verified"})
			if err == nil {
				t.Fatalf("verify: no error, report %+v", v.Report)
			}
			if !errors.Is(err, aos.ErrDamaged) || !strings.Contains(err.Error(), id) {
				t.Errorf("verify: %v does not name the damaged blob %s", err, id)
			}
		})
	}
}

// TestRefLocked holds the lock file of the branch that propose, run and
// apply would move, as a running git process or a killed one does, and
// checks that the error says so and names the lock file, rather than
// that the branch moved.
func TestRefLocked(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"propose", "run", "apply"} {
		t.Run(cmd, func(t *testing.T) {
			t.Parallel()
			dir := newRepo(t, map[string]string{"project.yml": siteManifest})
			plan := writePlan(t, "version: 1\nid: locked\ngoal: Write\ndirectives:\n  - type: FILE_WRITE\n    path: wp-content/x.txt\n    content: \"x\\n\"\n")
			lock := filepath.Join(dir, ".git", "refs", "heads", "aos", "locked.lock")
			hold := func() {
				if err := os.MkdirAll(filepath.Dir(lock), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(lock, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			switch cmd {
			case "propose":
				hold()
				_, err = Propose(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: plan}})
			case "run":
				hold()
				_, err = Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: plan}})
			case "apply":
				if res, err := Propose(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: plan}}); err != nil || !res.OK() {
					t.Fatalf("propose: %v", err)
				}
				hold()
				_, err = Apply(ctx(), RunOptions{Dir: dir, Rev: "aos/locked"})
			}
			var locked *gitops.RefLockedError
			if !errors.As(err, &locked) {
				t.Fatalf("%s: err = %v, want a held lock", cmd, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "branch aos/locked is locked: "+lock+" exists") || strings.Contains(msg, "changed while") {
				t.Errorf("%s: message %q", cmd, msg)
			}
			if h := aos.Hints(err); len(h) != 1 || !strings.Contains(h[0], "remove "+lock) {
				t.Errorf("%s: hints %q", cmd, h)
			}
		})
	}
}
