// Package abi is the validator ABI of docs/validators.md on the host's
// side: the request a module reads on stdin, and the finding lines it
// prints. It imports only the standard library and the root package, so
// that its fuzz targets run at full speed; package wasm runs modules.
package abi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/architectos/aos"
)

// API is the version of the validator ABI.
const API = 1

// Request is the JSON object a module reads on stdin.
type Request struct {
	API       int               `json:"api"`
	Validator string            `json:"validator"`
	Config    json.RawMessage   `json:"config"`
	Files     []aos.ChangedFile `json:"files"`
}

// Encode returns r as one line of JSON, with an empty config as {} and no
// files as []. A validator name or path that is not UTF-8 is an error: JSON
// could not carry it unchanged.
func (r Request) Encode() ([]byte, error) {
	if !utf8.ValidString(r.Validator) {
		return nil, fmt.Errorf("encode request: validator name %q is not UTF-8", r.Validator)
	}
	for _, f := range r.Files {
		if !utf8.ValidString(f.Path) {
			return nil, fmt.Errorf("encode request: path %q is not UTF-8", f.Path)
		}
	}
	if r.API == 0 {
		r.API = API
	}
	if len(bytes.TrimSpace(r.Config)) == 0 || bytes.Equal(bytes.TrimSpace(r.Config), []byte("null")) {
		r.Config = json.RawMessage("{}")
	}
	if r.Files == nil {
		r.Files = []aos.ChangedFile{}
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	return append(b, '\n'), nil
}

// Limits on one finding line, beyond the run's output limit.
const (
	maxMessage = 4096
	maxRule    = 128
)

// findingLine mirrors a stdout line; pointers tell absent from zero.
type findingLine struct {
	Path     *string `json:"path"`
	Line     *int    `json:"line"`
	Column   *int    `json:"column"`
	Rule     *string `json:"rule"`
	Severity *string `json:"severity"`
	Message  *string `json:"message"`
}

// ParseFinding parses one stdout line of a module as the ABI defines it:
// a JSON object with path, rule, severity and message, and optional line
// and column, and nothing else: no other key, no key twice, no control
// characters in the path or message. The validator name is not set.
func ParseFinding(line []byte) (aos.Finding, error) {
	var f findingLine
	if !utf8.Valid(line) {
		return aos.Finding{}, errors.New("not UTF-8")
	}
	if err := decodeObject(line, &f); err != nil {
		return aos.Finding{}, err
	}
	var out aos.Finding
	switch {
	case f.Path == nil:
		return out, errors.New(`missing "path"`)
	case *f.Path == "" || !fs.ValidPath(*f.Path) || *f.Path == "." || hasControl(*f.Path, false) || strings.Contains(*f.Path, "\\"):
		return out, fmt.Errorf("path %q is not a slash-separated repository path", *f.Path)
	case f.Rule == nil || *f.Rule == "":
		return out, errors.New(`missing "rule"`)
	case !validRule(*f.Rule):
		return out, fmt.Errorf("rule %q is not made of letters, digits, '.', '_' and '-' (at most %d)", *f.Rule, maxRule)
	case f.Severity == nil:
		return out, errors.New(`missing "severity"`)
	case f.Message == nil || *f.Message == "":
		return out, errors.New(`missing "message"`)
	case len(*f.Message) > maxMessage:
		return out, fmt.Errorf("message longer than %d bytes", maxMessage)
	case hasControl(*f.Message, true):
		return out, errors.New("control character in the message")
	}
	sev := aos.Severity(*f.Severity)
	switch sev {
	case aos.SeverityError, aos.SeverityWarning, aos.SeverityNote:
	default:
		return out, fmt.Errorf("severity %q is not error, warning or note", *f.Severity)
	}
	out = aos.Finding{Path: *f.Path, Rule: *f.Rule, Severity: sev, Message: *f.Message}
	if f.Line != nil {
		out.Line = *f.Line
	}
	if f.Column != nil {
		out.Column = *f.Column
	}
	if out.Line < 0 || out.Column < 0 || (out.Line == 0 && out.Column != 0) {
		return out, fmt.Errorf("bad position line %d column %d", out.Line, out.Column)
	}
	return out, nil
}

// decodeObject decodes one JSON object into f, refusing unknown and
// repeated keys and anything after the object.
func decodeObject(line []byte, f *findingLine) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return errors.New("not a finding object: want a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("not a finding object: %w", err)
		}
		key, _ := tok.(string)
		if seen[key] {
			return fmt.Errorf("not a finding object: key %q twice", key)
		}
		seen[key] = true
		var dst any
		switch key {
		case "path":
			dst = &f.Path
		case "line":
			dst = &f.Line
		case "column":
			dst = &f.Column
		case "rule":
			dst = &f.Rule
		case "severity":
			dst = &f.Severity
		case "message":
			dst = &f.Message
		default:
			return fmt.Errorf("not a finding object: unknown key %q", key)
		}
		if err := dec.Decode(dst); err != nil {
			return fmt.Errorf("not a finding object: %q: %w", key, err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("not a finding object: %w", err)
	}
	if rest := bytes.TrimSpace(line[dec.InputOffset():]); len(rest) > 0 {
		return errors.New("text after the finding object")
	}
	return nil
}

// hasControl reports whether s holds a C0 or C1 control character or DEL
// (tabs allowed when tab is set), which could forge lines of a report.
func hasControl(s string, tab bool) bool {
	for _, r := range s {
		if (r < 0x20 && !(tab && r == '\t')) || (r >= 0x7f && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

func validRule(s string) bool {
	if len(s) > maxRule {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Truncate returns b cut to n bytes, with an ellipsis when it was longer,
// for messages that quote a module's output.
func Truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
