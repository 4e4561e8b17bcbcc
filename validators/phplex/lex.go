// Package phplex splits PHP source into the tokens of PHP's own lexer, as
// token_get_all (PHP 8.2, without TOKEN_PARSE) returns them: the same kinds,
// the same boundaries, the same line numbers. It is tested token for token
// against php-cli over every PHP file of WordPress, MediaWiki and
// phpMyAdmin (lex_test.go).
//
// The tokens of any input, valid PHP or not, cover it exactly, in order,
// in time linear in its size: Tokenize never fails, as the malware scanner
// built on it must read hostile files to their end.
package phplex

import "strconv"

// Kind is the kind of a token: one of the T_ constants, or, below 256, a
// one-byte token such as ';' or '(' (the byte itself).
type Kind int32

// String returns PHP's name of the kind (token_name), or the byte of a
// one-byte token.
func (k Kind) String() string {
	if k >= 0 && k < 256 {
		return string(rune(k))
	}
	if i := int(k) - 256; i >= 0 && i < len(kindNames) {
		return kindNames[i]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Token is one token: its kind, its bytes src[Start:End] and the line
// (1-based) where it starts.
type Token struct {
	Kind       Kind
	Start, End int32
	Line       int32
}

// Options change how the source is read, as php.ini settings do.
type Options struct {
	// ShortTags makes "<?" open PHP code (short_open_tag = On, PHP's
	// built-in default).
	ShortTags bool
	// SkipLines leaves every token's Line 0, for callers that find
	// positions from offsets themselves.
	SkipLines bool
}

type state uint8

const (
	stInitial state = iota
	stScripting
	stProperty // ST_LOOKING_FOR_PROPERTY
	stDouble
	stBackquote
	stHeredoc
	stNowdoc
	stEndHeredoc
	stVarname // ST_LOOKING_FOR_VARNAME
	stVarOffset
)

type heredoc struct {
	label  string
	indent int
}

type lexer struct {
	src      []byte
	pos      int
	st       state
	stack    []state
	heredocs []heredoc
	short    bool
}

// Tokenize returns the tokens of src, which must be shorter than 2 GiB.
func Tokenize(src []byte, opts Options) []Token {
	l := &lexer{src: src, short: opts.ShortTags}
	toks := make([]Token, 0, len(src)/6+1)
	need := -1 // significant tokens left after __halt_compiler
	for l.pos < len(src) {
		start := l.pos
		k, ok := l.next()
		if !ok {
			break
		}
		toks = append(toks, Token{Kind: k, Start: int32(start), End: int32(l.pos)})
		if need >= 0 {
			if k != T_WHITESPACE && k != T_OPEN_TAG && k != T_COMMENT && k != T_DOC_COMMENT {
				need--
				if need == 0 {
					if l.pos < len(src) {
						toks = append(toks, Token{Kind: T_INLINE_HTML, Start: int32(l.pos), End: int32(len(src))})
					}
					break
				}
			}
		} else if k == T_HALT_COMPILER {
			need = 3
		}
	}
	if !opts.SkipLines {
		setLines(src, toks)
	}
	return toks
}

// setLines sets each token's line: one plus the line breaks before it,
// counting "\r\n", "\n" and a lone "\r" as one.
func setLines(src []byte, toks []Token) {
	line, off := int32(1), 0
	for i := range toks {
		for ; off < int(toks[i].Start) && off < len(src); off++ {
			c := src[off]
			if c == '\n' || (c == '\r' && (off+1 >= len(src) || src[off+1] != '\n')) {
				line++
			}
		}
		toks[i].Line = line
	}
}

func (l *lexer) push(s state) { l.stack = append(l.stack, l.st); l.st = s }

func (l *lexer) pop() {
	if n := len(l.stack); n > 0 {
		l.st = l.stack[n-1]
		l.stack = l.stack[:n-1]
	}
}

func (l *lexer) at(i int) byte {
	if i < len(l.src) {
		return l.src[i]
	}
	return 0
}

// next scans one token from l.pos, moving past it. ok is false at the end.
func (l *lexer) next() (k Kind, ok bool) {
	for l.pos < len(l.src) {
		switch l.st {
		case stInitial:
			return l.initial(), true
		case stScripting:
			return l.scripting(), true
		case stProperty:
			if k, ok := l.property(); ok {
				return k, true
			}
		case stDouble, stBackquote, stHeredoc:
			return l.interpolated(), true
		case stNowdoc:
			return l.nowdoc(), true
		case stEndHeredoc:
			h := l.heredocs[len(l.heredocs)-1]
			l.heredocs = l.heredocs[:len(l.heredocs)-1]
			l.pos = min(len(l.src), l.pos+h.indent+len(h.label))
			l.st = stScripting
			return T_END_HEREDOC, true
		case stVarname:
			// ${name[ or ${name} names a variable; anything else is an
			// expression.
			if n := l.label(l.pos); n > 0 {
				if c := l.at(l.pos + n); c == '[' || c == '}' {
					l.pos += n
					l.pop()
					l.push(stScripting)
					return T_STRING_VARNAME, true
				}
			}
			l.pop()
			l.push(stScripting)
		case stVarOffset:
			return l.varOffset(), true
		}
	}
	return 0, false
}

func isLabelStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isLabelChar(c byte) bool { return isLabelStart(c) || c >= '0' && c <= '9' }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// label returns the length of the label at i, 0 if there is none.
func (l *lexer) label(i int) int {
	if i >= len(l.src) || !isLabelStart(l.src[i]) {
		return 0
	}
	j := i + 1
	for j < len(l.src) && isLabelChar(l.src[j]) {
		j++
	}
	return j - i
}

// hasFold reports whether src at i starts with lower, compared without
// ASCII case.
func (l *lexer) hasFold(i int, lower string) bool {
	if i+len(lower) > len(l.src) {
		return false
	}
	for j := 0; j < len(lower); j++ {
		c := l.src[i+j]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[j] {
			return false
		}
	}
	return true
}

func (l *lexer) initial() Kind {
	p := l.pos
	if l.at(p) == '<' && l.at(p+1) == '?' {
		switch {
		case l.at(p+2) == '=':
			l.pos = p + 3
			l.st = stScripting
			return T_OPEN_TAG_WITH_ECHO
		case l.hasFold(p+2, "php"):
			switch c := l.at(p + 5); {
			case c == ' ' || c == '\t' || c == '\n':
				l.pos = p + 6
			case c == '\r':
				l.pos = p + 6
				if l.at(p+6) == '\n' {
					l.pos = p + 7
				}
			case p+5 == len(l.src):
				l.pos = p + 5
			case l.short:
				l.pos = p + 2
			default:
				return l.inline(p + 5)
			}
			l.st = stScripting
			return T_OPEN_TAG
		case l.short:
			l.pos = p + 2
			l.st = stScripting
			return T_OPEN_TAG
		default:
			return l.inline(p + 2)
		}
	}
	return l.inline(p + 1)
}

// inline scans HTML from cur up to the next opening tag.
func (l *lexer) inline(cur int) Kind {
	s := l.src
	for {
		i := indexByte(s, cur, '<')
		if i < 0 {
			cur = len(s)
			break
		}
		cur = i + 1
		if cur >= len(s) {
			break
		}
		if s[cur] == '?' {
			if l.short || l.at(cur+1) == '=' || l.hasFold(cur+1, "php") && (cur+4 == len(s) || isSpace(l.at(cur+4))) {
				cur--
				break
			}
		}
	}
	l.pos = cur
	return T_INLINE_HTML
}

func indexByte(s []byte, from int, c byte) int {
	for i := from; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}
