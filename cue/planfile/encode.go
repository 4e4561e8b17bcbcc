package planfile

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"unicode/utf8"

	"github.com/architectos/aos"
	"go.yaml.in/yaml/v3"
)

// style is how the encoder writes a directive's strings: the first that
// reads back as written is kept (see [Encode]).
type style int

const (
	styleNatural style = iota // plain when safe, literal blocks for lines
	styleQuoted               // every string double-quoted, escapes for the rest
	styleBase64               // as quoted, content as content_base64
	styleCount
)

// ErrNotEncodable is wrapped by the error of a directive that no YAML
// encoding reads back as itself.
var ErrNotEncodable = errors.New("directive cannot be written as a plan")

// Encode returns p as a YAML plan document (docs/spec.md 3.1) that
// [Parse] reads back as p: the same version, id, goal and base, and
// directives of the same types with the same parameters. Strings are
// plain where that is safe, multi-line ones literal blocks, the rest
// double-quoted; content that is not valid UTF-8 or holds a NUL byte is
// written as content_base64. The encoding is checked by parsing it:
// a directive that does not read back as itself is written again more
// plainly, and one that never does is an error wrapping
// [ErrNotEncodable]. An id or goal that no plan may have is the
// parser's [*Error].
func Encode(p *aos.Plan) ([]byte, error) {
	styles := make([]style, len(p.Directives))
	hdr := styleNatural
	// Each round writes more plainly every directive that did not read
	// back (or the document's own fields, when no directive alone fails),
	// so styleCount+1 rounds reach the plainest encoding of all.
	for range styleCount + 1 {
		data, err := encodePlan(p, hdr, styles)
		if err != nil {
			return nil, err
		}
		bad, syntax, err := mismatches(data, p)
		if err != nil {
			return nil, err
		}
		if syntax {
			// The YAML parser refused the document (a block scalar YAML
			// cannot indent, say): its error names a line, not a
			// directive, so each directive is tried alone.
			if bad, err = failing(p, hdr, styles); err != nil {
				return nil, err
			}
			if len(bad) == 0 {
				if hdr == styleQuoted {
					return nil, fmt.Errorf("plan %q: the document does not parse as written: %w", p.ID, ErrNotEncodable)
				}
				hdr = styleQuoted
				continue
			}
		}
		if len(bad) == 0 {
			return data, nil
		}
		for _, i := range bad {
			if i < 0 {
				return nil, fmt.Errorf("plan %q: the document does not read back as written: %w", p.ID, ErrNotEncodable)
			}
			if styles[i]++; styles[i] == styleCount {
				return nil, fmt.Errorf("directive %d (%s): %w", i, p.Directives[i].Type, ErrNotEncodable)
			}
		}
	}
	return nil, fmt.Errorf("plan %q: %w", p.ID, ErrNotEncodable)
}

// failing returns the indexes of p's directives that, each alone in a
// plan of p's own fields, do not read back as themselves.
func failing(p *aos.Plan, hdr style, styles []style) ([]int, error) {
	var bad []int
	for i := range p.Directives {
		one := &aos.Plan{Version: p.Version, ID: p.ID, Goal: p.Goal, Base: p.Base, Directives: p.Directives[i : i+1]}
		data, err := encodePlan(one, hdr, styles[i:i+1])
		if err != nil {
			return nil, err
		}
		b, syntax, err := mismatches(data, one)
		if err != nil {
			return nil, err
		}
		if syntax || len(b) > 0 {
			bad = append(bad, i)
		}
	}
	return bad, nil
}

// mismatches parses data and returns the indexes of the directives that
// differ from p's, and -1 when the document's own fields do; syntax is
// true when the document does not parse at all.
func mismatches(data []byte, p *aos.Plan) (bad []int, syntax bool, err error) {
	got, err := Parse(context.Background(), "plan.yaml", data, Limits{MaxBytes: max(len(data), 1), MaxDirectives: max(len(p.Directives), 1)})
	if err != nil {
		var pe *Error
		if !errors.As(err, &pe) {
			return nil, false, err
		}
		for _, v := range pe.Violations {
			if v.Rule == aos.RulePlanSyntax {
				return nil, true, nil
			}
		}
		for _, v := range pe.Violations {
			if v.Directive < 0 {
				// The document's own fields (an id or goal a plan may
				// not have): no encoding changes that.
				return nil, false, pe
			}
			bad = append(bad, v.Directive)
		}
		return bad, false, nil
	}
	if got.Version != p.Version || got.ID != p.ID || got.Goal != p.Goal || got.Base != p.Base || len(got.Directives) != len(p.Directives) {
		return []int{-1}, false, nil
	}
	for i := range p.Directives {
		if !SameDirective(&got.Directives[i], &p.Directives[i]) {
			bad = append(bad, i)
		}
	}
	return bad, false, nil
}

// SameDirective reports whether a and b are the same directive: the same
// type and parameters, wherever they were read from.
func SameDirective(a, b *aos.Directive) bool {
	return a.Type == b.Type && a.Path == b.Path && a.Against == b.Against &&
		bytes.Equal(a.Content, b.Content) && a.Executable == b.Executable &&
		a.Patch == b.Patch && a.Suite == b.Suite && a.Target == b.Target &&
		a.Tool == b.Tool && slices.Equal(a.Args, b.Args) &&
		a.Pattern == b.Pattern && a.Glob == b.Glob
}

// encodePlan writes p's own fields in style hdr and each directive in
// its style.
func encodePlan(p *aos.Plan, hdr style, styles []style) ([]byte, error) {
	for _, s := range []string{p.ID, p.Goal, p.Base} {
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("plan %q: a field is not valid UTF-8: %w", p.ID, ErrNotEncodable)
		}
	}
	doc := mapping()
	add := func(m *yaml.Node, k string, v *yaml.Node) { m.Content = append(m.Content, str(k, styleNatural), v) }
	add(doc, "version", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(p.Version)})
	add(doc, "id", str(p.ID, hdr))
	add(doc, "goal", str(p.Goal, hdr))
	if p.Base != "" {
		add(doc, "base", str(p.Base, hdr))
	}
	ds := &yaml.Node{Kind: yaml.SequenceNode}
	for i := range p.Directives {
		n, err := directiveNode(&p.Directives[i], styles[i])
		if err != nil {
			return nil, err
		}
		ds.Content = append(ds.Content, n)
	}
	add(doc, "directives", ds)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	return buf.Bytes(), nil
}

// directiveNode is d as a YAML mapping, its parameters in the order of
// the directive table.
func directiveNode(d *aos.Directive, st style) (*yaml.Node, error) {
	spec, ok := directiveSpecs[d.Type]
	if !ok {
		return nil, fmt.Errorf("directive %d: unknown type %q: %w", d.Index, d.Type, ErrNotEncodable)
	}
	for _, s := range append([]string{d.Path, d.Against, d.Patch, d.Suite, d.Target, d.Tool, d.Pattern, d.Glob}, d.Args...) {
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("directive %d (%s): a parameter is not valid UTF-8: %w", d.Index, d.Type, ErrNotEncodable)
		}
	}
	m := mapping()
	m.Content = append(m.Content, str("type", styleNatural), str(string(d.Type), styleNatural))
	add := func(k string, v *yaml.Node) { m.Content = append(m.Content, str(k, styleNatural), v) }
	for _, p := range spec.params {
		switch p.name {
		case "content":
			if st == styleBase64 || !utf8.Valid(d.Content) || bytes.IndexByte(d.Content, 0) >= 0 {
				add("content_base64", str(base64.StdEncoding.EncodeToString(d.Content), styleNatural))
			} else {
				add("content", str(string(d.Content), st))
			}
		case "content_base64":
		case "executable":
			if d.Executable {
				add("executable", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
			}
		case "args":
			if len(d.Args) > 0 {
				seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
				for _, a := range d.Args {
					seq.Content = append(seq.Content, str(a, max(st, styleQuoted)))
				}
				add("args", seq)
			}
		case "suite":
			// Without suite, RUN_TESTS runs "default".
			if d.Suite != "default" {
				add("suite", str(d.Suite, st))
			}
		default:
			v := paramValue(d, p.name)
			if v != "" || p.required {
				add(p.name, str(v, st))
			}
		}
	}
	return m, nil
}

// paramValue is the value of d's string parameter name.
func paramValue(d *aos.Directive, name string) string {
	switch name {
	case "path":
		return d.Path
	case "against":
		return d.Against
	case "patch":
		return d.Patch
	case "target":
		return d.Target
	case "tool":
		return d.Tool
	case "pattern":
		return d.Pattern
	case "glob":
		return d.Glob
	}
	return ""
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

// plainRe is the strings written plain in the natural style: nothing YAML
// could read as another type, an indicator or a comment.
var plainRe = regexp.MustCompile(`^[A-Za-z_/](?:[A-Za-z0-9_./@+=, -]*[A-Za-z0-9_./@+=-])?$`)

// str is s as a string scalar in style st.
func str(s string, st style) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case st == styleNatural && plainRe.MatchString(s) && !yaml11Bools[s] && !yamlWords[s]:
	case st == styleNatural && bytes.ContainsRune([]byte(s), '\n'):
		n.Style = yaml.LiteralStyle
	default:
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// yamlWords are plain scalars that YAML reads as booleans or null.
var yamlWords = map[string]bool{
	"true": true, "True": true, "TRUE": true, "false": true, "False": true, "FALSE": true,
	"null": true, "Null": true, "NULL": true,
}
