package planfile

import (
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unsafe"

	"github.com/architectos/aos"
	"github.com/architectos/aos/internal/suggest"
)

var planKeys = map[string]bool{"version": true, "id": true, "goal": true, "base": true, "directives": true}

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
	p.errAt(n.pos, directive, aos.RulePlanSchema, "%s must be %s, not %s%s", field, k, n.kind, hint)
	return false
}

func (p *parser) str(n *node, directive int, field string) (string, bool) {
	if !p.wantKind(n, kString, directive, field) {
		return "", false
	}
	return n.str, true
}

// planDecoder builds a plan from its document as a syntax decodes it: the
// top-level fields one by one, then each directive as soon as it is read,
// so that no tree of the whole document is ever held (see node).
type planDecoder struct {
	p    *parser
	plan *aos.Plan
	lim  Limits
	top  aos.Position
	// seen holds the known top-level keys met so far.
	seen map[string]*node
	// dirs is the directives list, once met.
	dirs  *node
	count int // directives met
	bad   bool
}

func newPlanDecoder(p *parser, plan *aos.Plan, lim Limits) *planDecoder {
	return &planDecoder{p: p, plan: plan, lim: lim, seen: map[string]*node{}}
}

// notMapping reports a document that is not a mapping.
func (pd *planDecoder) notMapping(n *node) {
	pd.bad = true
	pd.p.wantKind(n, kMap, -1, "a plan")
}

// start begins the top-level mapping, at pos.
func (pd *planDecoder) start(pos aos.Position) { pd.top = pos }

// key records a top-level key; a known key given twice is an error that
// ends decoding.
func (pd *planDecoder) key(k *node) error {
	if !planKeys[k.str] {
		return nil
	}
	if prev, dup := pd.seen[k.str]; dup {
		return &syntaxError{k.pos, fmt.Sprintf("key %q given twice (first at line %d)", k.str, prev.pos.Line)}
	}
	pd.seen[k.str] = k
	return nil
}

// field decodes a top-level field other than a list of directives.
func (pd *planDecoder) field(k, v *node) {
	p, plan := pd.p, pd.plan
	pd.fieldPos(k, v)
	switch k.str {
	case "version":
		if p.wantKind(v, kInt, -1, "version") {
			if v.str != "1" {
				p.errAt(v.pos, -1, aos.RulePlanVersion, "plan version %s is not supported; this git-aos reads version 1", v.str)
			}
			plan.Version = aos.PlanVersion
		}
	case "id":
		if s, ok := p.str(v, -1, "id"); ok {
			if !IDPattern.MatchString(s) {
				p.errAt(v.pos, -1, aos.RulePlanID, "id %q must match %s", s, IDPattern)
			}
			plan.ID = s
		}
	case "goal":
		if s, ok := p.str(v, -1, "goal"); ok {
			if strings.TrimSpace(s) == "" {
				p.errAt(v.pos, -1, aos.RulePlanSchema, "goal must not be empty")
			}
			plan.Goal = s
		}
	case "base":
		if s, ok := p.str(v, -1, "base"); ok {
			if !commitIDPattern.MatchString(s) {
				p.errAt(v.pos, -1, aos.RulePlanBase, "base %q must be a full commit id (40 or 64 lowercase hex digits)", s)
			}
			plan.Base = s
		}
	case "directives":
		pd.dirs = v
		p.wantKind(v, kSeq, -1, "directives")
	default:
		p.errAt(k.pos, -1, aos.RulePlanSchema, "unknown field %q%s (a plan has version, id, goal, base and directives)", k.str,
			suggest.DidYouMean(k.str, slices.Sorted(maps.Keys(planKeys))))
	}
}

// startDirectives begins the list of directives, whose node (pos and
// kind) is v.
func (pd *planDecoder) startDirectives(k, v *node) {
	pd.fieldPos(k, v)
	pd.dirs = v
}

// fieldPos records where the value of top-level field k starts.
func (pd *planDecoder) fieldPos(k, v *node) {
	if pd.plan.FieldPos == nil {
		pd.plan.FieldPos = map[string]aos.Position{}
	}
	pd.plan.FieldPos[k.str] = v.pos
}

// wantDirective reports whether the next directive is decoded: past the
// limit the plan is refused, and the rest is only counted.
func (pd *planDecoder) wantDirective() bool { return pd.count < pd.lim.MaxDirectives }

// directive decodes the next directive, or counts it past the limit.
func (pd *planDecoder) directive(n *node) {
	i := pd.count
	pd.count++
	if pd.count > pd.lim.MaxDirectives {
		pd.plan.Directives = nil
		return
	}
	var d aos.Directive
	pd.p.decodeDirective(n, i, &d)
	pd.plan.Directives = append(pd.plan.Directives, d)
}

// finish reports what the whole document lacks.
func (pd *planDecoder) finish() {
	if pd.bad {
		return
	}
	p := pd.p
	top := aos.Position{File: p.file, Line: pd.top.Line, Col: pd.top.Col}
	if pd.seen["version"] == nil {
		p.errAt(top, -1, aos.RulePlanSchema, "version is required (version: 1)")
	}
	if pd.seen["id"] == nil {
		p.errAt(top, -1, aos.RulePlanSchema, "id is required")
	}
	if pd.seen["goal"] == nil {
		p.errAt(top, -1, aos.RulePlanSchema, "goal is required")
	}
	switch {
	case pd.dirs == nil:
		p.errAt(top, -1, aos.RulePlanSchema, "directives are required")
	case pd.dirs.kind != kSeq:
	case pd.count == 0:
		p.errAt(pd.dirs.pos, -1, aos.RulePlanSchema, "a plan needs at least one directive")
	case pd.count > pd.lim.MaxDirectives:
		// The directives decoded before the limit was known are not
		// judged: the plan is refused for its size.
		kept := p.errs[:0]
		for _, e := range p.errs {
			if e.Directive < 0 {
				kept = append(kept, e)
			}
		}
		p.errs = kept
		pd.plan.Directives = nil
		p.errAt(pd.dirs.pos, -1, aos.RulePlanSize, "plan has %d directives, over the limit of %d (policies.max_directives)", pd.count, pd.lim.MaxDirectives)
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
		p.errAt(n.pos, i, aos.RulePlanSchema, "directive has no type")
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
		p.errAt(tn.pos, i, aos.RulePlanDirective, "unknown directive type %q (known: %s)", ts, strings.Join(names, ", "))
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
			p.errAt(k.pos, i, aos.RulePlanSchema, "unknown field %q for %s%s (its fields: %s)", k.str, d.Type,
				suggest.DidYouMean(k.str, slices.Sorted(maps.Keys(fields))), allowed)
			continue
		}
		v := n.vals[j]
		if d.FieldPos == nil {
			d.FieldPos = make(map[string]aos.Position, len(n.keys))
		}
		d.FieldPos[k.str] = v.pos
		switch k.str {
		case "path", "against", "patch", "suite", "target", "tool", "content", "reason", "pattern", "glob":
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
				d.Content = contentBytes(s)
			case "reason":
				d.Reason = s
			case "pattern":
				d.Pattern = s
			case "glob":
				d.Glob = s
			}
		case "content_base64":
			s, ok := p.str(v, i, k.str)
			if !ok {
				continue
			}
			b, err := base64.StdEncoding.Strict().DecodeString(strings.Join(strings.Fields(s), ""))
			if err != nil {
				p.errAt(v.pos, i, aos.RulePlanSchema, "content_base64 is not valid base64: %v", err)
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
			if v.count > maxArgs {
				p.errAt(v.pos, i, aos.RulePlanSchema, "args has %d items, over the limit of %d", v.count, maxArgs)
				continue
			}
			d.Args = make([]string, 0, len(v.items))
			for ai, a := range v.items {
				s, ok := p.str(a, i, fmt.Sprintf("args[%d]", ai))
				if !ok {
					continue
				}
				if strings.IndexByte(s, 0) >= 0 {
					p.errAt(a.pos, i, aos.RulePlanSchema, "args[%d] contains a NUL byte", ai)
				}
				d.Args = append(d.Args, s)
			}
		}
	}
	for _, f := range slices.Sorted(maps.Keys(fields)) {
		if fields[f] && n.get(f) == nil {
			p.errAt(n.pos, i, aos.RulePlanSchema, "%s needs %s", d.Type, f)
		}
	}
	if _, ok := fields["content"]; ok {
		c, b := n.get("content"), n.get("content_base64")
		switch {
		case c == nil && b == nil:
			p.errAt(n.pos, i, aos.RulePlanSchema, "%s needs content or content_base64", d.Type)
		case c != nil && b != nil:
			p.errAt(b.pos, i, aos.RulePlanSchema, "%s takes content or content_base64, not both", d.Type)
		}
	}
	if d.Type == aos.RunTests && d.Suite == "" && n.get("suite") == nil {
		d.Suite = "default"
	}
}

// contentBytes is the content of a directive whose text is s, sharing its
// memory: a plan's content is as large as the plan, and nothing changes a
// directive's content in place ([aos.Directive.Content]).
func contentBytes(s string) []byte {
	if s == "" {
		return []byte{}
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
