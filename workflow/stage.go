package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/gitops/trailer"
	"github.com/architectos/aos/workflow/record"
)

// stageInput is a plan about to run on its base.
type stageInput struct {
	repo       *gitops.Repo
	plan       *aos.Plan
	planData   []byte
	planDigest string // of planData, or "" to compute
	planPath   string
	base       *gitops.Tree
	planTree   string // the plan commit's tree
	planCommit string
	lm         *LoadedManifest
	rt         *Runtime
	// jobs, when set, replaces the runtime's sandbox (verify replays the
	// recorded jobs).
	jobs engine.JobRunner
}

// staged is a plan that ran: its verdict and, when it passed, the result
// tree still to be written.
type staged struct {
	in      *stageInput
	res     *engine.Result
	report  *aos.Report
	record  *record.Record
	changes []gitops.TreeChange // the tree changes of the result commit
	// hashed are changes with each new blob named by its id (Data nil):
	// what builds the result tree's id without hashing the content again.
	hashed  []gitops.TreeChange
	runPath string
	// message is the result commit's message, made of record once.
	message string
}

// stage runs the plan against its base with jobs and validators and, when
// it passes, prepares the result commit's tree and run record.
func stage(ctx context.Context, in *stageInput) (*staged, error) {
	opts, pre, err := engineOptions(ctx, in.repo, in.base, in.lm, in.rt, in.jobs)
	if err != nil {
		return nil, err
	}
	stale, err := staleViolation(in.repo, in.plan, in.base)
	if err != nil {
		return nil, err
	}
	pre = append(pre, stale...)
	st := &staged{in: in, runPath: RunsDir + in.plan.ID + ".json"}
	if len(pre) > 0 {
		st.report = &aos.Report{Violations: pre}
		st.report.Sort()
		return st, nil
	}
	res, err := engine.Run(ctx, in.plan, in.base, opts)
	if err != nil {
		return nil, err
	}
	st.res = res
	st.report = &aos.Report{OK: res.OK(), Violations: res.Violations, Findings: res.Findings, Approvals: res.Approvals, Jobs: res.Jobs}
	st.report.Sort()
	if !res.OK() {
		return st, nil
	}
	changes, err := res.State.Changes()
	if err != nil {
		return nil, err
	}
	// Each new blob's id, computed once (most by the run, as it wrote
	// them): the record names it, and the result tree is built from it.
	ids := make([]string, len(changes))
	for i, c := range changes {
		switch {
		case c.Status == aos.StatusDeleted || c.Data == nil:
		case c.ID != "":
			ids[i] = c.ID
		default:
			ids[i] = engine.BlobID(c.Data)
		}
	}
	st.record = buildRecord(in, res, changes, ids)
	st.message = resultMessage(st.record, st.runPath)
	if v := messageViolation("result commit", st.message, trailer.ResultClaim); v != nil {
		st.report.OK, st.report.Violations = false, append(st.report.Violations, v...)
		st.record = nil
		return st, nil
	}
	data, err := st.record.Encode()
	if err != nil {
		return nil, err
	}
	for i, c := range changes {
		tc := gitops.TreeChange{Path: c.Path, Mode: c.Mode, Data: c.Data, Hash: c.Hash}
		if c.Status == aos.StatusDeleted {
			tc.Mode, tc.Data, tc.Hash = 0, nil, ""
		} else if c.Data == nil && c.Hash == "" {
			tc.Data = []byte{}
			ids[i] = engine.BlobID(tc.Data)
		}
		st.changes = append(st.changes, tc)
		if ids[i] != "" {
			tc.Data, tc.Hash = nil, ids[i]
		}
		st.hashed = append(st.hashed, tc)
	}
	rec := gitops.TreeChange{Path: st.runPath, Mode: aos.ModeFile, Data: data}
	st.changes = append(st.changes, rec)
	rec.Data, rec.Hash = nil, engine.BlobID(data)
	st.hashed = append(st.hashed, rec)
	return st, nil
}

// engineOptions are the options a plan runs with on base, applied: jobs
// in the runtime's sandbox (or jobs, when set), validators, DIFF against
// other commits, the history and the environment of base. pre are the
// violations that reject any plan before it runs: validators that cannot
// be loaded.
func engineOptions(ctx context.Context, repo *gitops.Repo, base *gitops.Tree, lm *LoadedManifest, rt *Runtime, jobs engine.JobRunner) (engine.Options, []aos.Violation, error) {
	m := lm.Manifest
	redact := newRedactor(ctx, lm)
	opts := engine.Options{
		Manifest: m,
		Rules:    lm.Rules,
		Apply:    true,
		View:     redact.view(),
		Tree:     func(rev string) (engine.Base, error) { return repo.RevTree(rev) },
		History: func() (any, error) {
			h, err := History(ctx, repo, base.Commit, historyLimit)
			redact.entries(h)
			return h, err
		},
		EnvInfo: func() any { return environmentInfo(m, rt) },
	}
	var pre []aos.Violation
	switch {
	case jobs != nil:
		opts.Jobs = jobs
	case rt != nil && rt.Jobs != nil:
		jr, err := rt.Jobs(m)
		if err != nil {
			opts.Jobs = failingJobs{err}
		} else {
			opts.Jobs = jr
		}
	}
	switch v, err := validatorsOf(ctx, rt, m, base); {
	case errors.Is(err, errNoValidators):
		pre = append(pre, aos.Violation{Directive: -1, Rule: aos.RuleValidatorsUnavailable,
			Message: err.Error() + "; the plan is not accepted unvalidated"})
	case errors.Is(err, aos.ErrDamaged):
		return opts, nil, err
	case err != nil:
		pre = append(pre, aos.Violation{Directive: -1, Rule: aos.RuleValidatorsLoad, Message: err.Error()})
	default:
		opts.Validate = v
	}
	return opts, pre, nil
}

// buildRecord makes the run record of a passing run.
// ids are the blob ids of the changes' new content ("" for none).
func buildRecord(in *stageInput, res *engine.Result, changes []engine.Change, ids []string) *record.Record {
	m := in.lm.Manifest
	digest := in.planDigest
	if digest == "" {
		digest = engine.Digest(in.planData)
	}
	rec := &record.Record{
		Version:    record.Version,
		Plan:       record.Plan{ID: in.plan.ID, Goal: in.plan.Goal, File: in.planPath, Digest: digest, Base: in.plan.Base},
		Base:       in.base.Commit,
		PlanCommit: in.planCommit,
		Manifest:   record.Manifest{File: m.Source, Digest: m.Digest, PolicyDigest: in.lm.PolicyDigest},
		Result:     "pass",
		Outcome: record.Outcome{
			Changes:    recordChanges(changes, ids),
			Validators: res.Validators,
			Findings:   res.Findings,
			Jobs:       res.Jobs,
			Approvals:  res.Approvals,
		},
	}
	for i, o := range res.Outcomes {
		rec.Directives = append(rec.Directives, record.Directive{Outcome: o, ReplyDigest: replyDigest(o.Type, res.Replies[i])})
	}
	return rec
}

// commit writes the result tree and commit, all of their objects or
// none, signed when sign is set; the caller moves the ref.
func (st *staged) commit(repo *gitops.Repo, author, committer gitops.Ident, sign *Signing) (string, error) {
	if sign != nil {
		return st.commitSigned(repo, author, committer, sign)
	}
	pw := repo.NewPackWriter()
	defer pw.Discard()
	id, err := st.commitTo(repo, pw, author, committer)
	if err != nil {
		return "", err
	}
	if err := pw.Flush(); err != nil {
		return "", fmt.Errorf("write the result commit of %s: %w", st.in.plan.ID, err)
	}
	return id, nil
}

// commitTo adds the result tree and commit to pw.
func (st *staged) commitTo(repo *gitops.Repo, pw *gitops.PackWriter, author, committer gitops.Ident) (string, error) {
	wrap := func(err error) error { return fmt.Errorf("write the result commit of %s: %w", st.in.plan.ID, err) }
	tree, err := repo.BuildTree(st.in.planTree, st.changes, pw)
	if err != nil {
		return "", wrap(err)
	}
	id, err := repo.WriteCommit(gitops.NewCommit{Tree: tree, Parents: []string{st.in.planCommit},
		Author: author, Committer: committer, Message: st.message}, pw)
	if err != nil {
		return "", wrap(err)
	}
	return id, nil
}

// commitSigned writes the result tree, then has git write the commit
// signed: git signs a commit whose tree is in the repository.
func (st *staged) commitSigned(repo *gitops.Repo, author, committer gitops.Ident, sign *Signing) (string, error) {
	wrap := func(err error) error { return fmt.Errorf("write the result commit of %s: %w", st.in.plan.ID, err) }
	pw := repo.NewPackWriter()
	defer pw.Discard()
	tree, err := repo.BuildTree(st.in.planTree, st.changes, pw)
	if err != nil {
		return "", wrap(err)
	}
	if err := pw.Flush(); err != nil {
		return "", wrap(err)
	}
	c := gitops.NewCommit{Tree: tree, Parents: []string{st.in.planCommit},
		Author: author, Committer: committer, Message: st.message}
	id, err := repo.WriteSignedCommit(c, gitops.SignOptions{Key: sign.Key, Format: sign.Format})
	if err != nil {
		return "", aos.WithHint(fmt.Errorf("sign the result commit: %w", err),
			"check git's gpg.format and user.signingkey (git config), or name the key with --sign=KEY")
	}
	return id, nil
}

// Signing says how a result commit is signed (docs/spec.md 6.1): as git
// commit -S[KEY] signs a commit, with git's own configuration and
// programs.
type Signing struct {
	// Key is the key, as git commit -S<KEY> takes it; "" is git's
	// user.signingKey.
	Key string
	// Format, when set, is gpg.format for this signature ("ssh",
	// "openpgp", "x509"); "" is git's configuration.
	Format string
}

// result is the RunResult of a staged plan.
func (st *staged) result() *RunResult {
	r := &RunResult{Report: st.report, Record: st.record}
	if st.res != nil {
		r.Answers, r.res = st.res.Replies, st.res
	}
	return r
}

// failingJobs is the sandbox of a manifest whose backend is unavailable:
// every job is refused with the reason.
type failingJobs struct{ err error }

func (f failingJobs) Run(context.Context, engine.Job, *engine.State) (engine.JobResult, error) {
	return engine.JobResult{}, f.err
}

// historyLimit bounds the runs GET_HISTORY returns.
const historyLimit = 50
