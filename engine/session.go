package engine

import (
	"context"
	"slices"

	"github.com/architectos/aos"
)

// Session runs a plan one directive at a time, as an agent adds them
// (docs/spec.md 14.1). Each directive is judged at its place after the
// ones the session kept, with jobs and validators as in [Run]; one that
// does not pass is undone and not kept. So a session always holds what
// [Run] would make of its kept directives, run as a plan with the same
// options.
//
// A Session is not safe for concurrent use.
type Session struct {
	r    *runner
	kept []aos.Directive
}

// Step is the outcome of one directive of a [Session].
type Step struct {
	// Kept is whether the directive passed and was added to the plan.
	Kept    bool
	Outcome aos.Outcome
	// Reply is what the directive returns, as in [Result.Replies].
	Reply      any
	Violations []aos.Violation
	// Jobs are the jobs it ran, one at most, kept or not: a job that
	// fails is how the caller learns why.
	Jobs []aos.JobRecord
	// Findings are the validators' findings on the state its job was to
	// run on.
	Findings []aos.Finding
	// Approvals are the reviews its changes ask for (docs/spec.md 4.7).
	Approvals []aos.Approval
	// Changed are the paths it changed, compared with the staged tree
	// before it.
	Changed []PathChange
}

// NewSession starts a session on base.
func NewSession(ctx context.Context, base Base, opts Options) (*Session, error) {
	r, err := newRunner(ctx, base, opts, 0)
	if err != nil {
		return nil, err
	}
	return &Session{r: r}, nil
}

// checkpoint is where a runner's results stood before a directive.
type checkpoint struct {
	violations, jobs, findings, validators, approvals, outcomes int
	gen, valGen                                                 int
}

func (r *runner) checkpoint() checkpoint {
	res := r.res
	return checkpoint{len(res.Violations), len(res.Jobs), len(res.Findings), len(res.Validators), len(res.Approvals), len(res.Outcomes), r.gen, r.valGen}
}

// rollback undoes what was recorded since c. The staged state needs no
// undoing: a directive that does not pass changes it in no way.
func (r *runner) rollback(c checkpoint) {
	res := r.res
	res.Violations = res.Violations[:c.violations]
	res.Jobs = res.Jobs[:c.jobs]
	res.Findings = res.Findings[:c.findings]
	res.Validators = res.Validators[:c.validators]
	res.Approvals = res.Approvals[:c.approvals]
	res.Outcomes = res.Outcomes[:c.outcomes]
	res.Replies = res.Replies[:c.outcomes]
	res.changed = res.changed[:c.outcomes]
	r.gen, r.valGen = c.gen, c.valGen
	r.pending = nil
	r.abort = nil
}

// Do runs d as the next directive. Its Index is set to its place in the
// plan. The error is that of the run itself (ctx ended): d is then not
// kept either.
func (s *Session) Do(ctx context.Context, d aos.Directive) (Step, error) {
	r := s.r
	r.ctx = ctx
	d.Index = len(s.kept)
	c := r.checkpoint()
	r.res.Outcomes = append(r.res.Outcomes, aos.Outcome{})
	r.res.Replies = append(r.res.Replies, nil)
	r.res.changed = append(r.res.changed, nil)
	r.step(d.Index, &d)
	r.flushJobs()
	res := r.res
	st := Step{
		Outcome:    res.Outcomes[d.Index],
		Reply:      res.Replies[d.Index],
		Changed:    res.Changed(d.Index),
		Violations: slices.Clone(res.Violations[c.violations:]),
		Jobs:       slices.Clone(res.Jobs[c.jobs:]),
		Findings:   slices.Clone(res.Findings[c.findings:]),
		Approvals:  slices.Clone(res.Approvals[c.approvals:]),
	}
	err := r.abort
	if err == nil {
		err = ctx.Err()
	}
	if err != nil || len(st.Violations) > 0 {
		r.rollback(c)
		return st, err
	}
	st.Kept = true
	s.kept = append(s.kept, d)
	return st, nil
}

// Directives returns the directives kept so far, in order.
func (s *Session) Directives() []aos.Directive { return slices.Clone(s.kept) }

// Len is the number of directives kept.
func (s *Session) Len() int { return len(s.kept) }

// Finish returns what [Run] would return for the kept directives, judged
// as a whole (require_tests_on_write, the validators on the final state,
// the size approvals), and leaves the session as it was: it may go on.
// The Result's slices are copies; its State is the session's.
func (s *Session) Finish(ctx context.Context) (*Result, error) {
	r := s.r
	r.ctx = ctx
	c := r.checkpoint()
	// finish sorts the approvals in place: put them back as they were.
	approvals := slices.Clone(r.res.Approvals)
	defer func() {
		r.rollback(c)
		r.res.Approvals = approvals
	}()
	res, err := r.finish(s.kept)
	if err != nil {
		return nil, err
	}
	out := *res
	out.Outcomes = slices.Clone(res.Outcomes)
	out.Violations = slices.Clone(res.Violations)
	out.Approvals = slices.Clone(res.Approvals)
	out.Findings = slices.Clone(res.Findings)
	out.Validators = slices.Clone(res.Validators)
	out.Jobs = slices.Clone(res.Jobs)
	out.Replies = slices.Clone(res.Replies)
	out.changed = slices.Clone(res.changed)
	return &out, nil
}
