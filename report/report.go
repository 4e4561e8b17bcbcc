// Package report renders what git-aos found and did, for every front end
// that writes text: the reports of plan check, apply, verify and validate
// in the formats of docs/spec.md (text, one line per problem as compilers
// print them; JSON; SARIF 2.1.0; GitHub workflow annotations), the other
// results of the use cases in packages workflow and hooks, and errors with
// their hints ([WriteError]). It is the only place that formats output;
// the use cases return data.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/architectos/aos"
)

// Formats lists the output format names accepted by --format.
var Formats = []string{"text", "json", "sarif", "github"}

// encodeJSON writes v as JSON indented by two spaces, ending in a
// newline, with &, < and > as themselves: every JSON output is read by
// programs and people, not embedded in HTML.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Write renders r to w in the named format.
func Write(w io.Writer, format string, r *aos.Report) error {
	if r.Violations == nil {
		r.Violations = []aos.Violation{}
	}
	if r.Approvals == nil {
		r.Approvals = []aos.Approval{}
	}
	switch format {
	case "", "text":
		return writeText(w, r)
	case "json":
		return encodeJSON(w, r)
	case "sarif":
		return writeSARIF(w, r)
	case "github":
		return writeGitHub(w, r)
	}
	return fmt.Errorf("unknown format %q (want one of text, json, sarif, github)", format)
}

func writeText(w io.Writer, r *aos.Report) error {
	for _, v := range ownViolations(r) {
		if _, err := fmt.Fprintln(w, v.String()); err != nil {
			return err
		}
	}
	for _, f := range r.Findings {
		if _, err := fmt.Fprintln(w, FindingText(f)); err != nil {
			return err
		}
	}
	for _, j := range r.Jobs {
		if j.ExitCode == 0 && !j.TimedOut {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "output of %s %q (directive %d, exit code %d", j.Kind, aos.Sanitize(j.Name), j.Directive, j.ExitCode)
		if j.TimedOut {
			b.WriteString(", timed out")
		}
		if j.Truncated {
			b.WriteString(", output truncated")
		}
		fmt.Fprintf(&b, "), last %s:\n", plural(len(j.Tail), "line"))
		for _, l := range j.Tail {
			fmt.Fprintf(&b, "  | %s\n", aos.Sanitize(l))
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	for _, a := range r.Approvals {
		line := "approval required: " + a.Subject()
		if a.Directive >= 0 {
			line = fmt.Sprintf("approval required: directive %d", a.Directive)
			if a.Path != "" {
				line += " " + aos.Quote(a.Path)
			}
		}
		line += " [" + aos.Sanitize(a.Rule) + "]"
		if len(a.Reviewers) > 0 {
			line += aos.Sanitize(fmt.Sprintf(" reviewers: %v", a.Reviewers))
		}
		if a.Reason != "" {
			line += ": " + aos.Sanitize(a.Reason)
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

// FindingText formats f as "path:line:col: severity: validator/rule: message",
// the path quoted and the rest sanitized (aos.Quote, aos.Sanitize): a
// module's output never starts a line of its own.
func FindingText(f aos.Finding) string {
	return fmt.Sprintf("%s:%d:%d: %s: %s/%s: %s", aos.Quote(f.Path), f.Line, f.Column, aos.Sanitize(string(f.Severity)),
		aos.Sanitize(f.Validator), aos.Sanitize(f.Rule), aos.Sanitize(f.Message))
}

// ownViolations are the report's violations less those that repeat a
// finding: a finding of severity error rejects, so it is both, and every
// format shows it once, as the finding (with its line and column).
func ownViolations(r *aos.Report) []aos.Violation {
	type key struct {
		path string
		rule aos.Rule
	}
	found := map[key]bool{}
	for _, f := range r.Findings {
		found[key{f.Path, aos.ValidatorFinding(f.Validator, f.Rule)}] = true
	}
	var out []aos.Violation
	for _, v := range r.Violations {
		if v.Directive < 0 && found[key{v.Path, v.Rule}] {
			continue
		}
		out = append(out, v)
	}
	return out
}
