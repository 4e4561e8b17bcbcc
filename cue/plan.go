package cue

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/architectos/aos"

	"go.yaml.in/yaml/v3"
)

// Plan limits that hold whatever the manifest says (docs/spec.md 3.1).
const (
	MaxPlanDepth = 64
	// DefaultMaxPlanBytes and DefaultMaxDirectives apply when no manifest
	// sets policies.max_plan_kb and policies.max_directives.
	DefaultMaxPlanBytes  = 64 << 20
	DefaultMaxDirectives = 100000
	maxArgs              = 1024
)

// PlanLimits bound a plan document.
type PlanLimits struct {
	MaxBytes      int
	MaxDirectives int
}

// LimitsFrom returns the plan limits of a manifest's policies.
func LimitsFrom(p aos.Policies) PlanLimits {
	l := PlanLimits{MaxBytes: p.MaxPlanKB << 10, MaxDirectives: p.MaxDirectives}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxPlanBytes
	}
	if l.MaxDirectives <= 0 {
		l.MaxDirectives = DefaultMaxDirectives
	}
	return l
}

// PlanError lists every reason a plan document is malformed. It wraps
// [aos.ErrRejected].
type PlanError struct {
	Violations []aos.Violation
}

func (e *PlanError) Error() string {
	if len(e.Violations) == 1 {
		return "malformed plan: " + e.Violations[0].String()
	}
	return fmt.Sprintf("malformed plan: %d errors, first: %s", len(e.Violations), e.Violations[0])
}

// Unwrap makes errors.Is(err, aos.ErrRejected) true.
func (e *PlanError) Unwrap() error { return aos.ErrRejected }

// PlanIDPattern is the form of a plan id.
var PlanIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

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

// yaml11Bools are the plain scalars YAML 1.1 resolves as booleans and
// YAML 1.2 as strings.
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true,
	"n": true, "N": true, "no": true, "No": true, "NO": true,
	"on": true, "On": true, "ON": true, "off": true, "Off": true, "OFF": true,
}

// node is a parsed value of either syntax, with its position.
type node struct {
	kind  kind
	pos   aos.Position
	str   string // strings, and the literal text of scalars
	b     bool
	keys  []*node
	vals  []*node
	items []*node
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
}

func (p *parser) errAt(pos aos.Position, directive int, rule, format string, args ...any) {
	p.errs = append(p.errs, aos.Violation{Directive: directive, Rule: rule, Message: fmt.Sprintf(format, args...), Pos: pos})
}

// ParsePlan decodes a plan document strictly (docs/spec.md 3). name is the
// file name for positions; a name ending in ".json" is parsed as JSON,
// anything else as YAML. Every error is returned in a [*PlanError].
func ParsePlan(name string, data []byte, lim PlanLimits) (*aos.Plan, error) {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = DefaultMaxPlanBytes
	}
	if lim.MaxDirectives <= 0 {
		lim.MaxDirectives = DefaultMaxDirectives
	}
	p := &parser{file: name}
	start := aos.Position{File: name, Line: 1, Col: 1}
	if len(data) > lim.MaxBytes {
		p.errAt(start, -1, "plan.size", "plan is %d bytes, over the limit of %d (policies.max_plan_kb)", len(data), lim.MaxBytes)
		return nil, &PlanError{p.errs}
	}
	if !utf8.Valid(data) {
		p.errAt(badUTF8Pos(name, data), -1, "plan.syntax", "plan is not valid UTF-8")
		return nil, &PlanError{p.errs}
	}
	format := "yaml"
	var root *node
	var err error
	if strings.HasSuffix(strings.ToLower(name), ".json") {
		format = "json"
		root, err = parseJSON(name, data)
	} else {
		root, err = parseYAML(name, data)
	}
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			p.errAt(se.pos, -1, "plan.syntax", "%s", se.msg)
		} else {
			p.errAt(start, -1, "plan.syntax", "%v", err)
		}
		return nil, &PlanError{p.errs}
	}
	plan := &aos.Plan{File: name, Format: format}
	p.decodePlan(root, plan, lim)
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool {
			a, b := p.errs[i].Pos, p.errs[j].Pos
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Col < b.Col
		})
		return nil, &PlanError{p.errs}
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

// ---- YAML ----

var yamlLineRe = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

func parseYAML(name string, data []byte) (*node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &syntaxError{aos.Position{File: name, Line: 1, Col: 1}, "plan is empty"}
		}
		return nil, yamlErr(name, data, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
	case err != nil:
		return nil, yamlErr(name, data, err)
	default:
		return nil, &syntaxError{aos.Position{File: name, Line: extra.Line, Col: extra.Column}, "a plan is one YAML document; found another"}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, &syntaxError{aos.Position{File: name, Line: 1, Col: 1}, "plan is empty"}
	}
	return convertYAML(name, doc.Content[0], 0)
}

// yamlParserProblems are the problems the YAML parser (as opposed to its
// scanner) reports. The parser gives 0-based line numbers, and none for
// line 0, where the scanner gives 1-based ones.
var yamlParserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

func yamlErr(name string, data []byte, err error) error {
	msg := err.Error()
	line := 0
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	pos := aos.Position{File: name, Line: line}
	switch {
	case yamlParserProblems[msg]:
		pos.Line++
	case msg == "control characters are not allowed":
		pos = controlCharPos(name, data)
	case line == 0:
		// No line (e.g. "exceeded max depth"): the whole document.
		pos.Line, pos.Col = 1, 1
	}
	return &syntaxError{pos, "YAML: " + msg}
}

// controlCharPos returns the position of the first character the YAML
// reader refuses.
func controlCharPos(name string, data []byte) aos.Position {
	line, col := 1, 1
	for _, r := range string(data) {
		switch {
		case r == '\n':
			line, col = line+1, 1
			continue
		case r == '\t' || r == '\r' || r == 0x85 || (r >= 0x20 && r <= 0x7e) ||
			(r >= 0xa0 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd) || r >= 0x10000:
			col++
			continue
		}
		break
	}
	return aos.Position{File: name, Line: line, Col: col}
}

func convertYAML(name string, y *yaml.Node, depth int) (*node, error) {
	pos := aos.Position{File: name, Line: y.Line, Col: y.Column}
	if depth > MaxPlanDepth {
		return nil, &syntaxError{pos, fmt.Sprintf("plan nests deeper than %d levels", MaxPlanDepth)}
	}
	if y.Anchor != "" {
		return nil, &syntaxError{pos, fmt.Sprintf("YAML anchor &%s: anchors and aliases are not allowed in plans", y.Anchor)}
	}
	if y.Kind == yaml.AliasNode {
		return nil, &syntaxError{pos, "YAML alias: anchors and aliases are not allowed in plans"}
	}
	if y.Tag != "" && !strings.HasPrefix(y.Tag, "!!") {
		return nil, &syntaxError{pos, fmt.Sprintf("YAML tag %s is not allowed in plans", y.Tag)}
	}
	n := &node{pos: pos}
	switch y.Kind {
	case yaml.MappingNode:
		n.kind = kMap
		seen := map[string]*node{}
		for i := 0; i+1 < len(y.Content); i += 2 {
			ky := y.Content[i]
			kpos := aos.Position{File: name, Line: ky.Line, Col: ky.Column}
			if ky.Tag == "!!merge" {
				return nil, &syntaxError{kpos, "YAML merge key <<: is not allowed in plans"}
			}
			if ky.Kind != yaml.ScalarNode || ky.Tag != "!!str" {
				return nil, &syntaxError{kpos, "mapping keys must be strings"}
			}
			k, err := convertYAML(name, ky, depth+1)
			if err != nil {
				return nil, err
			}
			if prev, dup := seen[k.str]; dup {
				return nil, &syntaxError{kpos, fmt.Sprintf("key %q given twice (first at line %d)", k.str, prev.pos.Line)}
			}
			seen[k.str] = k
			v, err := convertYAML(name, y.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k)
			n.vals = append(n.vals, v)
		}
	case yaml.SequenceNode:
		n.kind = kSeq
		for _, c := range y.Content {
			v, err := convertYAML(name, c, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
	case yaml.ScalarNode:
		n.str = y.Value
		switch y.Tag {
		case "!!str":
			n.kind = kString
			if y.Style == 0 && yaml11Bools[y.Value] {
				n.kind = kWord
			}
		case "!!int":
			n.kind = kInt
		case "!!float":
			n.kind = kFloat
		case "!!bool":
			n.kind = kBool
			var b bool
			if err := y.Decode(&b); err != nil {
				return nil, &syntaxError{pos, "bad boolean " + strconv.Quote(y.Value)}
			}
			n.b = b
		case "!!null":
			n.kind = kNull
		default:
			return nil, &syntaxError{pos, fmt.Sprintf("YAML tag %s is not allowed in plans", y.Tag)}
		}
	default:
		return nil, &syntaxError{pos, "unexpected YAML node"}
	}
	return n, nil
}

// ---- JSON ----

type jsonParser struct {
	name  string
	data  []byte
	dec   *json.Decoder
	lines []int // byte offsets of line starts
}

func parseJSON(name string, data []byte) (*node, error) {
	jp := &jsonParser{name: name, data: data, dec: json.NewDecoder(bytes.NewReader(data)), lines: []int{0}}
	jp.dec.UseNumber()
	for i, c := range data {
		if c == '\n' {
			jp.lines = append(jp.lines, i+1)
		}
	}
	n, err := jp.value(0)
	if err != nil {
		return nil, err
	}
	start := jp.next()
	if _, err := jp.dec.Token(); err != io.EOF {
		return nil, &syntaxError{jp.pos(start), "a plan is one JSON document; found more after it"}
	}
	return n, nil
}

// next returns the offset where the next token starts.
func (jp *jsonParser) next() int {
	off := int(jp.dec.InputOffset())
	for off < len(jp.data) {
		switch jp.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (jp *jsonParser) pos(off int) aos.Position {
	i := sort.Search(len(jp.lines), func(i int) bool { return jp.lines[i] > off }) - 1
	return aos.Position{File: jp.name, Line: i + 1, Col: utf8.RuneCount(jp.data[jp.lines[i]:off]) + 1}
}

func (jp *jsonParser) token() (json.Token, aos.Position, error) {
	start := jp.next()
	t, err := jp.dec.Token()
	pos := jp.pos(start)
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			pos = jp.pos(int(se.Offset))
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, pos, &syntaxError{pos, "JSON: " + err.Error()}
	}
	return t, pos, nil
}

func (jp *jsonParser) value(depth int) (*node, error) {
	t, pos, err := jp.token()
	if err != nil {
		return nil, err
	}
	return jp.valueFrom(t, pos, depth)
}

func (jp *jsonParser) valueFrom(t json.Token, pos aos.Position, depth int) (*node, error) {
	if depth > MaxPlanDepth {
		return nil, &syntaxError{pos, fmt.Sprintf("plan nests deeper than %d levels", MaxPlanDepth)}
	}
	n := &node{pos: pos}
	switch v := t.(type) {
	case json.Delim:
		switch v {
		case '{':
			n.kind = kMap
			seen := map[string]*node{}
			for {
				kt, kpos, err := jp.token()
				if err != nil {
					return nil, err
				}
				if kt == json.Delim('}') {
					return n, nil
				}
				ks, ok := kt.(string)
				if !ok {
					return nil, &syntaxError{kpos, "JSON: object key must be a string"}
				}
				k := &node{kind: kString, pos: kpos, str: ks}
				if prev, dup := seen[ks]; dup {
					return nil, &syntaxError{kpos, fmt.Sprintf("key %q given twice (first at line %d)", ks, prev.pos.Line)}
				}
				seen[ks] = k
				val, err := jp.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k)
				n.vals = append(n.vals, val)
			}
		case '[':
			n.kind = kSeq
			for {
				it, ipos, err := jp.token()
				if err != nil {
					return nil, err
				}
				if it == json.Delim(']') {
					return n, nil
				}
				val, err := jp.valueFrom(it, ipos, depth+1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, val)
			}
		default:
			return nil, &syntaxError{pos, fmt.Sprintf("JSON: unexpected %q", v)}
		}
	case string:
		n.kind, n.str = kString, v
	case json.Number:
		n.str = v.String()
		if _, err := strconv.ParseInt(n.str, 10, 64); err == nil {
			n.kind = kInt
		} else {
			n.kind = kFloat
		}
	case bool:
		n.kind, n.b = kBool, v
	case nil:
		n.kind = kNull
	}
	return n, nil
}

// ---- decoding ----

var planKeys = map[string]bool{"version": true, "id": true, "goal": true, "base": true, "directives": true}

// directiveFields lists the parameters of each directive type, required
// ones first marked with a true value.
var directiveFields = map[aos.DirectiveType]map[string]bool{
	aos.FileRead:           {"path": true},
	aos.LS:                 {"path": true},
	aos.Stat:               {"path": true},
	aos.FileDelete:         {"path": true},
	aos.FileWrite:          {"path": true, "content": false, "content_base64": false, "executable": false},
	aos.FileAppend:         {"path": true, "content": false, "content_base64": false, "executable": false},
	aos.Diff:               {"path": true, "against": false},
	aos.ApplyPatch:         {"patch": true},
	aos.RunTests:           {"suite": false},
	aos.BuildTarget:        {"target": true},
	aos.SandboxExec:        {"tool": true, "args": false},
	aos.GetManifest:        {},
	aos.GetEnvironmentInfo: {},
	aos.GetHistory:         {},
}

// DirectiveParams returns the parameter names of a directive type, sorted,
// and whether the type exists.
func DirectiveParams(t aos.DirectiveType) ([]string, bool) {
	f, ok := directiveFields[t]
	if !ok {
		return nil, false
	}
	return slices.Sorted(maps.Keys(f)), true
}

func (p *parser) wantKind(n *node, k kind, directive int, field string) bool {
	if n.kind == k {
		return true
	}
	hint := ""
	if k == kString && n.kind != kMap && n.kind != kSeq {
		hint = " (quote it)"
	}
	if k == kBool && n.kind == kWord {
		hint = " (write true or false)"
	}
	p.errAt(n.pos, directive, "plan.schema", "%s must be %s, not %s%s", field, k, n.kind, hint)
	return false
}

func (p *parser) str(n *node, directive int, field string) (string, bool) {
	if !p.wantKind(n, kString, directive, field) {
		return "", false
	}
	return n.str, true
}

func (p *parser) decodePlan(root *node, plan *aos.Plan, lim PlanLimits) {
	if !p.wantKind(root, kMap, -1, "a plan") {
		return
	}
	for i, k := range root.keys {
		if !planKeys[k.str] {
			p.errAt(k.pos, -1, "plan.schema", "unknown field %q (a plan has version, id, goal, base and directives)", k.str)
			_ = root.vals[i]
		}
	}
	top := aos.Position{File: p.file, Line: root.pos.Line, Col: root.pos.Col}
	if v := root.get("version"); v == nil {
		p.errAt(top, -1, "plan.schema", "version is required (version: 1)")
	} else if p.wantKind(v, kInt, -1, "version") {
		if v.str != "1" {
			p.errAt(v.pos, -1, "plan.version", "plan version %s is not supported; this git-aos reads version 1", v.str)
		}
		plan.Version = aos.PlanVersion
	}
	if v := root.get("id"); v == nil {
		p.errAt(top, -1, "plan.schema", "id is required")
	} else if s, ok := p.str(v, -1, "id"); ok {
		if !PlanIDPattern.MatchString(s) {
			p.errAt(v.pos, -1, "plan.id", "id %q must match %s", s, PlanIDPattern)
		}
		plan.ID = s
	}
	if v := root.get("goal"); v == nil {
		p.errAt(top, -1, "plan.schema", "goal is required")
	} else if s, ok := p.str(v, -1, "goal"); ok {
		if strings.TrimSpace(s) == "" {
			p.errAt(v.pos, -1, "plan.schema", "goal must not be empty")
		}
		plan.Goal = s
	}
	if v := root.get("base"); v != nil {
		if s, ok := p.str(v, -1, "base"); ok {
			if !commitIDPattern.MatchString(s) {
				p.errAt(v.pos, -1, "plan.base", "base %q must be a full commit id (40 or 64 lowercase hex digits)", s)
			}
			plan.Base = s
		}
	}
	ds := root.get("directives")
	if ds == nil {
		p.errAt(top, -1, "plan.schema", "directives are required")
		return
	}
	if !p.wantKind(ds, kSeq, -1, "directives") {
		return
	}
	if len(ds.items) == 0 {
		p.errAt(ds.pos, -1, "plan.schema", "a plan needs at least one directive")
	}
	if len(ds.items) > lim.MaxDirectives {
		p.errAt(ds.pos, -1, "plan.size", "plan has %d directives, over the limit of %d (policies.max_directives)", len(ds.items), lim.MaxDirectives)
		return
	}
	plan.Directives = make([]aos.Directive, len(ds.items))
	for i, dn := range ds.items {
		p.decodeDirective(dn, i, &plan.Directives[i])
	}
}

func (p *parser) decodeDirective(n *node, i int, d *aos.Directive) {
	d.Index = i
	d.Pos = n.pos
	first := len(p.errs)
	defer func() {
		for k := first; k < len(p.errs); k++ {
			if p.errs[k].Type == "" {
				p.errs[k].Type = d.Type
			}
		}
	}()
	if !p.wantKind(n, kMap, i, "a directive") {
		return
	}
	tn := n.get("type")
	if tn == nil {
		p.errAt(n.pos, i, "plan.schema", "directive has no type")
		return
	}
	ts, ok := p.str(tn, i, "type")
	if !ok {
		return
	}
	d.Type = aos.DirectiveType(ts)
	fields, ok := directiveFields[d.Type]
	if !ok {
		names := make([]string, len(aos.DirectiveTypes))
		for j, t := range aos.DirectiveTypes {
			names[j] = string(t)
		}
		p.errAt(tn.pos, i, "plan.directive", "unknown directive type %q (known: %s)", ts, strings.Join(names, ", "))
		return
	}
	for j, k := range n.keys {
		if k.str == "type" {
			continue
		}
		if _, ok := fields[k.str]; !ok {
			allowed := "none"
			if len(fields) > 0 {
				allowed = strings.Join(slices.Sorted(maps.Keys(fields)), ", ")
			}
			p.errAt(k.pos, i, "plan.schema", "unknown field %q for %s (its fields: %s)", k.str, d.Type, allowed)
			continue
		}
		v := n.vals[j]
		switch k.str {
		case "path", "against", "patch", "suite", "target", "tool", "content":
			s, ok := p.str(v, i, k.str)
			if !ok {
				continue
			}
			switch k.str {
			case "path":
				d.Path = s
			case "against":
				d.Against = s
			case "patch":
				d.Patch = s
			case "suite":
				d.Suite = s
			case "target":
				d.Target = s
			case "tool":
				d.Tool = s
			case "content":
				d.Content = []byte(s)
			}
		case "content_base64":
			s, ok := p.str(v, i, k.str)
			if !ok {
				continue
			}
			b, err := base64.StdEncoding.Strict().DecodeString(strings.Join(strings.Fields(s), ""))
			if err != nil {
				p.errAt(v.pos, i, "plan.schema", "content_base64 is not valid base64: %v", err)
				continue
			}
			d.Content = b
		case "executable":
			if p.wantKind(v, kBool, i, "executable") {
				d.Executable = v.b
			}
		case "args":
			if !p.wantKind(v, kSeq, i, "args") {
				continue
			}
			if len(v.items) > maxArgs {
				p.errAt(v.pos, i, "plan.schema", "args has %d items, over the limit of %d", len(v.items), maxArgs)
				continue
			}
			d.Args = make([]string, 0, len(v.items))
			for ai, a := range v.items {
				s, ok := p.str(a, i, fmt.Sprintf("args[%d]", ai))
				if !ok {
					continue
				}
				if strings.IndexByte(s, 0) >= 0 {
					p.errAt(a.pos, i, "plan.schema", "args[%d] contains a NUL byte", ai)
				}
				d.Args = append(d.Args, s)
			}
		}
	}
	for _, f := range slices.Sorted(maps.Keys(fields)) {
		if fields[f] && n.get(f) == nil {
			p.errAt(n.pos, i, "plan.schema", "%s needs %s", d.Type, f)
		}
	}
	if _, ok := fields["content"]; ok {
		c, b := n.get("content"), n.get("content_base64")
		switch {
		case c == nil && b == nil:
			p.errAt(n.pos, i, "plan.schema", "%s needs content or content_base64", d.Type)
		case c != nil && b != nil:
			p.errAt(b.pos, i, "plan.schema", "%s takes content or content_base64, not both", d.Type)
		}
	}
	if d.Type == aos.RunTests && d.Suite == "" && n.get("suite") == nil {
		d.Suite = "default"
	}
}
