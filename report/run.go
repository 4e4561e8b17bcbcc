package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/workflow"
	"github.com/architectos/aos/workflow/record"
)

// runJSON is the JSON output of propose, apply and run when the plan
// passed.
type runJSON struct {
	OK           bool            `json:"ok"`
	Branch       string          `json:"branch,omitempty"`
	PlanCommit   string          `json:"plan_commit,omitempty"`
	ResultCommit string          `json:"result_commit,omitempty"`
	Violations   []aos.Violation `json:"violations"`
	Findings     []aos.Finding   `json:"findings"`
	Approvals    []aos.Approval  `json:"approvals"`
	Changes      []record.Change `json:"changes,omitempty"`
}

// WriteRun renders the outcome of propose, apply or run. A rejected plan
// is its report, as [Write] renders it. A plan that passed is, in text,
// its findings, then the plan commit made (propose) or the result commit
// with the paths it changes and the approvals it needs (apply, run); in
// JSON, the same as an object; in SARIF and GitHub annotations, its
// report.
func WriteRun(w io.Writer, format string, res *workflow.RunResult) error {
	r := res.Report
	if !r.OK {
		return Write(w, format, r)
	}
	branch := strings.TrimPrefix(res.Branch, "refs/heads/")
	switch format {
	case "json":
		out := runJSON{OK: true, Branch: branch, PlanCommit: res.PlanCommit, ResultCommit: res.ResultCommit,
			Violations: []aos.Violation{}, Findings: r.Findings, Approvals: r.Approvals}
		if out.Findings == nil {
			out.Findings = []aos.Finding{}
		}
		if out.Approvals == nil {
			out.Approvals = []aos.Approval{}
		}
		if res.Record != nil {
			out.Changes = res.Record.Changes
		}
		return encodeJSON(w, out)
	case "", "text":
		var b strings.Builder
		for _, fd := range r.Findings {
			fmt.Fprintln(&b, FindingText(fd))
		}
		if res.ResultCommit == "" {
			fmt.Fprintf(&b, "proposed plan on %s: plan commit %.12s\n", aos.Quote(branch), res.PlanCommit)
		} else {
			fmt.Fprintf(&b, "applied plan %s on %s: result commit %.12s\n", res.Record.Plan.ID, aos.Quote(branch), res.ResultCommit)
			for _, c := range res.Record.Changes {
				fmt.Fprintf(&b, "  %s %s\n", statusLetter(c.Status), aos.Quote(c.Path))
			}
			for _, a := range r.Approvals {
				fmt.Fprintf(&b, "approval required: %s: %s", aos.Sanitize(a.Rule), approvalSubject(a))
				if len(a.Reviewers) > 0 {
					fmt.Fprintf(&b, " (%s)", aos.Sanitize(strings.Join(a.Reviewers, ", ")))
				}
				b.WriteByte('\n')
			}
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	return Write(w, format, r)
}

// WriteReplies renders what each directive of a plan returned, by index,
// as one JSON array (docs/spec.md 6.5: --replies).
func WriteReplies(w io.Writer, replies []workflow.Reply) error {
	if replies == nil {
		replies = []workflow.Reply{}
	}
	return encodeJSON(w, replies)
}

// WriteVerify renders the verdict of verify: in text, one line naming the
// commit and its plan when it verified; otherwise, and in the other
// formats, its report.
func WriteVerify(w io.Writer, format string, res *workflow.VerifyResult) error {
	if res.Report.OK && (format == "" || format == "text") {
		_, err := fmt.Fprintf(w, "verified %.12s: plan %s rebuilds it exactly\n", res.Commit, res.PlanID)
		return err
	}
	return Write(w, format, res.Report)
}

// WriteChecked renders the verdict of plan check on a plan (what is
// "plan"), or of another check: its report, and in text a last line
// "WHAT ok" when nothing was rejected.
func WriteChecked(w io.Writer, format, what string, r *aos.Report) error {
	if err := Write(w, format, r); err != nil {
		return err
	}
	if r.OK && (format == "" || format == "text") {
		_, err := fmt.Fprintf(w, "%s ok\n", what)
		return err
	}
	return nil
}

// Rejection is the one-line summary of a report that rejected what, as
// the command line prints it after the report: "plan rejected: 2
// violation", or, when it could not be judged here (aos.Report.Undecided),
// "plan not judged: 1 check could not run here".
func Rejection(what string, r *aos.Report) string {
	if r.Undecided() {
		return fmt.Sprintf("%s not judged: %s could not run here", what, plural(len(r.Violations), "check"))
	}
	return fmt.Sprintf("%s rejected: %s", what, plural(len(r.Violations), "violation"))
}

// ValidateRejection is the summary of a validate that rejected.
func ValidateRejection(r *aos.Report) string {
	return fmt.Sprintf("validate rejected: %s, %s", plural(r.ErrorFindings(), "error finding"), plural(len(r.Violations), "validator failure"))
}

// plural is "1 violation", "2 violations".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// statusLetter is A, M or D for a change's status.
func statusLetter(s aos.ChangeStatus) string {
	if s == "" {
		return "?"
	}
	return strings.ToUpper(string(s)[:1])
}

// WriteProgress writes one progress line of a job, for a terminal: when
// it starts, and when it ends with its exit code and duration.
func WriteProgress(w io.Writer, p workflow.JobProgress) error {
	j := p.Job
	var line string
	switch {
	case !p.Done:
		line = fmt.Sprintf("git-aos: directive %d: running %s %s ...\n", j.Directive, j.Kind, terminalSafe(j.Name))
	case p.Err != nil:
		line = fmt.Sprintf("git-aos: directive %d: %s %s could not run\n", j.Directive, j.Kind, terminalSafe(j.Name))
	default:
		r := p.Record
		status := fmt.Sprintf("exit %d", r.ExitCode)
		if r.TimedOut {
			status = "timed out"
		}
		line = fmt.Sprintf("git-aos: directive %d: %s %s: %s in %s\n", j.Directive, j.Kind, terminalSafe(j.Name), status, time.Duration(r.DurationMs)*time.Millisecond)
	}
	_, err := io.WriteString(w, line)
	return err
}

// approvalSubject is what an approval concerns: its path, quoted, the
// whole change for a size rule, or its directive for a rule on directive
// types alone.
func approvalSubject(a aos.Approval) string {
	if a.Path != "" {
		return aos.Quote(a.Path)
	}
	if s := a.Subject(); s != "" {
		return aos.Sanitize(s)
	}
	return fmt.Sprintf("directive %d", a.Directive)
}
