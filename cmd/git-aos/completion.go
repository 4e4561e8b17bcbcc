package main

import (
	_ "embed"
	"io"
	"strings"

	"github.com/architectos/aos/report"
	"github.com/spf13/cobra"
)

// The completion scripts ask the binary itself what comes next
// (git-aos __complete ARGS..., cobra's protocol), so they never go stale.
var (
	//go:embed completion.bash
	completionBash string
	//go:embed completion.zsh
	completionZsh string
)

func newCmdCompletion(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "completion bash|zsh",
		Short: "Print the shell completion script for git aos",
		Long: `Completion prints the script that completes "git aos <TAB>" (and "git-aos
<TAB>"): commands, subcommands, flags and their values.

bash: git's own completion calls the function _git_aos the script
defines for "git aos". Load it after git's completion, from ~/.bashrc:

  source <(git aos completion bash)

or save it where bash-completion finds it:

  git aos completion bash > ~/.local/share/bash-completion/completions/git-aos

zsh: zsh's git completion calls _git-aos for "git aos". Save the script as
_git-aos in a directory of $fpath before compinit runs:

  git aos completion zsh > ~/.zsh/completions/_git-aos
  # in ~/.zshrc: fpath=(~/.zsh/completions $fpath); autoload -Uz compinit; compinit`,
		Example: `  source <(git aos completion bash)
  git aos completion zsh > "${fpath[1]}/_git-aos"`,
		Args:      exactArgs(1),
		ValidArgs: []string{"bash", "zsh"},
		RunE: func(cmd *cobra.Command, args []string) error {
			var script string
			switch args[0] {
			case "bash":
				script = completionBash
			case "zsh":
				script = completionZsh
			default:
				return usageErrorf("no completion for shell %q (want bash or zsh)", args[0])
			}
			_, err := io.WriteString(f.Out, script)
			return err
		},
	}
	return cmd
}

// completeFormats makes --format of every command complete its values:
// the report formats, or those the flag's usage names (log: text and
// json; manifest schema: json and cue).
func completeFormats(c *cobra.Command) {
	for _, sub := range c.Commands() {
		completeFormats(sub)
	}
	fl := c.Flags().Lookup("format")
	if fl == nil {
		return
	}
	values := report.Formats
	switch {
	case strings.Contains(fl.Usage, "cue"):
		values = []string{"json", "cue"}
	case !strings.Contains(fl.Usage, "sarif"):
		values = []string{"text", "json"}
	}
	c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}
