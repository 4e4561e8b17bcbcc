package hooks

import (
	"context"
	"fmt"
	"strings"

	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/hooks/receive"
	"github.com/architectos/aos/policy"
	"github.com/architectos/aos/workflow"
)

// RangeOptions configure [JudgeRange].
type RangeOptions struct {
	Repo *gitops.Repo
	// Base and Head are commits: those reachable from Head and not from
	// Base are judged, as a pull request of Head into Base brings them.
	Base, Head string
	// Ref is the branch they are to land on, named in rejections.
	Ref string
	// Policy is a policy file unified with the manifest of Base, or "".
	Policy string
	// Logins are who the commits come from (a pull request's author, the
	// event's sender): when one matches protect.agents, or none is
	// given, the commits are an agent's.
	Logins []string
	// Runtime runs validators, and jobs when RerunJobs is set.
	Runtime *workflow.Runtime
	// RerunJobs verifies result commits whose job records no allowed
	// signature vouches for with their jobs run again (verify
	// --rerun-jobs), as a trusted runner does; without it, and without
	// a signature, such commits are refused (docs/spec.md 11.1).
	RerunJobs bool
	// AllowedSigners and RevokedSigners are the files signatures are
	// checked against ([workflow.SignerFiles]).
	AllowedSigners, RevokedSigners string
	// RanJobs are result commits whose jobs the caller ran itself, as
	// git aos ci --apply does on the runner: it vouches for their
	// records, which are replayed.
	RanJobs []string
	// ReplayJobs takes job records as they are, vouched for or not: the
	// caller judged the same commits with their jobs run before (git aos
	// ci on a review of a head it verified when it was pushed), and only
	// what does not depend on the jobs is judged again.
	ReplayJobs bool
}

// JudgeRange judges the commits of base..head as the pre-receive hook
// judges a push of them to a protected branch (docs/hooks.md), by the
// manifest of Base with the policy: a plan commit against its own parent,
// a result commit by verifying it, any other commit by protect.humans, or
// refused from an agent. What a merge brings from its parents is judged
// with those parents (in the range) or trusted (in Base); the merge's own
// content is refused as an evil merge. The result lists every rejection
// and the verdict on each commit; an error means the commits could not be
// judged and must not be accepted.
func JudgeRange(ctx context.Context, opts RangeOptions) (*Result, error) {
	c := &checker{opts: Options{Repo: opts.Repo, Runtime: opts.Runtime}, repo: opts.Repo, res: &Result{}, policy: opts.Policy,
		manifests: map[string]*workflow.LoadedManifest{}, plain: map[*workflow.LoadedManifest]*workflow.LoadedManifest{},
		inRange: true, rerun: opts.RerunJobs, ranJobs: map[string]bool{}, replayJobs: opts.ReplayJobs}
	for _, id := range opts.RanJobs {
		c.ranJobs[id] = true
	}
	var err error
	if c.signers, err = workflow.SignerFiles(opts.Repo, opts.AllowedSigners, opts.RevokedSigners); err != nil {
		return nil, err
	}
	base, err := opts.Repo.PeelToCommit(opts.Base)
	if err != nil {
		return nil, err
	}
	head, err := opts.Repo.PeelToCommit(opts.Head)
	if err != nil {
		return nil, err
	}
	if base == "" || head == "" {
		return nil, fmt.Errorf("base %.12s or head %.12s is not a commit", opts.Base, opts.Head)
	}
	lm, err := c.manifestAt(base)
	if err != nil {
		return nil, err
	}
	c.def = lm
	c.res.Manifest = lm
	if err := checkPatterns(lm.Protect.Agents); err != nil {
		return nil, err
	}
	var known []string
	for _, l := range opts.Logins {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		known = append(known, printable(l))
		if policy.MatchNameFolded(lm.Protect.Agents, l) {
			c.res.Agent = true
		}
	}
	switch {
	case len(known) == 0:
		c.res.Agent = true
		c.res.Log = append(c.res.Log, "author unknown: judged as an agent")
	case c.res.Agent:
		c.res.Log = append(c.res.Log, "from "+strings.Join(known, ", ")+": agent")
	default:
		c.res.Log = append(c.res.Log, "from "+strings.Join(known, ", ")+": human")
	}
	if len(opts.Logins) > 0 {
		c.res.User = opts.Logins[0]
	}
	commits, err := opts.Repo.RevList("--reverse", "--topo-order", head, "^"+base)
	if err != nil {
		return nil, err
	}
	u := receive.Update{Old: base, New: head, Ref: opts.Ref}
	if err := c.judgeCommits(ctx, u, protectedRef, lm, commits); err != nil {
		return nil, err
	}
	return c.res, nil
}
