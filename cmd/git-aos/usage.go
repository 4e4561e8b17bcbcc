package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/report"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// plural is "1 argument", "2 arguments".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// flagError makes a flag the command does not know, or cannot parse, a
// usage error, with the nearest flag it has as a hint.
func flagError(c *cobra.Command, err error) error {
	if args := c.Flags().Args(); c.HasSubCommands() && len(args) > 0 {
		// git aos hook instal --repo x: the subcommand is what is wrong,
		// not a flag the group does not take.
		return unknownCommand(c, args[0])
	}
	msg := err.Error()
	name, ok := strings.CutPrefix(msg, "unknown flag: --")
	if !ok {
		return &usageError{err}
	}
	var names []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	if s := nearest(name, names); s != "" {
		return &usageError{aos.WithHint(err, fmt.Sprintf("did you mean --%s?", s))}
	}
	return &usageError{err}
}

// nearest returns the one of names closest to typed: within two edits, or
// the only one it is a prefix of; "" when none is.
func nearest(typed string, names []string) string {
	best, bestD := "", 3
	prefixed := []string{}
	for _, n := range names {
		if strings.HasPrefix(n, typed) {
			prefixed = append(prefixed, n)
		}
		if d := distance(typed, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" && len(prefixed) == 1 {
		best = prefixed[0]
	}
	return best
}

// distance is the Damerau-Levenshtein distance of a and b (optimal string
// alignment: a transposition of neighbours is one edit, as in "mna").
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// strictGroups makes every command that only groups others (git aos plan,
// git aos hook, git aos itself) refuse what it does not know: an unknown
// subcommand is a usage error naming the nearest one, and the group alone
// prints its help on standard error and exits 2, as git does, so that a
// typo in a script never passes as a command that did nothing.
func strictGroups(c *cobra.Command, f *factory) {
	for _, sub := range c.Commands() {
		strictGroups(sub, f)
	}
	if !c.HasSubCommands() || c.Run != nil || c.RunE != nil {
		return
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return unknownCommand(cmd, args[0])
		}
		return nil
	}
	c.RunE = func(cmd *cobra.Command, args []string) error {
		cmd.SetOut(f.ErrOut)
		if err := cmd.Help(); err != nil {
			return err
		}
		return &silentError{code: aos.ExitUsage}
	}
}

// unknownCommand is the usage error of a subcommand that parent does not
// have, with the nearest ones it has as hints.
func unknownCommand(parent *cobra.Command, name string) error {
	err := usageErrorf("unknown command %q for %q", name, parent.CommandPath())
	var names []string
	for _, c := range parent.Commands() {
		if c.IsAvailableCommand() || c.Name() == "help" {
			names = append(names, c.Name())
		}
	}
	if s := nearest(name, names); s != "" {
		return &usageError{aos.WithHint(err, fmt.Sprintf("did you mean '%s %s'?", parent.CommandPath(), s))}
	}
	for _, s := range parent.SuggestionsFor(name) {
		return &usageError{aos.WithHint(err, fmt.Sprintf("did you mean '%s %s'?", parent.CommandPath(), s))}
	}
	return err
}

// newCmdHelp is the help command: git aos help [COMMAND...] prints the
// help of COMMAND, and a command that does not exist is a usage error,
// never a help page and exit 0.
func newCmdHelp(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND...]",
		Short: "Print the help of a command",
		Long: `Help prints the help of COMMAND, as git aos COMMAND --help does; "git aos
--help", through git, opens the man page once it is installed (git aos docs
man).`,
		Example: `  git aos help plan check`,
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			target := root
			for _, name := range args {
				next, _, err := target.Find([]string{name})
				if err != nil || next == target {
					return unknownCommand(target, name)
				}
				target = next
			}
			target.SetOut(f.Out)
			return target.Help()
		},
	}
}

// exitDoc says what exit codes 0 and 3 mean for one command; 1, 2 and 130
// mean the same everywhere (docs/spec.md section 1, whose table a test
// holds to this one).
type exitDoc struct {
	ok, rejected string
}

// exitDocs are the exit codes of each command, by its path under git aos.
var exitDocs = map[string]exitDoc{
	"plan check":         {"every directive is allowed", "a directive is not allowed, the plan is malformed or stale, or the manifest is invalid"},
	"propose":            {"the plan commit is on the new branch", "the plan is rejected; nothing is created"},
	"apply":              {"the result commit is on the branch", "the plan is rejected; nothing is written"},
	"run":                {"the branch holds both commits", "the plan is rejected; no branch is created"},
	"verify":             {"the result commit is exactly what its plan makes", "it is not: the first difference, or the plan's violations, are named"},
	"log":                {"the log is printed", ""},
	"manifest check":     {"the manifest is valid", "it is not: every error is listed"},
	"manifest schema":    {"the schema is printed", ""},
	"plan schema":        {"the schema is printed", ""},
	"mcp":                {"the client closed the session", ""},
	"mcp config":         {"the configuration is printed", ""},
	"validate":           {"no finding of severity error, every validator ran", "an error finding, or a validator that could not run"},
	"pr":                 {"the branch is pushed and its pull request opened or updated", "the branch is not an agent branch at a plan or result commit"},
	"ci":                 {"every commit of the pull request or push passes", "a commit is rejected"},
	"hook pre-receive":   {"the push is accepted", "the push is rejected (an error, exit 1, rejects it too)"},
	"hook install":       {"the hook is written", ""},
	"hook post-receive":  {"the push's runs are queued and its vouchers noted", ""},
	"hook runner":        {"every queued branch was handled, whatever the verdicts", ""},
	"hook runs":          {"the runs are listed", ""},
	"cache warm":         {"the modules are compiled", ""},
	"rescuewp checksums": {"the checksums are printed", ""},
	"rescuewp init":      {"the repository is made", ""},
	"demo":               {"every step did what it shows", ""},
	"docs man":           {"the pages are written", ""},
	"completion":         {"the script is printed", ""},
	"version":            {"the version is printed", ""},
	"help":               {"the help is printed", ""},
}

// documentExitCodes ends the help of every command that runs with its
// exit codes.
func documentExitCodes(c *cobra.Command) {
	for _, sub := range c.Commands() {
		documentExitCodes(sub)
	}
	path := strings.TrimPrefix(strings.TrimPrefix(c.CommandPath(), c.Root().CommandPath()), " ")
	d, ok := exitDocs[path]
	if !ok {
		return
	}
	if c.Long == "" {
		c.Long = c.Short + "."
	}
	c.Long = strings.TrimRight(c.Long, "\n") + "\n\n" + exitCodesHelp(d)
}

// exitCodesHelp is the paragraph of a command's help that lists its exit
// codes, wrapped at 76 columns.
func exitCodesHelp(d exitDoc) string {
	s := "Exit codes: 0 " + d.ok + "; "
	if d.rejected != "" {
		s += "3 " + d.rejected + "; "
	}
	s += "1 error; 2 usage; 130 interrupted (docs/spec.md section 1)."
	return wrap(s, 76)
}

// wrap breaks s into lines of at most width columns at spaces.
func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(s) {
		if i > 0 {
			if n+1+len(w) > width {
				b.WriteByte('\n')
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

// versionLine is what git aos --version and git aos version print.
func versionLine() string {
	var b bytes.Buffer
	report.WriteVersion(&b, buildVersion())
	return b.String()
}
