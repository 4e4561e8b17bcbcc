package main

import (
	"fmt"

	"github.com/architectos/aos/cue"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

func newManifestCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "manifest",
		Short: "Check the manifest or print its schema",
		Long: `The manifest (aos.cue, aos.yaml, aos.yml, project.yml or project.yaml at the
repository root) declares what a project is and what plans may change.`,
		Example: `  git aos manifest check
  git aos manifest check -m project.yml --policy org-policy.cue
  git aos manifest schema > aos.schema.json`,
	}
	cmd.AddCommand(newManifestCheckCmd(e), newManifestSchemaCmd(e))
	return cmd
}

type manifestCheckOptions struct {
	file, policy string
}

func newManifestCheckCmd(e *env) *cobra.Command {
	var opts manifestCheckOptions
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
			return manifestCheckRun(e, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.file, "manifest", "m", "", "manifest `FILE` (default: found at the repository root)")
	cmd.Flags().StringVar(&opts.policy, "policy", "", "organisation policy `FILE` (CUE) unified with the manifest")
	return cmd
}

func manifestCheckRun(e *env, opts manifestCheckOptions) error {
	file := opts.file
	if file == "" {
		root := e.dir
		if repo, err := gitops.Open(e.dir); err == nil && repo.WorkTree != "" {
			root = repo.WorkTree
		}
		var err error
		if file, err = gitops.FindManifestFile(root); err != nil {
			return err
		}
	}
	lm, err := workflow.LoadManifestFile(file, opts.policy)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s: valid manifest of project %s\n", file, lm.Project.Name)
	return err
}

func newManifestSchemaCmd(e *env) *cobra.Command {
	var asCUE bool
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the manifest schema as JSON Schema (or CUE with --cue)",
		Long: `Schema prints the manifest's schema as a JSON Schema document (draft 2020-12),
for editors and YAML language servers, or the CUE schema itself with --cue.`,
		Example: `  git aos manifest schema > aos.schema.json
  git aos manifest schema --cue`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if asCUE {
				_, err := e.stdout.Write(cue.SchemaSource())
				return err
			}
			b, err := cue.JSONSchema()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "%s\n", b)
			return err
		},
	}
	cmd.Flags().BoolVar(&asCUE, "cue", false, "print the CUE schema instead")
	return cmd
}
