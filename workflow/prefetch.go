package workflow

import (
	"context"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/gitops/trailer"
	"github.com/sourcegraph/conc"
)

// A Prefetch is the plan of a result commit, read from git, parsed and
// digested ahead while a caller looks at the rest (the pre-receive hook,
// at the rest of the push), and its run record read: [VerifyCommit] takes
// them up when it reaches that commit. What it holds are the answers of
// pure computations to exact questions (the content of a blob, its
// digest, the plan it parses to under given limits, the file at a path of
// a commit), taken only where VerifyCommit asks the same questions; it
// judges nothing.
type Prefetch struct {
	commit     string
	recordPath string
	record     struct {
		data []byte
		ok   bool
		err  error
	}
	blob, path string
	size       int64
	lim        planfile.Limits
	stream     *gitops.BlobStream
	digest     string
	plan       *aos.Plan
	parseErr   error
	work       conc.WaitGroup
	// planTaken and recordTaken say what verify took up (the tests'
	// concern).
	planTaken, recordTaken bool
}

// PrefetchPlan starts reading the plan of id, when id is a result commit
// whose parent is a plan commit with a plan file of at most lim.MaxBytes,
// and returns at once; otherwise, or when anything on the way cannot be
// read, it returns nil, and VerifyCommit reads the commit itself. The
// repository's git process is the plan's until it is read; the caller
// calls Wait before the repository is closed.
func PrefetchPlan(ctx context.Context, repo *gitops.Repo, id string, lim planfile.Limits) *Prefetch {
	info, err := repo.CommitInfo(id)
	if err != nil || len(info.Parents) != 1 {
		return nil
	}
	claim, tr, err := trailer.ReadClaim(info.Message)
	if err != nil || claim != trailer.ResultClaim || tr[TrailerPlanID] == "" {
		return nil
	}
	plan, err := repo.CommitInfo(info.Parents[0])
	if err != nil {
		return nil
	}
	if claim, ptr, err := trailer.ReadClaim(plan.Message); err != nil || claim != trailer.PlanClaim || ptr[TrailerPlanID] != tr[TrailerPlanID] {
		return nil
	}
	p := &Prefetch{commit: id, recordPath: RunsDir + tr[TrailerPlanID] + ".json", lim: lim}
	for _, ext := range []string{".yaml", ".json"} {
		path := PlansDir + tr[TrailerPlanID] + ext
		blob, mode, ok, err := repo.PathEntry(plan.ID, path)
		if err != nil {
			return nil
		}
		if ok && mode == aos.ModeFile {
			if p.blob != "" {
				return nil
			}
			p.blob, p.path = blob, path
		}
	}
	if p.blob == "" {
		return nil
	}
	if p.size, err = repo.BlobSize(p.blob); err != nil || p.size > int64(lim.MaxBytes) {
		return nil
	}
	// The record first: the stream holds the git process until it ends.
	p.record.data, _, p.record.ok, p.record.err = repo.ReadPath(id, p.recordPath)
	p.stream = repo.StreamBlob(p.blob)
	p.work.Go(func() { p.digest = engine.DigestParts(p.stream.More) })
	p.work.Go(func() { p.plan, _, p.parseErr = planfile.ParseSource(ctx, p.path, p.stream, lim) })
	return p
}

// Wait waits for the work PrefetchPlan started.
func (p *Prefetch) Wait() {
	if p != nil {
		p.work.Wait()
	}
}

// readRecord returns the run record of commit at path, when p read it.
func (p *Prefetch) readRecord(commit, path string) (data []byte, ok bool, err error, found bool) {
	if p == nil || p.commit != commit || p.recordPath != path {
		return nil, false, nil, false
	}
	p.recordTaken = true
	return p.record.data, p.record.ok, p.record.err, true
}

// planBlob returns the stream of blob at path, its size, and its digest
// and plan under lim when p made them under the same limits (parsed false
// otherwise: the caller parses the stream's content itself).
func (p *Prefetch) planBlob(blob, path string, lim planfile.Limits) (s *gitops.BlobStream, size int64, digest string, plan *aos.Plan, err error, parsed, found bool) {
	if p == nil || p.blob != blob || p.path != path {
		return nil, 0, "", nil, nil, false, false
	}
	p.work.Wait()
	p.planTaken = true
	if p.lim != lim {
		return p.stream, p.size, p.digest, nil, nil, false, true
	}
	return p.stream, p.size, p.digest, p.plan, p.parseErr, true, true
}
