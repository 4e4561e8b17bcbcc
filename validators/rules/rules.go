// Package rules holds the checks of the built-in validators: secrets,
// syntax, php-malware and text. The built-in module only moves bytes: its
// checks run here, in the host, behind its host functions. The same
// checks compiled into a module (validators/internal/guestengine) are what
// docs/RATIONALE.md compares that design with.
//
// It imports only the standard library and the TOML parser; the YAML
// parser is lent by its owner, package cue ([Parsers]).
//
// # Findings
//
// Every check returns [Finding] values, the stdout lines of the validator
// ABI (docs/validators.md). Lines and columns are 1-based; columns count
// bytes, as Go's compiler does.
package rules

import (
	"bytes"
	"sort"

	"github.com/architectos/aos/validators/kinds"
)

// Severities of a [Finding], as the ABI spells them.
const (
	Error   = "error"
	Warning = "warning"
	Note    = "note"
)

// Finding is one problem in a file.
type Finding struct {
	Path     string `json:"path"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// Sort orders findings by path, line, column, rule and message.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		switch {
		case a.Path != b.Path:
			return a.Path < b.Path
		case a.Line != b.Line:
			return a.Line < b.Line
		case a.Column != b.Column:
			return a.Column < b.Column
		case a.Rule != b.Rule:
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
}

// AllowMarker on a line suppresses the secrets findings of that line.
const AllowMarker = "aos:allow"

// position returns the 1-based line and byte column of offset off in data.
// Callers scanning forward pass the line and line start of an earlier
// offset (or 1, 0) so the newline count stays linear overall.
type lineIndex struct {
	data      []byte
	off       int // offset counted up to
	line      int // line number at off
	lineStart int // offset of the first byte of that line
}

func newLineIndex(data []byte) *lineIndex { return &lineIndex{data: data, line: 1} }

// at returns the line and column of offset off. Offsets must not decrease
// by more than the current line, or the count restarts from the top.
func (x *lineIndex) at(off int) (line, col int) {
	if off < x.lineStart {
		x.off, x.line, x.lineStart = 0, 1, 0
	}
	if off > x.off {
		seg := x.data[x.off:off]
		n := bytes.Count(seg, []byte{'\n'})
		if n > 0 {
			x.line += n
			x.lineStart = x.off + bytes.LastIndexByte(seg, '\n') + 1
		}
		x.off = off
	}
	return x.line, off - x.lineStart + 1
}

// lineBounds returns the start and end (exclusive, before the newline) of
// the line holding offset off.
func lineBounds(data []byte, off int) (start, end int) {
	start = bytes.LastIndexByte(data[:off], '\n') + 1
	end = bytes.IndexByte(data[off:], '\n')
	if end < 0 {
		end = len(data)
	} else {
		end += off
	}
	return start, end
}

func ext(p string) string { return kinds.Ext(p) }

func lowerString(s string) string { return kinds.Lower(s) }
