package workflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/gitops/trailer"
	"github.com/architectos/aos/sandbox"
	"github.com/architectos/aos/workflow/record"
	"github.com/sourcegraph/conc"
)

// VerifyOptions configure [Verify] and [VerifyCommit].
type VerifyOptions struct {
	Dir     string // Verify: a directory inside the repository
	Rev     string // Verify: the result commit
	Policy  string // an organisation policy file, or ""
	Runtime *Runtime
	// Manifest, when set, is the manifest the run must have been judged
	// by, instead of the one in the plan commit's parent (the
	// pre-receive hook passes the protected branch's, with the server
	// policy).
	Manifest *LoadedManifest
	// RerunJobs runs every job of the record again in its sandbox
	// (Runtime.Jobs), on the staged state at its place in the plan, and
	// rejects the commit (verify.job) when the exit status, or a build's
	// staged outputs, differ from the record: job records are claims of
	// whoever ran apply, and this is how a trusted machine checks them.
	RerunJobs bool
	// RerunJobsIf, when set, decides RerunJobs from the job records of
	// the run record, once it is read: a caller that trusts some records
	// (a signature, a runner's login) runs the others again. It is not
	// called when the commit is rejected before its record is read.
	RerunJobsIf func(jobs []aos.JobRecord) bool
	// Plain, when set, is Manifest without the policy unified into it.
	// A result commit made under Plain (by an agent that does not have
	// the server's policy) verifies when it rebuilds exactly under Plain
	// and its plan also passes under Manifest: the plan's changes do not
	// depend on the manifest that judges them, so the tree is the one
	// Manifest would accept.
	Plain *LoadedManifest
	// Prefetch, when set, holds a plan and run record read ahead
	// ([PrefetchPlan]); what of it answers this commit is taken.
	Prefetch *Prefetch
}

// VerifyResult is the verdict of verify.
type VerifyResult struct {
	Report *aos.Report
	Commit string
	PlanID string
	// Jobs are the job records of the commit's run record, when it was
	// read: claims of whoever ran apply, unless Rerun.
	Jobs []aos.JobRecord
	// Rerun says the jobs ran again (RerunJobs) and agreed with their
	// records.
	Rerun bool
}

// Verify re-runs the plan of a result commit and checks that it rebuilds
// the commit's tree object for object (docs/spec.md 8).
func Verify(ctx context.Context, opts VerifyOptions) (*VerifyResult, error) {
	repo, err := openRepository(opts.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	id, err := resolveArg(repo, "verify", opts.Rev)
	if err != nil {
		return nil, err
	}
	if err := claimsResult(repo, opts.Rev, id); err != nil {
		return nil, err
	}
	return VerifyCommit(ctx, repo, id, opts)
}

// claimsResult refuses, as a usage error, to verify a commit that does
// not claim to be a result commit (docs/spec.md section 1): there is
// nothing to verify, and the hint names what is.
func claimsResult(repo *gitops.Repo, rev, id string) error {
	info, err := repo.CommitInfo(id)
	if err != nil {
		return err
	}
	claim, tr, err := trailer.ReadClaim(info.Message)
	if err != nil || claim == trailer.ResultClaim {
		// A message with more than one reading claims something: it is
		// judged, and refused as commit.message, by VerifyCommit.
		return nil
	}
	if claim == trailer.PlanClaim {
		return aos.Usage(aos.WithHint(fmt.Errorf("%s (%.12s) is the plan commit of plan %q, not a result commit: there is nothing to verify yet", rev, id, tr[TrailerPlanID]),
			"apply it first (git aos apply aos/"+tr[TrailerPlanID]+"), then verify the result commit apply adds"))
	}
	return aos.Usage(aos.WithHint(fmt.Errorf("%s (%.12s) is not a result commit: its message has no %s trailer", rev, id, TrailerRun),
		"verify takes a result commit of git aos apply or run, as git aos log lists them"))
}

// VerifyCommit verifies result commit id of repo.
func VerifyCommit(ctx context.Context, repo *gitops.Repo, id string, opts VerifyOptions) (out *VerifyResult, err error) {
	defer refuseObjects(&err, func(v aos.Violation) {
		out = &VerifyResult{Commit: id, Report: &aos.Report{Violations: []aos.Violation{v}}}
	})
	out = &VerifyResult{Commit: id}
	fail := func(format string, args ...any) (*VerifyResult, error) {
		out.Report = &aos.Report{Violations: []aos.Violation{{Directive: -1, Rule: aos.RuleVerifyMismatch,
			Message: fmt.Sprintf("commit %.12s: ", id) + fmt.Sprintf(format, args...)}}}
		return out, nil
	}
	info, err := repo.CommitInfo(id)
	if err != nil {
		return nil, err
	}
	claim, tr, err := trailer.ReadClaim(info.Message)
	if err != nil {
		out.Report = &aos.Report{Violations: []aos.Violation{{Directive: -1, Rule: aos.RuleCommitMessage,
			Message: fmt.Sprintf("commit %.12s: %v", id, err)}}}
		return out, nil
	}
	out.PlanID = tr[TrailerPlanID]
	if claim != trailer.ResultClaim {
		for _, k := range trailer.ResultKeys {
			if tr[k] == "" {
				return fail("not a result commit: its message has no %s trailer", k)
			}
		}
	}
	if len(info.Parents) != 1 {
		return fail("a result commit has one parent, the plan commit; it has %d", len(info.Parents))
	}
	// The run record is read first, at the path the message names (judged
	// below to be the plan's), and decoded while the plan is read.
	var rec struct {
		data        []byte
		ok          bool
		err, badErr error
		decoded     *record.Record
	}
	var decoding conc.WaitGroup
	defer decoding.Wait()
	recPath := RunsDir + tr[TrailerPlanID] + ".json"
	var ahead bool
	if rec.data, rec.ok, rec.err, ahead = opts.Prefetch.readRecord(id, recPath); !ahead {
		rec.data, _, rec.ok, rec.err = repo.ReadPath(id, recPath)
	}
	if rec.err == nil && rec.ok {
		decoding.Go(func() {
			// Its jobs are all the run needs of it, to replay them; a
			// record whose bytes say it has none is not decoded: the
			// run makes the record again, and the tree holds the record
			// it made or the commit is refused (with Decode's error,
			// when the record is not one). Any other is read strictly.
			if record.NoJobs(rec.data) {
				rec.decoded = &record.Record{Version: record.Version}
				return
			}
			rec.decoded, rec.badErr = record.Decode(rec.data)
		})
	}
	lm := opts.Manifest
	// The plan is read within the limits of every manifest it must pass:
	// the one it is judged by, and the plain one its run may have been
	// made under.
	pc, rej, err := readPlanCommit(ctx, repo, info.Parents[0], func(base *gitops.Tree) (planfile.Limits, error) {
		if lm == nil {
			var err error
			if lm, err = ManifestFromTree(base, ManifestOptions{Policy: opts.Policy}); err != nil {
				return planfile.Limits{}, err
			}
		}
		lim := planfile.LimitsFrom(lm.Policies)
		if opts.Plain != nil {
			p := planfile.LimitsFrom(opts.Plain.Policies)
			lim.MaxBytes, lim.MaxDirectives = min(lim.MaxBytes, p.MaxBytes), min(lim.MaxDirectives, p.MaxDirectives)
		}
		return lim, nil
	}, opts.Prefetch)
	if err != nil {
		return nil, err
	}
	if rej != nil {
		out.Report = rej.Report
		return out, nil
	}
	runPath := RunsDir + pc.plan.ID + ".json"
	switch {
	case tr[TrailerPlanID] != pc.plan.ID:
		return fail("%s is %q, the plan commit's plan is %q", TrailerPlanID, tr[TrailerPlanID], pc.plan.ID)
	case tr[TrailerPlanDigest] != pc.digest:
		return fail("%s is %s, the plan file's digest is %s", TrailerPlanDigest, tr[TrailerPlanDigest], pc.digest)
	case tr[TrailerRun] != runPath:
		return fail("%s is %q, not %q", TrailerRun, tr[TrailerRun], runPath)
	case tr[TrailerResult] != "pass":
		return fail("%s is %q: only passing runs are committed", TrailerResult, tr[TrailerResult])
	}
	// enforce is the stricter manifest the plan must pass as well, when
	// the run was made under the plain one.
	var enforce *LoadedManifest
	if opts.Plain != nil && tr[TrailerManifestDigest] != lm.Digest && tr[TrailerManifestDigest] == opts.Plain.Digest {
		enforce, lm = lm, opts.Plain
	}
	if got := lm.Digest; tr[TrailerManifestDigest] != got {
		return fail("it was judged by manifest %s, and the manifest it must be judged by (%s) is %s", tr[TrailerManifestDigest], lm.Source, got)
	}
	decoding.Wait()
	switch {
	case rec.err != nil:
		return nil, rec.err
	case !rec.ok:
		return fail("%s is missing", runPath)
	case rec.badErr != nil:
		return fail("%s: %v", runPath, rec.badErr)
	}
	recData, recorded := rec.data, rec.decoded
	out.Jobs = recorded.Jobs
	if opts.RerunJobsIf != nil {
		opts.RerunJobs = opts.RerunJobsIf(recorded.Jobs)
	}
	if v := checkLimits(pc.plan, len(pc.data), lm.Manifest); len(v) > 0 {
		out.Report = &aos.Report{Violations: v}
		return out, nil
	}
	in := &stageInput{repo: repo, plan: pc.plan, planData: pc.data, planDigest: pc.digest, planPath: pc.path, base: pc.base,
		planTree: pc.info.Tree, planCommit: pc.info.ID, lm: lm, rt: opts.Runtime,
		jobs: jobsFor(opts, lm, &replayJobs{repo: repo, commit: id, rec: recorded, backends: sandbox.BackendNames(lm.Manifest.Environment)})}
	st, err := stage(ctx, in)
	if err != nil {
		return nil, err
	}
	if !st.report.OK {
		out.Report = st.report
		out.Report.Violations = append([]aos.Violation{{Directive: -1, Rule: aos.RuleVerifyRejected,
			Message: fmt.Sprintf("commit %.12s: the plan does not pass when run again", id)}}, out.Report.Violations...)
		return out, nil
	}
	// The trees made are kept: the hook diffs the commit next, when its
	// tree is this one.
	want, err := repo.BuildTree(pc.info.Tree, st.hashed, repo.HashKeepingTrees())
	if err != nil {
		return nil, err
	}
	if want == info.Tree {
		// The tree is the plan's; so must be the whole message, which
		// reviewers read: its subject, goal, directives, changes,
		// checks and approvals are regenerated from the plan and the run
		// record, author and committer aside.
		if msg := st.message; info.Message != msg {
			out.Report = &aos.Report{Violations: []aos.Violation{{Directive: -1, Rule: aos.RuleVerifyMessage,
				Message: fmt.Sprintf("commit %.12s: its message is not the one its plan and run record make: %s", id, firstLineDiff(msg, info.Message))}}}
			return out, nil
		}
		if h := extraHeaders(info); len(h) > 0 {
			out.Report = &aos.Report{Violations: []aos.Violation{{Directive: -1, Rule: aos.RuleVerifyMessage,
				Message: fmt.Sprintf("commit %.12s has a %s header, which git-aos does not write (git shows the message through it)", id, h[0])}}}
			return out, nil
		}
		out.Report = &aos.Report{OK: true, Findings: st.report.Findings, Approvals: st.report.Approvals}
		_, out.Rerun = in.jobs.(*rerunJobs)
		out.Rerun = out.Rerun && len(recorded.Jobs) > 0
		if enforce != nil {
			return verifyUnder(ctx, out, in, enforce)
		}
		return out, nil
	}
	if _, err := record.Decode(recData); err != nil {
		return fail("%s: %v", runPath, err)
	}
	diff, err := firstDifference(repo, pc.info.Tree, st.changes, id, runPath, recData)
	if err != nil {
		return nil, err
	}
	return fail("its tree %.12s differs from the tree the plan builds (%.12s): %s", info.Tree, want, diff)
}

// firstDifference names the first path where the result commit's tree
// differs from the one the plan builds.
func firstDifference(repo *gitops.Repo, planTree string, changes []gitops.TreeChange, commit, runPath string, recData []byte) (string, error) {
	planCommitTree, err := repo.TreeObject(planTree)
	if err != nil {
		return "", err
	}
	base, err := planCommitTree.Files()
	if err != nil {
		return "", err
	}
	want := make(map[string]engine.Entry, len(base)+len(changes))
	for p, e := range base {
		want[p] = e
	}
	var runData []byte
	for _, c := range changes {
		if c.Mode == 0 {
			delete(want, c.Path)
			continue
		}
		h := c.Hash
		if c.Data != nil || h == "" {
			h = engine.BlobID(c.Data)
		}
		want[c.Path] = engine.Entry{Mode: c.Mode, Hash: h}
		if c.Path == runPath {
			runData = c.Data
		}
	}
	got, err := repo.CommitTree(commit)
	if err != nil {
		return "", err
	}
	have, err := got.Files()
	if err != nil {
		return "", err
	}
	paths := make([]string, 0, len(want)+len(have))
	for p := range want {
		paths = append(paths, p)
	}
	for p := range have {
		if _, ok := want[p]; !ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		w, wok := want[p]
		h, hok := have[p]
		switch {
		case !wok:
			return fmt.Sprintf("%s: extra file (blob %.12s), which the plan does not make", p, h.Hash), nil
		case !hok:
			return fmt.Sprintf("%s: missing, the plan makes it (blob %.12s)", p, w.Hash), nil
		case w != h:
			if p == runPath {
				return fmt.Sprintf("%s: the run record differs: %s", p, lineDiff(runData, recData)), nil
			}
			return fmt.Sprintf("%s: expected blob %.12s mode %06o, found blob %.12s mode %06o", p, w.Hash, w.Mode, h.Hash, h.Mode), nil
		}
	}
	return "the trees hold the same files but are encoded differently", nil
}

// lineDiff names the first line where two texts differ.
func lineDiff(want, got []byte) string {
	wl, gl := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g []byte
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if !bytes.Equal(w, g) {
			return fmt.Sprintf("line %d: expected %q, found %q", i+1, strings.TrimSpace(string(w)), strings.TrimSpace(string(g)))
		}
	}
	return "same lines, different bytes"
}

// replayJobs answers the jobs of a plan being verified from the recorded
// run: jobs are not run again, and the files a build staged are taken from
// the result commit, to be judged again by the rules and validators. A
// record that is not the job the manifest resolves for the directive
// (kind, name, command, arguments, a backend the environment names) is
// refused: it is never taken for a job that ran.
type replayJobs struct {
	repo     *gitops.Repo
	commit   string
	rec      *record.Record
	backends []string // the backends the manifest's environment runs jobs on
}

func (r *replayJobs) Run(_ context.Context, job engine.Job, _ *engine.State) (engine.JobResult, error) {
	bad := func(format string, args ...any) (engine.JobResult, error) {
		return engine.JobResult{}, &engine.JobError{Rule: aos.RuleVerifyJob, Msg: fmt.Sprintf(format, args...)}
	}
	var rec *aos.JobRecord
	n := 0
	for i := range r.rec.Jobs {
		if r.rec.Jobs[i].Directive == job.Directive {
			rec = &r.rec.Jobs[i]
			n++
		}
	}
	switch {
	case rec == nil:
		return bad("the run record has no job for directive %d (%s %q)", job.Directive, job.Kind, job.Name)
	case n > 1:
		return bad("the run record has %d jobs for directive %d", n, job.Directive)
	case rec.Kind != job.Kind || rec.Name != job.Name || rec.Command != job.Command || !slices.Equal(rec.Args, job.Args):
		return bad("the run record's job for directive %d (%s %q: %q %q) is not the job the manifest runs for it (%s %q: %q %q)",
			job.Directive, rec.Kind, rec.Name, rec.Command, rec.Args, job.Kind, job.Name, job.Command, job.Args)
	case !slices.Contains(r.backends, rec.Backend):
		return bad("the run record's %s %q of directive %d ran on backend %q, and the manifest's environment runs jobs on %s",
			job.Kind, job.Name, job.Directive, rec.Backend, strings.Join(quoteAll(r.backends), " or "))
	}
	res := engine.JobResult{Record: *rec}
	if job.Kind != aos.JobBuild {
		return res, nil
	}
	for _, d := range r.rec.Directives {
		if d.Index != job.Directive {
			continue
		}
		for _, p := range d.Paths {
			data, mode, ok, err := r.repo.ReadPath(r.commit, p)
			if err != nil {
				return engine.JobResult{}, err
			}
			if !ok {
				return bad("build output %s of directive %d is not in commit %.12s", p, job.Directive, r.commit)
			}
			res.Outputs = append(res.Outputs, engine.OutputFile{Path: p, Data: data, Executable: mode == aos.ModeExecutable})
		}
	}
	return res, nil
}

// verifyUnder runs the plan of a verified result commit again under a
// stricter manifest (the server's, with its policy), jobs replayed from
// the record, and rejects it when the plan does not pass there.
func verifyUnder(ctx context.Context, out *VerifyResult, in *stageInput, strict *LoadedManifest) (*VerifyResult, error) {
	if v := checkLimits(in.plan, len(in.planData), strict.Manifest); len(v) > 0 {
		out.Report = &aos.Report{Violations: v}
		return out, nil
	}
	again := *in
	again.lm = strict
	// The jobs are replayed: when they ran again under the plain
	// manifest and agreed, their records stand and are not run a third
	// time. The records must still be jobs of the strict manifest, on a
	// backend its environment names (a policy may pin the sandbox).
	var replay *replayJobs
	switch j := in.jobs.(type) {
	case *replayJobs:
		replay = j
	case *rerunJobs:
		replay = j.replay
	default:
		return nil, fmt.Errorf("verify under the policy: the jobs of commit %.12s were not checked", out.Commit)
	}
	strictReplay := *replay
	strictReplay.backends = sandbox.BackendNames(strict.Manifest.Environment)
	again.jobs = &strictReplay
	st, err := stage(ctx, &again)
	if err != nil {
		return nil, err
	}
	if !st.report.OK {
		out.Report = st.report
		out.Report.Violations = append([]aos.Violation{{Directive: -1, Rule: aos.RuleVerifyPolicy,
			Message: fmt.Sprintf("commit %.12s was made under manifest %s alone, and its plan does not pass it with the policy (%s)", out.Commit, in.lm.Digest, strict.Digest)}},
			out.Report.Violations...)
		return out, nil
	}
	out.Report.Findings = st.report.Findings
	out.Report.Approvals = st.report.Approvals
	return out, nil
}

// jobsFor is how verify answers the jobs of a plan: replayed from the
// record, or with RerunJobs run again and compared with it.
func jobsFor(opts VerifyOptions, lm *LoadedManifest, replay *replayJobs) engine.JobRunner {
	if !opts.RerunJobs || len(replay.rec.Jobs) == 0 {
		return replay
	}
	if opts.Runtime == nil || opts.Runtime.Jobs == nil {
		return failingJobs{errors.New("verify runs the jobs again, and this build of git-aos has no sandbox to run them in")}
	}
	real, err := opts.Runtime.Jobs(lm.Manifest)
	if err != nil {
		return failingJobs{err}
	}
	return &rerunJobs{replay: replay, real: real}
}

// rerunJobs runs each job again and compares what must be reproducible
// with the record: the exit status and, for BUILD, the staged outputs
// byte for byte (not the output, nor the duration). When they agree, the
// recorded result is what the plan sees, so the run record rebuilds
// exactly.
type rerunJobs struct {
	replay *replayJobs
	real   engine.JobRunner
}

func (r *rerunJobs) Run(ctx context.Context, job engine.Job, st *engine.State) (engine.JobResult, error) {
	want, err := r.replay.Run(ctx, job, st)
	if err != nil {
		return want, err
	}
	got, err := r.real.Run(ctx, job, st)
	if err != nil && !errors.Is(err, engine.ErrBadOutputs) {
		return engine.JobResult{}, err
	}
	what := fmt.Sprintf("%s %q of directive %d", job.Kind, job.Name, job.Directive)
	mismatch := func(format string, args ...any) (engine.JobResult, error) {
		return engine.JobResult{}, &engine.JobError{Rule: aos.RuleVerifyJob, Msg: what + ", run again, " + fmt.Sprintf(format, args...)}
	}
	if g, w := got.Record, want.Record; g.ExitCode != w.ExitCode || g.TimedOut != w.TimedOut {
		return mismatch("%s; the run record says %s", jobOutcome(g), jobOutcome(w))
	}
	if err != nil {
		return mismatch("made outputs that cannot be staged (%v); the run record says they were", err)
	}
	if job.Kind != aos.JobBuild {
		return want, nil
	}
	recorded := map[string]engine.OutputFile{}
	for _, o := range want.Outputs {
		recorded[o.Path] = o
	}
	made := map[string]bool{}
	for _, o := range got.Outputs {
		if mode, ok := st.Lookup(o.Path); ok && (mode == aos.ModeExecutable) == o.Executable {
			if old, err := st.Read(o.Path); err == nil && bytes.Equal(old, o.Data) {
				continue // not a change: the build left it as staged
			}
		}
		made[o.Path] = true
		w, ok := recorded[o.Path]
		switch {
		case !ok:
			return mismatch("changes %s, which the result commit does not", o.Path)
		case !bytes.Equal(w.Data, o.Data):
			return mismatch("makes %s (blob %.12s), and the result commit holds blob %.12s", o.Path, engine.BlobID(o.Data), engine.BlobID(w.Data))
		case w.Executable != o.Executable:
			return mismatch("makes %s with executable %v, and the result commit with %v", o.Path, o.Executable, w.Executable)
		}
	}
	for _, o := range want.Outputs {
		if !made[o.Path] {
			return mismatch("does not make %s, which the result commit holds as its output", o.Path)
		}
	}
	return want, nil
}

// quoteAll quotes each string.
func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// jobOutcome describes how a job ended.
func jobOutcome(r aos.JobRecord) string {
	if r.TimedOut {
		return "it timed out"
	}
	return fmt.Sprintf("it exits %d", r.ExitCode)
}
