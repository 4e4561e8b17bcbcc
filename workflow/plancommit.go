package workflow

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/gitops/trailer"
	"github.com/sourcegraph/conc"
)

// planCommit is a parsed plan commit.
type planCommit struct {
	info *gitops.CommitInfo
	plan *aos.Plan
	data []byte
	// digest is the plan file's digest, which the message's trailer
	// states.
	digest string
	path   string
	base   *gitops.Tree
}

// readPlanCommit checks that id is a plan commit (docs/spec.md 6.2) and
// reads its plan within the limits that limits returns for the plan
// commit's parent (the manifest's): the plan file's size is known from
// its object's header, and a plan over the limit is refused before it is
// read. pf, when not nil, may hold the plan read ahead.
func readPlanCommit(ctx context.Context, repo *gitops.Repo, id string, limits func(base *gitops.Tree) (planfile.Limits, error), pf *Prefetch) (*planCommit, *RunResult, error) {
	info, err := repo.CommitInfo(id)
	if err != nil {
		return nil, nil, err
	}
	bad := func(format string, args ...any) (*planCommit, *RunResult, error) {
		return nil, rejected(aos.Violation{Directive: -1, Rule: aos.RulePlanCommit,
			Message: fmt.Sprintf("commit %.12s is not a plan commit: ", id) + fmt.Sprintf(format, args...)}), nil
	}
	claim, tr, err := trailer.ReadClaim(info.Message)
	if err != nil {
		return nil, rejected(aos.Violation{Directive: -1, Rule: aos.RuleCommitMessage,
			Message: fmt.Sprintf("commit %.12s: %v", id, err)}), nil
	}
	if claim == trailer.ResultClaim {
		return bad("it is the result commit of plan %q (already applied; check it with git aos verify)", tr[TrailerPlanID])
	}
	if claim != trailer.PlanClaim {
		return bad("its message has no %s and %s trailers", TrailerPlanID, TrailerPlanDigest)
	}
	planID, digest := tr[TrailerPlanID], tr[TrailerPlanDigest]
	if len(info.Parents) != 1 {
		return bad("it has %d parents, not one", len(info.Parents))
	}
	base, err := repo.CommitTree(info.Parents[0])
	if err != nil {
		if repo.IsShallow() {
			return nil, nil, aos.WithHint(fmt.Errorf("the parent of plan commit %.12s is not in this shallow clone: %w", id, err),
				"fetch it with git fetch --unshallow")
		}
		return nil, nil, err
	}
	own, err := repo.TreeObject(info.Tree)
	if err != nil {
		return nil, nil, err
	}
	diff, err := diffTrees(repo, base, own)
	if err != nil {
		return nil, nil, err
	}
	if len(diff) != 1 || diff[0].Status != aos.StatusAdded {
		return bad("it changes %s, where a plan commit adds exactly one plan file", describeDiff(diff))
	}
	d := diff[0]
	dir, file := path.Split(d.Path)
	ext := path.Ext(file)
	if dir != PlansDir || strings.TrimSuffix(file, ext) != planID || (ext != ".yaml" && ext != ".json") {
		return bad("it adds %s, not %s%s.yaml or .json", d.Path, PlansDir, planID)
	}
	if d.Mode != aos.ModeFile {
		return bad("%s has mode %06o, not 100644", d.Path, d.Mode)
	}
	lim, err := limits(base)
	if err != nil {
		return nil, nil, err
	}
	// The plan read ahead, when it was (Prefetch), is this blob's.
	s, size, got, plan, err, parsed, ahead := pf.planBlob(d.Hash, d.Path, lim)
	if !ahead {
		if size, err = repo.BlobSize(d.Hash); err != nil {
			return nil, nil, err
		}
	}
	if size > int64(lim.MaxBytes) {
		return nil, rejected(aos.Violation{Directive: -1, Rule: aos.RulePlanSize, Pos: aos.Position{File: d.Path, Line: 1, Col: 1},
			Message: fmt.Sprintf("plan is %d bytes, over the limit of %d (policies.max_plan_kb)", size, lim.MaxBytes)}), nil
	}
	// The plan is parsed as git streams it, while git inflates the rest,
	// and digested on another processor; the digest is judged first.
	if !ahead {
		s = repo.StreamBlob(d.Hash)
	}
	if !parsed {
		var wg conc.WaitGroup
		if !ahead {
			wg.Go(func() { got = engine.DigestParts(s.More) })
		}
		plan, _, err = planfile.ParseSource(ctx, d.Path, s, lim)
		wg.Wait()
	}
	data, again, rerr := s.Wait()
	if rerr != nil {
		return nil, nil, rerr
	}
	if again {
		// The stream failed half way and the blob was read again: what
		// was made of its parts is void.
		got = engine.Digest(data)
		plan, err = planfile.Parse(ctx, d.Path, data, lim)
	}
	if got != digest {
		return bad("%s has digest %s, the message says %s", d.Path, got, digest)
	}
	var pe *planfile.Error
	if errors.As(err, &pe) {
		return nil, rejected(pe.Violations...), nil
	} else if err != nil {
		return nil, nil, err
	}
	if plan.ID != planID {
		return bad("%s holds plan %q, the message says %q", d.Path, plan.ID, planID)
	}
	if (ext == ".json") != (plan.Format == "json") {
		return bad("%s holds a %s plan", d.Path, plan.Format)
	}
	// The whole message is the plan's: reviewers read it.
	if want := planMessage(plan, digest); info.Message != want {
		return bad("its message is not the one its plan makes: %s", firstLineDiff(want, info.Message))
	}
	if h := extraHeaders(info); len(h) > 0 {
		return bad("it has a %s header, which git-aos does not write", h[0])
	}
	return &planCommit{info: info, plan: plan, data: data, digest: digest, path: d.Path, base: base}, nil, nil
}
