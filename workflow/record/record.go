// Package record is the run record of a result commit,
// .aos/runs/<id>.json (docs/spec.md 7.2): its types, the encoding git-aos
// writes and the strict reader that log, verify and the redaction of past
// runs use. It links only the standard library and the root package, so
// that its fuzz target runs fast.
package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/architectos/aos"
)

// Version is the version of the run record format.
const Version = 1

// Record is the run record of a result commit. It holds nothing that depends on the host or the
// time except job durations, so that verify rebuilds it byte for byte.
type Record struct {
	Version    int      `json:"version"`
	Plan       Plan     `json:"plan"`
	Base       string   `json:"base"`
	PlanCommit string   `json:"plan_commit"`
	Manifest   Manifest `json:"manifest"`
	Result     string   `json:"result"`
	Outcome
}

// Outcome is what a run did, in the run record and the audit log.
type Outcome struct {
	Directives []Directive           `json:"directives"`
	Changes    []Change              `json:"changes"`
	Validators []aos.ValidatorRecord `json:"validators"`
	Findings   []aos.Finding         `json:"findings"`
	Jobs       []aos.JobRecord       `json:"jobs"`
	Approvals  []aos.Approval        `json:"approvals"`
	// Redacted says that what the current ignored rules hide was
	// removed (docs/spec.md 6.5); a record as written never says so.
	Redacted bool `json:"redacted,omitempty"`
}

// Plan identifies the plan of a run.
type Plan struct {
	ID     string `json:"id"`
	Goal   string `json:"goal"`
	File   string `json:"file"`
	Digest string `json:"digest"`
	Base   string `json:"base,omitempty"`
}

// Manifest identifies the manifest a run was judged by.
type Manifest struct {
	File         string `json:"file"`
	Digest       string `json:"digest"`
	PolicyDigest string `json:"policy_digest,omitempty"`
}

// Directive is the outcome of one directive, with the digest of
// what it returned to the plan's author.
type Directive struct {
	aos.Outcome
	ReplyDigest string `json:"reply_digest,omitempty"`
	// Redacted says that the outcome's paths, sizes and digests were
	// removed, as the current ignored rules hide what they describe.
	Redacted bool `json:"redacted,omitempty"`
}

// Change is a file the run changed.
type Change struct {
	Path   string           `json:"path"`
	Status aos.ChangeStatus `json:"status"`
	Mode   string           `json:"mode"`
	Blob   string           `json:"blob,omitempty"`
	Size   int64            `json:"size"`
}

// Encode returns the record as written into the result commit.
func (r *Record) Encode() ([]byte, error) {
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
func nonNil(r *Record) {
	if r.Directives == nil {
		r.Directives = []Directive{}
	}
	if r.Changes == nil {
		r.Changes = []Change{}
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

// Decode parses a run record strictly.
func Decode(b []byte) (*Record, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var r Record
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("run record: %w", err)
	}
	if r.Version != Version {
		return nil, fmt.Errorf("run record: version %d, want %d", r.Version, Version)
	}
	return &r, nil
}

// NoJobs reports whether b, when it is a record as Encode writes it, has
// no jobs, without decoding it: its one jobs line, at the record's depth,
// is that of an empty list. Of other bytes it may say either, so a caller
// uses it only where the record is then held to the bytes Encode writes
// (verify, which makes the record again and compares).
func NoJobs(b []byte) bool {
	return bytes.Count(b, []byte("\n  \"jobs\": ")) == 1 && bytes.Contains(b, []byte("\n  \"jobs\": [],\n"))
}

// DecodeJobs returns the job records of run record b, and decodes
// nothing else of it: a few times cheaper than [Decode] for a record of
// many directives. The jobs are the record's claims; [Decode] is the
// strict reader, and verify the check.
func DecodeJobs(b []byte) ([]aos.JobRecord, error) {
	var r struct {
		Version int             `json:"version"`
		Jobs    []aos.JobRecord `json:"jobs"`
	}
	// Read as Decode reads: the first JSON value of b.
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&r); err != nil {
		return nil, fmt.Errorf("run record: %w", err)
	}
	if r.Version != Version {
		return nil, fmt.Errorf("run record: version %d, want %d", r.Version, Version)
	}
	return r.Jobs, nil
}

// Subject is what the directive acted on, for messages: its path, its
// suite, target or tool, or the paths a patch changed.
func (d Directive) Subject() string {
	switch {
	case d.Path != "":
		return d.Path
	case d.Name != "":
		return d.Name
	}
	return strings.Join(d.Paths, ", ")
}
