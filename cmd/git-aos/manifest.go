package main

import (
	"context"

	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

func newCmdManifest(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "manifest",
		Short: "Check the manifest or print its schema",
		Long: `The manifest (aos.cue, aos.yaml, aos.yml, project.yml or project.yaml at the
repository root) declares what a project is and what plans may change.`,
		Example: `  git aos manifest check
  git aos manifest check -m project.yml --policy org-policy.cue
  git aos manifest schema > aos.schema.json`,
	}
	cmd.AddCommand(newCmdManifestCheck(f, nil), newCmdManifestSchema(f, nil))
	return cmd
}

type manifestCheckOptions struct {
	*factory
	File   string
	Policy string
}

func newCmdManifestCheck(f *factory, runF func(context.Context, *manifestCheckOptions) error) *cobra.Command {
	opts := &manifestCheckOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate the manifest against the schema and the semantic rules",
		Long: `Check validates the manifest in the working tree (or the file given with -m)
against the embedded schema, unified with an organisation policy when
--policy is given, and runs the semantic checks of docs/spec.md 2.5.

It lists every error as file:line:col: field.path: message and exits 3 when
the manifest is not valid.`,
		Example: `  git aos manifest check
  git aos manifest check -m testdata/manifests/whitepaper-7.1.yaml
  git aos manifest check --policy /etc/aos/org-policy.cue`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return manifestCheckRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.File, "manifest", "m", "", "manifest `FILE` (default: found at the repository root)")
	cmd.Flags().StringVar(&opts.Policy, "policy", "", "organisation policy `FILE` (CUE) unified with the manifest")
	return cmd
}

func manifestCheckRun(ctx context.Context, opts *manifestCheckOptions) error {
	c, err := workflow.CheckManifest(ctx, workflow.ManifestCheckOptions{Dir: opts.Dir, File: opts.File, Policy: opts.Policy})
	if err != nil {
		return err
	}
	if err := report.WriteManifestCheck(opts.Out, c); err != nil {
		return err
	}
	return report.WriteDrift(opts.ErrOut, c.Drift, false)
}

type manifestSchemaOptions struct {
	*factory
	Format string
	CUE    bool
}

func newCmdManifestSchema(f *factory, runF func(context.Context, *manifestSchemaOptions) error) *cobra.Command {
	opts := &manifestSchemaOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the manifest schema as JSON Schema (or CUE with --format cue)",
		Long: `Schema prints the manifest's schema as a JSON Schema document (draft 2020-12),
for editors and YAML language servers, or the CUE schema itself with
--format cue (--cue is the same).`,
		Example: `  git aos manifest schema > aos.schema.json
  git aos manifest schema --format cue`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.CUE {
				if cmd.Flags().Changed("format") && opts.Format != "cue" {
					return usageErrorf("--cue is --format cue, and --format %s was given", opts.Format)
				}
				opts.Format = "cue"
			}
			if opts.Format != "json" && opts.Format != "cue" {
				return usageErrorf("unknown format %q for manifest schema (want one of json, cue)", opts.Format)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return manifestSchemaRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "json", "output `FORMAT`: json (JSON Schema), cue")
	cmd.Flags().BoolVar(&opts.CUE, "cue", false, "the same as --format cue")
	return cmd
}

func manifestSchemaRun(opts *manifestSchemaOptions) error {
	format := workflow.SchemaJSON
	if opts.Format == "cue" {
		format = workflow.SchemaCUE
	}
	b, err := workflow.ManifestSchema(format)
	if err != nil {
		return err
	}
	return report.WriteSchema(opts.Out, b)
}
