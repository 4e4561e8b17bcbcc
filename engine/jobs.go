package engine

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/architectos/aos"
	"github.com/sourcegraph/conc/pool"
)

func (r *runner) job(d *aos.Directive, o *aos.Outcome) {
	job, ok := r.resolveJob(d)
	if !ok {
		return
	}
	o.Name = job.Name
	if !r.opts.Apply {
		return
	}
	r.pending = append(r.pending, pendingJob{d: d, o: o, job: job})
	if d.Type != aos.RunTests {
		r.flushJobs()
	}
}

// pendingJob is a resolved job waiting to run.
type pendingJob struct {
	d   *aos.Directive
	o   *aos.Outcome
	job Job
}

// flushJobs runs the pending jobs: a BUILD or SANDBOX_EXEC alone, or a run
// of consecutive RUN_TESTS directives (nothing between them changes the
// tree) in parallel, up to policies.max_parallel_jobs. Every job of the
// batch runs on the same validated state, even when another of the batch
// fails; results are recorded in directive order.
func (r *runner) flushJobs() {
	batch := r.pending
	r.pending = nil
	if len(batch) == 0 {
		return
	}
	skip := func() {
		for _, p := range batch {
			p.o.Status = aos.OutcomeSkipped
		}
	}
	if len(r.res.Violations) > 0 {
		skip()
		return
	}
	if r.opts.Jobs == nil {
		for _, p := range batch {
			r.violate(p.d, "", aos.RuleSandboxUnavailable, fmt.Sprintf("%s needs a sandbox, and none is configured; the plan is not run unsandboxed", p.d.Type))
			p.o.Status = aos.OutcomeRejected
		}
		return
	}
	// Jobs only ever see a state the validators passed.
	if !r.validate() {
		skip()
		return
	}
	results := make([]JobResult, len(batch))
	errs := make([]error, len(batch))
	if len(batch) == 1 {
		results[0], errs[0] = r.opts.Jobs.Run(r.ctx, batch[0].job, r.st)
	} else {
		// The loader fills max_parallel_jobs from the schema; a pool
		// needs at least one goroutine.
		p := pool.New().WithMaxGoroutines(max(r.m.Policies.MaxParallelJobs, 1))
		for i := range batch {
			p.Go(func() { results[i], errs[i] = r.opts.Jobs.Run(r.ctx, batch[i].job, r.st) })
		}
		p.Wait()
	}
	for i, p := range batch {
		r.jobDone(p, results[i], errs[i])
	}
}

// jobDone records a job that ran, judges its exit and stages a build's
// outputs.
func (r *runner) jobDone(p pendingJob, jr JobResult, err error) {
	d, o, job := p.d, p.o, p.job
	if err != nil && r.ctx.Err() != nil {
		// Cancelled: no verdict on the plan.
		r.fail(r.ctx.Err())
		return
	}
	if aos.MachineFault(err) {
		r.fail(fmt.Errorf("directive %d (%s): %w", d.Index, d.Type, err))
		return
	}
	if err != nil && !errors.Is(err, ErrBadOutputs) {
		rule := aos.RuleSandboxUnavailable
		if je := (*JobError)(nil); errors.As(err, &je) {
			rule = je.Rule
		}
		r.violate(d, "", rule, err.Error())
		o.Status = aos.OutcomeRejected
		return
	}
	rec := jr.Record
	rec.Directive = d.Index
	r.res.Jobs = append(r.res.Jobs, rec)
	o.Job = len(r.res.Jobs)
	if rec.ExitCode != 0 || rec.TimedOut {
		why := fmt.Sprintf("exit code %d", rec.ExitCode)
		if rec.TimedOut {
			why = fmt.Sprintf("timed out after %d s", job.Timeout)
		}
		if n := len(rec.Tail); n > 0 {
			last := rec.Tail[n-1]
			if len(last) > 200 {
				last = last[:200] + "..."
			}
			why += fmt.Sprintf("; output ends %q", last)
		}
		r.violate(d, "", job.Kind.Failed(), fmt.Sprintf("%s %q failed: %s", job.Kind, job.Name, why))
		o.Status = aos.OutcomeFailed
		return
	}
	if err != nil {
		r.violate(d, "", aos.RuleBuildOutputs, err.Error())
		o.Status = aos.OutcomeRejected
		return
	}
	if !r.stageOutputs(d, o, jr.Outputs) {
		o.Status = aos.OutcomeRejected
	}
}

// stageOutputs stages a build's outputs back, judged as writes. Outputs
// identical to the staged file (content and mode) are not writes and are
// passed over; outputs never delete.
func (r *runner) stageOutputs(d *aos.Directive, o *aos.Outcome, outs []OutputFile) bool {
	sort.Slice(outs, func(i, j int) bool { return outs[i].Path < outs[j].Path })
	type staged struct {
		path string
		mode uint32
		data []byte
	}
	var changed []staged
	for _, f := range outs {
		mode := aos.ModeFile
		if f.Executable {
			mode = aos.ModeExecutable
		}
		if cur, exists := r.st.files[f.Path]; exists && cur.mode == mode && r.visible(f.Path) {
			data, err := r.st.Read(f.Path)
			if err != nil {
				r.failRead(d, f.Path, err)
				return false
			}
			if bytes.Equal(data, f.Data) {
				continue
			}
		}
		changed = append(changed, staged{f.Path, mode, f.Data})
	}
	ok := true
	for _, f := range changed {
		if _, can := r.canWrite(d, f.path); !can {
			ok = false
			continue
		}
		if !r.deny(d, f.path, r.pol.Size(int64(len(f.data)))) {
			ok = false
		}
		if f.mode != aos.ModeFile && !r.deny(d, f.path, r.pol.Mode(f.mode)) {
			ok = false
		}
	}
	if !ok {
		return false
	}
	var paths []string
	for _, f := range changed {
		r.st.put(f.path, f.mode, f.data)
		paths = append(paths, f.path)
	}
	if len(paths) > 0 {
		r.approve(d, paths)
		r.gen++
		o.Paths = paths
	}
	return true
}

func (r *runner) resolveJob(d *aos.Directive) (Job, bool) {
	m := r.m
	job := Job{Directive: d.Index, Root: m.Workspace.Mount}
	var spec aos.Job
	switch d.Type {
	case aos.RunTests:
		s, ok := m.Tests[d.Suite]
		if !ok {
			r.violate(d, "", aos.RuleTestsUnknown, fmt.Sprintf("unknown test suite %q (known: %s)", d.Suite, names(m.Tests)))
			return job, false
		}
		job.Kind, job.Name, spec = aos.JobTests, d.Suite, s
		job.Sockets = s.Sockets
	case aos.BuildTarget:
		t, ok := m.Build.Targets[d.Target]
		if !ok {
			r.violate(d, "", aos.RuleBuildUnknown, fmt.Sprintf("unknown build target %q (known: %s)", d.Target, names(m.Build.Targets)))
			return job, false
		}
		job.Kind, job.Name, spec = aos.JobBuild, d.Target, t
		job.Outputs, job.Sockets = t.Outputs, t.Sockets
	case aos.SandboxExec:
		t, ok := m.Tools[d.Tool]
		if !ok {
			r.violate(d, "", aos.RuleToolsUnknown, fmt.Sprintf("unknown tool %q (known: %s)", d.Tool, names(m.Tools)))
			return job, false
		}
		if t.ArgsPattern != "" {
			re := r.argRe[d.Tool]
			if re == nil {
				var err error
				if re, err = regexp.Compile(`^(?:` + t.ArgsPattern + `)$`); err != nil {
					r.violate(d, "", aos.RuleToolsArgsPattern, fmt.Sprintf("tool %q has an invalid args_pattern", d.Tool))
					return job, false
				}
				r.argRe[d.Tool] = re
			}
			bad := false
			for i, a := range d.Args {
				if !re.MatchString(a) {
					r.violate(d, "", aos.RuleToolsArgsPattern, fmt.Sprintf("argument %d %q does not match the args_pattern of tool %q", i, a, d.Tool))
					bad = true
				}
			}
			if bad {
				return job, false
			}
		}
		job.Kind, job.Name, job.Args = aos.JobExec, d.Tool, d.Args
		job.Sockets, job.Export = t.Sockets, t.Export
		if t.Export != nil {
			job.ExportName = fmt.Sprintf("%s.%d", r.planID, d.Index)
		}
		// Tools run at the workspace root.
		spec = aos.Job{Command: t.Command, WorkingDir: ".", TimeoutSeconds: t.TimeoutSeconds}
	}
	cmd, err := aos.ExpandTemplates(spec.Command, m.Tools)
	if err != nil {
		r.violate(d, "", aos.RuleManifestTemplate, err.Error())
		return job, false
	}
	job.Command = cmd
	job.Timeout = spec.TimeoutSeconds
	switch wd := spec.WorkingDir; {
	case wd == "" || wd == ".":
		job.WorkingDir = job.Root
	case strings.HasPrefix(wd, "/"):
		job.WorkingDir = wd
	default:
		job.WorkingDir = job.Root + "/" + wd
	}
	return job, true
}

// names lists the keys of m for messages, sorted.
func names[V any](m map[string]V) string {
	if len(m) == 0 {
		return "none"
	}
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}
