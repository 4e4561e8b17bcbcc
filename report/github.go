package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/architectos/aos"
)

// writeGitHub renders r as GitHub workflow commands, one annotation a
// line: "::error file=F,line=L,col=C,title=RULE::MESSAGE", with warning
// and notice for the other severities (docs.github.com, "Workflow
// commands for GitHub Actions"). Line and column are left out when
// unknown, the file when there is none.
func writeGitHub(w io.Writer, r *aos.Report) error {
	for _, p := range problems(r) {
		cmd := p.level
		if cmd == "note" {
			cmd = "notice"
		}
		var props []string
		if p.file != "" {
			props = append(props, "file="+escapeProperty(p.file))
			if p.line > 0 {
				props = append(props, fmt.Sprintf("line=%d", p.line))
				if p.col > 0 {
					props = append(props, fmt.Sprintf("col=%d", p.col))
				}
			}
		}
		props = append(props, "title="+escapeProperty(p.rule))
		if _, err := fmt.Fprintf(w, "::%s %s::%s\n", cmd, strings.Join(props, ","), escapeData(p.message)); err != nil {
			return err
		}
	}
	return nil
}

// escapeData escapes a workflow command's message as the runner
// unescapes it (ActionCommand.cs in actions/runner: %25, %0D, %0A, so
// that a message of several lines stays one line of output); then
// aos.Sanitize escapes what else a terminal or the runner would act on
// (other control characters, separators, "##[").
func escapeData(s string) string {
	return aos.Sanitize(strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s))
}

// escapeProperty escapes a workflow command's property value, as
// escapeData does and also ':' (%3A) and ',' (%2C), which end a value.
func escapeProperty(s string) string {
	return aos.Sanitize(strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s))
}

// WriteAnnotations renders r's problems as workflow commands, at most
// perLevel of each level: GitHub shows ten errors, ten warnings and ten
// notices per step, and drops the rest. A last notice counts what is not
// shown.
func WriteAnnotations(w io.Writer, r *aos.Report, perLevel int) error {
	kept := &aos.Report{OK: r.OK}
	count := map[string]int{}
	dropped := 0
	over := func(level string) bool {
		count[level]++
		if count[level] > perLevel {
			dropped++
			return true
		}
		return false
	}
	for _, v := range ownViolations(r) {
		if !over("error") {
			kept.Violations = append(kept.Violations, v)
		}
	}
	for _, f := range r.Findings {
		level := string(f.Severity)
		if level != "warning" && level != "note" {
			level = "error"
		}
		if !over(level) {
			kept.Findings = append(kept.Findings, f)
		}
	}
	for _, a := range r.Approvals {
		if !over("note") {
			kept.Approvals = append(kept.Approvals, a)
		}
	}
	if err := writeGitHub(w, kept); err != nil {
		return err
	}
	if dropped > 0 {
		_, err := fmt.Fprintf(w, "::notice title=git-aos::%d more problems are listed in the check run and the job summary\n", dropped)
		return err
	}
	return nil
}

// WriteCI renders the verdict of git aos ci: the notes and warnings of
// the run, and one line with the verdict.
func WriteCI(w io.Writer, verdict, base, head string, commits int, notes, warnings []string) error {
	var b strings.Builder
	for _, n := range notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	for _, x := range warnings {
		fmt.Fprintf(&b, "::warning title=git-aos::%s\n", escapeData(x))
	}
	noun := "commits"
	if commits == 1 {
		noun = "commit"
	}
	fmt.Fprintf(&b, "git aos ci: %s: %d %s of %.12s..%.12s\n", verdict, commits, noun, base, head)
	_, err := io.WriteString(w, b.String())
	return err
}

// WritePR renders what git aos pr did.
func WritePR(w io.Writer, number int, url string, created, pushed bool, users, teams, warnings []string) error {
	var b strings.Builder
	if pushed {
		b.WriteString("pushed the branch\n")
	}
	what := "updated"
	if created {
		what = "opened"
	}
	fmt.Fprintf(&b, "%s pull request #%d: %s\n", what, number, url)
	if len(users)+len(teams) > 0 {
		var all []string
		all = append(all, users...)
		for _, t := range teams {
			all = append(all, "team "+t)
		}
		fmt.Fprintf(&b, "reviews requested from %s\n", strings.Join(all, ", "))
	}
	for _, x := range warnings {
		fmt.Fprintf(&b, "warning: %s\n", x)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
