package main

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

type validateOptions struct {
	*factory
	Paths    []string
	Rev      string
	All      bool
	Format   string
	Manifest string
	Policy   string
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
and modules of HEAD; paths are relative to the repository root. With
--all, they see every file of REV's tree as added, with REV's own manifest
and modules, and the report is the assessment of the whole tree: what
each validator judged, then every finding (git aos rescuewp init, then
git aos validate --all, assesses a WordPress site).

A finding of severity error rejects (exit 3); so does a validator that
cannot run: a module that traps, exits non-zero, runs past its time or
memory, floods its output, prints a line that is not a finding, or whose
sha256 does not match the manifest.

Output formats: text (path:line:col: severity: validator/rule: message),
json, sarif (SARIF 2.1.0, for GitHub code scanning), github (workflow
annotations) and markdown (a verdict, a table of the validators and one of
the findings).`

func newCmdValidate(f *factory, runF func(context.Context, *validateOptions) error) *cobra.Command {
	opts := &validateOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "validate [--rev REV | PATH...]",
		Short: "Run the manifest's validators over a commit or files",
		Long:  validateLong,
		Example: `  git aos validate
  git aos validate --rev HEAD~1 --format sarif > results.sarif
  git aos validate --format github wp-content/plugins
  git aos validate --all --format markdown > assessment.md
  git aos validate -m aos.cue config/app.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if (opts.Rev != "" || opts.All) && len(opts.Paths) > 0 {
				return &usageError{errors.New("validate takes --rev or --all, or paths, not both")}
			}
			if !slices.Contains(report.ValidateFormats, opts.Format) {
				return usageErrorf("unknown format %q (want one of %s)", opts.Format, strings.Join(report.ValidateFormats, ", "))
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return validateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Rev, "rev", "", "commit `REV` whose changes to validate (default HEAD)")
	fl.BoolVar(&opts.All, "all", false, "judge every file of REV's tree, with REV's own manifest: the assessment of the whole tree")
	fl.StringVar(&opts.Format, "format", "text", "output `FORMAT`: "+strings.Join(report.ValidateFormats, ", "))
	fl.StringVarP(&opts.Manifest, "manifest", "m", "", "manifest `FILE` on disk (default: the one committed in the base)")
	fl.StringVar(&opts.Policy, "policy", "", "organisation policy `FILE` (CUE) unified with the manifest")
	return cmd
}

func validateRun(ctx context.Context, opts *validateOptions) error {
	res, err := workflow.Validate(ctx, workflow.ValidateOptions{Dir: opts.Dir, Rev: opts.Rev, All: opts.All, Paths: opts.Paths,
		Manifest: workflow.ManifestOptions{File: opts.Manifest, Policy: opts.Policy}, Runtime: opts.runtime()})
	if err != nil {
		return err
	}
	if err := report.WriteValidateNote(opts.ErrOut, res); err != nil {
		return err
	}
	if err := report.WriteValidate(opts.Out, opts.Format, res); err != nil {
		return err
	}
	if !res.Report.OK {
		return rejected(report.ValidateRejection(res.Report), res.Report)
	}
	return nil
}
