package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/patch"
)

// SessionOptions configure [OpenSession].
type SessionOptions struct {
	Dir     string // a directory inside the repository
	Base    string // the base revision; "" is HEAD
	Policy  string // an organisation policy file, or ""
	Runtime *Runtime
}

// Session is a plan in the making: directives judged one at a time as an
// agent sends them, staged in memory on the base commit with its manifest,
// as a run of the plan of the directives kept so far (docs/spec.md 14).
// Nothing is written to the repository until [Session.Submit]. A Session
// is safe for concurrent use; its calls are judged one at a time.
type Session struct {
	mu   sync.Mutex
	opts SessionOptions
	repo *gitops.Repo
	base *gitops.Tree
	lm   *LoadedManifest
	eng  *engine.Options
	// pre reject every directive: the validators cannot be loaded.
	pre []aos.Violation
	cur *sessionPlan
	// blobs keeps the base's contents a session read, for the next
	// reads and searches.
	blobs *blobCache
	// warm starts the warming of blobs once; stopWarm ends it, and
	// warmed is closed when it has ended or never started.
	warm     sync.Once
	stopWarm context.CancelFunc
	warmed   chan struct{}
}

// sessionPlan is the plan a session holds: the engine's session and the
// jobs its directives ran.
type sessionPlan struct {
	eng      *engine.Session
	recorder *jobRecorder
	jobs     map[int]ranJob // by directive index
	size     int            // bytes the directives take in the plan file
}

// OpenSession opens a session on the base commit of the repository
// holding opts.Dir. A base or manifest that cannot be read is an error.
func OpenSession(ctx context.Context, opts SessionOptions) (*Session, error) {
	repo, err := openRepository(opts.Dir)
	if err != nil {
		return nil, err
	}
	s := &Session{opts: opts, repo: repo}
	if err := s.open(ctx); err != nil {
		repo.Close()
		return nil, err
	}
	s.warmed = make(chan struct{})
	return s, nil
}

// startWarm starts reading the base's blobs ahead, once: after the
// session's first call, so that the first answer does not share the
// processor with it.
func (s *Session) startWarm() {
	s.warm.Do(func() {
		ctx, stop := context.WithCancel(context.Background())
		s.stopWarm = stop
		go func() {
			defer close(s.warmed)
			s.blobs.warm(ctx, s.opts.Dir, s.base.Commit, s.lm)
		}()
	})
}

func (s *Session) open(ctx context.Context) error {
	rev := s.opts.Base
	if rev == "" {
		rev = "HEAD"
	}
	id, err := s.repo.Resolve(rev)
	if err != nil {
		return fmt.Errorf("base: %w", err)
	}
	if s.base, err = s.repo.CommitTree(id); err != nil {
		return err
	}
	if s.lm, err = ManifestFromTree(s.base, ManifestOptions{Policy: s.opts.Policy}); err != nil {
		return err
	}
	rec := &jobRecorder{}
	var jobs engine.JobRunner
	if rt := s.opts.Runtime; rt != nil && rt.Jobs != nil {
		if rec.inner, err = rt.Jobs(s.lm.Manifest); err != nil {
			rec.inner = failingJobs{err}
		}
		jobs = rec
	}
	opts, pre, err := engineOptions(ctx, s.repo, s.base, s.lm, s.opts.Runtime, jobs)
	if err != nil {
		return err
	}
	s.eng, s.pre = &opts, pre
	return s.reset(ctx, rec)
}

// reset starts an empty plan on the base.
func (s *Session) reset(ctx context.Context, rec *jobRecorder) error {
	if s.blobs == nil {
		s.blobs = &blobCache{Base: s.base, max: maxCachedBlobs, data: map[string][]byte{}}
	}
	eng, err := engine.NewSession(ctx, s.blobs, *s.eng)
	if err != nil {
		return err
	}
	s.cur = &sessionPlan{eng: eng, recorder: rec, jobs: map[int]ranJob{}}
	return nil
}

// Close releases the repository.
func (s *Session) Close() error {
	s.warm.Do(func() { close(s.warmed) }) // none starts after this
	if s.stopWarm != nil {
		s.stopWarm()
	}
	<-s.warmed
	return s.repo.Close()
}

// Base is the commit the session stages on.
func (s *Session) Base() string { return s.base.Commit }

// Manifest is the manifest the session is judged by.
func (s *Session) Manifest() *LoadedManifest { return s.lm }

// Do judges one directive of type t, given as params, the JSON object of
// its parameters, as the next directive of the session's plan. A refused
// directive is a Reply with violations, and changes nothing. The error
// is that of the session itself, and ctx's when it ends: the directive
// is not kept then either.
func (s *Session) Do(ctx context.Context, t aos.DirectiveType, params []byte) (*Reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.startWarm()
	p := s.cur
	index := p.eng.Len()
	refuse := func(v ...aos.Violation) (*Reply, error) {
		return &Reply{Directive: index, Type: t, Status: aos.OutcomeRejected, Violations: v}, nil
	}
	d, err := planfile.ParseDirective("arguments", t, index, params)
	var pe *planfile.Error
	if errors.As(err, &pe) {
		for i := range pe.Violations {
			// The arguments are no file: a position in them says little.
			pe.Violations[i].Pos, pe.Violations[i].Type = aos.Position{}, t
		}
		return refuse(pe.Violations...)
	} else if err != nil {
		return nil, err
	}
	d.Pos = aos.Position{}
	if len(s.pre) > 0 {
		v := slices.Clone(s.pre)
		for i := range v {
			v[i].Directive, v[i].Type = index, t
		}
		return refuse(v...)
	}
	if d.Type == aos.Diff && d.Against != "" {
		// Recorded as the commit it names now, so that the plan shows
		// the same diff whenever it runs again.
		if id, err := s.repo.Resolve(d.Against); err == nil {
			d.Against = id
		}
	}
	size, err := directiveSize(d)
	if err != nil {
		return nil, err
	}
	lim := planfile.LimitsFrom(s.lm.Policies)
	if index+1 > lim.MaxDirectives || p.size+size > lim.MaxBytes {
		return refuse(aos.Violation{Directive: index, Type: t, Rule: aos.RulePlanSize,
			Message: fmt.Sprintf("the plan would be over its limits of %d directives and %d bytes (policies.max_directives, policies.max_plan_kb): submit or discard it", lim.MaxDirectives, lim.MaxBytes)})
	}
	p.recorder.start()
	st, err := p.eng.Do(ctx, *d)
	ran := p.recorder.take()
	if err != nil {
		return nil, err
	}
	if st.Kept {
		p.size += size
		if ran != nil {
			p.jobs[index] = *ran
		}
	}
	return stepReply(st), nil
}

// planHeader is what a plan file holds besides its directives, roughly:
// directiveSize counts the rest.
const planHeader = len("version: 1\nid: session\ngoal: session\ndirectives:\n")

// directiveSize is how many bytes d takes in a plan file. Encoding it is
// also the check that a plan can hold it exactly.
func directiveSize(d *aos.Directive) (int, error) {
	b, err := planfile.Encode(&aos.Plan{Version: aos.PlanVersion, ID: "session", Goal: "session", Directives: []aos.Directive{*d}})
	if err != nil {
		return 0, err
	}
	return len(b) - planHeader, nil
}

// SessionStatus is where a session stands (docs/spec.md 14.4).
type SessionStatus struct {
	Base string `json:"base"`
	// OK is whether submit would pass now.
	OK bool `json:"ok"`
	// Directives are the outcomes of the directives kept, in order.
	Directives []aos.Outcome `json:"directives"`
	// Changes are the staged files that differ from the base.
	Changes []engine.PathChange `json:"changes"`
	// Diff is their unified diff, cut at MaxStatusDiff bytes.
	Diff          string `json:"diff"`
	DiffTruncated bool   `json:"diff_truncated,omitempty"`
	// Violations are what would reject the plan as a whole.
	Violations []aos.Violation `json:"violations"`
	Findings   []aos.Finding   `json:"findings,omitempty"`
	Approvals  []aos.Approval  `json:"approvals"`
}

// MaxStatusDiff bounds the diff of [Session.Status].
const MaxStatusDiff = 256 << 10

// Status says what the session holds and what submit would find, and
// records nothing.
func (s *Session) Status(ctx context.Context) (*SessionStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.cur
	res, err := p.eng.Finish(ctx)
	if err != nil {
		return nil, err
	}
	out := &SessionStatus{Base: s.base.Commit, Directives: slices.Clone(res.Outcomes), Changes: []engine.PathChange{},
		Violations: append(slices.Clone(s.pre), res.Violations...), Findings: res.Findings, Approvals: res.Approvals}
	if out.Directives == nil {
		out.Directives = []aos.Outcome{}
	}
	if out.Approvals == nil {
		out.Approvals = []aos.Approval{}
	}
	changes, err := res.State.Changes()
	if err != nil {
		return nil, err
	}
	files, err := s.base.Files()
	if err != nil {
		return nil, err
	}
	var diff strings.Builder
	for _, c := range changes {
		pc := engine.PathChange{Path: c.Path, Status: c.Status}
		var old, cur []byte
		var oldMode, curMode uint32
		if e, ok := files[c.Path]; ok {
			if old, err = s.base.ReadBlob(e.Hash); err != nil {
				return nil, err
			}
			oldMode = e.Mode
		}
		if c.Status != aos.StatusDeleted {
			if cur, err = res.State.Read(c.Path); err != nil {
				return nil, err
			}
			curMode = c.Mode
			pc.Mode, pc.Size, pc.Blob = fmt.Sprintf("%o", c.Mode), int64(len(cur)), engine.BlobID(cur)
		}
		out.Changes = append(out.Changes, pc)
		if !out.DiffTruncated {
			u := patch.Unified(c.Path, old, oldMode, cur, curMode)
			if diff.Len()+len(u) > MaxStatusDiff {
				out.DiffTruncated = true
			} else {
				diff.WriteString(u)
			}
		}
	}
	out.Diff = diff.String()
	if p.eng.Len() == 0 {
		out.Violations = append(out.Violations, aos.Violation{Directive: -1, Rule: aos.RulePlanSchema, Message: "the plan has no directive yet: a plan needs at least one"})
	}
	aos.SortFindings(out.Findings)
	out.OK = len(out.Violations) == 0
	return out, nil
}

// SubmitOptions configure [Session.Submit].
type SubmitOptions struct {
	ID   string // the plan's id: its branch is aos/<id>
	Goal string
}

// SubmitResult is what [Session.Submit] made.
type SubmitResult struct {
	*RunResult
	// PlanFile is the plan's path in the plan commit.
	PlanFile string
	// Summary is the result commit's message (docs/spec.md 7.1).
	Summary string
}

// Submit writes the plan of the session's directives and runs it as
// git aos run does on the session's base, taking each job's result from
// the session rather than running it again (docs/spec.md 14.4). When the
// plan passes, the session starts again, empty, on the same base; a plan
// that does not pass is a result whose report says why, and the session
// stays as it was.
func (s *Session) Submit(ctx context.Context, opts SubmitOptions) (out *SubmitResult, err error) {
	defer refuseObjects(&err, func(v aos.Violation) { out = &SubmitResult{RunResult: rejected(v)} })
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.cur
	if p.eng.Len() == 0 {
		return nil, aos.WithHint(errors.New("nothing to submit: no directive of this session has passed"),
			"look, change and test first; plan_status shows what the session holds")
	}
	plan := &aos.Plan{Version: aos.PlanVersion, ID: opts.ID, Goal: opts.Goal, Base: s.base.Commit, Directives: p.eng.Directives()}
	data, err := planfile.Encode(plan)
	var pe *planfile.Error
	if errors.As(err, &pe) {
		return &SubmitResult{RunResult: rejected(pe.Violations...)}, nil
	} else if err != nil {
		return nil, err
	}
	file := PlansDir + opts.ID + ".yaml"
	prop, rej, err := prepare(ctx, RunOptions{Dir: s.opts.Dir, Plan: PlanSource{File: file, Data: data}, Base: s.base.Commit, Policy: s.opts.Policy}, false)
	if rej != nil || err != nil {
		return &SubmitResult{RunResult: rej}, err
	}
	defer prop.repo.Close()
	// What runs is what the session judged: the same manifest, and the
	// plan file reads back as the session's directives.
	if prop.lm.Digest != s.lm.Digest {
		return nil, fmt.Errorf("the manifest or policy changed since the session started (%s, now %s): discard the session and start again", s.lm.Digest, prop.lm.Digest)
	}
	kept := p.eng.Directives()
	if len(prop.plan.Directives) != len(kept) {
		return nil, fmt.Errorf("the plan file holds %d directives, the session %d", len(prop.plan.Directives), len(kept))
	}
	for i := range kept {
		if !planfile.SameDirective(&prop.plan.Directives[i], &kept[i]) {
			return nil, fmt.Errorf("directive %d of the plan file is not the session's", i)
		}
	}
	res, err := prop.run(ctx, s.opts.Runtime, &sessionJobs{jobs: p.jobs}, nil, "aos mcp submit ")
	if err != nil {
		return nil, err
	}
	out = &SubmitResult{RunResult: res, PlanFile: file}
	if !res.OK() {
		return out, nil
	}
	out.Summary = resultMessage(res.Record, RunsDir+opts.ID+".json")
	return out, s.reset(ctx, p.recorder)
}

// Discard forgets every directive and staged change: the session is empty
// again, on the same base. It returns how many directives it forgot.
func (s *Session) Discard(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.cur.eng.Len()
	return n, s.reset(ctx, s.cur.recorder)
}

// ranJob is a job a session ran: the job, the digest of the staged tree it
// ran on, and what it did.
type ranJob struct {
	job    engine.Job
	tree   string
	result engine.JobResult
}

// jobRecorder runs a session's jobs and keeps the last one's result.
type jobRecorder struct {
	inner engine.JobRunner
	mu    sync.Mutex
	last  *ranJob
}

func (r *jobRecorder) start() {
	r.mu.Lock()
	r.last = nil
	r.mu.Unlock()
}

func (r *jobRecorder) take() *ranJob {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.last
	r.last = nil
	return l
}

func (r *jobRecorder) Run(ctx context.Context, job engine.Job, st *engine.State) (engine.JobResult, error) {
	tree, err := stateDigest(st)
	if err != nil {
		return engine.JobResult{}, err
	}
	res, err := r.inner.Run(ctx, job, st)
	if err == nil {
		r.mu.Lock()
		r.last = &ranJob{job: job, tree: tree, result: res}
		r.mu.Unlock()
	}
	return res, err
}

// sessionJobs answers the jobs of a submitted plan with the results the
// session saw, after checking that each is the same job on the same
// staged tree.
type sessionJobs struct {
	jobs map[int]ranJob
}

func (r *sessionJobs) Run(_ context.Context, job engine.Job, st *engine.State) (engine.JobResult, error) {
	ran, ok := r.jobs[job.Directive]
	if !ok {
		return engine.JobResult{}, fmt.Errorf("the session ran no job for directive %d", job.Directive)
	}
	if !sameJob(ran.job, job) {
		return engine.JobResult{}, fmt.Errorf("directive %d asks for %s %q, and the session ran %s %q", job.Directive, job.Kind, job.Name, ran.job.Kind, ran.job.Name)
	}
	tree, err := stateDigest(st)
	if err != nil {
		return engine.JobResult{}, err
	}
	if tree != ran.tree {
		return engine.JobResult{}, fmt.Errorf("the staged tree of directive %d is not the one its job ran on in the session", job.Directive)
	}
	return ran.result, nil
}

func sameJob(a, b engine.Job) bool {
	return a.Kind == b.Kind && a.Name == b.Name && a.Command == b.Command && slices.Equal(a.Args, b.Args) &&
		a.WorkingDir == b.WorkingDir && a.Root == b.Root && a.Timeout == b.Timeout && slices.Equal(a.Outputs, b.Outputs)
}

// stateDigest identifies a staged tree by its changes from the base.
func stateDigest(st *engine.State) (string, error) {
	changes, err := st.Changes()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, c := range changes {
		id := c.Hash
		if c.Data != nil {
			id = engine.BlobID(c.Data)
		}
		fmt.Fprintf(&b, "%s %o %s %s\x00", c.Status, c.Mode, id, c.Path)
	}
	return engine.Digest([]byte(b.String())), nil
}

// ResolveSession checks what a session is opened with before it opens:
// it returns the commit that opts.Base ("" is HEAD) names in the
// repository holding opts.Dir, and reads the policy file. A base that
// names no commit and a policy file that does not exist are usage errors
// (docs/spec.md section 1), as for every command.
func ResolveSession(opts SessionOptions) (string, error) {
	repo, err := openRepository(opts.Dir)
	if err != nil {
		return "", err
	}
	defer repo.Close()
	rev := opts.Base
	if rev == "" {
		rev = "HEAD"
	}
	id, err := resolveArg(repo, "base", rev)
	if err != nil {
		return "", err
	}
	if _, err := repo.CommitTree(id); err != nil {
		return "", aos.Usage(fmt.Errorf("base %s: %w", rev, err))
	}
	if opts.Policy != "" {
		if _, err := readArg("policy", opts.Policy); err != nil {
			return "", err
		}
	}
	return id, nil
}

// PlanSchema returns the plan format as a JSON Schema (docs/spec.md 3.3).
func PlanSchema() ([]byte, error) { return planfile.Schema() }

// DirectiveSchema returns the JSON Schema of the parameters of directive
// type t, the input of its MCP tool (docs/spec.md 14.2).
func DirectiveSchema(t aos.DirectiveType) (map[string]any, bool) { return planfile.DirectiveSchema(t) }

// DirectiveDoc says what directive type t does, in one sentence.
func DirectiveDoc(t aos.DirectiveType) string { return planfile.DirectiveDoc(t) }

// RepositoryRoot returns the top of the working tree of the repository
// holding dir, or its git directory when it is bare.
func RepositoryRoot(dir string) (string, error) {
	repo, err := openRepository(dir)
	if err != nil {
		return "", err
	}
	defer repo.Close()
	if repo.WorkTree != "" {
		return repo.WorkTree, nil
	}
	return repo.GitDir, nil
}
