// Package engine interprets plans: it runs each directive in order against
// a staged tree held in memory on top of a base tree, judging every path it
// reads or changes by the manifest's rules (docs/spec.md 4). The same
// interpreter serves plan check (no jobs, nothing written) and apply (jobs
// and validators through the hooks of [Options]); the staged result is
// handed back as a list of changes for the caller to commit.
package engine

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/policy"
)

// Options configure a run.
type Options struct {
	// Manifest is the manifest as the loader returns it, with the
	// schema's defaults filled in; the engine assumes none of its own.
	Manifest *aos.Manifest
	// Rules are the manifest's compiled workspace rules. The engine asks
	// them, and the policies it compiles from Manifest, whether each
	// change is allowed; it holds no rule of its own.
	Rules *policy.Rules
	// Apply runs jobs and validators; without it the run only checks.
	Apply bool
	Jobs  JobRunner
	// Validate runs validators: before each job when applying, and on the
	// final state of every run; nil runs none.
	Validate ValidateFunc
	// Tree opens another commit's tree, for DIFF against.
	Tree func(rev string) (Base, error)
	// History answers GET_HISTORY.
	History func() (any, error)
	// EnvInfo answers GET_ENVIRONMENT_INFO.
	EnvInfo func() any
	// View rewrites what reads of base files answer (past run records,
	// redacted through the current ignored rules); nil reads them as
	// they are.
	View *View
	// SkipReplies leaves out what the reads return (listings, diffs,
	// contents) and their digests, for a caller that uses neither: plan
	// check, whose verdict never depends on them. A plan that lists a
	// directory after each write into it then costs what its
	// directives do, not what their replies would.
	SkipReplies bool
}

// Result is the outcome of a run.
type Result struct {
	Outcomes   []aos.Outcome
	Violations []aos.Violation
	Approvals  []aos.Approval
	Findings   []aos.Finding
	Validators []aos.ValidatorRecord
	Jobs       []aos.JobRecord
	State      *State
	// Replies hold what each directive returns to the plan's author
	// (file contents, listings, diffs), by directive index.
	Replies []any
	// changed holds, by directive index, the paths each directive
	// changed, described by [Result.Changed] when asked.
	changed [][]stepChange
}

// Changed returns the paths directive i changed (writes, patches, a
// build's outputs), compared with the staged tree before it, sorted. It
// costs the size of what they hold: ask only for replies someone reads.
func (r *Result) Changed(i int) []PathChange {
	if i < 0 || i >= len(r.changed) {
		return nil
	}
	return r.State.changes(r.changed[i])
}

// OK reports whether the plan passed.
func (r *Result) OK() bool { return len(r.Violations) == 0 }

type runner struct {
	ctx    context.Context
	planID string
	opts   Options
	m      *aos.Manifest
	st     *State
	res    *Result
	gen    int // bumps on every write
	valGen int // generation last validated; -1 never
	argRe  map[string]*regexp.Regexp
	// pending are jobs resolved but not run yet: consecutive RUN_TESTS
	// run together (see flushJobs).
	pending []pendingJob
	// leaving holds the paths the patch being judged deletes or renames
	// away: a name that folds as one of them is no collision.
	leaving map[string]bool
	// vis caches visible by path: rules are fixed for a run.
	vis map[string]bool
	// dirVis caches dirVisible, and listings the replies of LS, by
	// directory; a change of a path drops the entries of its parents
	// (dropDirs), so that a listing is computed again only when
	// something beneath it changed.
	dirVis   map[string]bool
	listings map[string]*listing
	// fixed caches the replies of GET_MANIFEST, GET_ENVIRONMENT_INFO
	// and GET_HISTORY.
	fixed [3]fixed
	// reads caches FILE_READ replies by path, dropped when the path
	// changes.
	reads map[string]*fixed
	// pol judges changes by the manifest's policies.
	pol *policy.Policies
	// sums, when set, hashes written content ahead; without it, content
	// is hashed where it is written.
	sums *sums
	// abort is why the run stopped in the middle of a directive (its
	// context ended, or a port failed: reading the base, running
	// validators); the run then fails with it instead of a verdict, since
	// it says nothing about the plan.
	abort error
}

// fail records err as the run's failure, if it is the first; the run
// stops at the end of the directive.
func (r *runner) fail(err error) {
	if r.abort == nil {
		r.abort = err
	}
}

// failRead fails the run on a read of path p for directive d that the
// repository could not serve.
func (r *runner) failRead(d *aos.Directive, p string, err error) {
	r.fail(fmt.Errorf("directive %d (%s): read %s: %w", d.Index, d.Type, p, err))
}

// Run interprets plan against base. It returns an error only when the run
// itself fails (a cancelled ctx, a base or validator that cannot serve
// it: an object of the repository that cannot be read, a validator that
// cannot start); a plan that is not allowed yields a result with
// violations.
//
// The directives run in order (docs/spec.md 6.4): each is judged and its
// writes staged, consecutive RUN_TESTS are batched (see flushJobs), then
// the plan as a whole is judged by require_tests_on_write, the final state
// by the validators when applying, and the whole change by the size rules
// of require_approval.
func Run(ctx context.Context, plan *aos.Plan, base Base, opts Options) (*Result, error) {
	r, err := newRunner(ctx, base, opts, len(plan.Directives))
	if err != nil {
		return nil, err
	}
	r.planID = plan.ID
	r.sums = newSums(len(plan.Directives))
	defer r.sums.wait(r.res)
	for i := range plan.Directives {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r.step(i, &plan.Directives[i])
		if r.abort != nil {
			return nil, r.abort
		}
	}
	return r.finish(plan.Directives)
}

// finish judges the plan of directives ds as a whole once each has run:
// the last job batch, require_tests_on_write, the validators on the
// final state when applying, and the size approvals.
func (r *runner) finish(ds []aos.Directive) (*Result, error) {
	r.flushJobs()
	if r.abort != nil {
		return nil, r.abort
	}
	if i, den := r.pol.TestsOnWrite(ds); den != nil {
		r.deny(&ds[i], "", den)
	}
	// The validators judge the final state, in plan check too (where
	// jobs do not run, so that state holds only the directives' writes).
	if r.res.OK() {
		r.validate()
	}
	// A job or validator that ctx stopped did not fail: the run did not
	// end, and has no verdict.
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	if r.abort != nil {
		return nil, r.abort
	}
	if err := r.sizeApprovals(); err != nil {
		return nil, err
	}
	sort.SliceStable(r.res.Approvals, func(i, j int) bool { return r.res.Approvals[i].Directive < r.res.Approvals[j].Directive })
	return r.res, nil
}

func newRunner(ctx context.Context, base Base, opts Options, n int) (*runner, error) {
	st, err := NewState(base)
	if err != nil {
		return nil, err
	}
	st.SetView(opts.View)
	pol, err := policy.NewPolicies(opts.Manifest)
	if err != nil {
		return nil, err
	}
	r := &runner{ctx: ctx, opts: opts, m: opts.Manifest, st: st, pol: pol, valGen: -1,
		argRe: map[string]*regexp.Regexp{}, vis: map[string]bool{},
		dirVis: map[string]bool{}, listings: map[string]*listing{}, reads: map[string]*fixed{},
		res: &Result{State: st, Outcomes: make([]aos.Outcome, n), Replies: make([]any, n), changed: make([][]stepChange, n)}}
	st.onChange = r.dropDirs
	return r, nil
}

// dropDirs forgets what is cached of p and the directories holding it.
func (r *runner) dropDirs(p string) {
	delete(r.reads, p)
	for {
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			break
		}
		p = p[:i]
		delete(r.dirVis, p)
		delete(r.listings, p)
	}
	delete(r.listings, ".")
}

// step runs d, directive i, and records its outcome.
func (r *runner) step(i int, d *aos.Directive) {
	if d.Type != aos.RunTests {
		r.flushJobs()
	}
	o := &r.res.Outcomes[i]
	*o = aos.Outcome{Index: i, Type: d.Type, Path: d.Path, Status: aos.OutcomeOK}
	before := len(r.res.Violations)
	r.st.journal = map[string]*file{}
	defer func() {
		r.res.changed[i] = r.st.journaled()
		r.st.journal = nil
	}()
	if r.deny(d, d.Path, r.pol.Directive(d.Type)) {
		r.directive(d, o)
		if len(r.res.Violations) == before && !d.Type.Writes() {
			// Writes match approval rules by the paths they touch;
			// other directives match the rules that name no paths.
			r.approve(d, nil)
		}
	}
	if len(r.res.Violations) > before && o.Status == aos.OutcomeOK {
		o.Status = aos.OutcomeRejected
	}
}

// approve records the reviews the policies ask for d, which writes paths.
func (r *runner) approve(d *aos.Directive, paths []string) {
	r.res.Approvals = append(r.res.Approvals, r.pol.Approvals(d, paths)...)
}

// deny reports den, when there is one, as a violation of d at p. It
// returns whether d passed.
func (r *runner) deny(d *aos.Directive, p string, den *policy.Denial) bool {
	if den == nil {
		return true
	}
	r.violate(d, p, den.Rule, den.Msg)
	return false
}

func (r *runner) violate(d *aos.Directive, p string, rule aos.Rule, msg string) {
	r.res.Violations = append(r.res.Violations, aos.Violation{Directive: d.Index, Type: d.Type, Path: p, Rule: rule, Message: msg, Pos: fieldPos(d, p, rule)})
}

// fieldPos is where in the plan a violation of rule about path p points:
// the parameter it is about (path:, patch:, against:, suite:, target:,
// tool:, args:) when the plan gives it, else the directive.
func fieldPos(d *aos.Directive, p string, rule aos.Rule) aos.Position {
	var field string
	switch {
	case rule == aos.RulePoliciesDeniedDirectives:
		field = "type"
	case rule == aos.RuleDiffAgainst:
		field = "against"
	case d.Type == aos.ApplyPatch && p != "":
		field = "patch"
	case p != "" && p == d.Path:
		field = "path"
	case rule == aos.RuleToolsArgsPattern:
		field = "args"
	case d.Type == aos.RunTests:
		field = "suite"
	case d.Type == aos.BuildTarget:
		field = "target"
	case d.Type == aos.SandboxExec:
		field = "tool"
	}
	// A directive with no position (an MCP tool call's) has none of its
	// parameters either.
	if pos, ok := d.FieldPos[field]; ok && pos.Line > 0 && d.Pos.Line > 0 {
		return pos
	}
	return d.Pos
}

// directive dispatches d to the handler of its type.
func (r *runner) directive(d *aos.Directive, o *aos.Outcome) {
	switch d.Type {
	case aos.FileRead:
		r.fileRead(d, o)
	case aos.Stat:
		r.stat(d, o)
	case aos.LS:
		r.ls(d, o)
	case aos.FileWrite, aos.FileAppend:
		r.write(d, o)
	case aos.FileDelete:
		r.delete(d, o)
	case aos.Diff:
		r.diff(d, o)
	case aos.Search:
		r.search(d, o)
	case aos.ApplyPatch:
		r.applyPatch(d, o)
	case aos.Quarantine:
		r.quarantine(d, o)
	case aos.RunTests, aos.BuildTarget, aos.SandboxExec:
		r.job(d, o)
	case aos.GetManifest:
		r.getManifest(d, o)
	case aos.GetEnvironmentInfo:
		r.getEnvironmentInfo(d)
	case aos.GetHistory:
		r.getHistory(d, o)
	default:
		r.violate(d, "", aos.RulePlanDirective, fmt.Sprintf("unknown directive type %q", d.Type))
	}
}
