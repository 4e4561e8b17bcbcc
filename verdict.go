package aos

import "sort"

// Report is the verdict of a check: what plan check, apply, run, verify,
// validate and the pre-receive hook found. It is data; package report
// renders it in the formats of docs/spec.md.
type Report struct {
	OK         bool        `json:"ok"`
	Violations []Violation `json:"violations"`
	Findings   []Finding   `json:"findings,omitempty"`
	Approvals  []Approval  `json:"approvals"`
	// Jobs are the jobs that ran; text output shows the end of a failed
	// job's output.
	Jobs []JobRecord `json:"jobs,omitempty"`
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

// SortFindings orders findings by path, line, column, validator, rule and
// message.
func SortFindings(fs []Finding) {
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

// Undecided reports whether r rejects only because what it judged could
// not be judged to its end here: every violation's rule is
// [Rule.Undecided], and no validator found an error. The command line
// then exits 1, not 3 (docs/spec.md section 1).
func (r *Report) Undecided() bool {
	if r.OK || len(r.Violations) == 0 || r.ErrorFindings() > 0 {
		return false
	}
	for _, v := range r.Violations {
		if !v.Rule.Undecided() {
			return false
		}
	}
	return true
}

// ErrorFindings counts the findings of severity error: each rejects.
func (r *Report) ErrorFindings() int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == SeverityError {
			n++
		}
	}
	return n
}
