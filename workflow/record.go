package workflow

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/gitops/trailer"
	"github.com/architectos/aos/workflow/record"
)

// replyDigest is the digest of a directive's reply, or "" for replies that
// describe the host rather than the tree.
func replyDigest(t aos.DirectiveType, reply any) string {
	if reply == nil || t == aos.GetEnvironmentInfo {
		return ""
	}
	b, err := json.Marshal(reply)
	if err != nil {
		return ""
	}
	return engine.Digest(b)
}

// recordChanges describes changes for the record; ids are the blob ids of
// their new content.
func recordChanges(changes []engine.Change, ids []string) []record.Change {
	out := make([]record.Change, 0, len(changes))
	for i, c := range changes {
		rc := record.Change{Path: c.Path, Status: c.Status, Mode: fmt.Sprintf("%06o", c.Mode)}
		switch {
		case c.Status == aos.StatusDeleted:
			rc.Blob = c.Hash
		case c.Data != nil:
			rc.Blob = ids[i]
			rc.Size = int64(len(c.Data))
		default:
			rc.Blob = c.Hash
		}
		out = append(out, rc)
	}
	return out
}

// Trailer keys of plan and result commits (docs/spec.md 7.1).
const (
	TrailerPlanID         = trailer.PlanID
	TrailerPlanDigest     = trailer.PlanDigest
	TrailerManifestDigest = trailer.ManifestDigest
	TrailerRun            = trailer.Run
	TrailerResult         = trailer.Result
)

// GoalLine is the first line of a plan's goal, cut to n characters, or
// "(no goal)": the goal as commit subjects and the audit log show it.
func GoalLine(goal string, n int) string {
	line, _, _ := strings.Cut(strings.TrimSpace(goal), "\n")
	line = strings.TrimSpace(line)
	if r := []rune(line); len(r) > n {
		line = strings.TrimSpace(string(r[:n-1])) + "…"
	}
	if line == "" {
		line = "(no goal)"
	}
	return line
}

// planMessage is the message of a plan commit.
func planMessage(p *aos.Plan, digest string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "aos: plan %s: %s\n\n", p.ID, GoalLine(p.Goal, 50))
	if g := strings.TrimSpace(p.Goal); g != "" {
		b.WriteString(g)
		b.WriteString("\n\n")
	}
	fmt.Fprintf(&b, "%s: %s\n%s: %s\n", TrailerPlanID, p.ID, TrailerPlanDigest, digest)
	return b.String()
}

// resultMessage is the message of a result commit (docs/spec.md 7.1).
func resultMessage(rec *record.Record, runPath string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "aos: %s: %s\n\n", rec.Plan.ID, GoalLine(rec.Plan.Goal, 50))
	if g := strings.TrimSpace(rec.Plan.Goal); g != "" {
		b.WriteString(g)
		b.WriteString("\n\n")
	}
	b.WriteString("Directives:\n")
	for _, d := range rec.Directives {
		what := d.Subject()
		fmt.Fprintf(&b, "  %d %s", d.Index, d.Type)
		if what != "" {
			fmt.Fprintf(&b, " %s", what)
		}
		fmt.Fprintf(&b, " %s\n", d.Status)
	}
	if len(rec.Changes) > 0 {
		b.WriteString("Changes:\n")
		for _, c := range rec.Changes {
			fmt.Fprintf(&b, "  %s %s\n", strings.ToUpper(string(c.Status)[:1]), c.Path)
		}
	}
	if len(rec.Validators)+len(rec.Jobs) > 0 {
		b.WriteString("Checks:\n")
		for _, v := range rec.Validators {
			fmt.Fprintf(&b, "  validator %s: %d files, %d findings\n", v.Name, v.Files, v.Findings)
		}
		for _, j := range rec.Jobs {
			fmt.Fprintf(&b, "  %s %s: exit %d in %.1f s\n", j.Kind, j.Name, j.ExitCode, float64(j.DurationMs)/1000)
			for _, l := range j.Tail {
				fmt.Fprintf(&b, "    | %s\n", strings.TrimRight(l, " \t\r"))
			}
		}
	}
	if len(rec.Approvals) > 0 {
		b.WriteString("Approvals required:\n")
		for _, a := range rec.Approvals {
			fmt.Fprintf(&b, "  %s: %s", a.Rule, a.Subject())
			if len(a.Reviewers) > 0 {
				fmt.Fprintf(&b, " (%s)", strings.Join(a.Reviewers, ", "))
			}
			if a.Reason != "" {
				fmt.Fprintf(&b, " %s", a.Reason)
			}
			b.WriteByte('\n')
		}
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "%s: %s\n%s: %s\n%s: %s\n%s: %s\n%s: %s\n",
		TrailerPlanID, rec.Plan.ID,
		TrailerPlanDigest, rec.Plan.Digest,
		TrailerManifestDigest, rec.Manifest.Digest,
		TrailerRun, runPath,
		TrailerResult, rec.Result)
	return b.String()
}

// RecordedJobs returns the job records of the run record of result commit
// id, as its trailers name it, or none when it has no readable record
// ([VerifyCommit] then rejects it).
func RecordedJobs(repo *gitops.Repo, id string) ([]aos.JobRecord, error) {
	info, err := repo.CommitInfo(id)
	if err != nil {
		return nil, err
	}
	claim, tr, err := trailer.ReadClaim(info.Message)
	if err != nil || claim != trailer.ResultClaim {
		return nil, nil
	}
	p := tr[TrailerRun]
	data, _, ok, err := repo.ReadPath(id, p)
	if err != nil || !ok {
		return nil, err
	}
	jobs, err := record.DecodeJobs(data)
	if err != nil {
		return nil, nil
	}
	return jobs, nil
}
