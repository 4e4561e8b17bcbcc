package hooks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/gitops/trailer"
	"github.com/architectos/aos/hooks/receive"
	"github.com/architectos/aos/workflow"
	"github.com/sourcegraph/conc"
)

// PolicyFileName is the server policy file looked up in the bare
// repository when no policy file is named.
const PolicyFileName = "aos-policy.cue"

// DefaultRefPrefixes are the ref namespaces a push may update.
var DefaultRefPrefixes = []string{"refs/heads/", "refs/tags/"}

// IdentityEnv are the variables the pusher's login is read from, in
// order: GitHub Enterprise Server, GitLab, git http-backend.
var IdentityEnv = []string{"GITHUB_USER_LOGIN", "GL_USERNAME", "REMOTE_USER"}

// Options configure [PreReceive].
type Options struct {
	// Repo is the repository receiving the push, opened so that it reads
	// the push's quarantined objects ([gitops.HookObjectDirs]).
	Repo *gitops.Repo
	// Getenv reads the hook's environment (os.Getenv).
	Getenv func(string) string
	// Policy is a server policy file; "" uses aos-policy.cue in the git
	// directory when it exists.
	Policy string
	// UserEnv, when set, is the only variable the pusher's login is read
	// from; otherwise [IdentityEnv].
	UserEnv string
	// RefPrefixes are the ref namespaces a push may update; nil is
	// [DefaultRefPrefixes].
	RefPrefixes []string
	// Runtime runs validators when result commits are verified, and
	// their jobs with RerunJobs.
	Runtime *workflow.Runtime
	// AllowedSigners and RevokedSigners are the files the signatures of
	// result commits are checked against (docs/spec.md 11.1); "" is the
	// ones hook install put in the git directory, if any.
	AllowedSigners, RevokedSigners string
	// RerunJobs runs the jobs of a result commit again when no signature
	// or runner login vouches for them (verify --rerun-jobs).
	RerunJobs bool
	// AllowHostJobs lets RerunJobs run jobs of a manifest whose
	// environment.type is host, unsandboxed on the server.
	AllowHostJobs bool
}

// ErrNoTrustedManifest means the repository has no default branch to read
// the rules from.
var ErrNoTrustedManifest = errors.New("no trusted manifest")

// checker holds what is shared by the updates of one push.
type checker struct {
	// ahead is the plan of a result commit of the push read ahead, or nil.
	ahead     *workflow.Prefetch
	opts      Options
	repo      *gitops.Repo
	res       *Result
	policy    string
	defBranch string // full ref of the default branch
	defTip    string // its tip before the push
	// agentUpdates are the agent branches the push moves, for the
	// post-receive hook (handoff.go).
	agentUpdates []string
	def          *workflow.LoadedManifest
	manifests    map[string]*workflow.LoadedManifest // by commit
	// plain is each manifest of manifests without the server policy,
	// when there is one.
	plain     map[*workflow.LoadedManifest]*workflow.LoadedManifest
	protected []string // patterns, short names
	agentRefs []string
	tips      []string // tips of protected branches before the push

	// covered are the plan commits of the current update whose result
	// commit is in it too; verified those whose result verified, and
	// verifiedBy that result.
	covered, verified map[string]bool
	verifiedBy        map[string]string
	// inRange judges a pull request's commits (JudgeRange) rather than a
	// push: what a merge brings from its parents is judged with them.
	inRange bool
	// rerun runs the jobs of result commits again when nothing else
	// vouches for them (verify --rerun-jobs).
	rerun bool
	// signers are the files signatures are checked against, and sigs the
	// verdicts on the result commits of the current update.
	signers gitops.SignerFiles
	sigs    map[string]gitops.Signature
	// defTipBefore, after a push, holds the tips of the refs it updated
	// as they were before it.
	defTipBefore map[string]string
	// ranJobs are result commits whose jobs the caller ran itself, and
	// replayJobs takes every job record as it is (RangeOptions).
	ranJobs    map[string]bool
	replayJobs bool
	// headRef and headTip are the branch HEAD names and its tip, once
	// headRead (see head).
	headRead         bool
	headRef, headTip string
	// rules, in the post-receive hook, reads the rules and signers the
	// first time it is called.
	rules func() error
}

// PreReceive judges the updates of a push (docs/hooks.md). The rules come
// from the manifest at the tip of the repository's default branch (for a
// protected branch, at that branch's tip) before the push, unified with
// the server policy. It returns every reason to reject; an error (an
// unreadable manifest, a missing object, a cancelled context) must reject
// the push as well.
func PreReceive(ctx context.Context, opts Options, updates []receive.Update) (*Result, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.RefPrefixes == nil {
		opts.RefPrefixes = DefaultRefPrefixes
	}
	c := &checker{opts: opts, repo: opts.Repo, res: &Result{}, manifests: map[string]*workflow.LoadedManifest{},
		plain: map[*workflow.LoadedManifest]*workflow.LoadedManifest{}, rerun: opts.RerunJobs}
	c.identify()
	// The signers' files are found (a git command, which reads no
	// object) while the rules are read.
	var signers gitops.SignerFiles
	var signersErr error
	var finding conc.WaitGroup
	finding.Go(func() { signers, signersErr = workflow.SignerFiles(c.repo, opts.AllowedSigners, opts.RevokedSigners) })
	defer finding.Wait()
	if first, err := c.firstPush(updates); first || err != nil {
		if err != nil {
			return nil, err
		}
		return c.res, nil
	}
	if err := c.loadRules(); err != nil {
		return nil, err
	}
	finding.Wait()
	if signersErr != nil {
		return nil, signersErr
	}
	c.signers = signers
	// The plan of the first update that brings a result commit is read,
	// parsed and digested while the rest of the push is looked at, within
	// the limits of the manifest every ref is judged by.
	for _, u := range updates {
		if !u.Deletion() {
			if c.ahead = workflow.PrefetchPlan(ctx, c.repo, u.New, c.planLimits(c.def)); c.ahead != nil {
				break
			}
		}
	}
	defer c.ahead.Wait()
	for _, u := range updates {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := c.update(ctx, u); err != nil {
			if c.refuseObject(u, "", err) {
				continue
			}
			return nil, fmt.Errorf("%s: %w", u.Ref, err)
		}
	}
	c.res.handoff = c.handoff()
	return c.res, nil
}

func (c *checker) reject(u receive.Update, commit, p string, rule aos.Rule, format string, args ...any) {
	c.res.Rejections = append(c.res.Rejections, Rejection{Ref: u.Ref, Commit: commit, Path: p, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

// refKind is how a ref is protected.
type refKind int

const (
	otherRef refKind = iota
	protectedRef
	agentRef
)

// kindOf returns how ref is protected, by the rules read.
func (c *checker) kindOf(ref string) refKind {
	switch {
	case c.isProtected(ref):
		return protectedRef
	case c.isAgentBranch(ref):
		return agentRef
	}
	return otherRef
}

// update judges one ref update.
func (c *checker) update(ctx context.Context, u receive.Update) error {
	allowed := false
	for _, p := range c.opts.RefPrefixes {
		if strings.HasPrefix(u.Ref, p) {
			allowed = true
		}
	}
	if !allowed {
		c.reject(u, "", "", aos.RuleProtectRefNamespace, "updates are accepted under %s only", strings.Join(c.opts.RefPrefixes, ", "))
		return nil
	}
	if u.Ref == workflow.NotesRef || strings.HasPrefix(u.Ref, workflow.NotesRef+"/") {
		c.reject(u, "", "", aos.RuleProtectRefNamespace, "%s holds the server's notes, which only the server writes", workflow.NotesRef)
		return nil
	}
	kind := c.kindOf(u.Ref)
	if u.Deletion() {
		if kind == protectedRef {
			c.reject(u, "", "", aos.RuleProtectDelete, "a protected branch cannot be deleted")
		}
		return nil
	}
	if kind == agentRef {
		c.agentUpdates = append(c.agentUpdates, u.Ref)
	}
	newCommit, err := c.repo.PeelToCommit(u.New)
	if err != nil {
		return err
	}
	if newCommit == "" {
		c.reject(u, "", "", aos.RuleProtectNotCommit, "%.12s is not a commit or a tag of one", u.New)
		return nil
	}
	// Every ref is judged by the default branch's manifest as it is
	// now, never by the ref's own tip: a protected branch created or
	// kept at an old commit would otherwise pick its own rules.
	lm := c.def
	var commits []string
	switch {
	case u.Creation() && kind == protectedRef && c.res.Agent:
		c.reject(u, "", "", aos.RuleProtectCreate, "%s may not create a protected branch", c.agentName())
		return nil
	case u.Creation() && kind == protectedRef:
		// Creating a protected branch is an update like any other: the
		// commits it brings that the default branch does not hold are
		// judged, against it.
		if commits, err = c.repo.RevList("--reverse", "--topo-order", newCommit, "^"+c.defTip); err != nil {
			return err
		}
	case u.Creation():
		args := []string{"--reverse", "--topo-order", newCommit}
		if len(c.tips) > 0 {
			args = append(append(args, "--not"), c.tips...)
		}
		if commits, err = c.repo.RevList(args...); err != nil {
			return err
		}
	default:
		oldCommit, err := c.repo.PeelToCommit(u.Old)
		if err != nil {
			return err
		}
		if kind == protectedRef {
			if oldCommit == "" {
				return fmt.Errorf("the branch's tip %.12s is not a commit", u.Old)
			}
			ff, err := c.repo.IsAncestor(oldCommit, newCommit)
			if err != nil {
				return err
			}
			if !ff {
				c.reject(u, "", "", aos.RuleProtectNonFastForward, "a protected branch only moves forward: %.12s is not an ancestor of %.12s", oldCommit, newCommit)
				return nil
			}
		}
		args := []string{"--reverse", "--topo-order", newCommit}
		if oldCommit != "" {
			args = append(args, "^"+oldCommit)
		}
		if commits, err = c.repo.RevList(args...); err != nil {
			return err
		}
	}
	return c.judgeCommits(ctx, u, kind, lm, commits)
}

// judgeCommits judges the new commits of an update, oldest first. A plan
// commit followed by its result commit is judged by verifying the
// result, which checks the plan commit and runs its plan under the same
// manifest: the plan is not run twice.
func (c *checker) judgeCommits(ctx context.Context, u receive.Update, kind refKind, lm *workflow.LoadedManifest, commits []string) error {
	c.covered = map[string]bool{}
	c.verified = map[string]bool{}
	c.verifiedBy = map[string]string{}
	infos := make(map[string]*gitops.CommitInfo, len(commits))
	for _, id := range commits {
		info, err := c.repo.CommitInfo(id)
		if err != nil {
			if c.refuseObject(u, id, err) {
				return nil
			}
			return err
		}
		infos[id] = info
		if claim, _, _ := trailer.ReadClaim(info.Message); claim == trailer.ResultClaim && len(info.Parents) == 1 {
			c.covered[info.Parents[0]] = true
		}
	}
	if err := c.checkSignatures(kind, commits, infos); err != nil {
		return err
	}
	var deferred []string
	for _, id := range commits {
		if err := ctx.Err(); err != nil {
			return err
		}
		if claim, _, _ := trailer.ReadClaim(infos[id].Message); c.covered[id] && claim == trailer.PlanClaim {
			deferred = append(deferred, id)
			continue
		}
		if err := c.commit(ctx, u, kind, lm, infos[id]); err != nil {
			if c.refuseObject(u, id, err) {
				continue
			}
			return fmt.Errorf("commit %.12s: %w", id, err)
		}
	}
	for _, id := range deferred {
		if c.verified[id] {
			_, tr, _ := trailer.ReadClaim(infos[id].Message)
			c.res.Commits = append(c.res.Commits, CommitVerdict{ID: id, Kind: PlanCommit,
				PlanID: tr[workflow.TrailerPlanID], VerifiedBy: c.verifiedBy[id]})
			continue
		}
		if err := c.commit(ctx, u, kind, lm, infos[id]); err != nil {
			if c.refuseObject(u, id, err) {
				continue
			}
			return fmt.Errorf("commit %.12s: %w", id, err)
		}
	}
	return nil
}

// refuseObject rejects the update, or its commit, when err is a tree or
// commit that is not canonical (docs/spec.md 4.8): git and git-aos could
// read different content from it, so it is refused rather than judged.
func (c *checker) refuseObject(u receive.Update, commit string, err error) bool {
	var oe *gitops.ObjectError
	if !errors.As(err, &oe) {
		return false
	}
	c.reject(u, commit, oe.Path+oe.Entry, oe.Rule, "%s", oe.Error())
	return true
}

// commit judges one new commit of a ref update.
func (c *checker) commit(ctx context.Context, u receive.Update, kind refKind, lm *workflow.LoadedManifest, info *gitops.CommitInfo) error {
	id := info.ID
	// exempt are the files a verified plan or result commit adds under
	// .aos/, which the workspace rules protect from directives.
	var exempt map[string]bool
	var rep *aos.Report
	claim, _, cerr := trailer.ReadClaim(info.Message)
	switch {
	case cerr != nil:
		// Trailers that git and git-aos, or two of git's own readers,
		// take for different things: refused whoever pushes them, as
		// a false claim is.
		c.res.Commits = append(c.res.Commits, CommitVerdict{ID: id, Kind: OtherCommit})
		c.reject(u, id, "", aos.RuleCommitMessage, "%s", cerr.Error())
		return nil
	case claim == trailer.ResultClaim:
		// What vouches for the job records is decided on the records
		// verify reads, before it replays them or runs them again.
		var t jobTrust
		v, err := workflow.VerifyCommit(ctx, c.repo, id, workflow.VerifyOptions{Manifest: lm, Plain: c.plain[lm], Runtime: c.jobsRuntime(), Prefetch: c.ahead,
			RerunJobsIf: func(jobs []aos.JobRecord) bool {
				t = c.trustOf(kind, lm, id, jobs)
				return t.rerun
			}})
		if err != nil {
			return err
		}
		rep = v.Report
		verdict := CommitVerdict{ID: id, Kind: ResultCommit, PlanID: v.PlanID, Report: rep}
		if rep.OK && t.needed && len(v.Jobs) > 0 {
			if verdict.Vouch = t.vouch; v.Rerun {
				verdict.Vouch = &workflow.Vouch{By: workflow.VouchServerRerun}
			}
		}
		c.res.Commits = append(c.res.Commits, verdict)
		if rep.OK && t.needed && len(v.Jobs) > 0 && verdict.Vouch == nil {
			c.rejectUnvouched(u, id, v.Jobs, t.why)
			return nil
		}
		if rep.OK {
			exempt = map[string]bool{workflow.RunsDir + v.PlanID + ".json": true}
			// Its parent is a plan commit whose plan passed, and whose
			// only change is the plan file.
			c.verified[info.Parents[0]] = true
			c.verifiedBy[info.Parents[0]] = id
		}
	case claim == trailer.PlanClaim:
		pc, err := workflow.CheckPlanCommit(ctx, c.repo, id, lm, c.opts.Runtime)
		if err != nil {
			return err
		}
		rep = pc.Report
		c.res.Commits = append(c.res.Commits, CommitVerdict{ID: id, Kind: PlanCommit, PlanID: pc.PlanID, PlanFile: pc.PlanFile, Report: rep})
		if rep.OK {
			exempt = map[string]bool{pc.PlanFile: true}
		}
	default:
		c.res.Commits = append(c.res.Commits, CommitVerdict{ID: id, Kind: OtherCommit})
	}
	if rep != nil && !rep.OK {
		// A commit that claims to be a plan or result commit and is
		// not one is refused whoever pushes it: the audit log would
		// present it as a run.
		for _, v := range rep.Violations {
			c.rejectViolation(u, id, v)
		}
		return nil
	}
	verified := rep != nil
	agent := c.res.Agent
	// bound says whether the pusher's commits keep the workspace
	// content rules: an agent's always, a human's on protected and
	// agent branches unless protect.humans is allow. Verifying a plan or
	// result commit does not replace them: it proves that the commit is
	// what its plan makes, not that the commit is one the rules allow.
	bound := agent || (kind != otherRef && lm.Protect.Humans != "allow")
	switch {
	case verified:
		if bound {
			return c.content(u, info, lm, exempt)
		}
		return nil
	case kind == agentRef:
		c.reject(u, id, "", aos.RuleProtectAgentBranch, "agent branches accept only plan commits and verified result commits")
		return nil
	case kind == protectedRef && agent:
		c.reject(u, id, "", aos.RuleProtectAgent, "%s may push only plan commits and verified result commits to a protected branch", c.agentName())
		return nil
	case kind == protectedRef:
		switch lm.Protect.Humans {
		case "allow":
			return nil
		case "deny":
			c.reject(u, id, "", aos.RuleProtectHumans, "protect.humans is deny: only plan commits and verified result commits are accepted")
			return nil
		}
		if len(info.Parents) > 1 {
			if err := c.evilMerge(u, info); err != nil {
				return err
			}
			if c.inRange {
				// Each parent is judged in the range or trusted in
				// its base; the merge's own content is the evil part.
				return nil
			}
		}
		return c.content(u, info, lm, nil)
	case !agent:
		// Humans on other branches and tags.
		return nil
	}
	if agent {
		return c.content(u, info, lm, exempt)
	}
	return nil
}

// planLimits are the limits a plan is read within when lm judges it: its
// own, and those of its plain manifest when it has one, whichever is less
// (workflow.VerifyCommit).
func (c *checker) planLimits(lm *workflow.LoadedManifest) planfile.Limits {
	lim := planfile.LimitsFrom(lm.Policies)
	if p := c.plain[lm]; p != nil {
		pl := planfile.LimitsFrom(p.Policies)
		lim.MaxBytes, lim.MaxDirectives = min(lim.MaxBytes, pl.MaxBytes), min(lim.MaxDirectives, pl.MaxDirectives)
	}
	return lim
}
