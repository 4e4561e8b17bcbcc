package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/architectos/aos"
	"github.com/architectos/aos/patch"
	"github.com/architectos/aos/policy"
	"github.com/sourcegraph/conc/pool"
)

// Job is a sandboxed job a directive asks for, resolved from the manifest.
type Job struct {
	Directive int
	Kind      string // "tests", "build" or "exec"
	Name      string // suite, target or tool name
	Command   string // the manifest's command, templates expanded
	Args      []string
	// WorkingDir is the job's directory inside the sandbox: the manifest's
	// working_dir made absolute under the workspace root.
	WorkingDir string
	Root       string // the workspace root inside the sandbox
	Timeout    int    // seconds
	Outputs    []string
}

// JobResult is what a job did. Outputs are the files a build produced that
// match its outputs globs.
type JobResult struct {
	Record  aos.JobRecord
	Outputs []OutputFile
}

// OutputFile is a file produced by a build target.
type OutputFile struct {
	Path       string
	Data       []byte
	Executable bool
}

// JobRunner runs jobs in a sandbox.
type JobRunner interface {
	// Run runs job on the staged tree st, which it only reads. An error
	// means the job could not be run at all (no sandbox); a job that fails
	// is a result with a non-zero exit code. The engine may call Run for
	// several RUN_TESTS jobs at once on the same State.
	Run(ctx context.Context, job Job, st *State) (JobResult, error)
}

// ErrBadOutputs is wrapped by the error of a [JobRunner] whose build ran
// but whose outputs cannot be staged (a symlink, over the size cap); the
// result's Record is still kept, and the plan is rejected with rule
// build.outputs.
var ErrBadOutputs = errors.New("build outputs cannot be staged")

// ValidateFunc runs the manifest's validators over the staged state and
// its changes. An error means a validator could not run: the plan is
// rejected with it.
type ValidateFunc func(ctx context.Context, st *State, changes []Change) ([]aos.Finding, []aos.ValidatorRecord, error)

// Options configure a run.
type Options struct {
	Manifest *aos.Manifest
	Rules    *policy.Rules
	// Apply runs jobs and validators; without it the run only checks.
	Apply bool
	Jobs  JobRunner
	// Validate runs validators; nil runs none.
	Validate ValidateFunc
	// Tree opens another commit's tree, for DIFF against.
	Tree func(rev string) (Base, error)
	// History answers GET_HISTORY.
	History func() (any, error)
	// EnvInfo answers GET_ENVIRONMENT_INFO.
	EnvInfo func() any
}

// Approval is a human review required by a policy rule.
type Approval = aos.Approval

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
}

// OK reports whether the plan passed.
func (r *Result) OK() bool { return len(r.Violations) == 0 }

type runner struct {
	ctx    context.Context
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
	// vis caches visible by path: rules are fixed for a run.
	vis map[string]bool
	// approvalSets are the compiled paths of each require_approval rule.
	approvalSets []*policy.GlobSet
}

// Run interprets plan against base. It returns an error only when the run
// itself fails (an unreadable base); a plan that is not allowed yields a
// result with violations.
func Run(ctx context.Context, plan *aos.Plan, base Base, opts Options) (*Result, error) {
	st, err := NewState(base)
	if err != nil {
		return nil, err
	}
	r := &runner{ctx: ctx, opts: opts, m: opts.Manifest, st: st, valGen: -1, argRe: map[string]*regexp.Regexp{}, vis: map[string]bool{},
		res: &Result{State: st, Outcomes: make([]aos.Outcome, len(plan.Directives)), Replies: make([]any, len(plan.Directives))}}
	denied := map[aos.DirectiveType]bool{}
	for _, t := range r.m.Policies.DeniedDirectives {
		denied[t] = true
	}
	for i := range plan.Directives {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d := &plan.Directives[i]
		if d.Type != aos.RunTests {
			r.flushJobs()
		}
		o := &r.res.Outcomes[i]
		*o = aos.Outcome{Index: i, Type: d.Type, Path: d.Path, Status: aos.OutcomeOK}
		before := len(r.res.Violations)
		if denied[d.Type] {
			r.violate(d, d.Path, "policies.denied_directives", fmt.Sprintf("%s is not allowed in this project", d.Type))
		} else {
			r.directive(d, o)
			if len(r.res.Violations) == before && !d.Type.Writes() {
				// Writes match approval rules by the paths they touch;
				// other directives match the rules that name no paths.
				r.approvals(d, nil)
			}
		}
		if len(r.res.Violations) > before && o.Status == aos.OutcomeOK {
			o.Status = aos.OutcomeRejected
		}
	}
	r.flushJobs()
	r.requireTests(plan)
	if opts.Apply && r.res.OK() {
		r.validate()
	}
	sort.SliceStable(r.res.Approvals, func(i, j int) bool { return r.res.Approvals[i].Directive < r.res.Approvals[j].Directive })
	return r.res, nil
}

func (r *runner) violate(d *aos.Directive, p, rule, msg string) {
	r.res.Violations = append(r.res.Violations, aos.Violation{Directive: d.Index, Type: d.Type, Path: p, Rule: rule, Message: msg, Pos: d.Pos})
}

// checkPath applies the path-safety rules; it reports and returns false
// when p is not safe.
func (r *runner) checkPath(d *aos.Directive, p string) bool {
	if err := policy.CheckPath(p); err != nil {
		r.violate(d, p, err.Rule, err.Msg)
		return false
	}
	return true
}

// visible reports whether a plan may see p.
func (r *runner) visible(p string) bool {
	v, ok := r.vis[p]
	if !ok {
		v = r.opts.Rules.Visible(p)
		r.vis[p] = v
	}
	return v
}

// readable resolves a path a directive reads: safe, visible and existing
// as a file. It reports path.not_found for anything else, the same way for
// ignored and missing paths.
func (r *runner) readable(d *aos.Directive, p string) bool {
	if !r.checkPath(d, p) {
		return false
	}
	if _, ok := r.st.files[p]; ok && r.visible(p) {
		return true
	}
	if r.st.IsDir(p) && r.visible(p) && r.dirVisible(p) {
		r.violate(d, p, "path.not_file", "path is a directory")
		return false
	}
	r.violate(d, p, "path.not_found", "no such file")
	return false
}

// canWrite judges a write of p with its side effects: the entries it
// replaces (a file or symlink on its way, a directory at its place). It
// returns the paths the write deletes, and false when it is not allowed.
func (r *runner) canWrite(d *aos.Directive, p string) ([]string, bool) {
	if !r.checkPath(d, p) {
		return nil, false
	}
	ok := true
	den := r.opts.Rules.CanWrite(p)
	if den != nil {
		r.violate(d, p, den.Rule, den.Msg)
		ok = false
	}
	var deletes []string
	// An entry on the way: a file makes the path impossible, a symlink
	// would be replaced by a directory.
	for q := p; ; {
		i := strings.LastIndexByte(q, '/')
		if i < 0 {
			break
		}
		q = q[:i]
		mode, exists := r.st.Lookup(q)
		if !exists || !r.visible(q) {
			// An ignored entry on the way makes p ignored too, refused
			// above without naming what is hidden.
			continue
		}
		if mode == aos.ModeSymlink {
			if !r.deleteAllowed(d, q, fmt.Sprintf("writing %s replaces symlink %s with a directory, deleting it", p, q)) {
				ok = false
			}
			deletes = append(deletes, q)
			continue
		}
		r.violate(d, p, "path.through_file", fmt.Sprintf("%s is a file, not a directory", q))
		return nil, false
	}
	if r.st.IsDir(p) {
		hidden := false
		for _, q := range r.st.under(p) {
			if !r.visible(q) {
				hidden = true
				continue
			}
			if !r.deleteAllowed(d, q, fmt.Sprintf("writing %s replaces a directory, deleting %s", p, q)) {
				ok = false
			}
			deletes = append(deletes, q)
		}
		// Ignored files beneath p are never deleted, nor named: the
		// write is refused as for an ignored path.
		if hidden && den == nil {
			r.violate(d, p, "workspace.not_writable", "path is not writable")
			ok = false
		}
	}
	return deletes, ok
}

// deleteAllowed judges the deletion of q, a side effect of d.
func (r *runner) deleteAllowed(d *aos.Directive, q, why string) bool {
	ok := true
	if !r.m.Policies.AllowDelete {
		r.violate(d, q, "policies.allow_delete", why+"; deletes are not allowed")
		ok = false
	}
	if den := r.opts.Rules.CanWrite(q); den != nil {
		r.violate(d, q, den.Rule, den.Msg)
		ok = false
	}
	return ok
}

func (r *runner) checkSize(d *aos.Directive, p string, n int) bool {
	limit := r.m.Policies.MaxFileSizeKB
	if limit > 0 && n > limit<<10 {
		r.violate(d, p, "policies.max_file_size_kb", fmt.Sprintf("file would be %d bytes, over the limit of %d KB", n, limit))
		return false
	}
	return true
}

func (r *runner) checkMode(d *aos.Directive, p string, mode uint32) bool {
	switch mode {
	case aos.ModeFile:
		return true
	case aos.ModeExecutable:
		if !r.m.Policies.AllowExecutable {
			r.violate(d, p, "policies.allow_executable", "executable files are not allowed")
			return false
		}
	case aos.ModeSymlink:
		if !r.m.Policies.AllowSymlinks {
			r.violate(d, p, "policies.allow_symlinks", "symlinks are not allowed")
			return false
		}
	case aos.ModeGitlink:
		if !r.m.Policies.AllowSubmodules {
			r.violate(d, p, "policies.allow_submodules", "submodules (gitlinks) are not allowed")
			return false
		}
	default:
		r.violate(d, p, "patch.mode", fmt.Sprintf("mode %o is not a git file mode", mode))
		return false
	}
	return true
}

func (r *runner) approvals(d *aos.Directive, paths []string) {
	for i, rule := range r.m.Policies.RequireApproval {
		if len(rule.Directives) > 0 && !containsType(rule.Directives, d.Type) {
			continue
		}
		name := rule.Name
		if name == "" {
			name = fmt.Sprintf("policies.require_approval[%d]", i)
		}
		if len(rule.Paths) == 0 {
			r.res.Approvals = append(r.res.Approvals, aos.Approval{Rule: name, Directive: d.Index, Reviewers: rule.Reviewers, Reason: rule.Reason})
			continue
		}
		if len(paths) == 0 {
			continue
		}
		if r.approvalSets == nil {
			r.approvalSets = make([]*policy.GlobSet, len(r.m.Policies.RequireApproval))
		}
		set := r.approvalSets[i]
		if set == nil {
			var err error
			if set, err = policy.CompileGlobs(rule.Paths); err != nil {
				continue // the manifest loader rejects malformed globs
			}
			r.approvalSets[i] = set
		}
		for _, p := range paths {
			if _, ok := set.Match(p); ok {
				r.res.Approvals = append(r.res.Approvals, aos.Approval{Rule: name, Directive: d.Index, Path: p, Reviewers: rule.Reviewers, Reason: rule.Reason})
			}
		}
	}
}

func containsType(ts []aos.DirectiveType, t aos.DirectiveType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

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
	case aos.ApplyPatch:
		r.applyPatch(d, o)
	case aos.RunTests, aos.BuildTarget, aos.SandboxExec:
		r.job(d, o)
	case aos.GetManifest:
		view := RedactedManifest(r.m)
		r.res.Replies[d.Index] = view
		b, _ := json.Marshal(view)
		o.Digest, o.Size = Digest(b), int64(len(b))
	case aos.GetEnvironmentInfo:
		if r.opts.EnvInfo != nil {
			r.res.Replies[d.Index] = r.opts.EnvInfo()
		}
	case aos.GetHistory:
		if r.opts.History != nil {
			h, err := r.opts.History()
			if err != nil {
				r.violate(d, "", "history.read", fmt.Sprintf("cannot read history: %v", err))
				return
			}
			r.res.Replies[d.Index] = h
			b, _ := json.Marshal(h)
			o.Digest, o.Size = Digest(b), int64(len(b))
		}
	default:
		r.violate(d, "", "plan.directive", fmt.Sprintf("unknown directive type %q", d.Type))
	}
}

// FileReply is what FILE_READ returns.
type FileReply struct {
	Path    string `json:"path"`
	Mode    string `json:"mode"`
	Size    int64  `json:"size"`
	BlobID  string `json:"blob"`
	Content string `json:"content,omitempty"`
	// ContentBase64 holds content that is not valid UTF-8.
	ContentBase64 []byte `json:"content_base64,omitempty"`
}

func (r *runner) fileRead(d *aos.Directive, o *aos.Outcome) {
	if !r.readable(d, d.Path) {
		return
	}
	data, err := r.st.Read(d.Path)
	if err != nil {
		r.violate(d, d.Path, "path.read", fmt.Sprintf("cannot read: %v", err))
		return
	}
	mode, _ := r.st.Lookup(d.Path)
	o.Size, o.Digest = int64(len(data)), Digest(data)
	reply := FileReply{Path: d.Path, Mode: fmt.Sprintf("%o", mode), Size: int64(len(data)), BlobID: BlobID(data)}
	if isText(data) {
		reply.Content = string(data)
	} else {
		reply.ContentBase64 = data
	}
	r.res.Replies[d.Index] = reply
}

// StatReply is what STAT returns.
type StatReply struct {
	Path   string `json:"path"`
	Type   string `json:"type"` // file, executable, symlink, submodule, dir
	Mode   string `json:"mode,omitempty"`
	Size   int64  `json:"size,omitempty"`
	BlobID string `json:"blob,omitempty"`
}

func typeOf(mode uint32) string {
	switch mode {
	case aos.ModeExecutable:
		return "executable"
	case aos.ModeSymlink:
		return "symlink"
	case aos.ModeGitlink:
		return "submodule"
	}
	return "file"
}

func (r *runner) stat(d *aos.Directive, o *aos.Outcome) {
	if !r.checkPath(d, d.Path) {
		return
	}
	if !r.visible(d.Path) {
		r.violate(d, d.Path, "path.not_found", "no such file")
		return
	}
	if r.st.IsDir(d.Path) && r.dirVisible(d.Path) {
		r.res.Replies[d.Index] = StatReply{Path: d.Path, Type: "dir"}
		return
	}
	f, ok := r.st.files[d.Path]
	if !ok {
		r.violate(d, d.Path, "path.not_found", "no such file")
		return
	}
	reply := StatReply{Path: d.Path, Type: typeOf(f.mode), Mode: fmt.Sprintf("%o", f.mode)}
	if f.mode != aos.ModeGitlink {
		size, err := r.st.Size(d.Path)
		if err != nil {
			r.violate(d, d.Path, "path.read", fmt.Sprintf("cannot read: %v", err))
			return
		}
		reply.Size = size
	}
	if f.changed {
		reply.BlobID = BlobID(f.data)
	} else {
		reply.BlobID = f.hash
	}
	o.Size = reply.Size
	r.res.Replies[d.Index] = reply
}

// dirVisible reports whether directory p holds a visible file. An
// ignored directory holds none: globs match a path's parents.
func (r *runner) dirVisible(p string) bool {
	if !r.visible(p) {
		return false
	}
	for name := range r.st.children(p) {
		q := p + "/" + name
		if _, isFile := r.st.files[q]; isFile {
			if r.visible(q) {
				return true
			}
		} else if r.dirVisible(q) {
			return true
		}
	}
	return false
}

// LSEntry is one entry of an LS reply.
type LSEntry struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Size int64  `json:"size,omitempty"`
}

func (r *runner) ls(d *aos.Directive, o *aos.Outcome) {
	dir := d.Path
	if dir != "." {
		if !r.checkPath(d, dir) {
			return
		}
		if _, isFile := r.st.files[dir]; isFile && r.visible(dir) {
			r.violate(d, dir, "path.not_dir", "path is a file, not a directory")
			return
		}
		if !r.st.IsDir(dir) || !r.visible(dir) || !r.dirVisible(dir) {
			r.violate(d, dir, "path.not_found", "no such directory")
			return
		}
	}
	prefix := ""
	if dir != "." {
		prefix = dir + "/"
	}
	seen := map[string]*LSEntry{}
	var names []string
	for name := range r.st.children(dir) {
		p := prefix + name
		f, isFile := r.st.files[p]
		if !r.visible(p) || (!isFile && !r.dirVisible(p)) {
			continue
		}
		e := &LSEntry{Name: name, Type: "dir"}
		if isFile {
			e.Type = typeOf(f.mode)
			if f.changed {
				e.Size = int64(len(f.data))
			} else if f.mode != aos.ModeGitlink {
				e.Size, _ = r.st.base.BlobSize(f.hash)
			}
		}
		seen[name] = e
		names = append(names, name)
	}
	sort.Strings(names)
	entries := make([]LSEntry, len(names))
	for i, n := range names {
		entries[i] = *seen[n]
	}
	b, _ := json.Marshal(entries)
	o.Digest, o.Size = Digest(b), int64(len(entries))
	r.res.Replies[d.Index] = entries
}

func (r *runner) write(d *aos.Directive, o *aos.Outcome) {
	p := d.Path
	deletes, ok := r.canWrite(d, p)
	if !ok {
		return
	}
	data := d.Content
	mode := aos.ModeFile
	if d.Type == aos.FileAppend {
		cur, exists := r.st.files[p]
		switch {
		case !exists || !r.visible(p):
			r.violate(d, p, "path.not_found", "FILE_APPEND needs an existing file")
			return
		case cur.mode != aos.ModeFile && cur.mode != aos.ModeExecutable:
			r.violate(d, p, "path.not_file", fmt.Sprintf("cannot append to a %s", typeOf(cur.mode)))
			return
		}
		old, err := r.st.Read(p)
		if err != nil {
			r.violate(d, p, "path.read", fmt.Sprintf("cannot read: %v", err))
			return
		}
		data = append(append(make([]byte, 0, len(old)+len(data)), old...), data...)
		mode = cur.mode
	}
	if d.Executable {
		mode = aos.ModeExecutable
	}
	if !r.checkSize(d, p, len(data)) {
		return
	}
	if mode != aos.ModeFile {
		if cur, exists := r.st.files[p]; !exists || cur.mode != mode || d.Type == aos.FileWrite {
			if !r.checkMode(d, p, mode) {
				return
			}
		}
	}
	r.approvals(d, append([]string{p}, deletes...))
	for _, q := range deletes {
		r.st.remove(q)
	}
	r.st.put(p, mode, data)
	r.gen++
	o.Size, o.Digest, o.Mode = int64(len(data)), Digest(data), fmt.Sprintf("%o", mode)
	o.Paths = append(deletes, p)
}

func (r *runner) delete(d *aos.Directive, o *aos.Outcome) {
	p := d.Path
	if !r.readable(d, p) {
		return
	}
	ok := true
	if !r.m.Policies.AllowDelete {
		r.violate(d, p, "policies.allow_delete", "deletes are not allowed")
		ok = false
	}
	if den := r.opts.Rules.CanWrite(p); den != nil {
		r.violate(d, p, den.Rule, den.Msg)
		ok = false
	}
	if !ok {
		return
	}
	r.approvals(d, []string{p})
	r.st.remove(p)
	r.gen++
}

func (r *runner) diff(d *aos.Directive, o *aos.Outcome) {
	p := d.Path
	if !r.checkPath(d, p) {
		return
	}
	if !r.visible(p) {
		r.violate(d, p, "path.not_found", "no such file")
		return
	}
	var old []byte
	var oldMode uint32
	from := r.st.orig
	var fromBase Base = r.st.base
	if d.Against != "" {
		if r.opts.Tree == nil {
			r.violate(d, p, "diff.against", "DIFF against another commit is not available here")
			return
		}
		b, err := r.opts.Tree(d.Against)
		if err != nil {
			r.violate(d, p, "diff.against", fmt.Sprintf("cannot resolve %q: %v", d.Against, err))
			return
		}
		if from, err = b.Files(); err != nil {
			r.violate(d, p, "diff.against", fmt.Sprintf("cannot read %q: %v", d.Against, err))
			return
		}
		fromBase = b
	}
	if e, ok := from[p]; ok {
		var err error
		if old, err = fromBase.ReadBlob(e.Hash); err != nil {
			r.violate(d, p, "path.read", fmt.Sprintf("cannot read: %v", err))
			return
		}
		oldMode = e.Mode
	}
	var cur []byte
	var curMode uint32
	if f, ok := r.st.files[p]; ok {
		var err error
		if cur, err = r.st.Read(p); err != nil {
			r.violate(d, p, "path.read", fmt.Sprintf("cannot read: %v", err))
			return
		}
		curMode = f.mode
	}
	if oldMode == 0 && curMode == 0 {
		r.violate(d, p, "path.not_found", "no such file on either side")
		return
	}
	text := patch.Unified(p, old, oldMode, cur, curMode)
	o.Size, o.Digest = int64(len(text)), Digest([]byte(text))
	r.res.Replies[d.Index] = text
}

func (r *runner) applyPatch(d *aos.Directive, o *aos.Outcome) {
	files, err := patch.Parse(d.Patch)
	if err != nil {
		r.violate(d, "", "patch.parse", err.Error())
		return
	}
	ok := true
	for _, f := range files {
		for _, p := range f.Paths() {
			if !r.checkPath(d, p) {
				ok = false
			}
		}
	}
	if !ok {
		return
	}
	type result struct {
		path string
		mode uint32
		data []byte
		del  bool
	}
	var results []result
	var touched []string
	var allDeletes []string
	for _, f := range files {
		if f.Binary && !r.m.Policies.AllowBinaryPatches {
			r.violate(d, firstNonEmpty(f.NewPath, f.OldPath), "policies.allow_binary_patches", "binary patches are not allowed")
			ok = false
			continue
		}
		if f.ModeChange() && !r.m.Policies.AllowModeChanges {
			r.violate(d, firstNonEmpty(f.NewPath, f.OldPath), "policies.allow_mode_changes", fmt.Sprintf("patch changes mode %o to %o", f.OldMode, f.NewMode))
			ok = false
		}
		var old []byte
		var oldMode uint32
		if f.OldPath != "" {
			if !r.readable(d, f.OldPath) {
				ok = false
				continue
			}
			m, _ := r.st.Lookup(f.OldPath)
			oldMode = m
			if f.OldMode != 0 && f.OldMode != m {
				r.violate(d, f.OldPath, "patch.apply", fmt.Sprintf("patch expects mode %o, file has %o", f.OldMode, m))
				ok = false
				continue
			}
			var err error
			if old, err = r.st.Read(f.OldPath); err != nil {
				r.violate(d, f.OldPath, "path.read", fmt.Sprintf("cannot read: %v", err))
				ok = false
				continue
			}
		}
		// Writes: the new side, and a deleted or renamed-away old side.
		if f.NewPath != "" {
			deletes, can := r.canWrite(d, f.NewPath)
			if !can {
				ok = false
			}
			allDeletes = append(allDeletes, deletes...)
			if f.Op == patch.Add {
				if _, exists := r.st.files[f.NewPath]; exists && r.visible(f.NewPath) {
					r.violate(d, f.NewPath, "patch.apply", "patch creates a file that exists")
					ok = false
				}
			}
			if f.Op == patch.Rename || f.Op == patch.Copy {
				if _, exists := r.st.files[f.NewPath]; exists && r.visible(f.NewPath) {
					r.violate(d, f.NewPath, "patch.apply", fmt.Sprintf("%s target exists", f.Op))
					ok = false
				}
			}
		}
		if f.Op == patch.Delete || f.Op == patch.Rename {
			if !r.deleteAllowed(d, f.OldPath, fmt.Sprintf("patch %ss %s", f.Op, f.OldPath)) {
				ok = false
			}
		}
		newMode := f.NewMode
		if newMode == 0 {
			newMode = oldMode
		}
		if f.Op == patch.Add || (f.NewMode != 0 && f.NewMode != oldMode) {
			if !r.checkMode(d, f.NewPath, newMode) {
				ok = false
			}
		}
		data, err := f.Apply(old)
		if err != nil {
			r.violate(d, firstNonEmpty(f.NewPath, f.OldPath), "patch.apply", err.Error())
			ok = false
			continue
		}
		if f.Op == patch.Delete {
			if len(data) != 0 {
				r.violate(d, f.OldPath, "patch.apply", "deletion patch does not remove the whole file")
				ok = false
			}
			results = append(results, result{path: f.OldPath, del: true})
			touched = append(touched, f.OldPath)
			continue
		}
		if !r.checkSize(d, f.NewPath, len(data)) {
			ok = false
		}
		if f.Op == patch.Rename {
			results = append(results, result{path: f.OldPath, del: true})
			touched = append(touched, f.OldPath)
		}
		results = append(results, result{path: f.NewPath, mode: newMode, data: data})
		touched = append(touched, f.NewPath)
	}
	if !ok {
		return
	}
	r.approvals(d, append(touched, allDeletes...))
	for _, q := range allDeletes {
		r.st.remove(q)
	}
	for _, res := range results {
		if res.del {
			r.st.remove(res.path)
		} else {
			r.st.put(res.path, res.mode, res.data)
		}
	}
	r.gen++
	o.Digest, o.Size = Digest([]byte(d.Patch)), int64(len(d.Patch))
	o.Paths = append(touched, allDeletes...)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

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
			r.violate(p.d, "", "sandbox.unavailable", fmt.Sprintf("%s needs a sandbox, and none is configured; the plan is not run unsandboxed", p.d.Type))
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
		n := r.m.Policies.MaxParallelJobs
		if n < 1 {
			n = 2
		}
		p := pool.New().WithMaxGoroutines(n)
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
	if err != nil && !errors.Is(err, ErrBadOutputs) {
		r.violate(d, "", "sandbox.unavailable", err.Error())
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
		rule := map[string]string{"tests": "tests.failed", "build": "build.failed", "exec": "tools.failed"}[job.Kind]
		r.violate(d, "", rule, fmt.Sprintf("%s %q failed: %s", job.Kind, job.Name, why))
		o.Status = aos.OutcomeFailed
		return
	}
	if err != nil {
		r.violate(d, "", "build.outputs", err.Error())
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
			if data, err := r.st.Read(f.Path); err == nil && bytes.Equal(data, f.Data) {
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
		if !r.checkSize(d, f.path, len(f.data)) {
			ok = false
		}
		if f.mode != aos.ModeFile && !r.checkMode(d, f.path, f.mode) {
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
		r.approvals(d, paths)
		r.gen++
		o.Paths = paths
	}
	return true
}

func (r *runner) resolveJob(d *aos.Directive) (Job, bool) {
	m := r.m
	job := Job{Directive: d.Index, Root: m.Workspace.Root}
	if job.Root == "." || job.Root == "" {
		job.Root = "/workspace"
	}
	var spec aos.Job
	switch d.Type {
	case aos.RunTests:
		s, ok := m.Tests[d.Suite]
		if !ok {
			r.violate(d, "", "tests.unknown", fmt.Sprintf("unknown test suite %q (known: %s)", d.Suite, names(m.Tests)))
			return job, false
		}
		job.Kind, job.Name, spec = "tests", d.Suite, s
	case aos.BuildTarget:
		t, ok := m.Build.Targets[d.Target]
		if !ok {
			r.violate(d, "", "build.unknown", fmt.Sprintf("unknown build target %q (known: %s)", d.Target, names(m.Build.Targets)))
			return job, false
		}
		job.Kind, job.Name, spec = "build", d.Target, t
		job.Outputs = t.Outputs
	case aos.SandboxExec:
		t, ok := m.Tools[d.Tool]
		if !ok {
			r.violate(d, "", "tools.unknown", fmt.Sprintf("unknown tool %q (known: %s)", d.Tool, names(m.Tools)))
			return job, false
		}
		if t.ArgsPattern != "" {
			re := r.argRe[d.Tool]
			if re == nil {
				var err error
				if re, err = regexp.Compile(`^(?:` + t.ArgsPattern + `)$`); err != nil {
					r.violate(d, "", "tools.args_pattern", fmt.Sprintf("tool %q has an invalid args_pattern", d.Tool))
					return job, false
				}
				r.argRe[d.Tool] = re
			}
			bad := false
			for i, a := range d.Args {
				if !re.MatchString(a) {
					r.violate(d, "", "tools.args_pattern", fmt.Sprintf("argument %d %q does not match the args_pattern of tool %q", i, a, d.Tool))
					bad = true
				}
			}
			if bad {
				return job, false
			}
		}
		job.Kind, job.Name, job.Args = "exec", d.Tool, d.Args
		spec = aos.Job{Command: t.Command, WorkingDir: ".", TimeoutSeconds: t.TimeoutSeconds}
		if spec.TimeoutSeconds == 0 {
			spec.TimeoutSeconds = 600
		}
	}
	cmd, err := aos.ExpandTemplates(spec.Command, m.Tools)
	if err != nil {
		r.violate(d, "", "manifest.template", err.Error())
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

func names[V any](m map[string]V) string {
	if len(m) == 0 {
		return "none"
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

// requireTests enforces require_tests_on_write: every required suite runs
// after the plan's last write.
func (r *runner) requireTests(plan *aos.Plan) {
	if !r.m.Policies.RequireTestsOnWrite {
		return
	}
	last := -1
	for i, d := range plan.Directives {
		if d.Type.Writes() || (d.Type == aos.BuildTarget && len(r.m.Build.Targets[d.Target].Outputs) > 0) {
			last = i
		}
	}
	if last < 0 {
		return
	}
	required := r.m.Policies.RequiredSuites
	if len(required) == 0 {
		for name := range r.m.Tests {
			required = append(required, name)
		}
		sort.Strings(required)
	}
	ran := map[string]bool{}
	for _, d := range plan.Directives[last+1:] {
		if d.Type == aos.RunTests {
			ran[d.Suite] = true
		}
	}
	var missing []string
	for _, s := range required {
		if !ran[s] {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		d := &plan.Directives[last]
		r.violate(d, "", "policies.require_tests_on_write",
			fmt.Sprintf("the plan writes here but does not run %s after its last write (add RUN_TESTS with suite: %s)", plural("suite", missing), missing[0]))
	}
}

func plural(word string, xs []string) string {
	if len(xs) == 1 {
		return word + " " + xs[0]
	}
	return word + "s " + strings.Join(xs, ", ")
}

// validate runs the validators on the current state unless it was already
// validated. It returns false when they reject it.
func (r *runner) validate() bool {
	if r.opts.Validate == nil || len(r.m.Validators) == 0 {
		return true
	}
	if r.valGen == r.gen {
		return r.res.OK()
	}
	r.valGen = r.gen
	changes, err := r.st.Changes()
	if err != nil {
		r.res.Violations = append(r.res.Violations, aos.Violation{Directive: -1, Rule: "validators.run", Message: err.Error()})
		return false
	}
	findings, recs, err := r.opts.Validate(r.ctx, r.st, changes)
	r.mergeValidators(recs)
	r.res.Findings = append(r.res.Findings, findings...)
	ok := true
	if err != nil {
		r.res.Violations = append(r.res.Violations, aos.Violation{Directive: -1, Rule: "validators.run", Message: err.Error()})
		ok = false
	}
	for _, f := range findings {
		if f.Severity == aos.SeverityError {
			r.res.Violations = append(r.res.Violations, aos.Violation{Directive: -1, Path: f.Path, Rule: "validators." + f.Validator + "/" + f.Rule,
				Message: fmt.Sprintf("line %d, column %d: %s", f.Line, f.Column, f.Message)})
			ok = false
		}
	}
	return ok
}

func (r *runner) mergeValidators(recs []aos.ValidatorRecord) {
	r.res.Validators = append(r.res.Validators, recs...)
}

func isText(b []byte) bool {
	return bytes.IndexByte(b, 0) < 0 && utf8.Valid(b)
}
