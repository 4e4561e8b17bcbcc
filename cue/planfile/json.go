package planfile

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"

	"github.com/architectos/aos"
)

// jsonParser reads a JSON plan as a stream of tokens. Positions are
// computed by a cursor that only moves forward, since tokens come in the
// order of the text: each byte is looked at once, whatever the shape of
// the document (one line of JSON, as json.dumps and JSON.stringify print
// it, costs what the same plan pretty-printed costs).
type jsonParser struct {
	ctx  context.Context
	name string
	data []byte
	// v, when set, is the growing view of the document the lexer reads;
	// data is then v's.
	v   *view
	dec tokenReader
	// tokens counts the tokens read, for checking ctx now and then.
	tokens int
	// cur is the position of offset cur.off.
	cur struct{ off, line, col int }
}

// decodeJSON decodes a JSON plan, with the fast reader (jsonLexer) when
// fast is set: it then returns errNotFast for a document that reader does
// not read, which the caller reads again with fast unset.
func decodeJSON(ctx context.Context, name string, data []byte, pd *planDecoder, fast bool) error {
	jp := &jsonParser{ctx: ctx, name: name, data: data}
	jp.cur.line, jp.cur.col = 1, 1
	if fast {
		jp.dec = newJSONLexer(data)
	} else {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		jp.dec = dec
	}
	return jp.document(pd)
}

// document decodes the plan, the one JSON document of the input.
func (jp *jsonParser) document(pd *planDecoder) error {
	t, pos, err := jp.token()
	if err != nil {
		return err
	}
	if t != json.Delim('{') {
		n, err := jp.valueFrom(t, pos, 0, 0)
		if err != nil {
			return err
		}
		pd.notMapping(n)
	} else if err := jp.plan(pos, pd); err != nil {
		return err
	}
	start := jp.next()
	if _, err := jp.dec.Token(); err != io.EOF {
		if err == errNotFast {
			return err
		}
		return &syntaxError{jp.pos(start), "a plan is one JSON document; found more after it"}
	}
	return nil
}

// decodeJSONView is decodeJSON with the fast reader, of the document v
// grows to, read as v grows; the caller judges, once it is read, whether v
// is all of it.
func decodeJSONView(ctx context.Context, name string, v *view, pd *planDecoder) error {
	v.grow()
	jp := &jsonParser{ctx: ctx, name: name, v: v}
	jp.cur.line, jp.cur.col = 1, 1
	jp.dec = &jsonLexer{data: v.data, v: v}
	return jp.document(pd)
}

// parseJSON decodes one JSON document holding a directive (its
// parameters), as a directive of a plan is decoded: at the depth of a
// plan's directives, its fields and args kept.
func parseJSON(name string, data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	jp := &jsonParser{ctx: context.Background(), name: name, data: data, dec: dec}
	jp.cur.line, jp.cur.col = 1, 1
	t, pos, err := jp.token()
	if err != nil {
		return nil, err
	}
	n, err := jp.valueFrom(t, pos, 2, 2)
	if err != nil {
		return nil, err
	}
	start := jp.next()
	if _, err := jp.dec.Token(); err != io.EOF {
		return nil, &syntaxError{jp.pos(start), "a plan is one JSON document; found more after it"}
	}
	return n, nil
}

// plan decodes the top-level object, whose '{' was read at pos.
func (jp *jsonParser) plan(pos aos.Position, pd *planDecoder) error {
	pd.start(pos)
	for {
		kt, kpos, err := jp.token()
		if err != nil {
			return err
		}
		if kt == json.Delim('}') {
			return nil
		}
		ks, ok := kt.(string)
		if !ok {
			return &syntaxError{kpos, "JSON: object key must be a string"}
		}
		k := &node{kind: kString, pos: kpos, str: ks}
		if err := pd.key(k); err != nil {
			return err
		}
		vt, vpos, err := jp.token()
		if err != nil {
			return err
		}
		if ks == "directives" && vt == json.Delim('[') {
			pd.startDirectives(k, &node{kind: kSeq, pos: vpos})
			for {
				it, ipos, err := jp.token()
				if err != nil {
					return err
				}
				if it == json.Delim(']') {
					break
				}
				keep := 2 // a directive's fields, and its args
				if !pd.wantDirective() {
					keep = 0
				}
				n, err := jp.valueFrom(it, ipos, 2, keep)
				if err != nil {
					return err
				}
				pd.directive(n)
			}
			continue
		}
		v, err := jp.valueFrom(vt, vpos, 1, 0)
		if err != nil {
			return err
		}
		pd.field(k, v)
	}
}

// text is the document read so far (all of it, but for a view).
func (jp *jsonParser) text() []byte {
	if jp.v != nil {
		return jp.v.data
	}
	return jp.data
}

// next returns the offset where the next token starts.
func (jp *jsonParser) next() int {
	off := int(jp.dec.InputOffset())
	d := jp.text()
	for {
		for off < len(d) {
			switch d[off] {
			case ' ', '\t', '\r', '\n', ',', ':':
				off++
				continue
			}
			break
		}
		if off < len(d) || jp.v == nil || !jp.v.grow() {
			return off
		}
		d = jp.v.data
	}
}

// pos returns the position of byte offset off, moving the cursor there.
// Columns count characters, as editors do.
func (jp *jsonParser) pos(off int) aos.Position {
	d := jp.text()
	off = min(max(off, 0), len(d))
	c := &jp.cur
	if off < c.off {
		c.off, c.line, c.col = 0, 1, 1
	}
	seg := d[c.off:off]
	if n := bytes.Count(seg, newline); n > 0 {
		c.line, c.col = c.line+n, 1
		seg = seg[bytes.LastIndexByte(seg, '\n')+1:]
	}
	c.col += runeStarts(seg)
	c.off = off
	return aos.Position{File: jp.name, Line: c.line, Col: c.col}
}

var newline = []byte{'\n'}

// runeStarts counts the bytes of b that are not UTF-8 continuation bytes
// (10xxxxxx), eight at a time: the characters of b, when b is valid
// UTF-8, and what the column of a position counts in any case.
func runeStarts(b []byte) int {
	const hi = 0x8080808080808080
	n := len(b)
	for len(b) >= 8 {
		w := binary.LittleEndian.Uint64(b)
		// A continuation byte has bit 7 set and bit 6 clear; w<<1 moves
		// each byte's bit 6 to its bit 7.
		n -= bits.OnesCount64(w &^ (w << 1) & hi)
		b = b[8:]
	}
	for _, c := range b {
		if c&0xc0 == 0x80 {
			n--
		}
	}
	return n
}

func (jp *jsonParser) token() (json.Token, aos.Position, error) {
	if jp.tokens++; jp.tokens%checkEvery == 0 {
		if err := jp.ctx.Err(); err != nil {
			return nil, aos.Position{}, err
		}
	}
	start := jp.next()
	t, err := jp.dec.Token()
	if err == errNotFast {
		return nil, aos.Position{}, err
	}
	if err != nil {
		pos := jp.pos(start)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			pos = jp.pos(int(se.Offset))
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, pos, &syntaxError{pos, "JSON: " + err.Error()}
	}
	return t, jp.pos(start), nil
}

// valueFrom decodes the value that starts with token t at pos, depth
// levels deep. The children of collections are kept down to keep levels
// (at most maxChildren each); deeper collections are read, checked and
// counted only.
func (jp *jsonParser) valueFrom(t json.Token, pos aos.Position, depth, keep int) (*node, error) {
	if depth > MaxDepth {
		return nil, &syntaxError{pos, fmt.Sprintf("plan nests deeper than %d levels", MaxDepth)}
	}
	n := &node{pos: pos}
	switch v := t.(type) {
	case json.Delim:
		switch v {
		case '{':
			n.kind = kMap
			var seen map[string]*node
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
				n.count++
				store := keep > 0 && n.count <= maxChildren
				var k *node
				if store {
					k = &node{kind: kString, pos: kpos, str: ks}
					if prev, dup := seen[ks]; dup {
						return nil, &syntaxError{kpos, fmt.Sprintf("key %q given twice (first at line %d)", ks, prev.pos.Line)}
					}
					if seen == nil {
						seen = map[string]*node{}
					}
					seen[ks] = k
				}
				vt, vpos, err := jp.token()
				if err != nil {
					return nil, err
				}
				val, err := jp.valueFrom(vt, vpos, depth+1, keepBelow(keep, store))
				if err != nil {
					return nil, err
				}
				if store {
					n.keys = append(n.keys, k)
					n.vals = append(n.vals, val)
				}
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
				n.count++
				store := keep > 0 && n.count <= maxChildren
				val, err := jp.valueFrom(it, ipos, depth+1, keepBelow(keep, store))
				if err != nil {
					return nil, err
				}
				if store {
					n.items = append(n.items, val)
				}
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

// keepBelow is how many levels a kept (store) or dropped child keeps.
func keepBelow(keep int, store bool) int {
	if !store {
		return 0
	}
	return keep - 1
}
