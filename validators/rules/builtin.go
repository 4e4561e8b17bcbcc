package rules

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/architectos/aos/validators/kinds"
)

// Builtins are the names of the built-in validators.
var Builtins = kinds.Builtins

// Rule set indexes for [MatchFunc].
const (
	SetSecrets = 0
)

// Set returns the rule set with index i.
func Set(i int) *RuleSet { return secretsSet() }

// MatchFunc runs the rule set with index set over data; the built-in
// module passes one that calls the host.
type MatchFunc func(set int, data []byte) []Match

// NativeMatch runs rule sets in this program.
func NativeMatch(set int, data []byte) []Match { return Set(set).Match(data) }

// Checker runs one built-in over files.
type Checker struct {
	check func(path string, data []byte) []Finding
	core  *Checksums
}

// Checksums returns the checksums of a wp-core checker, which judges
// paths of a tree with [CheckCore] rather than files one by one; nil for
// the other built-ins.
func (c *Checker) Checksums() *Checksums { return c.core }

// NewChecker returns the checker of the named built-in with its config
// (a JSON object; fields it does not know are an error). match runs the
// rule sets; nil runs them in this program. The syntax built-in needs
// every parser of ps.
func NewChecker(builtin string, config []byte, match MatchFunc, ps Parsers) (*Checker, error) {
	if match == nil {
		match = NativeMatch
	}
	decode := func(v any) error {
		config = bytes.TrimSpace(config)
		if len(config) == 0 || bytes.Equal(config, []byte("null")) {
			return nil
		}
		dec := json.NewDecoder(bytes.NewReader(config))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return fmt.Errorf("config of %s: %w", builtin, err)
		}
		return nil
	}
	switch builtin {
	case "secrets":
		var cfg struct{}
		if err := decode(&cfg); err != nil {
			return nil, err
		}
		return &Checker{check: func(path string, data []byte) []Finding {
			if BinaryKind(path, data) != "" {
				return nil // judged by kind: no secret is written in these as text
			}
			return secretsSet().Findings(path, data, match(SetSecrets, data))
		}}, nil
	case "php-malware":
		var cfg PHPConfig
		if err := decode(&cfg); err != nil {
			return nil, err
		}
		return &Checker{check: func(path string, data []byte) []Finding { return PHPMalware(path, data, cfg) }}, nil
	case "syntax":
		var cfg struct{}
		if err := decode(&cfg); err != nil {
			return nil, err
		}
		if ps.YAML == nil {
			return nil, fmt.Errorf("syntax: no YAML parser")
		}
		return &Checker{check: ps.Syntax}, nil
	case "wp-core":
		var cfg CoreConfig
		if err := decode(&cfg); err != nil {
			return nil, err
		}
		if cfg.Checksums == "" {
			return nil, fmt.Errorf("config of wp-core: checksums names no file (the checksums of WordPress's core files, as git aos rescuewp checksums writes them)")
		}
		if ps.Checksums == nil {
			return nil, fmt.Errorf("wp-core: no checksums were loaded")
		}
		sums, err := ps.Checksums(cfg.Digest)
		if err != nil {
			return nil, fmt.Errorf("wp-core: checksums %s: %w", cfg.Checksums, err)
		}
		return &Checker{core: sums, check: func(string, []byte) []Finding { return nil }}, nil
	case "text":
		var cfg TextConfig
		if err := decode(&cfg); err != nil {
			return nil, err
		}
		if cfg.EOL != "" && cfg.EOL != "lf" && cfg.EOL != "crlf" {
			return nil, fmt.Errorf("config of text: eol %q is not lf or crlf", cfg.EOL)
		}
		return &Checker{check: func(path string, data []byte) []Finding { return Text(path, data, cfg) }}, nil
	}
	return nil, fmt.Errorf("no built-in validator %q (want one of %v)", builtin, Builtins)
}

// Check returns the findings of one file, sorted.
func (c *Checker) Check(path string, data []byte) []Finding {
	out := c.check(path, data)
	Sort(out)
	return out
}

// Wants reports whether a checker of builtin reads path; callers skip
// reading the others.
func Wants(builtin, path string) bool { return kinds.Wants(builtin, path) }
