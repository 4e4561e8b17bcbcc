package workflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/gitops/trailer"
	"github.com/architectos/aos/policy"
)

// ManifestOptions say where the manifest and policy come from.
type ManifestOptions struct {
	// File is a manifest file on disk (-m); "" reads the manifest from
	// the base commit.
	File string
	// Policy is an organisation policy file (--policy), or "".
	Policy string
}

// LoadedManifest is a manifest with its compiled rules.
type LoadedManifest struct {
	*aos.Manifest
	Rules *policy.Rules
	// PolicyDigest is the digest of the policy file, when there is one.
	PolicyDigest string
}

// LoadManifestFile loads a manifest from disk, with an optional policy.
func LoadManifestFile(file, policyFile string) (*LoadedManifest, error) {
	data, err := readArg("manifest", file)
	if err != nil {
		return nil, err
	}
	return loadManifest(cue.Source{Name: file, Data: data}, filepath.Base(file), policyFile)
}

func loadManifest(src cue.Source, repoPath, policyFile string) (*LoadedManifest, error) {
	var pol *cue.Source
	if policyFile != "" {
		b, err := readArg("policy", policyFile)
		if err != nil {
			return nil, err
		}
		pol = &cue.Source{Name: policyFile, Data: b}
	}
	m, err := cue.LoadManifest(src, repoPath, pol)
	if err != nil {
		return nil, err
	}
	rules, err := policy.NewRules(m.Workspace, repoPath)
	if err != nil {
		return nil, fmt.Errorf("compile workspace rules: %w", err)
	}
	lm := &LoadedManifest{Manifest: m, Rules: rules}
	if pol != nil {
		lm.PolicyDigest = engine.Digest(pol.Data)
	}
	return lm, nil
}

// ManifestFromTree loads the manifest of a commit's tree, or the file
// named in opts.
func ManifestFromTree(t *gitops.Tree, opts ManifestOptions) (*LoadedManifest, error) {
	if opts.File != "" {
		return LoadManifestFile(opts.File, opts.Policy)
	}
	name, data, err := t.FindManifest()
	if err != nil {
		return nil, manifestHint(err)
	}
	return loadManifest(cue.Source{Name: name, Data: data}, name, opts.Policy)
}

// ManifestCheckOptions configure [CheckManifest].
type ManifestCheckOptions struct {
	// Dir is a directory inside the working tree whose manifest is
	// checked, when File is "".
	Dir string
	// File is a manifest file on disk; "" finds the one at the root of
	// the working tree holding Dir, or in Dir outside a repository.
	File string
	// Policy is an organisation policy file, or "".
	Policy string
}

// ManifestCheck is the verdict of [CheckManifest] on a valid manifest.
type ManifestCheck struct {
	File     string // the file checked
	Manifest *LoadedManifest
	// Drift is set when the file is the working tree's manifest and HEAD
	// commits another (or none): plan check, run and the hook judge by
	// HEAD's.
	Drift *ManifestDrift
}

// ManifestDrift says that the working tree's manifest is not the one
// committed at Commit, which the commands that judge plans read
// (docs/spec.md 2.1).
type ManifestDrift struct {
	// File is the working tree's manifest, "" when it has none.
	File string
	// Commit is the commit read; Name its manifest, "" when it has none.
	Commit, Name string
}

// manifestDrift compares the working tree's manifest with the one
// committed in t: nil when they are the same file with the same bytes,
// or when neither exists, or outside a working tree.
func manifestDrift(repo *gitops.Repo, t *gitops.Tree) *ManifestDrift {
	if repo.WorkTree == "" {
		return nil
	}
	file, ferr := gitops.FindManifestFile(repo.WorkTree)
	var disk []byte
	if ferr == nil {
		disk, ferr = os.ReadFile(file)
	}
	name, data, terr := t.FindManifest()
	switch {
	case ferr != nil && terr != nil:
		return nil
	case ferr == nil && terr == nil && filepath.Base(file) == name && bytes.Equal(disk, data):
		return nil
	}
	d := &ManifestDrift{Commit: t.Commit}
	if ferr == nil {
		d.File = file
	}
	if terr == nil {
		d.Name = name
	}
	return d
}

// CheckManifest validates a manifest on disk against the schema, unified
// with the policy, and runs the semantic checks (docs/spec.md 2.5). An
// invalid manifest is an error listing every problem, a
// [*cue.ManifestError] that wraps [aos.ErrRejected].
func CheckManifest(ctx context.Context, opts ManifestCheckOptions) (*ManifestCheck, error) {
	file := opts.File
	if file == "" {
		root := opts.Dir
		if repo, err := gitops.Open(opts.Dir); err == nil {
			if repo.WorkTree != "" {
				root = repo.WorkTree
			}
			repo.Close()
		}
		var err error
		if file, err = gitops.FindManifestFile(root); err != nil {
			return nil, manifestHint(err)
		}
	}
	lm, err := LoadManifestFile(file, opts.Policy)
	if err != nil {
		return nil, err
	}
	c := &ManifestCheck{File: file, Manifest: lm}
	if opts.File == "" {
		if repo, err := gitops.Open(opts.Dir); err == nil {
			if t, err := repo.RevTree("HEAD"); err == nil {
				c.Drift = manifestDrift(repo, t)
			}
			repo.Close()
		}
	}
	return c, nil
}

// SchemaFormat is a format of [ManifestSchema].
type SchemaFormat int

const (
	// SchemaJSON is JSON Schema (draft 2020-12), for editors and YAML
	// language servers.
	SchemaJSON SchemaFormat = iota
	// SchemaCUE is the CUE schema itself, as embedded in the binary.
	SchemaCUE
)

// ManifestSchema returns the schema every manifest is validated by.
func ManifestSchema(f SchemaFormat) ([]byte, error) {
	if f == SchemaCUE {
		return cue.SchemaSource(), nil
	}
	return cue.JSONSchema()
}

// CheckOptions configure [CheckPlan].
type CheckOptions struct {
	Dir      string // a directory inside the repository
	Plan     PlanSource
	Base     string // --base; "" is HEAD, as propose and run take it
	Manifest ManifestOptions
	// Version is git-aos's version, for GET_ENVIRONMENT_INFO.
	Version string
	// Runtime runs the manifest's validators over the staged state; jobs
	// never run in plan check.
	Runtime *Runtime
}

// CheckResult is the verdict of [CheckPlanReplies].
type CheckResult struct {
	Report *aos.Report
	// Drift is set when the working tree's manifest is not the one
	// committed at the base, which judged the plan (without -m).
	Drift *ManifestDrift
	res   *engine.Result
}

// Replies answer the plan's directives from the base, by index: the reads
// as run would answer them, what the writes would change; no job runs.
// Nil when the plan could not be run at all (malformed, over its limits).
// Describing the paths each directive changed costs their size, so they
// are made only when asked.
func (c *CheckResult) Replies() []Reply {
	if c.res == nil {
		return nil
	}
	rep := Replies(c.res)
	for i := range rep {
		if rep[i].Type.IsJob() && rep[i].Job == nil && rep[i].OK() {
			rep[i].Note = "not run: plan check runs no job; run or apply runs it in the sandbox"
		}
	}
	return rep
}

// CheckPlan checks a plan against the manifest without running anything or
// writing anything (docs/spec.md 5). A malformed plan is reported as
// violations, like a disallowed one.
func CheckPlan(ctx context.Context, opts CheckOptions) (*aos.Report, error) {
	res, err := CheckPlanReplies(ctx, opts)
	if err != nil {
		return nil, err
	}
	return res.Report, nil
}

// CheckPlanReplies is [CheckPlan] with the replies of the plan's
// directives, answered from the base as run would answer them, through
// the same redaction (docs/spec.md 5, 6.5): an agent looks around with
// it without a branch or a commit, and without using up the plan's id.
func CheckPlanReplies(ctx context.Context, opts CheckOptions) (out *CheckResult, err error) {
	defer refuseObjects(&err, func(v aos.Violation) { out = &CheckResult{Report: &aos.Report{Violations: []aos.Violation{v}}} })
	repo, err := openRepository(opts.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	// The base (--base, else HEAD) and its manifest are known first, and
	// the manifest's limits bound the plan before it is read.
	baseRev := opts.Base
	if baseRev == "" {
		baseRev = "HEAD"
	}
	id, err := resolveArg(repo, "base", baseRev)
	if err != nil {
		return nil, err
	}
	tree, err := repo.CommitTree(id)
	if err != nil {
		return nil, err
	}
	lm, err := ManifestFromTree(tree, opts.Manifest)
	if err != nil {
		return nil, err
	}
	lim := planfile.LimitsFrom(lm.Policies)
	plan, data, rej, err := parsePlan(ctx, repo, opts.Plan, lim)
	if err != nil {
		return nil, err
	}
	if rej != nil {
		return &CheckResult{Report: rej.Report}, nil
	}
	if v := checkLimits(plan, len(data), lm.Manifest); len(v) > 0 {
		return &CheckResult{Report: &aos.Report{Violations: v}}, nil
	}
	// As run judges it: a plan whose named base is behind this one in a
	// path it touches is stale.
	stale, err := staleViolation(repo, plan, tree)
	if err != nil {
		return nil, err
	}
	msgV := messageViolation("plan commit", planMessage(plan, engine.Digest(data)), trailer.PlanClaim)
	redact := newRedactor(ctx, lm)
	rt := opts.Runtime
	if rt == nil {
		rt = &Runtime{}
	}
	if rt.Version == "" {
		r := *rt
		r.Version = opts.Version
		rt = &r
	}
	eopts := engine.Options{
		Manifest: lm.Manifest,
		Rules:    lm.Rules,
		View:     redact.view(),
		Tree: func(rev string) (engine.Base, error) {
			return repo.RevTree(rev)
		},
		History: func() (any, error) {
			h, err := History(ctx, repo, tree.Commit, historyLimit)
			redact.entries(h)
			return h, err
		},
		EnvInfo: func() any { return environmentInfo(lm.Manifest, rt) },
	}
	// The validators run over the staged state after the last directive
	// (docs/validators.md 6); no job runs.
	switch vf, err := validatorsOf(ctx, rt, lm.Manifest, tree); {
	case errors.Is(err, errNoValidators):
		return &CheckResult{Report: &aos.Report{Violations: []aos.Violation{{Directive: -1, Rule: aos.RuleValidatorsUnavailable,
			Message: err.Error() + "; the plan is not accepted unvalidated"}}}}, nil
	case err != nil:
		return &CheckResult{Report: &aos.Report{Violations: []aos.Violation{{Directive: -1, Rule: aos.RuleValidatorsLoad, Message: err.Error()}}}}, nil
	default:
		eopts.Validate = vf
	}
	res, err := engine.Run(ctx, plan, tree, eopts)
	if err != nil {
		return nil, err
	}
	v := append(append(stale, res.Violations...), msgV...)
	r := &aos.Report{OK: len(v) == 0, Violations: v, Findings: res.Findings, Approvals: res.Approvals}
	r.Sort()
	out = &CheckResult{Report: r, res: res}
	if opts.Manifest.File == "" {
		out.Drift = manifestDrift(repo, tree)
	}
	return out, nil
}

// checkRun runs plan against base as plan check does: every directive
// judged, writes staged in memory, the validators run over the final
// state (docs/validators.md 6), no job run and nothing written.
func checkRun(ctx context.Context, repo *gitops.Repo, plan *aos.Plan, base *gitops.Tree, lm *LoadedManifest, rt *Runtime) (*aos.Report, error) {
	opts := engine.Options{
		Manifest: lm.Manifest,
		Rules:    lm.Rules,
		View:     newRedactor(ctx, lm).view(),
		Tree: func(rev string) (engine.Base, error) {
			return repo.RevTree(rev)
		},
		SkipReplies: true,
	}
	switch v, err := validatorsOf(ctx, rt, lm.Manifest, base); {
	case errors.Is(err, errNoValidators):
		return &aos.Report{Violations: []aos.Violation{{Directive: -1, Rule: aos.RuleValidatorsUnavailable,
			Message: err.Error() + "; the plan is not accepted unvalidated"}}}, nil
	case err != nil:
		return &aos.Report{Violations: []aos.Violation{{Directive: -1, Rule: aos.RuleValidatorsLoad, Message: err.Error()}}}, nil
	default:
		opts.Validate = v
	}
	res, err := engine.Run(ctx, plan, base, opts)
	if err != nil {
		return nil, err
	}
	r := &aos.Report{OK: res.OK(), Violations: res.Violations, Findings: res.Findings, Approvals: res.Approvals}
	r.Sort()
	return r, nil
}

// checkLimits enforces the manifest's plan limits on a plan parsed with
// the defaults.
func checkLimits(plan *aos.Plan, size int, m *aos.Manifest) []aos.Violation {
	lim := planfile.LimitsFrom(m.Policies)
	pos := aos.Position{File: plan.File, Line: 1, Col: 1}
	var v []aos.Violation
	if size > lim.MaxBytes {
		v = append(v, aos.Violation{Directive: -1, Rule: aos.RulePlanSize, Pos: pos,
			Message: fmt.Sprintf("plan is %d bytes, over the limit of %d (policies.max_plan_kb)", size, lim.MaxBytes)})
	}
	if len(plan.Directives) > lim.MaxDirectives {
		v = append(v, aos.Violation{Directive: -1, Rule: aos.RulePlanSize, Pos: pos,
			Message: fmt.Sprintf("plan has %d directives, over the limit of %d (policies.max_directives)", len(plan.Directives), lim.MaxDirectives)})
	}
	return v
}

// openRepository opens the repository holding dir.
func openRepository(dir string) (*gitops.Repo, error) {
	repo, err := gitops.Open(dir)
	if errors.Is(err, gitops.ErrNotRepository) {
		return nil, aos.WithHint(err, "run git aos inside a git repository, or git init one")
	}
	return repo, err
}

// resolveArg resolves rev, a revision the command line names (what says
// which: "base", "--rev"). One that names nothing is a usage error
// (docs/spec.md section 1), except HEAD in a repository with no commit
// yet, which is not set up.
func resolveArg(repo *gitops.Repo, what, rev string) (string, error) {
	id, err := repo.Resolve(rev)
	switch {
	case err == nil:
		return id, nil
	case errors.Is(err, gitops.ErrUnknownRevision) && rev == "HEAD":
		return "", aos.WithHint(fmt.Errorf("%s: the repository has no commit yet", what),
			"commit the manifest first: git add aos.cue && git commit -m 'aos manifest'")
	case errors.Is(err, gitops.ErrUnknownRevision), errors.Is(err, gitops.ErrNotCommit):
		return "", aos.Usage(aos.WithHint(fmt.Errorf("%s: %w", what, err), "name a commit, branch or tag of this repository (git log --oneline, git branch)"))
	}
	return "", fmt.Errorf("%s: %w", what, err)
}

// readArg reads a file the command line names (what says which: "plan",
// "manifest", "policy"). One that does not exist, or is a directory, is a
// usage error (docs/spec.md section 1).
func readArg(what, file string) ([]byte, error) {
	return readArgAt(what, file, file)
}

// readArgAt is readArg of the file the command line names name, read at
// path (name joined to the command's working directory).
func readArgAt(what, name, path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		return data, nil
	}
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		pe.Path = name
	}
	return nil, argError(what, err)
}

// argError is err, met reading a file the command line names: a usage
// error when the file does not exist or is a directory.
func argError(what string, err error) error {
	err = fmt.Errorf("read %s: %w", what, err)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.EISDIR) {
		return aos.Usage(err)
	}
	return err
}

// manifestHint says how to add a manifest when err is that there is none.
func manifestHint(err error) error {
	if errors.Is(err, gitops.ErrNoManifest) {
		return aos.WithHint(err, "commit an aos.cue or project.yml at the repository root, or pass -m FILE")
	}
	return err
}
