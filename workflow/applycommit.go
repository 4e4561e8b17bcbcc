package workflow

import (
	"context"
	"fmt"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/gitops"
)

// ApplyCommitOptions configure [ApplyCommit].
type ApplyCommitOptions struct {
	Repo *gitops.Repo
	// PlanCommit is the plan commit whose plan runs.
	PlanCommit string
	// Policy is an organisation policy file unified with the manifest of
	// the plan commit's parent, or "".
	Policy string
	// Manifest, when set, is the trusted manifest the plan is judged by
	// instead (the post-receive runner passes the default branch's, with
	// the server policy, as the pre-receive hook judges pushes).
	Manifest *LoadedManifest
	Runtime  *Runtime
	// Sign, when set, signs the result commit (docs/spec.md 6.1).
	Sign *Signing
	// Author and Committer of the result commit; nil is git's identity
	// (git var GIT_AUTHOR_IDENT, GIT_COMMITTER_IDENT).
	Author, Committer *gitops.Ident
}

// ApplyCommit runs the plan of a plan commit and writes its result
// commit, signed when asked, without moving any ref: the caller moves
// one by compare-and-swap from the plan commit to the result (Apply, the
// post-receive runner). A rejected plan writes nothing.
func ApplyCommit(ctx context.Context, opts ApplyCommitOptions) (res *RunResult, err error) {
	defer refuseObjects(&err, func(v aos.Violation) { res = rejected(v) })
	repo := opts.Repo
	// The manifest is read first: its limits bound the plan before it is
	// read (docs/spec.md 3.1).
	lm := opts.Manifest
	pc, rej, err := readPlanCommit(ctx, repo, opts.PlanCommit, func(base *gitops.Tree) (planfile.Limits, error) {
		if lm == nil {
			var err error
			if lm, err = ManifestFromTree(base, ManifestOptions{Policy: opts.Policy}); err != nil {
				return planfile.Limits{}, err
			}
		}
		return planfile.LimitsFrom(lm.Policies), nil
	}, nil)
	if rej != nil || err != nil {
		return rej, err
	}
	if v := checkLimits(pc.plan, len(pc.data), lm.Manifest); len(v) > 0 {
		return rejected(v...), nil
	}
	in := &stageInput{repo: repo, plan: pc.plan, planData: pc.data, planDigest: pc.digest, planPath: pc.path, base: pc.base,
		planTree: pc.info.Tree, planCommit: opts.PlanCommit, lm: lm, rt: opts.Runtime}
	st, err := stage(ctx, in)
	if err != nil {
		return nil, err
	}
	if !st.report.OK {
		return st.result(), nil
	}
	var author, committer gitops.Ident
	if opts.Author == nil || opts.Committer == nil {
		if author, committer, err = repo.Idents(); err != nil {
			return nil, err
		}
	}
	if opts.Author != nil {
		author = *opts.Author
	}
	if opts.Committer != nil {
		committer = *opts.Committer
	}
	resultID, err := st.commit(repo, author, committer, opts.Sign)
	if err != nil {
		return nil, err
	}
	res = st.result()
	res.PlanCommit, res.ResultCommit = opts.PlanCommit, resultID
	return res, nil
}

// RebasePlanCommit re-makes plan commit id on top of commit onto: onto's
// tree plus the same plan file, with id's message and author, and
// committer as committer. The post-receive runner applies plan commits
// pushed in a row with it, each on the result of the one before
// (docs/spec.md 11.2). A commit that is not a plan commit, or an onto that
// holds a plan file of the same id already, is a report with violations.
func RebasePlanCommit(ctx context.Context, repo *gitops.Repo, id, onto string, committer gitops.Ident) (string, *aos.Report, error) {
	pc, rej, err := readPlanCommit(ctx, repo, id, func(base *gitops.Tree) (planfile.Limits, error) {
		lm, err := ManifestFromTree(base, ManifestOptions{})
		if err != nil {
			return planfile.Limits{}, err
		}
		return planfile.LimitsFrom(lm.Policies), nil
	}, nil)
	if rej != nil || err != nil {
		if rej != nil {
			return "", rej.Report, nil
		}
		return "", nil, err
	}
	base, err := repo.CommitTree(onto)
	if err != nil {
		return "", nil, err
	}
	for _, ext := range []string{".yaml", ".json"} {
		p := PlansDir + pc.plan.ID + ext
		if _, _, ok, err := repo.ReadPath(onto, p); err != nil {
			return "", nil, err
		} else if ok {
			r := &aos.Report{Violations: []aos.Violation{{Directive: -1, Rule: aos.RulePlanCommit,
				Message: fmt.Sprintf("commit %.12s already holds %s: plan ids are unique", onto, p)}}}
			return "", r, nil
		}
	}
	tree, err := repo.BuildTree(base.Root(), []gitops.TreeChange{{Path: pc.path, Mode: aos.ModeFile, Data: pc.data}}, repo)
	if err != nil {
		return "", nil, err
	}
	newID, err := repo.WriteCommit(gitops.NewCommit{Tree: tree, Parents: []string{onto},
		Author: pc.info.Author, Committer: committer, Message: pc.info.Message}, repo)
	if err != nil {
		return "", nil, err
	}
	return newID, nil, nil
}
