package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops/trailer"
)

// RecordVersion is the version of the run record format.
const RecordVersion = 1

// RunRecord is the run record of a result commit, .aos/runs/<id>.json
// (docs/spec.md 7.2). It holds nothing that depends on the host or the
// time except job durations, so that verify rebuilds it byte for byte.
type RunRecord struct {
	Version    int            `json:"version"`
	Plan       RecordPlan     `json:"plan"`
	Base       string         `json:"base"`
	PlanCommit string         `json:"plan_commit"`
	Manifest   RecordManifest `json:"manifest"`
	Result     string         `json:"result"`
	RunOutcome
}

// RunOutcome is what a run did, in the run record and the audit log.
type RunOutcome struct {
	Directives []RecordDirective     `json:"directives"`
	Changes    []RecordChange        `json:"changes"`
	Validators []aos.ValidatorRecord `json:"validators"`
	Findings   []aos.Finding         `json:"findings"`
	Jobs       []aos.JobRecord       `json:"jobs"`
	Approvals  []aos.Approval        `json:"approvals"`
	// Redacted says that what the current ignored rules hide was
	// removed (docs/spec.md 6.5); a record as written never says so.
	Redacted bool `json:"redacted,omitempty"`
}

// RecordPlan identifies the plan of a run.
type RecordPlan struct {
	ID     string `json:"id"`
	Goal   string `json:"goal"`
	File   string `json:"file"`
	Digest string `json:"digest"`
	Base   string `json:"base,omitempty"`
}

// RecordManifest identifies the manifest a run was judged by.
type RecordManifest struct {
	File         string `json:"file"`
	Digest       string `json:"digest"`
	PolicyDigest string `json:"policy_digest,omitempty"`
}

// RecordDirective is the outcome of one directive, with the digest of
// what it returned to the plan's author.
type RecordDirective struct {
	aos.Outcome
	ReplyDigest string `json:"reply_digest,omitempty"`
	// Redacted says that the outcome's paths, sizes and digests were
	// removed, as the current ignored rules hide what they describe.
	Redacted bool `json:"redacted,omitempty"`
}

// RecordChange is a file the run changed.
type RecordChange struct {
	Path   string           `json:"path"`
	Status aos.ChangeStatus `json:"status"`
	Mode   string           `json:"mode"`
	Blob   string           `json:"blob,omitempty"`
	Size   int64            `json:"size"`
}

// Encode returns the record as written into the result commit.
func (r *RunRecord) Encode() ([]byte, error) {
	nonNil(r)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode run record: %w", err)
	}
	return buf.Bytes(), nil
}

// nonNil makes empty lists encode as [].
func nonNil(r *RunRecord) {
	if r.Directives == nil {
		r.Directives = []RecordDirective{}
	}
	if r.Changes == nil {
		r.Changes = []RecordChange{}
	}
	if r.Validators == nil {
		r.Validators = []aos.ValidatorRecord{}
	}
	if r.Findings == nil {
		r.Findings = []aos.Finding{}
	}
	if r.Jobs == nil {
		r.Jobs = []aos.JobRecord{}
	}
	if r.Approvals == nil {
		r.Approvals = []aos.Approval{}
	}
}

// DecodeRecord parses a run record strictly.
func DecodeRecord(b []byte) (*RunRecord, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var r RunRecord
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("run record: %w", err)
	}
	if r.Version != RecordVersion {
		return nil, fmt.Errorf("run record: version %d, want %d", r.Version, RecordVersion)
	}
	return &r, nil
}

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

// recordChanges describes changes for the record.
func recordChanges(changes []engine.Change) []RecordChange {
	out := make([]RecordChange, 0, len(changes))
	for _, c := range changes {
		rc := RecordChange{Path: c.Path, Status: c.Status, Mode: fmt.Sprintf("%06o", c.Mode)}
		switch {
		case c.Status == aos.StatusDeleted:
			rc.Blob = c.Hash
		case c.Data != nil:
			rc.Blob = engine.BlobID(c.Data)
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
func resultMessage(rec *RunRecord, runPath string) string {
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

// Subject is what the directive acted on, for messages: its path, its
// suite, target or tool, or the paths a patch changed.
func (d RecordDirective) Subject() string {
	switch {
	case d.Path != "":
		return d.Path
	case d.Name != "":
		return d.Name
	}
	return strings.Join(d.Paths, ", ")
}
