package workflow

import (
	"context"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/gitops/trailer"
)

// PlanCommitCheck is the verdict of [CheckPlanCommit].
type PlanCommitCheck struct {
	Report *aos.Report
	// PlanID and PlanFile name the plan the commit adds, when it is a
	// plan commit.
	PlanID   string
	PlanFile string
}

// CheckPlanCommit checks that commit id of repo is a plan commit
// (docs/spec.md 6.2) and that its plan passes plan check (section 5,
// validators run by rt included) against the commit's parent, judged by lm, a manifest the caller trusts
// (the pre-receive hook passes the protected branch's). A commit that is
// not a plan commit, or a plan that does not pass, is a report with
// violations; an error means the commit could not be read.
func CheckPlanCommit(ctx context.Context, repo *gitops.Repo, id string, lm *LoadedManifest, rt *Runtime) (out *PlanCommitCheck, err error) {
	defer refuseObjects(&err, func(v aos.Violation) { out = &PlanCommitCheck{Report: &aos.Report{Violations: []aos.Violation{v}}} })
	pc, rej, err := readPlanCommit(ctx, repo, id, func(*gitops.Tree) (planfile.Limits, error) {
		return planfile.LimitsFrom(lm.Policies), nil
	}, nil)
	if err != nil {
		return nil, err
	}
	if rej != nil {
		return &PlanCommitCheck{Report: rej.Report}, nil
	}
	out = &PlanCommitCheck{PlanID: pc.plan.ID, PlanFile: pc.path}
	if v := checkLimits(pc.plan, len(pc.data), lm.Manifest); len(v) > 0 {
		out.Report = &aos.Report{Violations: v}
		return out, nil
	}
	rep, err := checkRun(ctx, repo, pc.plan, pc.base, lm, rt)
	if err != nil {
		return nil, err
	}
	out.Report = rep
	return out, nil
}

// IsResultCommitMessage reports whether a commit message claims a result
// commit, and IsPlanCommitMessage whether it claims a plan commit
// ([trailer.ReadClaim]); a message whose claim has more than one reading
// claims neither. A claim is only a claim: [VerifyCommit] and
// [CheckPlanCommit] decide.
func IsResultCommitMessage(msg string) bool {
	claim, _, err := trailer.ReadClaim(msg)
	return err == nil && claim == trailer.ResultClaim
}

// PlanIDOf is the plan id a plan or result commit message claims, or ""
// when its trailers claim nothing, or have more than one reading.
func PlanIDOf(msg string) string {
	_, tr, err := trailer.ReadClaim(msg)
	if err != nil {
		return ""
	}
	return tr[TrailerPlanID]
}

// IsPlanCommitMessage: see [IsResultCommitMessage].
func IsPlanCommitMessage(msg string) bool {
	claim, _, err := trailer.ReadClaim(msg)
	return err == nil && claim == trailer.PlanClaim
}
