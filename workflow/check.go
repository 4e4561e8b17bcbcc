// Package workflow sequences the stages of git-aos commands: it loads the
// manifest and plan, stages the plan against its base with the engine, runs
// validators and jobs, and commits results. Commands in cmd/git-aos call
// it; it prints nothing.
package workflow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/policy"
	"github.com/architectos/aos/report"
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
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	return loadManifest(cue.Source{Name: file, Data: data}, filepath.Base(file), policyFile)
}

func loadManifest(src cue.Source, repoPath, policyFile string) (*LoadedManifest, error) {
	var pol *cue.Source
	if policyFile != "" {
		b, err := os.ReadFile(policyFile)
		if err != nil {
			return nil, fmt.Errorf("read policy: %w", err)
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
		return nil, err
	}
	return loadManifest(cue.Source{Name: name, Data: data}, name, opts.Policy)
}

// CheckOptions configure [CheckPlan].
type CheckOptions struct {
	Dir      string // a directory inside the repository
	Plan     PlanSource
	Base     string // --base; "" uses the plan's base, else HEAD
	Manifest ManifestOptions
}

// CheckPlan checks a plan against the manifest without running anything or
// writing anything (docs/spec.md 5). A malformed plan is reported as
// violations, like a disallowed one.
func CheckPlan(ctx context.Context, opts CheckOptions) (*report.Report, error) {
	// The manifest depends on the plan's base, so the plan is parsed
	// first, within the default limits; the manifest's are checked after.
	plan, data, rej, err := parsePlan(opts.Plan, cue.PlanLimits{})
	if rej != nil || err != nil {
		if rej != nil {
			return rej.Report, nil
		}
		return nil, err
	}
	repo, err := gitops.Open(opts.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	baseRev := opts.Base
	if baseRev == "" {
		baseRev = plan.Base
	}
	if baseRev == "" {
		baseRev = "HEAD"
	}
	tree, err := repo.TreeOfRev(baseRev)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	lm, err := ManifestFromTree(tree, opts.Manifest)
	if err != nil {
		return nil, err
	}
	if v := checkLimits(plan, len(data), lm.Manifest); len(v) > 0 {
		return &report.Report{Violations: v}, nil
	}
	res, err := engine.Run(ctx, plan, tree, engine.Options{
		Manifest: lm.Manifest,
		Rules:    lm.Rules,
		Tree: func(rev string) (engine.Base, error) {
			return repo.TreeOfRev(rev)
		},
	})
	if err != nil {
		return nil, err
	}
	r := &report.Report{OK: res.OK(), Violations: res.Violations, Approvals: res.Approvals}
	r.Sort()
	return r, nil
}

// checkLimits enforces the manifest's plan limits on a plan parsed with
// the defaults.
func checkLimits(plan *aos.Plan, size int, m *aos.Manifest) []aos.Violation {
	lim := cue.LimitsFrom(m.Policies)
	pos := aos.Position{File: plan.File, Line: 1, Col: 1}
	var v []aos.Violation
	if size > lim.MaxBytes {
		v = append(v, aos.Violation{Directive: -1, Rule: "plan.size", Pos: pos,
			Message: fmt.Sprintf("plan is %d bytes, over the limit of %d (policies.max_plan_kb)", size, lim.MaxBytes)})
	}
	if len(plan.Directives) > lim.MaxDirectives {
		v = append(v, aos.Violation{Directive: -1, Rule: "plan.size", Pos: pos,
			Message: fmt.Sprintf("plan has %d directives, over the limit of %d (policies.max_directives)", len(plan.Directives), lim.MaxDirectives)})
	}
	return v
}
