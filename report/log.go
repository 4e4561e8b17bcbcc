package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/workflow"
)

// WriteLog renders the audit log (docs/spec.md 9), newest run first: as
// JSON, an array of the entries, or as text for people.
func WriteLog(w io.Writer, asJSON bool, entries []workflow.LogEntry) error {
	if asJSON {
		if entries == nil {
			entries = []workflow.LogEntry{}
		}
		return encodeJSON(w, entries)
	}
	var b strings.Builder
	for i, e := range entries {
		if i > 0 {
			b.WriteByte('\n')
		}
		// Everything below comes from commits anyone may have pushed:
		// each field is quoted or sanitized, so that it stays on its line.
		s := aos.Sanitize
		fmt.Fprintf(&b, "run %s %.12s %s%s\n", s(e.PlanID), s(e.Commit), s(e.Result), s(logState(e)))
		fmt.Fprintf(&b, "Author: %s\n", s(e.Author))
		fmt.Fprintf(&b, "Date:   %s\n", s(e.Date))
		fmt.Fprintf(&b, "Base:   %.12s (plan commit %.12s)\n", s(e.Base), s(e.PlanCommit))
		if e.Goal != "" {
			writeGoal(&b, e.Goal)
		}
		if e.Error != "" {
			fmt.Fprintf(&b, "Error:  %s\n", s(e.Error))
		}
		if len(e.Directives) > 0 {
			b.WriteString("Directives:\n")
			for _, d := range e.Directives {
				fmt.Fprintf(&b, "  %3d %-20s %-8s %s\n", d.Index, s(string(d.Type)), s(string(d.Status)), aos.Quote(d.Subject()))
			}
		}
		if len(e.Changes) > 0 {
			b.WriteString("Changes:\n")
			for _, c := range e.Changes {
				fmt.Fprintf(&b, "  %s %s\n", statusLetter(c.Status), aos.Quote(c.Path))
			}
		}
		for _, v := range e.Validators {
			fmt.Fprintf(&b, "Validator %s: %s, %s\n", s(v.Name), plural(v.Files, "file"), plural(v.Findings, "finding"))
		}
		for _, j := range e.Jobs {
			fmt.Fprintf(&b, "Job %s %s: exit %d\n", s(string(j.Kind)), s(j.Name), j.ExitCode)
		}
		if e.Vouch != nil {
			fmt.Fprintf(&b, "Vouched: %s\n", terminalSafe(VouchText(*e.Vouch)))
		}
		for _, a := range e.Approvals {
			fmt.Fprintf(&b, "Approval required: %s: %s", s(a.Rule), approvalSubject(a))
			if len(a.Reviewers) > 0 {
				fmt.Fprintf(&b, " (%s)", s(strings.Join(a.Reviewers, ", ")))
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// logState is how the text log marks an entry: " (merged)", or
// " (pending on aos/ID)" while only agent branches hold it.
func logState(e workflow.LogEntry) string {
	switch {
	case e.State == "merged":
		return " (merged)"
	case e.State == "pending" && len(e.Branches) > 0:
		return " (pending on " + strings.Join(e.Branches, ", ") + ")"
	case e.State == "pending":
		return " (pending)"
	}
	return ""
}

// maxGoalLines is how many lines of a goal the text log shows.
const maxGoalLines = 20

// writeGoal writes the whole goal, as git log writes a message: its
// lines under the first, indented, at most maxGoalLines of them, with
// characters a terminal would act on escaped.
func writeGoal(b *strings.Builder, goal string) {
	lines := strings.Split(strings.TrimSpace(goal), "\n")
	for i, l := range lines {
		if i == maxGoalLines {
			fmt.Fprintf(b, "        (%d more lines)\n", len(lines)-i)
			return
		}
		l = terminalSafe(strings.TrimRight(l, " \t\r"))
		if i == 0 {
			fmt.Fprintf(b, "Goal:   %s\n", l)
		} else if l == "" {
			b.WriteByte('\n')
		} else {
			fmt.Fprintf(b, "        %s\n", l)
		}
	}
}

// terminalSafe escapes what a terminal or a CI runner would act on in
// s, a line of free text (aos.Sanitize), and a "::" that would start the
// line, after white space (a workflow command).
func terminalSafe(s string) string {
	s = aos.Sanitize(s)
	if t := strings.TrimLeft(s, " \t"); strings.HasPrefix(t, "::") {
		s = s[:len(s)-len(t)] + `\072` + t[1:]
	}
	return s
}

// VouchText says in words who vouches for a run's job records.
func VouchText(v workflow.Vouch) string {
	switch v.By {
	case workflow.VouchNoneNeeded:
		return "no job records (replay proves the run)"
	case workflow.VouchSignature:
		return fmt.Sprintf("signed by %s (%s)", v.Signer, v.Key)
	case workflow.VouchRunnerLogin:
		return "runner login " + v.Login + " (noted by the server)"
	case workflow.VouchServerRerun:
		return "the server ran the jobs again (noted by the server)"
	}
	return "unverified: " + v.Reason
}
