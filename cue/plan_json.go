package cue

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/architectos/aos"
)

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
