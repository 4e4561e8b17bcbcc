package workflow

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gitops"
)

// Adversarial tests of the plan limits (docs/spec.md 3.1, 6.2): a plan
// over max_plan_kb is refused from its size, before it is read, wherever
// it comes from. Each test measures what the refusal allocated, which a
// plan read whole would exceed many times; they run serially, so that no
// other test allocates meanwhile.

// allocated returns the bytes f allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

const bigPlanBytes = 16 << 20

// bigPlanCommit makes a repository whose manifest allows 64 KB plans and
// a plan commit on aos/big whose plan file is bigPlanBytes of valid YAML
// (one long goal), with the trailers of a real plan commit. With pack, its
// objects are packed; else they stay loose.
func bigPlanCommit(t *testing.T, pack bool) (dir, commit string) {
	dir = newRepo(t, map[string]string{
		"aos.yaml":  "project: {name: limits}\nworkspace: {writable: [\"src/**\"]}\npolicies: {max_plan_kb: 64}\n",
		"src/a.txt": "a\n",
	})
	plan := "version: 1\nid: big\ngoal: " + strings.Repeat("g", bigPlanBytes) + "\ndirectives:\n  - {type: LS, path: .}\n"
	sum := sha256.Sum256([]byte(plan))
	git(t, dir, "checkout", "-q", "-b", "aos/big")
	writeFiles(t, dir, map[string]string{".aos/plans/big.yaml": plan})
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "aos: plan big: g\n\ng\n\nAos-Plan-Id: big\nAos-Plan-Digest: sha256:"+hex.EncodeToString(sum[:]))
	if pack {
		git(t, dir, "repack", "-adq")
	}
	return dir, git(t, dir, "rev-parse", "HEAD")
}

func wantPlanSize(t *testing.T, what string, r *aos.Report) {
	t.Helper()
	if r == nil || r.OK || len(r.Violations) != 1 || r.Violations[0].Rule != aos.RulePlanSize ||
		!strings.Contains(r.Violations[0].Message, fmt.Sprintf("over the limit of %d", 64<<10)) {
		t.Fatalf("%s: report %+v, want one plan.size violation", what, r)
	}
}

// TestCommittedPlanOverLimitIsNotRead applies, checks (as the hook does)
// and verifies a plan commit whose plan is far over max_plan_kb, loose and
// packed: each refuses it as plan.size having allocated a fraction of its
// size.
func TestCommittedPlanOverLimitIsNotRead(t *testing.T) {
	for _, pack := range []bool{false, true} {
		t.Run(fmt.Sprintf("packed=%v", pack), func(t *testing.T) {
			dir, commit := bigPlanCommit(t, pack)
			limit := uint64(bigPlanBytes / 8)
			var res *RunResult
			var err error
			if n := allocated(func() { res, err = Apply(ctx(), RunOptions{Dir: dir, Rev: "aos/big"}) }); n > limit {
				t.Errorf("apply allocated %d bytes for a plan of %d over the limit", n, bigPlanBytes)
			}
			if err != nil {
				t.Fatal(err)
			}
			wantPlanSize(t, "apply", res.Report)

			repo := openRepo(t, dir)
			lm, err := ManifestFromTree(mustTree(t, repo, "main"), ManifestOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var pc *PlanCommitCheck
			if n := allocated(func() { pc, err = CheckPlanCommit(ctx(), repo, commit, lm, nil) }); n > limit {
				t.Errorf("the hook's plan commit check allocated %d bytes", n)
			}
			if err != nil {
				t.Fatal(err)
			}
			wantPlanSize(t, "plan commit check", pc.Report)
		})
	}
}

// TestPlanFileOverLimitIsNotRead checks a plan file far over the limit of
// the manifest of --base: plan check refuses it from its size.
func TestPlanFileOverLimitIsNotRead(t *testing.T) {
	dir, _ := bigPlanCommit(t, false)
	file := writePlan(t, "version: 1\nid: big\ngoal: "+strings.Repeat("g", bigPlanBytes)+"\ndirectives:\n  - {type: LS, path: .}\n")
	var r *aos.Report
	var err error
	if n := allocated(func() {
		r, err = CheckPlan(ctx(), CheckOptions{Dir: dir, Base: "main", Plan: PlanSource{File: file}})
	}); n > bigPlanBytes/8 {
		t.Errorf("plan check allocated %d bytes", n)
	}
	if err != nil {
		t.Fatal(err)
	}
	wantPlanSize(t, "plan check", r)
}

func mustTree(t *testing.T, repo *gitops.Repo, rev string) *gitops.Tree {
	t.Helper()
	tree, err := repo.RevTree(rev)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}
