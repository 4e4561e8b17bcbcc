package planfile

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"
)

// tokenReader is what jsonParser reads a JSON document with: a
// *json.Decoder, or a jsonLexer.
type tokenReader interface {
	// Token returns the next token, as json.Decoder.Token does with
	// UseNumber.
	Token() (json.Token, error)
	// InputOffset is the offset just after the last token returned.
	InputOffset() int64
}

// errNotFast is a jsonLexer's answer to a document it does not read: the
// document is then read again, from its start, with encoding/json, whose
// answer (a plan, or the error it finds) is the one Parse gives.
var errNotFast = errors.New("planfile: not a document the fast JSON reader reads")

// The states of a jsonLexer, as json.Decoder keeps them between tokens.
const (
	lexTopValue    = iota // a value at the top level
	lexArrayStart         // after '['
	lexArrayValue         // after ',' in an array
	lexArrayComma         // after a value in an array: ',' or ']'
	lexObjectStart        // after '{'
	lexObjectKey          // after ',' in an object
	lexObjectColon        // after a key
	lexObjectValue        // after ':'
	lexObjectComma        // after a value in an object: ',' or '}'
)

// jsonLexer returns the tokens json.Decoder.Token returns (with
// UseNumber) for the documents it reads, several times faster: it looks at
// each byte once, and makes a string without escapes with one copy. It
// reads valid UTF-8 only (Parse checks the whole document first), and
// returns errNotFast for anything it does not fully understand, or that
// encoding/json would refuse, rather than an error of its own: every
// error a plan's author sees is encoding/json's. A \u escape of a
// surrogate (which encoding/json pairs or replaces) is one such thing.
// FuzzFastJSON holds it to encoding/json, token for token, offset for
// offset.
type jsonLexer struct {
	data []byte
	// v, when set, is the growing view data is of: the lexer grows it
	// when it runs out of data between tokens.
	v     *view
	off   int   // the offset after the last token
	state int   // what may come next
	stack []int // the states of the enclosing collections
	buf   []byte
}

func newJSONLexer(data []byte) *jsonLexer { return &jsonLexer{data: data} }

func (l *jsonLexer) InputOffset() int64 { return int64(l.off) }

// valueAllowed reports whether a value may come next.
func (l *jsonLexer) valueAllowed() bool {
	switch l.state {
	case lexTopValue, lexArrayStart, lexArrayValue, lexObjectValue:
		return true
	}
	return false
}

// valueEnd moves on past a value.
func (l *jsonLexer) valueEnd() {
	switch l.state {
	case lexArrayStart, lexArrayValue:
		l.state = lexArrayComma
	case lexObjectValue:
		l.state = lexObjectComma
	}
}

func (l *jsonLexer) Token() (json.Token, error) {
	if l.v != nil {
		// The parser may have grown the view since the last token.
		l.data = l.v.data
	}
	d := l.data
	i := l.off
	for {
		for i < len(d) && (d[i] == ' ' || d[i] == '\n' || d[i] == '\t' || d[i] == '\r') {
			i++
		}
		if i == len(d) && l.v != nil && l.v.grow() {
			d = l.v.data
			l.data = d
			continue
		}
		if i == len(d) {
			if l.state == lexTopValue && len(l.stack) == 0 {
				return nil, io.EOF
			}
			return nil, errNotFast
		}
		switch c := d[i]; c {
		case '{', '[':
			if !l.valueAllowed() {
				return nil, errNotFast
			}
			l.stack = append(l.stack, l.state)
			l.state = lexObjectStart
			if c == '[' {
				l.state = lexArrayStart
			}
			l.off = i + 1
			return json.Delim(c), nil
		case '}', ']':
			if c == '}' && l.state != lexObjectStart && l.state != lexObjectComma ||
				c == ']' && l.state != lexArrayStart && l.state != lexArrayComma {
				return nil, errNotFast
			}
			l.state = l.stack[len(l.stack)-1]
			l.stack = l.stack[:len(l.stack)-1]
			l.valueEnd()
			l.off = i + 1
			return json.Delim(c), nil
		case ',':
			switch l.state {
			case lexArrayComma:
				l.state = lexArrayValue
			case lexObjectComma:
				l.state = lexObjectKey
			default:
				return nil, errNotFast
			}
			i++
			continue
		case ':':
			if l.state != lexObjectColon {
				return nil, errNotFast
			}
			l.state = lexObjectValue
			i++
			continue
		case '"':
			key := l.state == lexObjectStart || l.state == lexObjectKey
			if !key && !l.valueAllowed() {
				return nil, errNotFast
			}
			s, end, ok := l.str(i + 1)
			if !ok {
				return nil, errNotFast
			}
			l.off = end
			if key {
				l.state = lexObjectColon
			} else {
				l.valueEnd()
			}
			return s, nil
		default:
			if !l.valueAllowed() {
				return nil, errNotFast
			}
			t, end, ok := scalarToken(d, i)
			if !ok {
				return nil, errNotFast
			}
			l.off = end
			l.valueEnd()
			return t, nil
		}
	}
}

// scalarToken reads the number, true, false or null at offset at, which
// must be followed by the end of the document, white space or a
// delimiter (encoding/json would read "truex" as true, then refuse the
// x: so would the caller, more simply, by reading no further).
func scalarToken(d []byte, at int) (json.Token, int, bool) {
	var t json.Token
	end := at
	switch {
	case hasWord(d[at:], "true"):
		t, end = true, at+4
	case hasWord(d[at:], "false"):
		t, end = false, at+5
	case hasWord(d[at:], "null"):
		t, end = nil, at+4
	default:
		end = numberEnd(d, at)
		if end < 0 {
			return nil, 0, false
		}
		t = json.Number(d[at:end])
	}
	if end < len(d) {
		switch d[end] {
		case ' ', '\n', '\t', '\r', ',', ']', '}':
		default:
			return nil, 0, false
		}
	}
	return t, end, true
}

func hasWord(d []byte, w string) bool { return len(d) >= len(w) && string(d[:len(w)]) == w }

// numberEnd returns the end of the JSON number at offset at, or -1 when
// there is none: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func numberEnd(d []byte, at int) int {
	i := at
	digits := func() int {
		n := 0
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case digits() == 0:
		return -1
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			return -1
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			return -1
		}
	}
	return i
}

// plainString marks the bytes a JSON string holds as themselves: not a
// control character, the quote or the backslash.
var plainString = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainRun returns the offset of the first byte from i on that a JSON
// string does not hold as itself (see plainString), or len(d): eight bytes
// at a time while none of them is one.
func plainRun(d []byte, i int) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	for i+8 <= len(d) {
		w := binary.LittleEndian.Uint64(d[i:])
		q, b := w^(lo*'"'), w^(lo*'\\')
		// Each term is non-zero when a byte of w is '"', '\\' or below
		// 0x20, and only then.
		if ((q-lo)&^q|(b-lo)&^b|(w-lo*0x20)&^w)&hi != 0 {
			break
		}
		i += 8
	}
	for i < len(d) && plainString[d[i]] {
		i++
	}
	return i
}

// str reads the string whose opening quote is before offset at, and
// returns it and the offset after its closing quote.
func (l *jsonLexer) str(at int) (string, int, bool) {
	d := l.data
	i := plainRun(d, at)
	if i == len(d) {
		return "", 0, false
	}
	if d[i] == '"' {
		return string(d[at:i]), i + 1, true
	}
	buf := append(l.buf[:0], d[at:i]...)
	for {
		j := plainRun(d, i)
		buf = append(buf, d[i:j]...)
		if j == len(d) {
			return "", 0, false
		}
		if d[j] == '"' {
			l.buf = buf
			return string(buf), j + 1, true
		}
		if d[j] != '\\' || j+1 == len(d) {
			return "", 0, false // a control character, or the end
		}
		i = j + 2
		switch d[j+1] {
		case '"', '\\', '/':
			buf = append(buf, d[j+1])
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := hex4(d[j+2:])
			if !ok || r >= 0xd800 && r <= 0xdfff {
				return "", 0, false
			}
			buf = utf8.AppendRune(buf, r)
			i = j + 6
		default:
			return "", 0, false
		}
	}
}

// hex4 reads the four hexadecimal digits at the start of d.
func hex4(d []byte) (rune, bool) {
	if len(d) < 4 {
		return 0, false
	}
	v, ok := hexValue(d[:4])
	return rune(v), ok
}

// hexValue returns the value of the hexadecimal digits d, at most 8 of
// them; false if one is not a digit.
func hexValue(d []byte) (int, bool) {
	v := 0
	for _, c := range d {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
