package planfile

import (
	"bytes"
	"context"
	"encoding/binary"
	"unicode/utf8"
	"unsafe"

	"go.yaml.in/yaml/v3"
)

// fastYAML reads the plain shape most plans have, block mappings and
// sequences of keys, plain words, small integers and one-line
// double-quoted strings, into the tree of nodes yaml.v3 would build for
// it, several times faster than yaml.v3's scanner reads double-quoted
// strings. It refuses (ok false) everything else, and every document
// with anything it does not fully understand, rather than guess: the
// caller then reads the document with yaml.v3. FuzzFastYAML holds it to
// yaml.v3's tree, value, style, tag, line and column, on every document
// it accepts.
func fastYAML(ctx context.Context, data []byte) (doc *yaml.Node, ok bool) {
	if len(data) == 0 || data[len(data)-1] != '\n' {
		return nil, false
	}
	return (&fastReader{ctx: ctx, data: data}).read()
}

// fastYAMLView is fastYAML of the document v grows to, read line by line
// as v grows; the caller judges, once it is read, whether v is all of it.
func fastYAMLView(ctx context.Context, v *view) (doc *yaml.Node, ok bool) {
	if !v.grow() {
		return nil, false
	}
	return (&fastReader{ctx: ctx, data: v.data, v: v}).read()
}

// read reads the document from its first line.
func (f *fastReader) read() (doc *yaml.Node, ok bool) {
	f.line()
	if f.indent != 0 {
		return nil, false
	}
	root, ok := f.mapping(0, 0)
	if !ok || f.off < len(f.data) {
		return nil, false
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Line: 1, Column: 1, Content: []*yaml.Node{root}}, true
}

// maxKeyLen bounds the keys fastYAML reads: yaml.v3 takes a ':' more
// than 1,024 characters after the start of a key for no key at all.
const maxKeyLen = 1000

// fastMaxDepth bounds the nesting fastYAML reads: plans nest four deep.
const fastMaxDepth = 8

type fastReader struct {
	ctx  context.Context
	data []byte // ends with a line break
	// v, when set, is the growing view data is of: the reader grows it
	// when it has read all of data.
	v *view
	// off is the start of the current line, lineNo its number (1-based)
	// and indent its count of leading spaces; off is len(data) at the end.
	off, lineNo, indent int
	lines               int
	// buf holds the value of a quoted string with escapes while it is
	// read.
	buf []byte
}

// line moves to the next line, at f.off, and measures its indentation.
func (f *fastReader) line() {
	f.lineNo++
	f.indent = 0
	for f.off+f.indent < len(f.data) && f.data[f.off+f.indent] == ' ' {
		f.indent++
	}
}

// next moves past the current line, whose content ends at end (the
// offset of its '\n').
func (f *fastReader) next(end int) bool {
	f.off = end + 1
	if f.lines++; f.lines%checkEvery == 0 && f.ctx.Err() != nil {
		return false
	}
	if f.off >= len(f.data) && f.v != nil && f.v.grow() {
		f.data = f.v.data
	}
	if f.off < len(f.data) {
		f.line()
	}
	return true
}

func (f *fastReader) atEnd() bool { return f.off >= len(f.data) }

// mapping reads a block mapping whose keys are at column indent+1, the
// first of which starts at offset f.off+indent of the current line
// (after "- " for a mapping in a sequence entry).
func (f *fastReader) mapping(indent, depth int) (*yaml.Node, bool) {
	if depth > fastMaxDepth {
		return nil, false
	}
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: f.lineNo, Column: indent + 1}
	seen := map[string]bool{}
	first := true
	for !f.atEnd() {
		if !first && f.indent != indent {
			if f.indent > indent {
				return nil, false
			}
			break
		}
		if !first && f.data[f.off+indent] == '-' {
			// A sequence at the mapping's own indentation ends it only
			// where the parent is a key: not a shape read here.
			return nil, false
		}
		first = false
		start := f.off + indent
		i := start
		for i < len(f.data) && isKeyByte(f.data[i], i == start) {
			i++
		}
		if i == start || i >= len(f.data) || f.data[i] != ':' || i-start > maxKeyLen {
			return nil, false
		}
		key := string(f.data[start:i])
		if seen[key] || yamlSpecialWords[key] {
			return nil, false
		}
		seen[key] = true
		k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Line: f.lineNo, Column: indent + 1}
		i++
		var v *yaml.Node
		if f.data[i] == '\n' {
			// The value is a block on the lines below.
			if !f.next(i) || f.atEnd() {
				return nil, false
			}
			var ok bool
			switch {
			case f.indent >= indent && f.data[f.off+f.indent] == '-':
				v, ok = f.sequence(f.indent, depth+1)
			case f.indent > indent:
				v, ok = f.mapping(f.indent, depth+1)
			}
			if !ok {
				return nil, false
			}
		} else {
			if f.data[i] != ' ' {
				return nil, false
			}
			var end int
			var ok bool
			v, end, ok = f.scalar(i+1, i+1-f.off)
			if !ok || !f.next(end) {
				return nil, false
			}
		}
		m.Content = append(m.Content, k, v)
	}
	return m, true
}

// sequence reads a block sequence whose "-" are at column indent+1.
func (f *fastReader) sequence(indent, depth int) (*yaml.Node, bool) {
	if depth > fastMaxDepth {
		return nil, false
	}
	s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: f.lineNo, Column: indent + 1}
	for !f.atEnd() && f.indent == indent {
		at := f.off + indent
		if f.data[at] != '-' || f.data[at+1] != ' ' {
			break
		}
		c := f.data[at+2]
		if c == '"' || c >= '0' && c <= '9' || !isKeyStart(f.data[at+2:]) {
			v, end, ok := f.scalar(at+2, indent+2)
			if !ok || !f.next(end) {
				return nil, false
			}
			s.Content = append(s.Content, v)
			continue
		}
		item, ok := f.mapping(indent+2, depth+1)
		if !ok {
			return nil, false
		}
		s.Content = append(s.Content, item)
	}
	if !f.atEnd() && f.indent > indent {
		return nil, false
	}
	return s, true
}

// dotWord reports whether c may follow a plain word's leading dot: the
// end of the word, a slash or a letter, never a digit (".5" is a number).
func dotWord(c byte) bool {
	return c == '\n' || c == '/' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isKeyStart reports whether b starts with a key and its ':'.
func isKeyStart(b []byte) bool {
	i := 0
	for i < len(b) && isKeyByte(b[i], i == 0) {
		i++
	}
	return i > 0 && i < len(b) && b[i] == ':'
}

func isKeyByte(c byte, first bool) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || !first && c >= '0' && c <= '9'
}

// yamlSpecialWords are the plain words yaml.v3 does not read as strings.
var yamlSpecialWords = map[string]bool{
	".inf": true, ".Inf": true, ".INF": true, ".nan": true, ".NaN": true, ".NAN": true,
	"true": true, "True": true, "TRUE": true, "false": true, "False": true, "FALSE": true,
	"null": true, "Null": true, "NULL": true,
}

// scalar reads the scalar at offset at, column col-1 of the current line,
// which must end the line: a plain word, a small integer or a one-line
// double-quoted string. end is the offset of the line's '\n'.
func (f *fastReader) scalar(at, col int) (n *yaml.Node, end int, ok bool) {
	n = &yaml.Node{Kind: yaml.ScalarNode, Line: f.lineNo, Column: col + 1}
	d := f.data
	switch c := d[at]; {
	case c == '"':
		v, end, ok := f.quoted(at + 1)
		if !ok {
			return nil, 0, false
		}
		n.Tag, n.Style, n.Value = "!!str", yaml.DoubleQuotedStyle, v
		return n, end, true
	case c >= '1' && c <= '9' || c == '0' && d[at+1] == '\n':
		i := at
		for d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if d[i] != '\n' || i-at > 9 {
			return nil, 0, false
		}
		n.Tag, n.Value = "!!int", string(d[at:i])
		return n, i, true
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '/' || c == '.' && dotWord(d[at+1]):
		// As the encoder's plain strings: letters, digits and _./@+=,-
		// with single spaces between, ending the line. yaml.v3 reads a
		// word that starts with a letter as a string unless it is one of
		// yamlSpecialWords, and one that starts with a dot unless it is
		// a number or one of .inf and .nan, which start with a dot and a
		// letter and are special words too.
		i := at + 1
		for ; d[i] != '\n'; i++ {
			switch c := d[i]; {
			case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			case c == '_' || c == '.' || c == '/' || c == '@' || c == '+' || c == '=' || c == ',' || c == '-':
			case c == ' ' && d[i+1] != ' ' && d[i+1] != '\n':
			default:
				return nil, 0, false
			}
		}
		v := string(d[at:i])
		if yamlSpecialWords[v] {
			return nil, 0, false
		}
		n.Tag, n.Value = "!!str", v
		return n, i, true
	}
	return nil, 0, false
}

// quoted reads a double-quoted string from offset at, after its opening
// quote, to its closing quote, which must end the line: printable
// characters and the escapes of YAML, nothing that folds lines.
func (f *fastReader) quoted(at int) (v string, end int, ok bool) {
	d := f.data
	i := quotedRun(d, at)
	if d[i] == '"' && d[i+1] == '\n' {
		return string(d[at:i]), i + 1, true
	}
	if v, end, ok := cleanQuoted(d, at, i); ok {
		return v, end, true
	}
	buf := append(f.buf[:0], d[at:i]...)
	defer func() { f.buf = buf }()
	for {
		// d ends with a line break, which ends every run.
		switch c := d[i]; {
		case c == '"':
			if d[i+1] != '\n' {
				return "", 0, false
			}
			return string(buf), i + 1, true
		case c == '\\':
			e, n, ok := escape(d[i+1:], buf)
			if !ok {
				return "", 0, false
			}
			buf = e
			i += 1 + n
		case c >= 0x20 && c < 0x7f:
			j := quotedRun(d, i)
			buf = append(buf, d[i:j]...)
			i = j
		case c >= 0x80:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError || !fastPrintable(r) {
				return "", 0, false
			}
			buf = append(buf, d[i:i+size]...)
			i += size
		default:
			// A line break, a tab or another control character.
			return "", 0, false
		}
	}
}

// cleanQuoted reads the double-quoted string most plans hold, from offset
// at, after its opening quote: printable ASCII and escapes, up to a
// closing quote that ends the line and is the line's only quote. It
// finds the line's end and each escape with bytes.IndexByte, many bytes
// at a time, where quoted goes a run at a time, and reports false for any
// other string, which quoted then reads from its start. i is where the
// string's first run ends (quotedRun).
func cleanQuoted(d []byte, at, i int) (string, int, bool) {
	nl := at + bytes.IndexByte(d[at:], '\n') // d ends with a line break
	if nl <= at || d[nl-1] != '"' || d[i] != '\\' || !printableNoQuote(d[i:nl-1]) {
		return "", 0, false
	}
	body := d[at : nl-1]
	// A new buffer, never written once the string is made of it.
	buf := make([]byte, 0, len(body))
	buf = append(buf, body[:i-at]...)
	for j := i - at; j < len(body); {
		// body[j] is a backslash; the escape must end in body.
		if j+1 == len(body) {
			return "", 0, false
		}
		e, n, ok := escape(body[j+1:], buf)
		if !ok {
			return "", 0, false
		}
		buf, j = e, j+1+n
		k := bytes.IndexByte(body[j:], '\\')
		if k < 0 {
			buf = append(buf, body[j:]...)
			break
		}
		buf, j = append(buf, body[j:j+k]...), j+k
	}
	return unsafe.String(unsafe.SliceData(buf), len(buf)), nl, true
}

// printableNoQuote reports whether every byte of b is printable ASCII
// other than the quote (a backslash is one), eight at a time.
func printableNoQuote(b []byte) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	var acc uint64
	// Non-zero in a byte's top bit when the byte is '"', DEL, below 0x20
	// or above 0x7f; two words at a time.
	bad := func(w uint64) uint64 {
		q, del := w^(lo*'"'), w^(lo*0x7f)
		return (q-lo)&^q | (del-lo)&^del | (w-lo*0x20)&^w | w
	}
	for len(b) >= 16 {
		acc |= bad(binary.LittleEndian.Uint64(b)) | bad(binary.LittleEndian.Uint64(b[8:]))
		b = b[16:]
	}
	if len(b) >= 8 {
		acc |= bad(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	if acc&hi != 0 {
		return false
	}
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '"' {
			return false
		}
	}
	return true
}

// quotedRun returns the offset of the first byte from i on that is not a
// printable ASCII character other than the quote and the backslash (or
// len(d)): eight bytes at a time while there is none among them.
func quotedRun(d []byte, i int) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	for i+8 <= len(d) {
		w := binary.LittleEndian.Uint64(d[i:])
		q, b, del := w^(lo*'"'), w^(lo*'\\'), w^(lo*0x7f)
		// Each term is non-zero when a byte of w is '"', '\\', DEL,
		// below 0x20 or above 0x7f, and only then.
		if ((q-lo)&^q|(b-lo)&^b|(del-lo)&^del|(w-lo*0x20)&^w|w)&hi != 0 {
			break
		}
		i += 8
	}
	for i < len(d) && d[i] >= 0x20 && d[i] < 0x7f && d[i] != '"' && d[i] != '\\' {
		i++
	}
	return i
}

// fastPrintable is the non-ASCII characters yaml.v3 reads as themselves
// inside a double-quoted string: not its line breaks (NEL, LS, PS), not a
// byte order mark, nothing its reader refuses.
func fastPrintable(r rune) bool {
	return r >= 0xa0 && r <= 0xd7ff && r != 0x2028 && r != 0x2029 ||
		r >= 0xe000 && r <= 0xfffd && r != 0xfeff || r >= 0x10000 && r <= 0x10ffff
}

// escape appends the escape sequence at the start of d (after its
// backslash) to buf, and returns how many bytes it took.
func escape(d []byte, buf []byte) ([]byte, int, bool) {
	code := 0
	switch d[0] {
	case '0':
		return append(buf, 0), 1, true
	case 'a':
		return append(buf, '\a'), 1, true
	case 'b':
		return append(buf, '\b'), 1, true
	case 't':
		return append(buf, '\t'), 1, true
	case 'n':
		return append(buf, '\n'), 1, true
	case 'v':
		return append(buf, '\v'), 1, true
	case 'f':
		return append(buf, '\f'), 1, true
	case 'r':
		return append(buf, '\r'), 1, true
	case 'e':
		return append(buf, 0x1b), 1, true
	case ' ', '"', '\'', '\\':
		return append(buf, d[0]), 1, true
	case 'N':
		return append(buf, "\u0085"...), 1, true
	case '_':
		return append(buf, "\u00a0"...), 1, true
	case 'L':
		return append(buf, "\u2028"...), 1, true
	case 'P':
		return append(buf, "\u2029"...), 1, true
	case 'x':
		code = 2
	case 'u':
		code = 4
	case 'U':
		code = 8
	default:
		return nil, 0, false
	}
	if len(d) < 1+code {
		return nil, 0, false
	}
	v, ok := hexValue(d[1 : 1+code])
	if !ok {
		return nil, 0, false
	}
	if v >= 0xd800 && v <= 0xdfff || v > 0x10ffff {
		return nil, 0, false
	}
	return utf8.AppendRune(buf, rune(v)), 1 + code, true
}
