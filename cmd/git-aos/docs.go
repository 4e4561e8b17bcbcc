package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func newCmdDocs(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "docs",
		Short: "Generate documentation",
		Long: `Docs generates documentation from the commands themselves: man pages, so
that "git aos --help" works once they are installed.`,
		Example: `  git aos docs man && git aos --help`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "man [DIR]",
		Short: "Write man pages for every command where man finds them",
		Long: `Man writes a man page (section 1) for git-aos and each of its commands, so
that "git aos --help", which makes git run "man git-aos", finds one.

Without DIR they go beside the binary, into ../share/man/man1 of the
directory git-aos is in: man looks there for every directory on PATH
(~/go/bin gives ~/go/share/man, /usr/local/bin /usr/local/share/man).
With DIR they go there. Either way, man is asked (manpath) whether it
searches the directory; when it does not, the line to add to the shell's
profile is printed.`,
		Example: `  git aos docs man
  git aos docs man ~/.local/share/man/man1
  sudo git aos docs man /usr/local/share/man/man1`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := ""
			if len(args) == 1 {
				dir = args[0]
			} else {
				var err error
				if dir, err = manDirBesideBinary(); err != nil {
					return err
				}
			}
			n, err := writeManPages(cmd.Root(), dir)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(f.Out, "wrote %d man pages to %s\n", n, dir); err != nil {
				return err
			}
			found, known := manSearches(dir)
			switch {
			case found:
				_, err = fmt.Fprintln(f.Out, "man finds them: git aos --help and man git-aos work")
			case known:
				_, err = fmt.Fprintf(f.Out, "man does not look in %s: add this line to your shell's profile\n  export MANPATH=\"%s:$MANPATH\"\n", filepath.Dir(absDir(dir)), filepath.Dir(absDir(dir)))
			default:
				_, err = fmt.Fprintf(f.Out, "manpath is not installed here to say whether man looks in %s; if it does not:\n  export MANPATH=\"%s:$MANPATH\"\n", filepath.Dir(absDir(dir)), filepath.Dir(absDir(dir)))
			}
			return err
		},
	})
	return cmd
}

// manDirBesideBinary is ../share/man/man1 of the directory that holds
// this executable (symlinks resolved), where man-db looks for the pages
// of the programs on PATH.
func manDirBesideBinary() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the git-aos binary: %w", err)
	}
	if e, err := filepath.EvalSymlinks(exe); err == nil {
		exe = e
	}
	return filepath.Join(filepath.Dir(filepath.Dir(exe)), "share", "man", "man1"), nil
}

func absDir(dir string) string {
	if a, err := filepath.Abs(dir); err == nil {
		return a
	}
	return dir
}

// manSearches asks man's own manpath whether it searches the man
// directory that holds dir (its parent, as man1 is a section of it).
// known is false when manpath cannot be run here.
func manSearches(dir string) (found, known bool) {
	out, err := exec.Command("manpath", "-q").Output()
	if err != nil {
		return false, false
	}
	want := filepath.Dir(absDir(dir))
	if w, err := filepath.EvalSymlinks(want); err == nil {
		want = w
	}
	for _, p := range strings.Split(strings.TrimSpace(string(out)), ":") {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		if filepath.Clean(p) == want {
			return true, true
		}
	}
	return false, true
}

// writeManPages writes one roff page per command of the tree under root.
func writeManPages(root *cobra.Command, dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("create %s: %w", dir, err)
	}
	n := 0
	var walk func(c *cobra.Command) error
	walk = func(c *cobra.Command) error {
		if c.Hidden || c.Name() == "help" {
			return nil
		}
		name := strings.ReplaceAll(c.CommandPath(), " ", "-")
		if err := os.WriteFile(filepath.Join(dir, name+".1"), []byte(manPage(c)), 0o644); err != nil {
			return fmt.Errorf("write man page: %w", err)
		}
		n++
		for _, sub := range c.Commands() {
			if err := walk(sub); err != nil {
				return err
			}
		}
		return nil
	}
	return n, walk(root)
}

// roff escapes text for a man page.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			l = `\&` + l
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

func manPage(c *cobra.Command) string {
	var b strings.Builder
	name := strings.ReplaceAll(c.CommandPath(), " ", "-")
	fmt.Fprintf(&b, ".TH %q 1 %q \"git-aos %s\" \"Git Manual\"\n", strings.ToUpper(name), time.Unix(0, 0).UTC().Format("2006-01-02"), buildVersion())
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", name, roff(c.Short))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.B %s\n", roff(c.UseLine()))
	long := c.Long
	if long == "" {
		long = c.Short
	}
	fmt.Fprintf(&b, ".SH DESCRIPTION\n%s\n", roff(long))
	if c.HasAvailableLocalFlags() {
		b.WriteString(".SH OPTIONS\n")
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Hidden {
				return
			}
			b.WriteString(".TP\n")
			if f.Shorthand != "" {
				fmt.Fprintf(&b, "\\fB\\-%s\\fR, ", f.Shorthand)
			}
			fmt.Fprintf(&b, "\\fB\\-\\-%s\\fR\n%s\n", f.Name, roff(f.Usage))
		})
	}
	if c.Example != "" {
		fmt.Fprintf(&b, ".SH EXAMPLES\n.nf\n%s\n.fi\n", roff(c.Example))
	}
	if c.HasAvailableSubCommands() {
		b.WriteString(".SH COMMANDS\n")
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() {
				continue
			}
			fmt.Fprintf(&b, ".TP\n\\fB%s\\fR\n%s\n", roff(strings.ReplaceAll(sub.CommandPath(), " ", "-")), roff(sub.Short))
		}
	}
	b.WriteString(".SH SEE ALSO\n\\fBgit\\fR(1), docs/spec.md\n")
	return b.String()
}
