package hooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/workflow"
)

// RunnerDir holds the post-receive runner's queue, locks and logs, in a
// repository's git directory (docs/spec.md 11.2).
const RunnerDir = "aos/runner"

// maxChain bounds the plan commits without results a run applies in a
// row.
const maxChain = 50

// States of a runner's run.
const (
	RunRunning     = "running"
	RunPass        = "pass"
	RunRejected    = "rejected"
	RunSuperseded  = "superseded"
	RunError       = "error"
	RunNotRun      = "not-run"
	RunInterrupted = "interrupted"
)

// Runner verdicts noted on plan commits (docs/spec.md 11.3).
const (
	verdictTrailer = "Aos-Runner-Verdict"
	runTrailer     = "Aos-Runner-Run"
)

// RunnerRun is one run of the post-receive runner: one plan commit
// applied, as <git dir>/aos/runner/runs/<ID>.json records it.
type RunnerRun struct {
	ID     string `json:"id"`
	Branch string `json:"branch"`
	PlanID string `json:"plan_id,omitempty"`
	// PlanCommit is the plan commit pushed; Applied, when it differs, the
	// plan commit re-made on the result before it.
	PlanCommit string   `json:"plan_commit"`
	Applied    string   `json:"applied,omitempty"`
	State      string   `json:"state"`
	Result     string   `json:"result,omitempty"`
	Reasons    []string `json:"reasons,omitempty"`
	Started    string   `json:"started"`
	Finished   string   `json:"finished,omitempty"`
	PID        int      `json:"pid"`
	Log        string   `json:"log"`
}

// RunnerOptions configure [RunRunner].
type RunnerOptions struct {
	// Dir is the repository's git directory.
	Dir string
	// Key is the SSH private key results are signed with.
	Key string
	// Policy is the server policy file, as the hooks take it.
	Policy  string
	Runtime *workflow.Runtime
	// Branches are full refs to run even when no push queued them.
	Branches []string
	// AllowHostJobs lets plans whose manifest's environment.type is host
	// run their jobs, unsandboxed on the server ([ServerRuntime]).
	AllowHostJobs bool
}

// RunRunner applies the plans that pushes queued (docs/spec.md 11.2):
// for each branch with queued runs, and each of Branches, under the
// branch's lock, the plan commits at its tip that have no result or
// verdict yet, oldest first; it signs each result with the key and moves
// the branch to the last by compare-and-swap. One runner works at a time
// on a repository: started while another works, a runner leaves the
// queue to it and returns, unless Branches names branches, when it
// waits. The working runner takes up what is queued meanwhile before it
// returns. A run killed at any moment leaves the branch at the plan
// commit or at a signed result commit, and its queue file for the next
// runner. It returns the runs made.
func RunRunner(ctx context.Context, opts RunnerOptions) ([]RunnerRun, error) {
	repo, err := gitops.Open(opts.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	r := &runner{opts: opts, repo: repo, dir: filepath.Join(repo.GitDir, RunnerDir), memo: map[string]memoRun{}}
	if err := keyOutside(opts.Key, repo.GitDir); err != nil {
		return nil, err
	}
	if _, err := runnerPublicKey(opts.Key); err != nil {
		return nil, err
	}
	failed := map[string]bool{}
	var errs []error
	named := opts.Branches
	for {
		unlock, ok, err := r.lockRunner(len(named) > 0)
		if err != nil {
			return r.runs, err
		}
		if !ok {
			// The working runner takes up the queue, ours included.
			return r.runs, nil
		}
		queued, err := r.queued()
		if err != nil {
			unlock()
			return r.runs, err
		}
		refs := map[string]bool{}
		for _, b := range append(queued, named...) {
			if !failed[b] {
				refs[b] = true
			}
		}
		named = nil
		branches := make([]string, 0, len(refs))
		for b := range refs {
			branches = append(branches, b)
		}
		sort.Strings(branches)
		for _, b := range branches {
			if err := ctx.Err(); err != nil {
				unlock()
				return r.runs, err
			}
			if err := r.branch(ctx, b); err != nil {
				r.logf("%s: %v", b, err)
				errs = append(errs, fmt.Errorf("%s: %w", b, err))
				failed[b] = true
			}
		}
		unlock()
		// A push that queued a run while this runner held the lock saw
		// it busy and left the run to it: look again once it is free.
		left, err := r.queued()
		if err != nil {
			return r.runs, err
		}
		more := false
		for _, b := range left {
			more = more || !failed[b]
		}
		if !more {
			return r.runs, errors.Join(errs...)
		}
	}
}

// lockRunner takes the repository's runner lock: waiting for it when
// wait is set, else reporting ok false when another runner holds it.
func (r *runner) lockRunner(wait bool) (func(), bool, error) {
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(filepath.Join(r.dir, "runner.flock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, false, err
	}
	how := syscall.LOCK_EX
	if !wait {
		how |= syscall.LOCK_NB
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("lock the runner: %w", err)
	}
	return func() { f.Close() }, true, nil
}

type runner struct {
	opts RunnerOptions
	repo *gitops.Repo
	dir  string
	runs []RunnerRun
	// memo keeps the runs made in this process by plan commit and base,
	// so that a run superseded by a push is not repeated when the new tip
	// sits on it.
	memo map[string]memoRun
}

type memoRun struct {
	applied string
	res     *workflow.RunResult
	err     error
}

// refKey names a branch's queue files and lock.
func refKey(ref string) string {
	sum := sha256.Sum256([]byte(ref))
	return hex.EncodeToString(sum[:8])
}

var runSeq atomic.Int64

// Queue queues a run of branch ref in the repository's git directory, for
// the runner that the post-receive hook starts.
func Queue(gitDir, ref string) error {
	name := fmt.Sprintf("%s.%d.%d.%d", refKey(ref), time.Now().UnixNano(), os.Getpid(), runSeq.Add(1))
	return writeFileAtomic(filepath.Join(gitDir, RunnerDir, "pending", name), []byte(ref+"\n"))
}

// queued lists the branches with queued runs.
func (r *runner) queued() ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(r.dir, "pending"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(r.dir, "pending", e.Name()))
		if err != nil {
			continue
		}
		if ref := strings.TrimSpace(string(b)); strings.HasPrefix(ref, "refs/heads/") && refKey(ref) == strings.SplitN(e.Name(), ".", 2)[0] {
			out = append(out, ref)
		}
	}
	return out, nil
}

// lockBranch takes the branch's lock, waiting for another runner to let
// it go; the kernel releases it when the process dies.
func (r *runner) lockBranch(ref string) (func(), error) {
	f, err := openLock(r.dir, ref)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", ref, err)
	}
	return func() { f.Close() }, nil
}

func openLock(dir, ref string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Join(dir, "locks"), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(dir, "locks", refKey(ref)+".flock"), os.O_CREATE|os.O_RDWR, 0o644)
}

// branch runs the queued runs of one branch.
func (r *runner) branch(ctx context.Context, ref string) error {
	unlock, err := r.lockBranch(ref)
	if err != nil {
		return err
	}
	defer unlock()
	// The queue files present now are served by what follows; one
	// written meanwhile starts another pass, by this runner or the next.
	pending, _ := filepath.Glob(filepath.Join(r.dir, "pending", refKey(ref)+".*"))
	for pass := 0; ; pass++ {
		again, err := r.pass(ctx, ref)
		if err != nil {
			return err
		}
		if !again || pass >= 100 {
			break
		}
	}
	for _, p := range pending {
		os.Remove(p)
	}
	return nil
}

// step is one plan commit of a chain, as the run handles it.
type step struct {
	run     *RunnerRun
	applied string
	res     *workflow.RunResult
	err     error
	notRun  string // why it was not run
}

// pass applies the chain of plan commits at the branch's tip once. It
// reports whether the branch moved meanwhile, so that another pass is
// needed.
func (r *runner) pass(ctx context.Context, ref string) (bool, error) {
	rules := &checker{opts: Options{Repo: r.repo}, repo: r.repo, res: &Result{}, policy: r.opts.Policy,
		manifests: map[string]*workflow.LoadedManifest{}, plain: map[*workflow.LoadedManifest]*workflow.LoadedManifest{}}
	if err := rules.loadRules(); err != nil {
		return false, err
	}
	if !rules.isAgentBranch(ref) {
		r.logf("%s is not an agent branch (protect.agent_branches): not run", ref)
		return false, nil
	}
	tip, err := r.repo.RefTarget(ref)
	if err != nil || tip == "" {
		return false, err
	}
	notes, err := r.repo.Notes(workflow.NotesRef)
	if err != nil {
		return false, err
	}
	chain, below, err := r.chain(tip, notes)
	if err != nil || len(chain) == 0 {
		return false, err
	}
	committer := r.committer()
	var steps []*step
	prev := ""   // the commit the next plan commit is re-made on; "" is its own parent
	final := tip // where the branch moves
	keep := true // whether plan commits that are not run stay on the branch
	stopped := ""
	for i, pc := range chain {
		st := &step{run: r.newRun(ref, pc)}
		steps = append(steps, st)
		if len(chain) > maxChain {
			st.notRun = fmt.Sprintf("%d plan commits without results are stacked on this branch, more than the %d a run applies in a row: push fewer", len(chain), maxChain)
			continue
		}
		if i == 0 && below != "" {
			stopped = fmt.Sprintf("it sits on plan commit %.12s, which the runner did not apply (see its note)", below)
		}
		if stopped != "" {
			st.notRun = stopped
			if keep && prev != "" {
				// Kept on the branch, re-made on what is below it now.
				if st.applied, st.err = r.rebase(ctx, pc, prev, committer); st.err != nil {
					keep, st.applied = false, ""
				} else {
					prev, final = st.applied, st.applied
				}
			}
			continue
		}
		st.applied, st.res, st.err = r.apply(ctx, pc, prev, rules.def, committer, st.run)
		switch {
		case st.err == nil && st.res.OK():
			prev, final = st.res.ResultCommit, st.res.ResultCommit
			continue
		case st.err != nil:
			stopped = fmt.Sprintf("plan commit %.12s below it could not be run (%v)", pc, st.err)
		default:
			stopped = fmt.Sprintf("plan commit %.12s below it was rejected", pc)
		}
		switch {
		case st.applied == "":
			// It could not be re-made on the result below: the branch
			// ends at that result.
			keep = false
		case st.applied != pc:
			prev, final = st.applied, st.applied
		}
	}
	if final != tip {
		err := r.repo.UpdateRefs("aos runner "+strings.TrimPrefix(ref, "refs/heads/"), gitops.RefUpdate{Ref: ref, Old: tip, New: final})
		if errors.Is(err, gitops.ErrRefMoved) {
			for _, st := range steps {
				r.finish(st.run, RunSuperseded, "", []string{"the branch moved while the plan ran (another push); the run that follows applies what it holds now"})
			}
			return true, nil
		}
		if err != nil {
			for _, st := range steps {
				r.finish(st.run, RunError, "", []string{err.Error()})
			}
			return false, err
		}
	}
	// The branch is where it stays: record the verdicts.
	for _, st := range steps {
		if err := r.record(st); err != nil {
			return false, err
		}
	}
	return false, nil
}

// chain lists the plan commits at the branch's tip, oldest first, that
// have no result and no runner's verdict; below is the plan commit they
// sit on when that one has a verdict.
func (r *runner) chain(tip string, notes map[string]string) ([]string, string, error) {
	var chain []string
	below := ""
	for cur := tip; len(chain) <= maxChain; {
		info, err := r.repo.CommitInfo(cur)
		if err != nil {
			return nil, "", err
		}
		if !workflow.IsPlanCommitMessage(info.Message) {
			break
		}
		if h, ok := notes[cur]; ok {
			b, err := r.repo.ReadBlob(h)
			if err != nil {
				return nil, "", err
			}
			if hasVerdict(string(b)) {
				below = cur
				break
			}
		}
		chain = append(chain, cur)
		if len(info.Parents) != 1 {
			break
		}
		cur = info.Parents[0]
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain, below, nil
}

// apply applies plan commit pc, re-made on prev when prev is set, under
// the trusted manifest, and signs its result.
func (r *runner) apply(ctx context.Context, pc, prev string, lm *workflow.LoadedManifest, committer gitops.Ident, run *RunnerRun) (string, *workflow.RunResult, error) {
	key := pc + "@" + prev
	if m, ok := r.memo[key]; ok {
		run.Applied = m.applied
		r.logRun(run, "applied before in this runner, after a push moved the branch: %.12s", m.applied)
		return m.applied, m.res, m.err
	}
	applied := pc
	if prev != "" {
		var err error
		if applied, err = r.rebase(ctx, pc, prev, committer); err != nil {
			return "", nil, err
		}
		r.logRun(run, "plan commit %.12s re-made on result %.12s as %.12s", pc, prev, applied)
	}
	if applied != pc {
		run.Applied = applied
	}
	r.writeRun(run)
	info, err := r.repo.CommitInfo(applied)
	if err != nil {
		return applied, nil, err
	}
	r.logRun(run, "applying plan %s of %.12s under manifest %s (%s)", run.PlanID, applied, lm.Source, lm.Digest)
	author := info.Author
	res, err := workflow.ApplyCommit(ctx, workflow.ApplyCommitOptions{Repo: r.repo, PlanCommit: applied, Manifest: lm,
		Runtime: ServerRuntime(r.opts.Runtime, r.opts.AllowHostJobs), Sign: &workflow.Signing{Key: r.opts.Key, Format: "ssh"}, Author: &author, Committer: &committer})
	if err == nil {
		for _, j := range res.Report.Jobs {
			r.logRun(run, "%s %s: exit %d in %.1f s", j.Kind, j.Name, j.ExitCode, float64(j.DurationMs)/1000)
			for _, l := range j.Tail {
				r.logRun(run, "  | %s", l)
			}
		}
	}
	r.memo[key] = memoRun{applied: applied, res: res, err: err}
	return applied, res, err
}

// rebase re-makes plan commit pc on commit onto.
func (r *runner) rebase(ctx context.Context, pc, onto string, committer gitops.Ident) (string, error) {
	id, rep, err := workflow.RebasePlanCommit(ctx, r.repo, pc, onto, committer)
	if err != nil {
		return "", err
	}
	if rep != nil {
		var msgs []string
		for _, v := range rep.Violations {
			msgs = append(msgs, v.Message)
		}
		return "", fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	return id, nil
}

// committer is the runner's identity: git's, else git-aos runner's.
func (r *runner) committer() gitops.Ident {
	if _, c, err := r.repo.Idents(); err == nil {
		return c
	}
	return gitops.Ident{Name: "git-aos runner", Email: "git-aos-runner@localhost", When: time.Now()}
}
