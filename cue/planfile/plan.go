// Package planfile reads plan documents, YAML or JSON, strictly
// (docs/spec.md 3), under the limits its caller gives, and owns the YAML
// parser for the rest of the module (the YAML syntax check of the syntax
// validator, the positions of a YAML manifest's syntax errors). It links
// only the standard library, the YAML parser and the root package, so
// that its fuzz target runs fast.
package planfile

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/architectos/aos"
)

// Plan limits that hold whatever the manifest says (docs/spec.md 3.1).
const (
	MaxDepth = 64
	maxArgs  = 1024
	// maxChildren bounds the entries of a collection that decoding keeps:
	// no value of the plan format has more (args, at most maxArgs, is
	// the longest), so the rest are only counted.
	maxChildren = maxArgs + 1
	// maxPlanErrors bounds the errors a document reports; the rest are
	// counted in a last one.
	maxPlanErrors = 1000
	// checkEvery is how many tokens or directives decoding reads between
	// looks at its context.
	checkEvery = 1024
)

// Limits bound a plan document. Both are the caller's: a manifest's
// policies ([LimitsFrom]), or [MaxLimits] for a plan read before its
// manifest is known.
type Limits struct {
	MaxBytes      int
	MaxDirectives int
}

// MaxLimits are the largest plan limits a manifest may set (the
// schema's bounds of policies.max_plan_kb and policies.max_directives):
// they bound a plan read before its manifest is known.
var MaxLimits = Limits{MaxBytes: 1048576 << 10, MaxDirectives: 1000000}

// LimitsFrom returns the plan limits of a manifest's policies.
func LimitsFrom(p aos.Policies) Limits {
	return Limits{MaxBytes: p.MaxPlanKB << 10, MaxDirectives: p.MaxDirectives}
}

// ErrLimits is a call to [Parse] with a limit that is not positive: a
// caller's mistake, refused rather than parsed unbounded or under a guess.
var ErrLimits = errors.New("plan limits must be positive")

// Error lists every reason a plan document is malformed. It wraps
// [aos.ErrRejected].
type Error struct {
	Violations []aos.Violation
}

func (e *Error) Error() string {
	if len(e.Violations) == 1 {
		return "malformed plan: " + e.Violations[0].String()
	}
	return fmt.Sprintf("malformed plan: %d errors, first: %s", len(e.Violations), e.Violations[0])
}

// Unwrap makes errors.Is(err, aos.ErrRejected) true.
func (e *Error) Unwrap() error { return aos.ErrRejected }

// IDPattern is the form of a plan id.
var IDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

var commitIDPattern = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)

type kind int

const (
	kMap kind = iota
	kSeq
	kString
	kInt
	kFloat
	kBool
	kNull
	// kWord is a plain YAML scalar that YAML 1.1 reads as a boolean (yes,
	// no, on, off, y, n): neither a string nor a boolean in a plan, since
	// decoders disagree on it.
	kWord
)

func (k kind) String() string {
	return [...]string{"a mapping", "a list", "a string", "an integer", "a number", "a boolean", "null", "an unquoted yes/no/on/off word"}[k]
}

// node is a parsed value of either syntax, with its position. Decoding
// never holds the document as a tree of nodes: the syntaxes hand the plan
// over a directive at a time (see planDecoder), and a node keeps the
// children of a collection only where the plan format has collections (a
// directive, its args), at most maxChildren of them. Elsewhere a
// collection is checked and counted, and its node has no children.
type node struct {
	kind  kind
	pos   aos.Position
	str   string // strings, and the literal text of scalars
	b     bool
	keys  []*node
	vals  []*node
	items []*node
	// count is the number of entries of a collection, kept or not.
	count int
}

func (n *node) get(key string) *node {
	for i, k := range n.keys {
		if k.str == key {
			return n.vals[i]
		}
	}
	return nil
}

// parser collects errors while decoding one plan.
type parser struct {
	file string
	errs []aos.Violation
	// more counts the errors past maxPlanErrors.
	more int
}

func (p *parser) errAt(pos aos.Position, directive int, rule aos.Rule, format string, args ...any) {
	if len(p.errs) >= maxPlanErrors {
		p.more++
		return
	}
	p.errs = append(p.errs, aos.Violation{Directive: directive, Rule: rule, Message: fmt.Sprintf(format, args...), Pos: pos})
}

// Parse decodes a plan document strictly (docs/spec.md 3). name is the
// file name for positions; a name ending in ".json" is parsed as JSON,
// anything else as YAML. Every error in the document is returned in an
// [*Error]; limits that are not positive are [ErrLimits]. When ctx ends
// before the document is read, Parse returns an error wrapping ctx's.
func Parse(ctx context.Context, name string, data []byte, lim Limits) (*aos.Plan, error) {
	return parse(ctx, name, data, lim, true)
}

// parse is Parse, with the fast JSON reader (jsonLexer) tried first when
// fast is set; tests compare it with fast unset.
func parse(ctx context.Context, name string, data []byte, lim Limits, fast bool) (*aos.Plan, error) {
	if lim.MaxBytes <= 0 || lim.MaxDirectives <= 0 {
		return nil, fmt.Errorf("%w: %d bytes, %d directives", ErrLimits, lim.MaxBytes, lim.MaxDirectives)
	}
	p := &parser{file: name}
	start := aos.Position{File: name, Line: 1, Col: 1}
	if len(data) > lim.MaxBytes {
		p.errAt(start, -1, aos.RulePlanSize, "plan is %d bytes, over the limit of %d (policies.max_plan_kb)", len(data), lim.MaxBytes)
		return nil, &Error{p.errs}
	}
	if !utf8.Valid(data) {
		p.errAt(badUTF8Pos(name, data), -1, aos.RulePlanSyntax, "plan is not valid UTF-8")
		return nil, &Error{p.errs}
	}
	if isJSON(name) {
		plan, err := decodePlan(ctx, name, lim, func(pd *planDecoder) error { return decodeJSON(ctx, name, data, pd, fast) })
		if err == errNotFast {
			// Read again, from the start, by encoding/json.
			plan, err = decodePlan(ctx, name, lim, func(pd *planDecoder) error { return decodeJSON(ctx, name, data, pd, false) })
		}
		return plan, err
	}
	return decodePlan(ctx, name, lim, func(pd *planDecoder) error { return decodeYAML(ctx, name, data, pd) })
}

// isJSON reports whether a plan file of that name is JSON.
func isJSON(name string) bool { return strings.HasSuffix(strings.ToLower(name), ".json") }

// decodePlan decodes a plan named name, of a document that passed the
// checks of its size and encoding, with decode, and judges it whole. It
// returns errNotFast when decode does.
func decodePlan(ctx context.Context, name string, lim Limits, decode func(*planDecoder) error) (*aos.Plan, error) {
	p := &parser{file: name}
	start := aos.Position{File: name, Line: 1, Col: 1}
	plan := &aos.Plan{File: name, Format: "yaml"}
	if isJSON(name) {
		plan.Format = "json"
	}
	pd := newPlanDecoder(p, plan, lim)
	err := decode(pd)
	if err == errNotFast {
		return nil, err
	}
	if cerr := ctx.Err(); err != nil && cerr != nil {
		return nil, fmt.Errorf("plan %s: %w", name, cerr)
	}
	if err != nil {
		// A document that does not parse reports that alone: what was
		// decoded before the error says nothing reliable.
		p.errs, p.more = nil, 0
		var se *syntaxError
		if errors.As(err, &se) {
			p.errAt(se.pos, -1, aos.RulePlanSyntax, "%s", se.msg)
		} else {
			p.errAt(start, -1, aos.RulePlanSyntax, "%v", err)
		}
		return nil, &Error{p.errs}
	}
	pd.finish()
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool {
			a, b := p.errs[i].Pos, p.errs[j].Pos
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Col < b.Col
		})
		if p.more > 0 {
			last := p.errs[len(p.errs)-1]
			p.errs = append(p.errs, aos.Violation{Directive: -1, Rule: last.Rule, Pos: last.Pos,
				Message: fmt.Sprintf("and %d more errors, not listed", p.more)})
		}
		return nil, &Error{p.errs}
	}
	return plan, nil
}

func badUTF8Pos(name string, data []byte) aos.Position {
	line, col := 1, 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			break
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		data = data[size:]
	}
	return aos.Position{File: name, Line: line, Col: col}
}

type syntaxError struct {
	pos aos.Position
	msg string
}

func (e *syntaxError) Error() string { return e.pos.String() + ": " + e.msg }

// ParseDirective decodes one directive of type t from params, the JSON
// object of its parameters without type, by the rules a plan holding it
// is parsed by (docs/spec.md 14.2): a refusal is a [*Error] naming
// directive index. name names params in positions.
func ParseDirective(name string, t aos.DirectiveType, index int, params []byte) (*aos.Directive, error) {
	p := &parser{file: name}
	start := aos.Position{File: name, Line: 1, Col: 1}
	if !utf8.Valid(params) {
		p.errAt(badUTF8Pos(name, params), index, aos.RulePlanSyntax, "parameters are not valid UTF-8")
		return nil, &Error{p.errs}
	}
	root, err := parseJSON(name, params)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			p.errAt(se.pos, index, aos.RulePlanSyntax, "%s", se.msg)
		} else {
			p.errAt(start, index, aos.RulePlanSyntax, "%v", err)
		}
		return nil, &Error{p.errs}
	}
	if !p.wantKind(root, kMap, index, "a directive's parameters") {
		return nil, &Error{p.errs}
	}
	if k := root.get("type"); k != nil {
		p.errAt(k.pos, index, aos.RulePlanSchema, "unknown field \"type\": the tool names the directive's type")
		return nil, &Error{p.errs}
	}
	typ := &node{kind: kString, pos: root.pos, str: string(t)}
	root.keys = append([]*node{{kind: kString, pos: root.pos, str: "type"}}, root.keys...)
	root.vals = append([]*node{typ}, root.vals...)
	d := &aos.Directive{}
	p.decodeDirective(root, index, d)
	if len(p.errs) > 0 {
		return nil, &Error{p.errs}
	}
	return d, nil
}
