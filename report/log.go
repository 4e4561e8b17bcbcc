package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/architectos/aos/workflow"
)

// WriteLog renders the audit log (docs/spec.md 9), newest run first: as
// JSON, an array of the entries, or as text for people.
func WriteLog(w io.Writer, asJSON bool, entries []workflow.LogEntry) error {
	if asJSON {
		if entries == nil {
			entries = []workflow.LogEntry{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(entries)
	}
	var b strings.Builder
	for i, e := range entries {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "run %s %.12s %s\n", e.PlanID, e.Commit, e.Result)
		fmt.Fprintf(&b, "Author: %s\n", e.Author)
		fmt.Fprintf(&b, "Date:   %s\n", e.Date)
		fmt.Fprintf(&b, "Base:   %.12s (plan commit %.12s)\n", e.Base, e.PlanCommit)
		if e.Goal != "" {
			fmt.Fprintf(&b, "Goal:   %s\n", workflow.GoalLine(e.Goal, 200))
		}
		if e.Error != "" {
			fmt.Fprintf(&b, "Error:  %s\n", e.Error)
		}
		if len(e.Directives) > 0 {
			b.WriteString("Directives:\n")
			for _, d := range e.Directives {
				fmt.Fprintf(&b, "  %3d %-20s %-8s %s\n", d.Index, d.Type, d.Status, d.Subject())
			}
		}
		if len(e.Changes) > 0 {
			b.WriteString("Changes:\n")
			for _, c := range e.Changes {
				fmt.Fprintf(&b, "  %s %s\n", statusLetter(c.Status), c.Path)
			}
		}
		for _, v := range e.Validators {
			fmt.Fprintf(&b, "Validator %s: %s, %s\n", v.Name, plural(v.Files, "file"), plural(v.Findings, "finding"))
		}
		for _, j := range e.Jobs {
			fmt.Fprintf(&b, "Job %s %s: exit %d\n", j.Kind, j.Name, j.ExitCode)
		}
		for _, a := range e.Approvals {
			fmt.Fprintf(&b, "Approval required: %s: %s", a.Rule, a.Subject())
			if len(a.Reviewers) > 0 {
				fmt.Fprintf(&b, " (%s)", strings.Join(a.Reviewers, ", "))
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
