package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/architectos/aos/mcp"
	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
	"github.com/spf13/cobra"
)

type mcpOptions struct {
	*factory
	Repo   string
	Base   string
	Policy string
}

func newCmdMCP(f *factory, runF func(context.Context, *mcpOptions) error) *cobra.Command {
	opts := &mcpOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "Serve the directives as MCP tools to an agent, on standard input and output",
		Long: `Mcp serves the Model Context Protocol on standard input and output, for an
agent's client (Claude Code, Codex, Cursor, VS Code) to start. The session
stages changes in memory on the base commit (--base, default HEAD) of the
repository holding --repo, judged by the manifest committed there: each
tool is a directive (read_file is FILE_READ, apply_patch is APPLY_PATCH,
run_tests is RUN_TESTS, ...), checked as plan check and apply check it.
Nothing is written until the agent calls submit, which commits the plan of
the directives that passed and its result on branch aos/<id>, as git aos
run does. Standard output carries the protocol alone.

git aos mcp config CLIENT prints the configuration a client needs. The
specification is docs/spec.md section 14; docs/mcp.md is the set-up
guide.`,
		Example: `  git aos mcp --repo ~/src/site
  git aos mcp config claude > .mcp.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return mcpRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Repo, "repo", "", "`DIR` inside the repository (default: the current directory)")
	cmd.Flags().StringVar(&opts.Base, "base", "", "base `REV` the session stages on (default: HEAD)")
	cmd.Flags().StringVar(&opts.Policy, "policy", "", "organisation policy `FILE` (CUE) unified with the manifest")
	cmd.AddCommand(newCmdMCPConfig(f, nil))
	return cmd
}

func (o *mcpOptions) dir() string {
	if o.Repo == "" {
		return o.Dir
	}
	if filepath.IsAbs(o.Repo) {
		return o.Repo
	}
	return filepath.Join(o.Dir, o.Repo)
}

func mcpRun(ctx context.Context, opts *mcpOptions) error {
	dir := opts.dir()
	in, ok := opts.In.(io.ReadCloser)
	if !ok {
		in = io.NopCloser(opts.In)
	}
	return mcp.Serve(ctx, mcp.Options{
		Dir: dir, Base: opts.Base, Policy: opts.Policy, Version: buildVersion(), Log: opts.ErrOut,
		Runtime: workflow.NewRuntime(workflow.RuntimeOptions{Dir: dir, Version: buildVersion()}),
	}, in, nopWriteCloser{opts.Out})
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

type mcpConfigOptions struct {
	*factory
	Client string
	Repo   string
	// Executable is this binary's path; "" asks the process.
	Executable string
}

func newCmdMCPConfig(f *factory, runF func(context.Context, *mcpConfigOptions) error) *cobra.Command {
	opts := &mcpConfigOptions{factory: f}
	cmd := &cobra.Command{
		Use:   "config CLIENT",
		Short: "Print the configuration that starts this server in a client: " + strings.Join(mcp.Clients, ", "),
		Long: `Config prints on standard output the snippet that CLIENT (` + strings.Join(mcp.Clients, ", ") + `)
reads to start git aos mcp on the repository holding --repo (default: the
current directory), naming this binary and the repository by absolute
path. Standard error says which file takes it.`,
		Example: `  git aos mcp config claude > .mcp.json
  git aos mcp config codex >> ~/.codex/config.toml
  git aos mcp config vscode --repo ~/src/site`,
		Args:      exactArgs(1),
		ValidArgs: mcp.Clients,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Client = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return mcpConfigRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Repo, "repo", "", "`DIR` inside the repository (default: the current directory)")
	return cmd
}

func mcpConfigRun(ctx context.Context, opts *mcpConfigOptions) error {
	dir := opts.Repo
	if dir == "" {
		dir = opts.Dir
	} else if !filepath.IsAbs(dir) {
		dir = filepath.Join(opts.Dir, dir)
	}
	root, err := workflow.RepositoryRoot(dir)
	if err != nil {
		return err
	}
	exe := opts.Executable
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return err
		}
		if resolved, err := filepath.EvalSymlinks(exe); err == nil {
			exe = resolved
		}
	}
	snippet, where, err := mcp.ClientConfig(opts.Client, exe, root)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if _, err := opts.Out.Write(snippet); err != nil {
		return err
	}
	hints := []string{where}
	if strings.Contains(exe, string(filepath.Separator)+"go-build") {
		hints = append(hints, fmt.Sprintf("%s is a temporary build of go run: install git-aos (go install ./cmd/git-aos) and run this again", exe))
	}
	return report.WriteHints(opts.ErrOut, hints)
}
