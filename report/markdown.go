package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/architectos/aos"
)

// Summary is what the GitHub front ends show in markdown: a pull
// request's body, a job summary, a check run's summary, a comment.
type Summary struct {
	// Title, Verdict and Footer are git-aos's own words, markdown as
	// they are; everything else is escaped.
	Title   string
	Verdict string
	// Notes are lines under the verdict (a read-only token, warnings).
	Notes   []string
	Commits []SummaryCommit
	// Report holds the violations and findings.
	Report    *aos.Report
	Runs      []SummaryRun
	Approvals []SummaryApproval
	// Ignored are reviews that do not count, "login: why".
	Ignored []string
	// Brief leaves out the runs' directives, changes and validators.
	Brief  bool
	Footer string
}

// SummaryCommit is one judged commit.
type SummaryCommit struct {
	ID, Kind, Plan, Verdict string
}

// SummaryRun is a run of a plan: its record, or its plan check.
type SummaryRun struct {
	PlanID, Goal, Commit string
	Directives           []aos.Outcome
	Changes              []SummaryChange
	Validators           []aos.ValidatorRecord
	Jobs                 []aos.JobRecord
	// Vouch says who vouches for the jobs' records.
	Vouch string
}

// SummaryChange is a changed path.
type SummaryChange struct {
	Path, Status string
}

// SummaryApproval is a require_approval rule a pull request matched.
type SummaryApproval struct {
	Rule, Reason                               string
	Reviewers, Subjects, ApprovedBy, BlockedBy []string
	// State is approved, missing, or required (not evaluated).
	State string
}

// Code is s as a markdown code span, safe in a table cell: nothing in it
// is markdown, a mention or a link.
func Code(s string) string { return code(s) }

func code(s string) string {
	s = strings.NewReplacer("\r", " ", "\n", " ", "|", "\\|").Replace(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || s == "" {
		s = " " + s + " "
	}
	return fence + s + fence
}

// text escapes s as markdown text on one line: every character markdown,
// HTML or a mention could act on is escaped.
func text(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r':
			b.WriteByte(' ')
		case strings.ContainsRune("\\`*_{}[]()#+-.!|<>@~&:=", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func codes(ss []string) string {
	if len(ss) == 0 {
		return "—"
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = code(s)
	}
	return strings.Join(out, ", ")
}

// maxRows bounds every table: a summary lists what fits, then counts the
// rest.
const maxRows = 200

// WriteMarkdown renders s as GitHub-flavoured markdown. Every string that
// comes from a plan, a tree or a commit is a code span or escaped text.
func WriteMarkdown(w io.Writer, s *Summary) error {
	var b strings.Builder
	if s.Title != "" {
		fmt.Fprintf(&b, "## %s\n\n", s.Title)
	}
	if s.Verdict != "" {
		fmt.Fprintf(&b, "**%s**\n\n", s.Verdict)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(&b, "> %s\n", text(n))
	}
	if len(s.Notes) > 0 {
		b.WriteString("\n")
	}
	if len(s.Commits) > 0 {
		b.WriteString("| commit | kind | plan | verdict |\n|---|---|---|---|\n")
		for i, c := range s.Commits {
			if i == maxRows {
				fmt.Fprintf(&b, "| … %d more | | | |\n", len(s.Commits)-maxRows)
				break
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", code(shortID(c.ID)), text(c.Kind), planCell(c.Plan), text(c.Verdict))
		}
		b.WriteString("\n")
	}
	if r := s.Report; r != nil {
		ps := problems(r)
		var rows []problem
		for _, p := range ps {
			if !strings.HasPrefix(p.rule, "approval/") {
				rows = append(rows, p)
			}
		}
		if len(rows) > 0 {
			b.WriteString("### Problems\n\n| level | where | rule | message |\n|---|---|---|---|\n")
			for i, p := range rows {
				if i == maxRows {
					fmt.Fprintf(&b, "| | … %d more | | |\n", len(rows)-maxRows)
					break
				}
				where := p.file
				if p.line > 0 {
					where = fmt.Sprintf("%s:%d", p.file, p.line)
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", text(p.level), codeOrDash(where), code(p.rule), text(p.message))
			}
			b.WriteString("\n")
		}
	}
	for _, run := range s.Runs {
		writeRun(&b, run, s.Brief)
	}
	if len(s.Approvals) > 0 {
		b.WriteString("### Approvals\n\n| rule | state | reviewers | approved by | for |\n|---|---|---|---|---|\n")
		for _, a := range s.Approvals {
			state := map[string]string{"approved": "✅ approved", "missing": "⏳ missing", "required": "required"}[a.State]
			if len(a.BlockedBy) > 0 {
				state = "⛔ changes requested by " + codes(a.BlockedBy)
			}
			rev := codes(a.Reviewers)
			if len(a.Reviewers) == 0 {
				rev = "anyone with write access"
			}
			subj := codes(a.Subjects)
			if len(a.Subjects) > 10 {
				subj = codes(a.Subjects[:10]) + fmt.Sprintf(" and %d more", len(a.Subjects)-10)
			}
			if a.Reason != "" {
				subj += ": " + text(a.Reason)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", code(a.Rule), state, rev, codes(a.ApprovedBy), subj)
		}
		b.WriteString("\n")
		for _, i := range s.Ignored {
			fmt.Fprintf(&b, "- not counted: %s\n", text(i))
		}
		if len(s.Ignored) > 0 {
			b.WriteString("\n")
		}
	}
	if s.Footer != "" {
		fmt.Fprintf(&b, "%s\n", s.Footer)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeRun(b *strings.Builder, run SummaryRun, brief bool) {
	fmt.Fprintf(b, "### Plan %s", code(run.PlanID))
	if run.Goal != "" {
		fmt.Fprintf(b, ": %s", text(firstLine(run.Goal)))
	}
	b.WriteString("\n\n")
	if run.Commit != "" {
		fmt.Fprintf(b, "Result commit %s.\n\n", code(shortID(run.Commit)))
	}
	if !brief && len(run.Directives) > 0 {
		b.WriteString("| # | directive | subject | status |\n|---|---|---|---|\n")
		for i, d := range run.Directives {
			if i == maxRows {
				fmt.Fprintf(b, "| | … %d more | | |\n", len(run.Directives)-maxRows)
				break
			}
			subj := d.Path
			if subj == "" {
				subj = d.Name
			}
			if subj == "" && len(d.Paths) > 0 {
				subj = strings.Join(d.Paths, ", ")
			}
			fmt.Fprintf(b, "| %d | %s | %s | %s |\n", d.Index, code(string(d.Type)), codeOrDash(subj), text(string(d.Status)))
		}
		b.WriteString("\n")
	}
	if len(run.Changes) > 0 {
		if len(run.Changes) == 1 {
			b.WriteString("1 changed file")
		} else {
			fmt.Fprintf(b, "%d changed files", len(run.Changes))
		}
		if !brief {
			b.WriteString(":\n\n")
			for i, c := range run.Changes {
				if i == maxRows {
					fmt.Fprintf(b, "- … %d more\n", len(run.Changes)-maxRows)
					break
				}
				fmt.Fprintf(b, "- %s %s\n", text(c.Status), code(c.Path))
			}
		} else {
			b.WriteString(".\n")
		}
		b.WriteString("\n")
	}
	if !brief && len(run.Validators) > 0 {
		b.WriteString("| validator | files | findings |\n|---|---|---|\n")
		for _, v := range run.Validators {
			fmt.Fprintf(b, "| %s | %d | %d |\n", code(v.Name), v.Files, v.Findings)
		}
		b.WriteString("\n")
	}
	if len(run.Jobs) > 0 {
		b.WriteString("| job | exit | time | backend |\n|---|---|---|---|\n")
		for _, j := range run.Jobs {
			exit := fmt.Sprintf("%d", j.ExitCode)
			if j.TimedOut {
				exit += " (timed out)"
			}
			fmt.Fprintf(b, "| %s %s | %s | %.1f s | %s |\n", text(string(j.Kind)), code(j.Name), exit, float64(j.DurationMs)/1000, code(j.Backend))
		}
		b.WriteString("\n")
		if run.Vouch != "" {
			fmt.Fprintf(b, "Jobs vouched for by: %s\n\n", text(run.Vouch))
		}
	}
}

func planCell(p string) string {
	if p == "" {
		return "—"
	}
	return code(p)
}

func codeOrDash(s string) string {
	if s == "" {
		return "—"
	}
	return code(s)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}
