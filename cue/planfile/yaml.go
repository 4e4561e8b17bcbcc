package planfile

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/architectos/aos"
	"go.yaml.in/yaml/v3"
)

// yaml11Bools are the plain scalars YAML 1.1 resolves as booleans and
// YAML 1.2 as strings.
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true,
	"n": true, "N": true, "no": true, "No": true, "NO": true,
	"on": true, "On": true, "ON": true, "off": true, "Off": true, "OFF": true,
}

var yamlLineRe = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// decodeYAML decodes a YAML plan. The YAML library reads the document
// into its own tree of nodes; the plan is taken from it a directive at a
// time, each directive's nodes released as soon as it is decoded. The
// library cannot be stopped: when ctx ends first, decodeYAML returns
// ctx's error at once and leaves the library to finish reading in the
// background, within the plan's size limit.
func decodeYAML(ctx context.Context, name string, data []byte, pd *planDecoder) error {
	var doc yaml.Node
	if fd, ok := fastYAML(ctx, data); ok {
		doc = *fd
	} else if err := decodeSlow(ctx, name, data, &doc); err != nil {
		return err
	}
	return decodeYAMLDoc(ctx, name, doc, pd)
}

// decodeYAMLDoc decodes the plan of the YAML document doc.
func decodeYAMLDoc(ctx context.Context, name string, doc yaml.Node, pd *planDecoder) error {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return &syntaxError{aos.Position{File: name, Line: 1, Col: 1}, "plan is empty"}
	}
	root := doc.Content[0]
	doc.Content = nil
	if root.Kind != yaml.MappingNode {
		n, err := convertYAML(name, root, 0, 0)
		if err != nil {
			return err
		}
		pd.notMapping(n)
		return nil
	}
	if err := checkYAMLNode(name, root); err != nil {
		return err
	}
	pd.start(aos.Position{File: name, Line: root.Line, Col: root.Column})
	for i := 0; i+1 < len(root.Content); i += 2 {
		ky, vy := root.Content[i], root.Content[i+1]
		root.Content[i], root.Content[i+1] = nil, nil
		k, err := yamlKey(name, ky, 1)
		if err != nil {
			return err
		}
		if err := pd.key(k); err != nil {
			return err
		}
		if k.str == "directives" && vy.Kind == yaml.SequenceNode {
			if err := checkYAMLNode(name, vy); err != nil {
				return err
			}
			pd.startDirectives(k, &node{kind: kSeq, pos: aos.Position{File: name, Line: vy.Line, Col: vy.Column}})
			for j, item := range vy.Content {
				if j%checkEvery == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				vy.Content[j] = nil
				keep := 2 // a directive's fields, and its args
				if !pd.wantDirective() {
					keep = 0
				}
				n, err := convertYAML(name, item, 2, keep)
				if err != nil {
					return err
				}
				pd.directive(n)
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		v, err := convertYAML(name, vy, 1, 0)
		if err != nil {
			return err
		}
		pd.field(k, v)
	}
	return nil
}

// decodeSlow reads data with yaml.v3: one document, into doc.
func decodeSlow(ctx context.Context, name string, data []byte, doc *yaml.Node) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := decodeCtx(ctx, dec, doc); err != nil {
		if ctx.Err() != nil {
			return err
		}
		if err == io.EOF {
			return &syntaxError{aos.Position{File: name, Line: 1, Col: 1}, "plan is empty"}
		}
		return yamlErr(name, data, err)
	}
	var extra yaml.Node
	switch err := decodeCtx(ctx, dec, &extra); {
	case err == io.EOF:
	case err != nil && ctx.Err() != nil:
		return err
	case err != nil:
		return yamlErr(name, data, err)
	default:
		return &syntaxError{aos.Position{File: name, Line: extra.Line, Col: extra.Column}, "a plan is one YAML document; found another"}
	}
	return nil
}

// decodeCtx decodes dec's next document into doc, or returns ctx's error
// as soon as ctx ends.
func decodeCtx(ctx context.Context, dec *yaml.Decoder, doc *yaml.Node) error {
	if ctx.Done() == nil {
		return dec.Decode(doc)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var n yaml.Node
	done := make(chan error, 1)
	go func() { done <- dec.Decode(&n) }()
	select {
	case err := <-done:
		*doc = n
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
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
	if tab, ok := tabPos(data, line, msg); ok {
		tab.File = name
		return &syntaxError{tab, "YAML: a tab cannot indent YAML: indent with spaces"}
	}
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

// tabPos finds the tab that the YAML parser's message msg, given at
// line, is about: YAML forbids tabs in indentation, and the parser names
// the line before the tab's inside block scalars. It is the first line
// from line on whose leading whitespace holds a tab less indented than the
// line before it (a tab after a block's indentation is content, as in a
// Makefile), else the first from line on with a tab in its leading
// whitespace; ok is false when msg is not about a tab or none is found.
func tabPos(data []byte, line int, msg string) (aos.Position, bool) {
	if !strings.Contains(msg, "tab character") && msg != "found character that cannot start any token" {
		return aos.Position{}, false
	}
	lines := strings.Split(string(data), "\n")
	start := max(line, 1) - 1
	if msg == "found character that cannot start any token" {
		// Only a tab at that very line is about indentation.
		if start >= len(lines) {
			return aos.Position{}, false
		}
		if i, ok := leadingTab(lines[start]); ok {
			return aos.Position{Line: start + 1, Col: i + 1}, true
		}
		return aos.Position{}, false
	}
	prev := 0
	for j := start - 1; j >= 0; j-- {
		if strings.TrimSpace(lines[j]) != "" {
			prev = len(lines[j]) - len(strings.TrimLeft(lines[j], " \t"))
			break
		}
	}
	first := aos.Position{}
	for j := start; j < len(lines); j++ {
		i, ok := leadingTab(lines[j])
		if ok {
			if i < max(prev, 1) {
				return aos.Position{Line: j + 1, Col: i + 1}, true
			}
			if first.Line == 0 {
				first = aos.Position{Line: j + 1, Col: i + 1}
			}
		}
		if strings.TrimSpace(lines[j]) != "" {
			prev = len(lines[j]) - len(strings.TrimLeft(lines[j], " \t"))
		}
	}
	return first, first.Line > 0
}

// leadingTab returns the index of the first tab in the leading
// whitespace of l.
func leadingTab(l string) (int, bool) {
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case '\t':
			return i, true
		case ' ':
			continue
		}
		return 0, false
	}
	return 0, false
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

// checkYAMLNode refuses the YAML features a plan may not use on y
// itself: anchors, aliases and tags other than the core ones.
func checkYAMLNode(name string, y *yaml.Node) error {
	pos := aos.Position{File: name, Line: y.Line, Col: y.Column}
	if y.Anchor != "" {
		return &syntaxError{pos, fmt.Sprintf("YAML anchor &%s: anchors and aliases are not allowed in plans", y.Anchor)}
	}
	if y.Kind == yaml.AliasNode {
		return &syntaxError{pos, "YAML alias: anchors and aliases are not allowed in plans"}
	}
	if y.Tag != "" && !strings.HasPrefix(y.Tag, "!!") {
		return &syntaxError{pos, fmt.Sprintf("YAML tag %s is not allowed in plans", y.Tag)}
	}
	return nil
}

// yamlKey converts a mapping key, which must be a plain string.
func yamlKey(name string, ky *yaml.Node, depth int) (*node, error) {
	kpos := aos.Position{File: name, Line: ky.Line, Col: ky.Column}
	if ky.Tag == "!!merge" {
		return nil, &syntaxError{kpos, "YAML merge key <<: is not allowed in plans"}
	}
	if ky.Kind != yaml.ScalarNode || ky.Tag != "!!str" {
		return nil, &syntaxError{kpos, "mapping keys must be strings"}
	}
	return convertYAML(name, ky, depth, 0)
}

// convertYAML converts y, depth levels deep. The children of collections
// are kept down to keep levels (at most maxChildren each); deeper
// collections are checked and counted only.
func convertYAML(name string, y *yaml.Node, depth, keep int) (*node, error) {
	pos := aos.Position{File: name, Line: y.Line, Col: y.Column}
	if depth > MaxDepth {
		return nil, &syntaxError{pos, fmt.Sprintf("plan nests deeper than %d levels", MaxDepth)}
	}
	if err := checkYAMLNode(name, y); err != nil {
		return nil, err
	}
	n := &node{pos: pos}
	switch y.Kind {
	case yaml.MappingNode:
		n.kind = kMap
		var seen map[string]*node
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, err := yamlKey(name, y.Content[i], depth+1)
			if err != nil {
				return nil, err
			}
			n.count++
			store := keep > 0 && n.count <= maxChildren
			if store {
				if prev, dup := seen[k.str]; dup {
					return nil, &syntaxError{k.pos, fmt.Sprintf("key %q given twice (first at line %d)", k.str, prev.pos.Line)}
				}
				if seen == nil {
					seen = map[string]*node{}
				}
				seen[k.str] = k
			}
			v, err := convertYAML(name, y.Content[i+1], depth+1, keepBelow(keep, store))
			if err != nil {
				return nil, err
			}
			if store {
				n.keys = append(n.keys, k)
				n.vals = append(n.vals, v)
			}
		}
	case yaml.SequenceNode:
		n.kind = kSeq
		for _, c := range y.Content {
			n.count++
			store := keep > 0 && n.count <= maxChildren
			v, err := convertYAML(name, c, depth+1, keepBelow(keep, store))
			if err != nil {
				return nil, err
			}
			if store {
				n.items = append(n.items, v)
			}
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
