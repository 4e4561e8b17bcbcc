package workflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/gitops/trailer"
	"github.com/architectos/aos/policy"
	"github.com/architectos/aos/workflow/record"
)

// PlansDir and RunsDir hold plan files and run records in the tree.
const (
	PlansDir = ".aos/plans/"
	RunsDir  = ".aos/runs/"
	// AgentBranchPrefix is where propose and run create branches.
	AgentBranchPrefix = "refs/heads/aos/"
)

// PlanSource is a plan: the file named File, or, when Data is set, Data
// under the name File, as a front end that receives plans passes them. A
// File of "-" is standard input, whose content is Data, named <stdin> in
// messages.
type PlanSource struct {
	File string
	Data []byte
	// Path, when set, is where File is read from (File relative to the
	// command's working directory); File stays the name in positions.
	Path string
}

// read returns the plan's name and content. A plan over lim.MaxBytes is
// a rejection, refused before it is read. A plan file is read as
// readPlanFile says, repo being the repository the plan runs in.
func (s PlanSource) read(repo *gitops.Repo, lim planfile.Limits) (name string, data []byte, rej *RunResult, err error) {
	name = s.File
	switch {
	case s.File == "-":
		name, data = "<stdin>", s.Data
	case s.Data != nil:
		data = s.Data
	default:
		p := s.File
		if s.Path != "" {
			p = s.Path
		}
		f, err := openPlanFile(repo, s.File, p)
		if err != nil {
			return "", nil, nil, err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return "", nil, nil, fmt.Errorf("read plan: %w", err)
		}
		if fi.Size() > int64(lim.MaxBytes) {
			return "", nil, planTooLarge(name, fi.Size(), lim), nil
		}
		data = make([]byte, fi.Size())
		if _, err := io.ReadFull(f, data); err != nil {
			return "", nil, nil, fmt.Errorf("read plan: %w", err)
		}
		if n, _ := f.Read(make([]byte, 1)); n != 0 {
			return "", nil, nil, fmt.Errorf("read plan: %s grew while it was read", s.File)
		}
	}
	if len(data) > lim.MaxBytes {
		return "", nil, planTooLarge(name, int64(len(data)), lim), nil
	}
	return name, data, nil, nil
}

func planTooLarge(name string, size int64, lim planfile.Limits) *RunResult {
	return rejected(aos.Violation{Directive: -1, Rule: aos.RulePlanSize, Pos: aos.Position{File: name, Line: 1, Col: 1},
		Message: fmt.Sprintf("plan is %d bytes, over the limit of %d (policies.max_plan_kb)", size, lim.MaxBytes)})
}

// ErrPlanFileRefused is the error for a plan file that git-aos does not
// read: one that lies in the git directory, or inside the repository's
// working tree and resolves (through symbolic links) outside it or into
// a .git directory (docs/spec.md 5). Nothing of its content is read.
var ErrPlanFileRefused = errors.New("plan file refused")

// openPlanFile opens a plan file for reading. Symbolic links are
// resolved first, and the file is refused (ErrPlanFileRefused) when it
// is in the repository's git directory, or is named inside the working
// tree and is outside it or under a .git directory once resolved: a
// committed symlink such as .aos/plans/p.yaml -> ../../.git/config must
// not make plan check print what it points to. A file named outside the
// working tree is the caller's own choice, and is read wherever it is,
// but never from the git directory. The file is read at path, and named
// file in errors.
func openPlanFile(repo *gitops.Repo, file, path string) (*os.File, error) {
	// A name that leads nowhere, or to a directory, is a usage error
	// worded as reading it would word it (see readArg).
	if fi, err := os.Stat(path); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = &fs.PathError{Op: "open", Path: file, Err: pe.Err}
		}
		return nil, argError("plan", err)
	} else if fi.IsDir() {
		return nil, argError("plan", &fs.PathError{Op: "read", Path: file, Err: syscall.EISDIR})
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			pe.Path = file
		}
		return nil, argError("plan", err)
	}
	refuse := func(why string) (*os.File, error) {
		return nil, aos.WithHint(fmt.Errorf("read plan: %s: %w: %s", file, ErrPlanFileRefused, why),
			"name the plan file itself, a regular file of the working tree or outside the repository")
	}
	if repo != nil {
		for _, dir := range []string{repo.GitDir, repo.CommonDir} {
			if dir != "" && within(dir, real) {
				return refuse("it is in the git directory")
			}
		}
		if wt := repo.WorkTree; wt != "" && within(wt, abs) {
			rel, err := filepath.Rel(wt, real)
			if err != nil || !within(wt, real) {
				return refuse("it is a symbolic link that leads out of the repository")
			}
			for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
				if policy.IsDotGit(seg) {
					return refuse("it resolves into a .git directory")
				}
			}
		}
	}
	// The resolved path is opened without following a link again.
	f, err := os.OpenFile(real, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return refuse("it is not a regular file")
	}
	return f, nil
}

// within reports whether path p is dir or lies beneath it, comparing
// paths as written.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

// RunOptions configure propose, apply and run.
type RunOptions struct {
	Dir     string // a directory inside the repository
	Plan    PlanSource
	Base    string // propose, run: the base revision; "" is HEAD
	Rev     string // apply: the branch; "" is the current branch
	Policy  string // an organisation policy file, or ""
	Runtime *Runtime
	// Sign, when set, signs the result commit as git commit -S does
	// (docs/spec.md 6.1); a signature that cannot be made is an error,
	// and no ref moves.
	Sign *Signing
}

// RunResult is the outcome of propose, apply or run.
type RunResult struct {
	Report       *aos.Report
	Branch       string // the full ref created or moved
	PlanCommit   string
	ResultCommit string
	Record       *record.Record
	// Answers are the bare answers of the reads, by index, as the run
	// record digests them.
	Answers []any
	res     *engine.Result
}

// Replies returns what each directive returned, by index (docs/spec.md
// 6.5), as --replies writes them. Describing the paths each directive
// changed costs their size, so they are made only when asked.
func (r *RunResult) Replies() []Reply {
	if r.res == nil {
		return nil
	}
	return Replies(r.res)
}

// OK reports whether the plan passed.
func (r *RunResult) OK() bool { return r.Report.OK }

func rejected(v ...aos.Violation) *RunResult {
	r := &aos.Report{Violations: v}
	r.Sort()
	return &RunResult{Report: r}
}

// parsePlan reads and parses a plan within lim; a malformed one, or one
// over the limits, is a rejection (with the plan's content, when it was
// read).
func parsePlan(ctx context.Context, repo *gitops.Repo, src PlanSource, lim planfile.Limits) (*aos.Plan, []byte, *RunResult, error) {
	name, data, rej, err := src.read(repo, lim)
	if rej != nil || err != nil {
		return nil, nil, rej, err
	}
	plan, err := planfile.Parse(ctx, name, data, lim)
	var pe *planfile.Error
	if errors.As(err, &pe) {
		return nil, data, rejected(pe.Violations...), nil
	} else if err != nil {
		return nil, nil, nil, err
	}
	return plan, data, nil, nil
}

// planPath is where a plan is committed.
func planPath(p *aos.Plan) string {
	ext := "yaml"
	if p.Format == "json" {
		ext = "json"
	}
	return PlansDir + p.ID + "." + ext
}

// proposal is a plan commit about to be made or already made.
type proposal struct {
	repo     *gitops.Repo
	plan     *aos.Plan
	data     []byte
	path     string
	base     *gitops.Tree
	branch   string
	commit   gitops.NewCommit
	commitID string
	lm       *LoadedManifest
}

// prepare parses the plan, resolves the base, checks the branch and plan
// id are free and, with check, that the plan passes plan check, and
// computes the plan commit without writing it.
func prepare(ctx context.Context, opts RunOptions, check bool) (*proposal, *RunResult, error) {
	repo, err := openRepository(opts.Dir)
	if err != nil {
		return nil, nil, err
	}
	// The repository stays open in the proposal; close it on any other
	// way out.
	kept := false
	defer func() {
		if !kept {
			repo.Close()
		}
	}()
	baseRev := opts.Base
	if baseRev == "" {
		baseRev = "HEAD"
	}
	baseID, err := resolveArg(repo, "base", baseRev)
	if err != nil {
		return nil, nil, err
	}
	base, err := repo.CommitTree(baseID)
	if err != nil {
		return nil, nil, err
	}
	// The manifest comes first: its limits bound the plan's parsing.
	lm, err := ManifestFromTree(base, ManifestOptions{Policy: opts.Policy})
	if err != nil {
		return nil, nil, err
	}
	plan, data, rej, err := parsePlan(ctx, repo, opts.Plan, planfile.LimitsFrom(lm.Policies))
	if rej != nil || err != nil {
		return nil, rej, err
	}
	p := &proposal{repo: repo, plan: plan, data: data, path: planPath(plan), base: base, branch: AgentBranchPrefix + plan.ID, lm: lm}
	if v, err := idUsed(repo, plan, base, baseRev); err != nil || v != nil {
		return nil, rejected(v...), err
	}
	// The plan was parsed within the manifest's limits. propose checks it
	// as plan check does before anything is made of it; run stages it in
	// full right after, which checks everything plan check does, so it
	// does not run the plan twice.
	if check {
		rep, err := checkRun(ctx, repo, plan, base, p.lm, opts.Runtime)
		if err != nil {
			return nil, nil, err
		}
		v := rep.Violations
		stale, err := staleViolation(repo, plan, base)
		if err != nil {
			return nil, nil, err
		}
		if v = append(v, stale...); len(v) > 0 {
			r := rejected(v...)
			r.Report.Findings = rep.Findings
			return nil, r, nil
		}
	}
	author, committer, err := repo.Idents()
	if err != nil {
		return nil, nil, err
	}
	tree, err := repo.BuildTree(base.Root(), []gitops.TreeChange{{Path: p.path, Mode: aos.ModeFile, Data: data}}, gitops.HashOnly)
	if err != nil {
		return nil, nil, err
	}
	msg := planMessage(plan, engine.Digest(data))
	if v := messageViolation("plan commit", msg, trailer.PlanClaim); v != nil {
		return nil, rejected(v...), nil
	}
	p.commit = gitops.NewCommit{Tree: tree, Parents: []string{baseID}, Author: author, Committer: committer, Message: msg}
	if p.commitID, err = repo.WriteCommit(p.commit, gitops.HashOnly); err != nil {
		return nil, nil, err
	}
	kept = true
	return p, nil, nil
}

// idUsed refuses a plan whose id is taken (docs/spec.md 6.1): its branch
// exists, or the base's history holds its plan file. Plan ids are unique,
// so that .aos/runs/<id>.json names one run forever; the fix is in the
// plan, so it is a violation (plan.id_used, exit 3), at the plan's id.
func idUsed(repo *gitops.Repo, plan *aos.Plan, base *gitops.Tree, baseRev string) ([]aos.Violation, error) {
	at := func(msg string) []aos.Violation {
		pos := plan.FieldPos["id"]
		if pos.Line == 0 {
			pos = aos.Position{File: plan.File, Line: 1, Col: 1}
		}
		return []aos.Violation{{Directive: -1, Rule: aos.RulePlanIDUsed, Pos: pos, Message: msg}}
	}
	branch := AgentBranchPrefix + plan.ID
	if t, err := repo.RefTarget(branch); err != nil {
		return nil, err
	} else if t != "" {
		b := strings.TrimPrefix(branch, "refs/heads/")
		return at(fmt.Sprintf("plan id %q is taken: branch %s already exists (at %.12s); choose another id, or delete the branch (git branch -D %s)", plan.ID, b, t, b)), nil
	}
	files, err := base.Files()
	if err != nil {
		return nil, err
	}
	for _, ext := range []string{".yaml", ".json"} {
		if _, ok := files[PlansDir+plan.ID+ext]; ok {
			return at(fmt.Sprintf("plan id %q is taken: %s holds %s, and plan ids are unique in history; choose another id", plan.ID, baseRev, PlansDir+plan.ID+ext)), nil
		}
	}
	return nil, nil
}

// write stores the plan commit's objects: all of them, or none.
func (p *proposal) write() error {
	pw := p.repo.NewPackWriter()
	defer pw.Discard()
	if err := p.writeTo(pw); err != nil {
		return err
	}
	if err := pw.Flush(); err != nil {
		return fmt.Errorf("write the plan commit of %s: %w", p.plan.ID, err)
	}
	return nil
}

// writeTo adds the plan commit's objects to pw.
func (p *proposal) writeTo(pw *gitops.PackWriter) error {
	if _, err := p.repo.BuildTree(p.base.Root(), []gitops.TreeChange{{Path: p.path, Mode: aos.ModeFile, Data: p.data}}, pw); err != nil {
		return fmt.Errorf("write the plan commit of %s: %w", p.plan.ID, err)
	}
	id, err := p.repo.WriteCommit(p.commit, pw)
	if err != nil {
		return fmt.Errorf("write the plan commit of %s: %w", p.plan.ID, err)
	}
	if id != p.commitID {
		return fmt.Errorf("plan commit id changed while writing (%s, then %s)", p.commitID, id)
	}
	return nil
}

// Propose commits a plan alone onto a new branch aos/<id> made from the
// base (docs/spec.md 6.1).
func Propose(ctx context.Context, opts RunOptions) (res *RunResult, err error) {
	defer refuseObjects(&err, func(v aos.Violation) { res = rejected(v) })
	p, rej, err := prepare(ctx, opts, true)
	if rej != nil || err != nil {
		return rej, err
	}
	defer p.repo.Close()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := p.write(); err != nil {
		return nil, err
	}
	if err := p.repo.UpdateRefs("aos propose "+p.plan.ID, gitops.RefUpdate{Ref: p.branch, Old: gitops.ZeroID, New: p.commitID}); err != nil {
		return nil, refError(p.branch, err)
	}
	r := &aos.Report{OK: true}
	return &RunResult{Report: r, Branch: p.branch, PlanCommit: p.commitID}, nil
}

// Run proposes and applies a plan; the branch is created only when the
// plan passes.
func Run(ctx context.Context, opts RunOptions) (res *RunResult, err error) {
	defer refuseObjects(&err, func(v aos.Violation) { res = rejected(v) })
	p, rej, err := prepare(ctx, opts, false)
	if rej != nil || err != nil {
		return rej, err
	}
	defer p.repo.Close()
	return p.run(ctx, opts.Runtime, nil, opts.Sign, "aos run ")
}

// run stages a prepared plan with jobs (nil: the runtime's sandbox) and,
// when it passes, writes both commits, the result signed when sign is
// set, and creates the branch at the result commit.
func (p *proposal) run(ctx context.Context, rt *Runtime, jobs engine.JobRunner, sign *Signing, reflog string) (*RunResult, error) {
	in := &stageInput{repo: p.repo, plan: p.plan, planData: p.data, planPath: p.path, base: p.base,
		planTree: p.commit.Tree, planCommit: p.commitID, lm: p.lm, rt: rt, jobs: jobs}
	st, err := stage(ctx, in)
	if err != nil {
		return nil, err
	}
	if !st.report.OK {
		return st.result(), nil
	}
	// A command cancelled (interrupted, or its git parent killed) writes
	// nothing more: only a ref update already started completes.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Both commits are written together: all of their objects, or, on
	// an error (a full disk), none. A signed result is written by git,
	// which signs a commit whose parent and tree are in the repository:
	// the plan commit goes first.
	pw := p.repo.NewPackWriter()
	defer pw.Discard()
	if err := p.writeTo(pw); err != nil {
		return nil, err
	}
	var resultID string
	if sign == nil {
		if resultID, err = st.commitTo(p.repo, pw, p.commit.Author, p.commit.Committer); err != nil {
			return nil, err
		}
	}
	if err := pw.Flush(); err != nil {
		return nil, fmt.Errorf("write the plan and result commits of %s: %w", p.plan.ID, err)
	}
	if sign != nil {
		if resultID, err = st.commit(p.repo, p.commit.Author, p.commit.Committer, sign); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := p.repo.UpdateRefs(reflog+p.plan.ID, gitops.RefUpdate{Ref: p.branch, Old: gitops.ZeroID, New: resultID}); err != nil {
		return nil, refError(p.branch, err)
	}
	res := st.result()
	res.Branch, res.PlanCommit, res.ResultCommit = p.branch, p.commitID, resultID
	return res, nil
}

// Apply runs the plan of the plan commit at the tip of a branch and adds
// the result commit on that branch (docs/spec.md 6.1).
func Apply(ctx context.Context, opts RunOptions) (res *RunResult, err error) {
	defer refuseObjects(&err, func(v aos.Violation) { res = rejected(v) })
	repo, err := openRepository(opts.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	rev := opts.Rev
	if rev == "" {
		rev = "HEAD"
	}
	ref, err := repo.BranchRef(rev)
	if err != nil {
		return nil, err
	}
	if ref == "" {
		if rev == "HEAD" {
			return nil, aos.Usage(aos.WithHint(errors.New("HEAD is detached"), "name the branch of the plan, as in git aos apply aos/<id>"))
		}
		return nil, aos.Usage(aos.WithHint(fmt.Errorf("%s is not a local branch: apply adds the result commit on the plan's branch", rev),
			"name the branch of the plan, as in git aos apply aos/<id>"))
	}
	tip, err := repo.RefTarget(ref)
	if err != nil {
		return nil, err
	}
	if err := claimsPlan(repo, ref, tip); err != nil {
		return nil, err
	}
	res, err = ApplyCommit(ctx, ApplyCommitOptions{Repo: repo, PlanCommit: tip, Policy: opts.Policy, Runtime: opts.Runtime, Sign: opts.Sign})
	if err != nil || !res.OK() {
		return res, err
	}
	if err := repo.UpdateRefs("aos apply "+res.Record.Plan.ID, gitops.RefUpdate{Ref: ref, Old: tip, New: res.ResultCommit}); err != nil {
		return nil, refError(ref, err)
	}
	res.Branch = ref
	return res, nil
}

// claimsPlan refuses, as a usage error, to apply a branch whose tip does
// not claim to be a plan commit (docs/spec.md section 1): an ordinary
// commit, or a result commit, whose plan is applied already. A tip that
// claims to be a plan commit is judged by readPlanCommit.
func claimsPlan(repo *gitops.Repo, ref, tip string) error {
	info, err := repo.CommitInfo(tip)
	if err != nil {
		return err
	}
	b := strings.TrimPrefix(ref, "refs/heads/")
	claim, tr, err := trailer.ReadClaim(info.Message)
	if err != nil {
		// A message with more than one reading claims something: it is
		// judged, and refused as commit.message, by readPlanCommit.
		return nil
	}
	switch claim {
	case trailer.ResultClaim:
		return aos.Usage(aos.WithHint(fmt.Errorf("the tip of %s (%.12s) is the result commit of plan %q: it is applied already", b, tip, tr[TrailerPlanID]),
			"check it with git aos verify "+b))
	case trailer.NoClaim:
		return aos.Usage(aos.WithHint(fmt.Errorf("the tip of %s (%.12s) is not a plan commit: its message has no %s trailer", b, tip, TrailerPlanID),
			"apply a branch that git aos propose made, as in git aos apply aos/<id>"))
	}
	return nil
}

// refError explains a failed compare-and-swap.
func refError(ref string, err error) error {
	branch := strings.TrimPrefix(ref, "refs/heads/")
	var locked *gitops.RefLockedError
	switch {
	case errors.As(err, &locked):
		return aos.WithHint(fmt.Errorf("branch %s is locked: %s exists, held by another git process or left by one that was killed; the branch did not move: %w", branch, locked.Lock, err),
			"if no git process is running in this repository, remove "+locked.Lock+" and run again")
	case errors.Is(err, gitops.ErrRefMoved):
		return fmt.Errorf("%s changed while the plan ran (another propose or apply won the race); nothing was written to it: %w", branch, err)
	}
	return err
}
