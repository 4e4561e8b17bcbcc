// Package record is the run record of a result commit,
// .aos/runs/<id>.json (docs/spec.md 7.2): its types, the encoding git-aos
// writes and the strict reader that log, verify and the redaction of past
// runs use. It links only the standard library and the root package, so
// that its fuzz target runs fast.
package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

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

// Encode returns the record as written into the result commit: indented
// JSON, with HTML's characters as they are. The directives and changes of
// a record of many are encoded in parts, on every processor, and put in
// their place: the bytes are those of the record encoded whole
// (TestEncodeInParts).
func (r *Record) Encode() ([]byte, error) {
	nonNil(r)
	if len(r.Directives)+len(r.Changes) < encodeInParts {
		return encodeIndented(r, "")
	}
	shell := *r
	shell.Directives, shell.Changes = []Directive{}, []Change{}
	out, err := encodeIndented(&shell, "")
	if err != nil {
		return nil, err
	}
	for _, l := range []struct {
		key   string
		items func() ([]byte, error)
	}{
		{"directives", func() ([]byte, error) { return encodeList(r.Directives) }},
		{"changes", func() ([]byte, error) { return encodeList(r.Changes) }},
	} {
		list, err := l.items()
		if err != nil {
			return nil, err
		}
		// The record's own key, at its depth: the only line of the
		// shell that starts so (keys nested deeper are indented more,
		// and quotes inside strings are escaped).
		at := []byte("\n  \"" + l.key + "\": []")
		i := bytes.Index(out, at)
		if i < 0 || bytes.Contains(out[i+len(at):], at) {
			return nil, fmt.Errorf("encode run record: no single %s list to put in", l.key)
		}
		i += len(at) - len("[]")
		out = append(out[:i:i], append(list, out[i+len("[]"):]...)...)
	}
	return out, nil
}

// encodeInParts is the number of directives and changes from which a
// record is encoded in parts.
const encodeInParts = 512

// encodeIndented encodes v as Encode writes it, each line after the
// first starting with prefix: v as it is indented at that depth.
func encodeIndented(v any, prefix string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode run record: %w", err)
	}
	return buf.Bytes(), nil
}

// encodeList encodes items as the list they are in the record, at depth
// one, its items in runs on every processor.
func encodeList[T any](items []T) ([]byte, error) {
	if len(items) == 0 {
		return []byte("[]"), nil
	}
	const sep = ",\n    "
	parts := make([][]byte, min(runtime.GOMAXPROCS(0), len(items)))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() {
			lo, hi := p*len(items)/len(parts), (p+1)*len(items)/len(parts)
			var b []byte
			for i := lo; i < hi; i++ {
				e, err := encodeIndented(items[i], "    ")
				if err != nil {
					errs[p] = err
					return
				}
				if i > lo {
					b = append(b, sep...)
				}
				b = append(b, bytes.TrimSuffix(e, []byte("\n"))...)
			}
			parts[p] = b
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := []byte("[\n    ")
	for p, b := range parts {
		if p > 0 {
			out = append(out, sep...)
		}
		out = append(out, b...)
	}
	return append(out, "\n  ]"...), nil
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
