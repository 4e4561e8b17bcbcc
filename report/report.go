// Package report renders the outcome of plan check, apply and validate in
// the formats of docs/spec.md: text (one line per problem, as compilers print
// them), JSON, SARIF 2.1.0 and GitHub workflow annotations.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/architectos/aos"
)

// Formats lists the output format names accepted by --format.
var Formats = []string{"text", "json", "sarif", "github"}

// Approval is a human review that a policy requires.
type Approval = aos.Approval

// Report is what a checking command found.
type Report struct {
	OK         bool            `json:"ok"`
	Violations []aos.Violation `json:"violations"`
	Findings   []aos.Finding   `json:"findings,omitempty"`
	Approvals  []Approval      `json:"approvals"`
	// Jobs are the jobs that ran; text output shows the end of a failed
	// job's output.
	Jobs []aos.JobRecord `json:"jobs,omitempty"`
}

// Sort orders violations by directive then position, and findings by path,
// line, column, validator and rule, so output never depends on scheduling.
func (r *Report) Sort() {
	sort.SliceStable(r.Violations, func(i, j int) bool {
		a, b := r.Violations[i], r.Violations[j]
		if a.Directive != b.Directive {
			return a.Directive < b.Directive
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Rule < b.Rule
	})
	SortFindings(r.Findings)
}

// SortFindings orders findings deterministically.
func SortFindings(fs []aos.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		switch {
		case a.Path != b.Path:
			return a.Path < b.Path
		case a.Line != b.Line:
			return a.Line < b.Line
		case a.Column != b.Column:
			return a.Column < b.Column
		case a.Validator != b.Validator:
			return a.Validator < b.Validator
		case a.Rule != b.Rule:
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
}

// Write renders r to w in the named format.
func Write(w io.Writer, format string, r *Report) error {
	if r.Violations == nil {
		r.Violations = []aos.Violation{}
	}
	if r.Approvals == nil {
		r.Approvals = []Approval{}
	}
	switch format {
	case "", "text":
		return writeText(w, r)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "sarif":
		return writeSARIF(w, r)
	case "github":
		return writeGitHub(w, r)
	}
	return fmt.Errorf("unknown format %q (want one of text, json, sarif, github)", format)
}

func writeText(w io.Writer, r *Report) error {
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
		fmt.Fprintf(&b, "output of %s %q (directive %d, exit code %d", j.Kind, j.Name, j.Directive, j.ExitCode)
		if j.TimedOut {
			b.WriteString(", timed out")
		}
		if j.Truncated {
			b.WriteString(", output truncated")
		}
		fmt.Fprintf(&b, "), last %d lines:\n", len(j.Tail))
		for _, l := range j.Tail {
			fmt.Fprintf(&b, "  | %s\n", l)
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
				line += " " + a.Path
			}
		}
		line += " [" + a.Rule + "]"
		if len(a.Reviewers) > 0 {
			line += fmt.Sprintf(" reviewers: %v", a.Reviewers)
		}
		if a.Reason != "" {
			line += ": " + a.Reason
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

// FindingText formats f as "path:line:col: severity: validator/rule: message".
func FindingText(f aos.Finding) string {
	return fmt.Sprintf("%s:%d:%d: %s: %s/%s: %s", f.Path, f.Line, f.Column, f.Severity, f.Validator, f.Rule, f.Message)
}

// ownViolations are the report's violations less those that repeat a
// finding: a finding of severity error rejects, so it is both, and every
// format shows it once, as the finding (with its line and column).
func ownViolations(r *Report) []aos.Violation {
	found := map[string]bool{}
	for _, f := range r.Findings {
		found[f.Path+"\x00validators."+f.Validator+"/"+f.Rule] = true
	}
	var out []aos.Violation
	for _, v := range r.Violations {
		if v.Directive < 0 && found[v.Path+"\x00"+v.Rule] {
			continue
		}
		out = append(out, v)
	}
	return out
}
