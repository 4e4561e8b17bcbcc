package main

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
	"github.com/architectos/aos/report"
	"github.com/architectos/aos/validators"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

func init() { register(newValidateCmd) }

type validateOptions struct {
	rev, format, manifest, policy string
}

const validateLong = `Validate runs the manifest's validators (docs/validators.md) the way apply
runs them on a plan's result, but over a commit or over files, like a
secrets scanner or a policy checker in CI.

With --rev REV (the default is HEAD), the validators see the files REV
changed against its first parent, with REV's tree at /src; the manifest
and the validator modules come from the parent, so a commit cannot switch
off the validators that judge it (a root commit is judged by its own
manifest, and every file is new). With PATH arguments, they see those
files on disk (directories are walked), as if added, with the manifest
and modules of HEAD; paths are relative to the repository root.

A finding of severity error rejects (exit 3); so does a validator that
cannot run: a module that traps, exits non-zero, runs past its time or
memory, floods its output, prints a line that is not a finding, or whose
sha256 does not match the manifest.

Output formats: text (path:line:col: severity: validator/rule: message),
json, sarif (SARIF 2.1.0, for GitHub code scanning) and github (workflow
annotations).

Exit codes: 0 nothing rejected, 3 rejected, 1 internal error, 2 usage.`

func newValidateCmd(e *env) *cobra.Command {
	var opts validateOptions
	cmd := &cobra.Command{
		Use:   "validate [--rev REV | PATH...]",
		Short: "Run the manifest's validators over a commit or files",
		Long:  validateLong,
		Example: `  git aos validate
  git aos validate --rev HEAD~1 --format sarif > results.sarif
  git aos validate --format github wp-content/plugins
  git aos validate -m aos.cue config/app.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.rev != "" && len(args) > 0 {
				return &usageError{errors.New("validate takes --rev or paths, not both")}
			}
			return validateRun(cmd.Context(), e, args, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.rev, "rev", "", "commit `REV` whose changes to validate (default HEAD)")
	f.StringVar(&opts.format, "format", "text", "output `FORMAT`: "+strings.Join(report.Formats, ", "))
	f.StringVarP(&opts.manifest, "manifest", "m", "", "manifest `FILE` on disk (default: the one committed in the base)")
	f.StringVar(&opts.policy, "policy", "", "organisation policy `FILE` (CUE) unified with the manifest")
	return cmd
}

// validateInput is what validate runs the validators on.
type validateInput struct {
	manifest *workflow.LoadedManifest
	base     engine.Base // where modules come from
	tree     engine.Base // what /src shows
	changes  []engine.Change
}

func validateRun(ctx context.Context, e *env, paths []string, opts validateOptions) error {
	if err := checkFormat(opts.format); err != nil {
		return err
	}
	repo, err := gitops.Open(e.dir)
	if err != nil {
		return err
	}
	mopts := workflow.ManifestOptions{File: opts.manifest, Policy: opts.policy}
	var in *validateInput
	if len(paths) > 0 {
		in, err = validateFiles(repo, e.dir, paths, mopts)
	} else {
		rev := opts.rev
		if rev == "" {
			rev = "HEAD"
		}
		in, err = validateCommit(repo, rev, mopts)
	}
	if err != nil {
		return err
	}
	r := &report.Report{}
	vopts, err := validatorOptions(e)
	if err != nil {
		return err
	}
	set, err := validators.NewSet(in.manifest.Manifest, in.base, vopts)
	if err != nil {
		r.Violations = append(r.Violations, aos.Violation{Directive: -1, Rule: "validators.load", Message: err.Error()})
	} else {
		st, err := engine.NewState(in.tree)
		if err != nil {
			return err
		}
		findings, recs, err := set.Validate(ctx, st, in.changes)
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		r.Findings = findings
		for _, rec := range recs {
			if rec.Error != "" {
				r.Violations = append(r.Violations, aos.Violation{Directive: -1, Rule: "validators.run", Message: "validator " + rec.Name + ": " + rec.Error})
			}
		}
	}
	errorsFound := 0
	for _, f := range r.Findings {
		if f.Severity == aos.SeverityError {
			errorsFound++
		}
	}
	r.OK = len(r.Violations) == 0 && errorsFound == 0
	r.Sort()
	if err := report.Write(e.stdout, opts.format, r); err != nil {
		return err
	}
	if !r.OK {
		fmt.Fprintf(e.stderr, "git-aos: validate rejected: %d error finding(s), %d validator failure(s)\n", errorsFound, len(r.Violations))
		return &silentError{code: aos.ExitRejected}
	}
	if opts.format == "text" {
		fmt.Fprintf(e.stdout, "validate ok: %d finding(s)\n", len(r.Findings))
	}
	return nil
}

// validateCommit judges the changes of rev against its first parent.
func validateCommit(repo *gitops.Repo, rev string, mopts workflow.ManifestOptions) (*validateInput, error) {
	id, err := repo.Resolve(rev)
	if err != nil {
		return nil, err
	}
	c, err := repo.Commit(id)
	if err != nil {
		return nil, err
	}
	tree, err := repo.Tree(id)
	if err != nil {
		return nil, err
	}
	in := &validateInput{tree: tree, base: tree}
	var parent engine.Base
	if len(c.ParentHashes) > 0 {
		pt, err := repo.Tree(c.ParentHashes[0].String())
		if err != nil {
			return nil, err
		}
		parent, in.base = pt, pt
	}
	if in.manifest, err = manifestOf(in.base.(*gitops.Tree), mopts); err != nil {
		return nil, err
	}
	if in.changes, err = validators.DiffTrees(parent, tree); err != nil {
		return nil, err
	}
	return in, nil
}

func manifestOf(t *gitops.Tree, mopts workflow.ManifestOptions) (*workflow.LoadedManifest, error) {
	return workflow.ManifestFromTree(t, mopts)
}

// validateFiles judges files on disk, with HEAD's manifest and modules.
func validateFiles(repo *gitops.Repo, dir string, paths []string, mopts workflow.ManifestOptions) (*validateInput, error) {
	if repo.WorkTree == "" {
		return nil, errors.New("validate PATH needs a working tree; use --rev in a bare repository")
	}
	head, err := repo.TreeOfRev("HEAD")
	if err != nil {
		return nil, err
	}
	lm, err := manifestOf(head, mopts)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, p := range paths {
		abs := p
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(dir, p)
		}
		if err := readTree(repo.WorkTree, abs, files); err != nil {
			return nil, err
		}
	}
	tree := validators.NewMemTree(files)
	changes, err := validators.DiffTrees(nil, tree)
	if err != nil {
		return nil, err
	}
	return &validateInput{manifest: lm, base: head, tree: tree, changes: changes}, nil
}

// readTree adds the regular files at abs (a file, or a directory walked
// without following symlinks and skipping .git) to files, by path relative
// to root.
func readTree(root, abs string, files map[string][]byte) error {
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
