package workflow

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/policy"
	"github.com/architectos/aos/validators"
)

// ValidateOptions configure [Validate].
type ValidateOptions struct {
	// Dir is a directory inside the repository; relative Paths are
	// relative to it.
	Dir string
	// Rev is the commit whose changes against its first parent are
	// validated; "" is HEAD.
	Rev string
	// Paths, when set, are files or directories on disk (directories are
	// walked) validated as if added, with the manifest and modules of
	// HEAD. Rev must then be "".
	Paths []string
	// All, with Rev, judges every file of Rev's tree as added, with the
	// manifest and modules of Rev itself: the assessment of the whole
	// tree rather than of one commit's changes.
	All      bool
	Manifest ManifestOptions
	Runtime  *Runtime
}

// ErrRevAndPaths means [ValidateOptions] set both Rev and Paths.
var ErrRevAndPaths = errors.New("validate takes a revision or paths, not both")

// ValidateResult is the verdict of [Validate].
type ValidateResult struct {
	// Report holds the findings and, as violations, each validator that
	// could not be loaded or run. It is OK when there are neither
	// violations nor findings of severity error.
	Report *aos.Report
	// Commit is the commit whose changes (or, with All, whose tree) were
	// validated; "" for Paths.
	Commit string
	// OwnManifest is set when Commit's parent has no manifest and the
	// commit was judged by the manifest it adds, named here.
	OwnManifest string
	// All reports that the whole tree was judged.
	All bool
	// Files is how many files the validators were given.
	Files int
	// Validators holds what each validator did, in name order.
	Validators []aos.ValidatorRecord
	// Quarantined, with All, is how many files of the quarantine were
	// left out (docs/validators.md, section 6).
	Quarantined int
}

// Validate runs the manifest's validators the way apply runs them on a
// plan's result (docs/validators.md), over the changes of a commit or over
// files on disk. For a commit, /src is its tree, and the manifest and the
// modules come from its first parent, so that a commit cannot switch off
// the validators that judge it (a root commit is judged by its own
// manifest, and every file is new).
func Validate(ctx context.Context, opts ValidateOptions) (res *ValidateResult, err error) {
	defer refuseObjects(&err, func(v aos.Violation) { res = &ValidateResult{Report: &aos.Report{Violations: []aos.Violation{v}}} })
	if (opts.Rev != "" || opts.All) && len(opts.Paths) > 0 {
		return nil, ErrRevAndPaths
	}
	repo, err := openRepository(opts.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	var in *validateInput
	if len(opts.Paths) > 0 {
		in, err = validateFiles(repo, opts.Dir, opts.Paths, opts.Manifest)
	} else {
		rev := opts.Rev
		if rev == "" {
			rev = "HEAD"
		}
		if opts.All {
			in, err = validateTree(repo, rev, opts.Manifest)
		} else {
			in, err = validateCommit(repo, rev, opts.Manifest)
		}
	}
	if err != nil {
		return nil, err
	}
	r := &aos.Report{}
	res = &ValidateResult{Report: r, Commit: in.commit, OwnManifest: in.own, All: opts.All, Files: len(in.changes), Quarantined: in.quarantined}
	v, err := validatorsOf(ctx, opts.Runtime, in.manifest.Manifest, in.base)
	switch {
	case errors.Is(err, errNoValidators):
		r.Violations = append(r.Violations, aos.Violation{Directive: -1, Rule: aos.RuleValidatorsUnavailable, Message: err.Error()})
	case errors.Is(err, aos.ErrDamaged):
		return nil, err
	case err != nil:
		r.Violations = append(r.Violations, aos.Violation{Directive: -1, Rule: aos.RuleValidatorsLoad, Message: err.Error()})
	case v != nil:
		st, err := engine.NewState(in.tree)
		if err != nil {
			return nil, err
		}
		findings, recs, err := v(ctx, st, in.changes)
		if err != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if failed := (*engine.ValidatorFailed)(nil); err != nil && !errors.As(err, &failed) {
			return nil, err
		}
		// A validator that failed is named in its record.
		r.Findings = findings
		res.Validators = recs
		for _, rec := range recs {
			if rec.Error != "" {
				r.Violations = append(r.Violations, aos.Violation{Directive: -1, Rule: aos.RuleValidatorsRun, Message: "validator " + rec.Name + ": " + rec.Error})
			}
		}
	}
	r.OK = len(r.Violations) == 0 && r.ErrorFindings() == 0
	r.Sort()
	return res, nil
}

// errNoValidators means the manifest names validators and the runtime
// cannot run them.
var errNoValidators = errors.New("the manifest names validators and this build of git-aos cannot run them")

// validatorsOf returns the validators of m from rt, reading modules from
// base; nil when m names none.
func validatorsOf(ctx context.Context, rt *Runtime, m *aos.Manifest, base engine.Base) (engine.ValidateFunc, error) {
	if len(m.Validators) == 0 {
		return nil, nil
	}
	if rt == nil || rt.Validators == nil {
		return nil, errNoValidators
	}
	return rt.Validators(ctx, m, base)
}

// validateInput is what validate runs the validators on.
type validateInput struct {
	manifest *LoadedManifest
	base     engine.Base // where modules come from
	tree     engine.Base // what /src shows
	changes  []engine.Change
	commit   string
	own      string // the commit's own manifest judged it
	// quarantined counts the files of the quarantine left out.
	quarantined int
}

// validateCommit judges the changes of rev against its first parent.
func validateCommit(repo *gitops.Repo, rev string, mopts ManifestOptions) (*validateInput, error) {
	id, err := resolveArg(repo, "--rev", rev)
	if err != nil {
		return nil, err
	}
	info, err := repo.CommitInfo(id)
	if err != nil {
		return nil, err
	}
	tree, err := repo.CommitTree(id)
	if err != nil {
		return nil, err
	}
	in := &validateInput{tree: tree, base: tree, commit: id}
	var parent engine.Base
	modules := tree
	if len(info.Parents) > 0 {
		pt, err := repo.CommitTree(info.Parents[0])
		if err != nil {
			return nil, err
		}
		parent, in.base, modules = pt, pt, pt
	}
	in.manifest, err = ManifestFromTree(modules, mopts)
	if errors.Is(err, gitops.ErrNoManifest) && parent != nil {
		// The commit that adds the manifest: a local, read-only check may
		// judge it by that manifest, and says so. Nothing else of the
		// commit's chooses its judge: the parent had no rules at all.
		if in.manifest, err = ManifestFromTree(tree, mopts); err == nil {
			in.base, in.own = tree, in.manifest.Source
		}
	}
	if err != nil {
		return nil, err
	}
	if in.changes, err = validators.DiffTrees(parent, tree); err != nil {
		return nil, err
	}
	return in, nil
}

// validateTree judges every file of rev's tree as added, with rev's own
// manifest and modules.
func validateTree(repo *gitops.Repo, rev string, mopts ManifestOptions) (*validateInput, error) {
	id, err := resolveArg(repo, "--rev", rev)
	if err != nil {
		return nil, err
	}
	tree, err := repo.CommitTree(id)
	if err != nil {
		return nil, err
	}
	in := &validateInput{tree: tree, base: tree, commit: id}
	if in.manifest, err = ManifestFromTree(tree, mopts); err != nil {
		return nil, err
	}
	all, err := validators.DiffTrees(nil, tree)
	if err != nil {
		return nil, err
	}
	// What QUARANTINE wrote lies where nothing runs it (docs/spec.md
	// 4.9): the assessment counts it rather than judging it again.
	for _, c := range all {
		if _, ok := aos.QuarantineOrigin(c.Path); ok && c.Mode == aos.ModeFile {
			in.quarantined++
			continue
		}
		in.changes = append(in.changes, c)
	}
	return in, nil
}

// validateFiles judges files on disk, with HEAD's manifest and modules.
func validateFiles(repo *gitops.Repo, dir string, paths []string, mopts ManifestOptions) (*validateInput, error) {
	if repo.WorkTree == "" {
		return nil, aos.WithHint(errors.New("validate PATH needs a working tree"), "use --rev in a bare repository")
	}
	head, err := repo.RevTree("HEAD")
	if err != nil {
		return nil, err
	}
	lm, err := ManifestFromTree(head, mopts)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, p := range paths {
		abs := p
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(dir, p)
		}
		if err := readFiles(repo.WorkTree, abs, files); err != nil {
			return nil, err
		}
	}
	tree, changes := validators.NewAddedTree(files)
	return &validateInput{manifest: lm, base: head, tree: tree, changes: changes}, nil
}

// readFiles adds the regular files at abs (a file, or a directory walked
// without following symlinks and skipping .git) to files, by path relative
// to root.
func readFiles(root, abs string, files map[string][]byte) error {
	return filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fmt.Errorf("%s is outside the repository", p)
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && policy.IsDotGit(d.Name()) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if perr := policy.CheckPath(rel); perr != nil {
			return fmt.Errorf("%s: %s", rel, perr.Msg)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[rel] = data
		return nil
	})
}
