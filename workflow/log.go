package workflow

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/architectos/aos/gitops"
)

// LogEntry is one run of the audit log, read from a result commit and its
// run record (docs/spec.md 9).
type LogEntry struct {
	Commit     string         `json:"commit"`
	PlanCommit string         `json:"plan_commit"`
	PlanID     string         `json:"plan_id"`
	Goal       string         `json:"goal"`
	Author     string         `json:"author"`
	Date       string         `json:"date"`
	Base       string         `json:"base"`
	PlanBase   string         `json:"plan_base,omitempty"`
	Result     string         `json:"result"`
	Manifest   RecordManifest `json:"manifest"`
	RunOutcome
	// Error says why the run record could not be read; the entry then
	// holds only what the commit message says.
	Error string `json:"error,omitempty"`
}

// LogOptions configure [Log].
type LogOptions struct {
	Dir   string
	Range string // anything git rev-list takes; "" is HEAD
	Limit int    // 0 is no limit
}

// Log reads the audit log from history alone.
func Log(opts LogOptions) ([]LogEntry, error) {
	repo, err := gitops.Open(opts.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	rng := opts.Range
	if rng == "" {
		rng = "HEAD"
	}
	if strings.HasPrefix(rng, "-") {
		return nil, fmt.Errorf("range %q: a range may not start with '-'", rng)
	}
	return readLog(repo, strings.Fields(rng), opts.Limit)
}

// History returns the audit log of commit's history, newest first, at
// most limit runs.
func History(repo *gitops.Repo, commit string, limit int) ([]LogEntry, error) {
	return readLog(repo, []string{commit}, limit)
}

// readLog lists result commits among the commits rev-list gives for args.
func readLog(repo *gitops.Repo, args []string, limit int) ([]LogEntry, error) {
	// Result commits carry the Aos-Run trailer; let git filter by message
	// so that a long history costs one pass.
	ids, err := repo.RevList(append([]string{"--grep=^" + TrailerRun + ": "}, args...)...)
	if err != nil {
		return nil, err
	}
	entries := []LogEntry{}
	for _, id := range ids {
		if limit > 0 && len(entries) >= limit {
			break
		}
		e, ok, err := readEntry(repo, id)
		if err != nil {
			return nil, err
		}
		if ok {
			entries = append(entries, e)
		}
	}
	return entries, nil
}

// readEntry reads the run of result commit id; ok is false when id is not
// a result commit.
func readEntry(repo *gitops.Repo, id string) (LogEntry, bool, error) {
	info, err := repo.CommitInfo(id)
	if err != nil {
		return LogEntry{}, false, err
	}
	tr := Trailers(info.Message)
	runPath := tr[TrailerRun]
	if runPath == "" || tr[TrailerPlanID] == "" {
		return LogEntry{}, false, nil
	}
	e := LogEntry{Commit: id, PlanID: tr[TrailerPlanID], Result: tr[TrailerResult],
		Author: fmt.Sprintf("%s <%s>", info.Author.Name, info.Author.Email),
		Date:   info.Author.When.Format(time.RFC3339)}
	if len(info.Parents) > 0 {
		e.PlanCommit = info.Parents[0]
	}
	data, _, ok, err := repo.ReadPath(id, runPath)
	switch {
	case err != nil:
		e.Error = err.Error()
	case !ok:
		e.Error = fmt.Sprintf("no run record at %s", runPath)
	default:
		rec, err := DecodeRecord(data)
		if err != nil {
			e.Error = err.Error()
			break
		}
		e.Goal, e.Base, e.PlanBase, e.Manifest = rec.Plan.Goal, rec.Base, rec.Plan.Base, rec.Manifest
		e.RunOutcome = rec.RunOutcome
		if rec.Result != e.Result {
			e.Error = fmt.Sprintf("the run record says %q, the commit message %q", rec.Result, e.Result)
		}
	}
	return e, true, nil
}

// WriteLogText prints the audit log for people.
func WriteLogText(w io.Writer, entries []LogEntry) error {
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
			fmt.Fprintf(&b, "Goal:   %s\n", goalLine(e.Goal, 200))
		}
		if e.Error != "" {
			fmt.Fprintf(&b, "Error:  %s\n", e.Error)
		}
		if len(e.Directives) > 0 {
			b.WriteString("Directives:\n")
			for _, d := range e.Directives {
				what := directiveSubject(d)
				fmt.Fprintf(&b, "  %3d %-20s %-8s %s\n", d.Index, d.Type, d.Status, what)
			}
		}
		if len(e.Changes) > 0 {
			b.WriteString("Changes:\n")
			for _, c := range e.Changes {
				fmt.Fprintf(&b, "  %s %s\n", strings.ToUpper(string(c.Status)[:1]), c.Path)
			}
		}
		for _, v := range e.Validators {
			fmt.Fprintf(&b, "Validator %s: %d files, %d findings\n", v.Name, v.Files, v.Findings)
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
