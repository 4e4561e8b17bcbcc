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

func (l *lexer) property() (Kind, bool) {
	p := l.pos
	c := l.src[p]
	switch {
	case isSpace(c):
		l.pos = l.spaces(p)
		return T_WHITESPACE, true
	case c == '-' && l.at(p+1) == '>':
		l.pos = p + 2
		return T_OBJECT_OPERATOR, true
	case c == '?' && l.at(p+1) == '-' && l.at(p+2) == '>':
		l.pos = p + 3
		return T_NULLSAFE_OBJECT_OPERATOR, true
	case isLabelStart(c):
		l.pos = p + l.label(p)
		l.pop()
		return T_STRING, true
	}
	l.pop()
	return 0, false
}

func (l *lexer) spaces(p int) int {
	for p < len(l.src) && isSpace(l.src[p]) {
		p++
	}
	return p
}

// scripting scans one token of PHP code.
func (l *lexer) scripting() Kind {
	s := l.src
	p := l.pos
	c := s[p]
	one := func(k Kind, n int) Kind { l.pos = p + n; return k }
	switch c {
	case ' ', '\t', '\n', '\r':
		l.pos = l.spaces(p)
		return T_WHITESPACE
	case '$':
		if n := l.label(p + 1); n > 0 {
			return one(T_VARIABLE, 1+n)
		}
		return one('$', 1)
	case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return l.number()
	case '.':
		if d := l.at(p + 1); d >= '0' && d <= '9' {
			return l.number()
		}
		if l.at(p+1) == '.' && l.at(p+2) == '.' {
			return one(T_ELLIPSIS, 3)
		}
		if l.at(p+1) == '=' {
			return one(T_CONCAT_EQUAL, 2)
		}
		return one('.', 1)
	case '\\':
		if n := l.label(p + 1); n > 0 {
			l.pos = l.qualified(p + 1 + n)
			return T_NAME_FULLY_QUALIFIED
		}
		return one(T_NS_SEPARATOR, 1)
	case '\'':
		return l.single(p + 1)
	case '"':
		return l.double(p + 1)
	case '`':
		l.st = stBackquote
		return one('`', 1)
	case '<':
		if l.at(p+1) == '<' && l.at(p+2) == '<' {
			if k, ok := l.heredocStart(p + 3); ok {
				return k
			}
		}
		switch {
		case l.at(p+1) == '<' && l.at(p+2) == '=':
			return one(T_SL_EQUAL, 3)
		case l.at(p+1) == '<':
			return one(T_SL, 2)
		case l.at(p+1) == '=' && l.at(p+2) == '>':
			return one(T_SPACESHIP, 3)
		case l.at(p+1) == '=':
			return one(T_IS_SMALLER_OR_EQUAL, 2)
		case l.at(p+1) == '>':
			return one(T_IS_NOT_EQUAL, 2)
		}
		return one('<', 1)
	case '>':
		switch {
		case l.at(p+1) == '>' && l.at(p+2) == '=':
			return one(T_SR_EQUAL, 3)
		case l.at(p+1) == '>':
			return one(T_SR, 2)
		case l.at(p+1) == '=':
			return one(T_IS_GREATER_OR_EQUAL, 2)
		}
		return one('>', 1)
	case '=':
		switch {
		case l.at(p+1) == '=' && l.at(p+2) == '=':
			return one(T_IS_IDENTICAL, 3)
		case l.at(p+1) == '=':
			return one(T_IS_EQUAL, 2)
		case l.at(p+1) == '>':
			return one(T_DOUBLE_ARROW, 2)
		}
		return one('=', 1)
	case '!':
		switch {
		case l.at(p+1) == '=' && l.at(p+2) == '=':
			return one(T_IS_NOT_IDENTICAL, 3)
		case l.at(p+1) == '=':
			return one(T_IS_NOT_EQUAL, 2)
		}
		return one('!', 1)
	case '+':
		switch l.at(p + 1) {
		case '+':
			return one(T_INC, 2)
		case '=':
			return one(T_PLUS_EQUAL, 2)
		}
		return one('+', 1)
	case '-':
		switch l.at(p + 1) {
		case '-':
			return one(T_DEC, 2)
		case '=':
			return one(T_MINUS_EQUAL, 2)
		case '>':
			l.push(stProperty)
			return one(T_OBJECT_OPERATOR, 2)
		}
		return one('-', 1)
	case '*':
		switch {
		case l.at(p+1) == '*' && l.at(p+2) == '=':
			return one(T_POW_EQUAL, 3)
		case l.at(p+1) == '*':
			return one(T_POW, 2)
		case l.at(p+1) == '=':
			return one(T_MUL_EQUAL, 2)
		}
		return one('*', 1)
	case '/':
		switch l.at(p + 1) {
		case '/':
			return l.lineComment(p + 2)
		case '*':
			return l.blockComment(p)
		case '=':
			return one(T_DIV_EQUAL, 2)
		}
		return one('/', 1)
	case '#':
		if l.at(p+1) == '[' {
			return one(T_ATTRIBUTE, 2)
		}
		return l.lineComment(p + 1)
	case '%':
		if l.at(p+1) == '=' {
			return one(T_MOD_EQUAL, 2)
		}
		return one('%', 1)
	case '&':
		switch l.at(p + 1) {
		case '&':
			return one(T_BOOLEAN_AND, 2)
		case '=':
			return one(T_AND_EQUAL, 2)
		}
		q := p + 1
		for q < len(s) && isSpace(s[q]) {
			q++
		}
		if l.at(q) == '$' || l.at(q) == '.' && l.at(q+1) == '.' && l.at(q+2) == '.' {
			return one(T_AMPERSAND_FOLLOWED_BY_VAR_OR_VARARG, 1)
		}
		return one(T_AMPERSAND_NOT_FOLLOWED_BY_VAR_OR_VARARG, 1)
	case '|':
		switch l.at(p + 1) {
		case '|':
			return one(T_BOOLEAN_OR, 2)
		case '=':
			return one(T_OR_EQUAL, 2)
		}
		return one('|', 1)
	case '^':
		if l.at(p+1) == '=' {
			return one(T_XOR_EQUAL, 2)
		}
		return one('^', 1)
	case '?':
		switch {
		case l.at(p+1) == '>':
			n := 2
			if d := l.at(p + 2); d == '\n' {
				n = 3
			} else if d == '\r' {
				n = 3
				if l.at(p+3) == '\n' {
					n = 4
				}
			}
			l.st = stInitial
			return one(T_CLOSE_TAG, n)
		case l.at(p+1) == '-' && l.at(p+2) == '>':
			l.push(stProperty)
			return one(T_NULLSAFE_OBJECT_OPERATOR, 3)
		case l.at(p+1) == '?' && l.at(p+2) == '=':
			return one(T_COALESCE_EQUAL, 3)
		case l.at(p+1) == '?':
			return one(T_COALESCE, 2)
		}
		return one('?', 1)
	case ':':
		if l.at(p+1) == ':' {
			return one(T_PAAMAYIM_NEKUDOTAYIM, 2)
		}
		return one(':', 1)
	case '(':
		if k, n := l.cast(p); n > 0 {
			return one(k, n)
		}
		return one('(', 1)
	case '{':
		l.push(stScripting)
		return one('{', 1)
	case '}':
		l.pop()
		return one('}', 1)
	case ';', ',', '~', '@', ')', '[', ']':
		return one(Kind(c), 1)
	}
	if isLabelStart(c) {
		return l.word(p)
	}
	return one(T_BAD_CHARACTER, 1)
}

// qualified scans the rest of a namespaced name, (\label)*, from i.
func (l *lexer) qualified(i int) int {
	for l.at(i) == '\\' {
		n := l.label(i + 1)
		if n == 0 {
			break
		}
		i += 1 + n
	}
	return i
}

// word scans a label at p: a keyword, a name or a prefixed string.
func (l *lexer) word(p int) Kind {
	n := l.label(p)
	end := p + n
	if n == 1 && (l.src[p] == 'b' || l.src[p] == 'B') {
		switch l.at(end) {
		case '\'':
			return l.single(end + 1)
		case '"':
			return l.double(end + 1)
		case '<':
			if l.at(end+1) == '<' && l.at(end+2) == '<' {
				if k, ok := l.heredocStart(end + 3); ok {
					return k
				}
			}
		}
	}
	if l.at(end) == '\\' && l.label(end+1) > 0 {
		l.pos = l.qualified(end)
		if n == 9 && l.hasFold(p, "namespace") {
			return T_NAME_RELATIVE
		}
		return T_NAME_QUALIFIED
	}
	l.pos = end
	if n < 2 || n > 15 {
		return T_STRING
	}
	var buf [15]byte
	w := buf[:n]
	for i := range w {
		c := l.src[p+i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		w[i] = c
	}
	k, ok := keywords[string(w)]
	if !ok {
		return T_STRING
	}
	switch k {
	case T_YIELD:
		// yield, whitespace, from, and a byte that ends a label.
		q := l.spaces(end)
		if q > end && l.hasFold(q, "from") && q+4 < len(l.src) && !isLabelChar(l.src[q+4]) {
			l.pos = q + 4
			return T_YIELD_FROM
		}
	case T_ENUM:
		q := l.spaces(end)
		if q == end || l.hasFold(q, "extends") || l.hasFold(q, "implements") || q >= len(l.src) || !isLabelStart(l.src[q]) {
			return T_STRING
		}
	}
	return k
}

var keywords = map[string]Kind{
	"exit": T_EXIT, "die": T_EXIT, "fn": T_FN, "function": T_FUNCTION, "const": T_CONST,
	"return": T_RETURN, "yield": T_YIELD, "try": T_TRY, "catch": T_CATCH, "finally": T_FINALLY,
	"throw": T_THROW, "if": T_IF, "elseif": T_ELSEIF, "endif": T_ENDIF, "else": T_ELSE,
	"while": T_WHILE, "endwhile": T_ENDWHILE, "do": T_DO, "for": T_FOR, "endfor": T_ENDFOR,
	"foreach": T_FOREACH, "endforeach": T_ENDFOREACH, "declare": T_DECLARE,
	"enddeclare": T_ENDDECLARE, "instanceof": T_INSTANCEOF, "as": T_AS, "switch": T_SWITCH,
	"match": T_MATCH, "endswitch": T_ENDSWITCH, "case": T_CASE, "default": T_DEFAULT,
	"break": T_BREAK, "continue": T_CONTINUE, "goto": T_GOTO, "echo": T_ECHO, "print": T_PRINT,
	"class": T_CLASS, "interface": T_INTERFACE, "trait": T_TRAIT, "enum": T_ENUM,
	"extends": T_EXTENDS, "implements": T_IMPLEMENTS, "new": T_NEW, "clone": T_CLONE,
	"var": T_VAR, "eval": T_EVAL, "include": T_INCLUDE, "include_once": T_INCLUDE_ONCE,
	"require": T_REQUIRE, "require_once": T_REQUIRE_ONCE, "namespace": T_NAMESPACE,
	"use": T_USE, "insteadof": T_INSTEADOF, "global": T_GLOBAL, "isset": T_ISSET,
	"empty": T_EMPTY, "__halt_compiler": T_HALT_COMPILER, "static": T_STATIC,
	"abstract": T_ABSTRACT, "final": T_FINAL, "private": T_PRIVATE, "protected": T_PROTECTED,
	"public": T_PUBLIC, "readonly": T_READONLY, "unset": T_UNSET, "list": T_LIST,
	"array": T_ARRAY, "callable": T_CALLABLE, "__class__": T_CLASS_C, "__trait__": T_TRAIT_C,
	"__function__": T_FUNC_C, "__method__": T_METHOD_C, "__line__": T_LINE, "__file__": T_FILE,
	"__dir__": T_DIR, "__namespace__": T_NS_C, "and": T_LOGICAL_AND, "or": T_LOGICAL_OR,
	"xor": T_LOGICAL_XOR,
}

// cast scans a cast such as "( int )" at p, returning its length or 0.
func (l *lexer) cast(p int) (Kind, int) {
	q := p + 1
	for l.at(q) == ' ' || l.at(q) == '\t' {
		q++
	}
	w := q
	for l.at(w) >= 'a' && l.at(w) <= 'z' || l.at(w) >= 'A' && l.at(w) <= 'Z' {
		w++
	}
	if w == q || w-q > 7 {
		return 0, 0
	}
	e := w
	for l.at(e) == ' ' || l.at(e) == '\t' {
		e++
	}
	if l.at(e) != ')' {
		return 0, 0
	}
	var buf [7]byte
	name := buf[:w-q]
	for i := range name {
		c := l.src[q+i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		name[i] = c
	}
	var k Kind
	switch string(name) {
	case "int", "integer":
		k = T_INT_CAST
	case "double", "float", "real":
		k = T_DOUBLE_CAST
	case "string", "binary":
		k = T_STRING_CAST
	case "array":
		k = T_ARRAY_CAST
	case "object":
		k = T_OBJECT_CAST
	case "bool", "boolean":
		k = T_BOOL_CAST
	case "unset":
		k = T_UNSET_CAST
	default:
		return 0, 0
	}
	return k, e + 1 - p
}

func (l *lexer) lineComment(q int) Kind {
	s := l.src
	for q < len(s) {
		c := s[q]
		if c == '\n' || c == '\r' || c == '?' && l.at(q+1) == '>' {
			break
		}
		q++
	}
	l.pos = q
	return T_COMMENT
}

func (l *lexer) blockComment(p int) Kind {
	s := l.src
	q := p + 2
	doc := false
	if l.at(q) == '*' && q+1 < len(s) && isSpace(s[q+1]) {
		doc = true
		q = l.spaces(q + 1)
	}
	for q < len(s) {
		q++
		if s[q-1] == '*' && l.at(q) == '/' {
			break
		}
	}
	if q < len(s) {
		q++
	}
	l.pos = q
	if doc {
		return T_DOC_COMMENT
	}
	return T_COMMENT
}

// single scans a single-quoted string whose body starts at q.
func (l *lexer) single(q int) Kind {
	s := l.src
	for q < len(s) {
		if s[q] == '\'' {
			l.pos = q + 1
			return T_CONSTANT_ENCAPSED_STRING
		}
		if s[q] == '\\' && q+1 < len(s) {
			q++
		}
		q++
	}
	l.pos = len(s)
	return T_ENCAPSED_AND_WHITESPACE
}

// scanEncapsed scans string text from q up to the closing byte end (0 for
// none) or an interpolation: "$" before a label or "{", or "{$". It
// returns where it stopped.
func (l *lexer) scanEncapsed(q int, end byte) int {
	s := l.src
	for q < len(s) {
		c := s[q]
		q++
		switch {
		case c == end && end != 0:
			return q - 1
		case c == '$':
			if q < len(s) && (isLabelStart(s[q]) || s[q] == '{') {
				return q - 1
			}
		case c == '{':
			if q < len(s) && s[q] == '$' {
				return q - 1
			}
		case c == '\\':
			if q < len(s) {
				q++
			}
		}
	}
	return len(s)
}

// double scans a double-quoted string whose body starts at q: one token
// when nothing is interpolated, else the opening quote.
func (l *lexer) double(q int) Kind {
	e := l.scanEncapsed(q, '"')
	if e < len(l.src) && l.src[e] == '"' {
		l.pos = e + 1
		return T_CONSTANT_ENCAPSED_STRING
	}
	l.pos = q
	l.st = stDouble
	return '"'
}

// heredocStart scans the rest of "<<<" LABEL NEWLINE from q.
func (l *lexer) heredocStart(q int) (Kind, bool) {
	s := l.src
	for l.at(q) == ' ' || l.at(q) == '\t' {
		q++
	}
	quote := l.at(q)
	if quote == '\'' || quote == '"' {
		q++
	} else {
		quote = 0
	}
	n := l.label(q)
	if n == 0 {
		return 0, false
	}
	label := string(s[q : q+n])
	q += n
	if quote != 0 {
		if l.at(q) != quote {
			return 0, false
		}
		q++
	}
	switch l.at(q) {
	case '\n':
		q++
	case '\r':
		q++
		if l.at(q) == '\n' {
			q++
		}
	default:
		return 0, false
	}
	l.pos = q
	h := heredoc{label: label}
	if quote == '\'' {
		l.st = stNowdoc
	} else {
		l.st = stHeredoc
	}
	// The closing label right on the next line ends an empty heredoc.
	ind := q
	for ind < len(s) && (s[ind] == ' ' || s[ind] == '\t') {
		ind++
	}
	if ind < len(s) && len(label) < len(s)-ind && string(s[ind:ind+len(label)]) == label && !isLabelChar(s[ind+len(label)]) {
		h.indent = ind - q
		l.st = stEndHeredoc
	}
	l.heredocs = append(l.heredocs, h)
	return T_START_HEREDOC, true
}

// closingLabel reports whether the line starting at q (after its
// indentation) ends the current heredoc, and returns where the
// indentation ends.
func (l *lexer) closingLabel(q int) (int, bool) {
	s := l.src
	ind := q
	for ind < len(s) && (s[ind] == ' ' || s[ind] == '\t') {
		ind++
	}
	if ind == len(s) {
		return ind, false
	}
	label := l.heredocs[len(l.heredocs)-1].label
	if isLabelStart(s[ind]) && len(label) < len(s)-ind && string(s[ind:ind+len(label)]) == label && !isLabelChar(s[ind+len(label)]) {
		return ind, true
	}
	return ind, false
}

// interpolated scans one token inside a double-quoted string, a
// backquoted command or a heredoc.
func (l *lexer) interpolated() Kind {
	s := l.src
	p := l.pos
	c := s[p]
	switch {
	case c == '"' && l.st == stDouble, c == '`' && l.st == stBackquote:
		l.pos = p + 1
		l.st = stScripting
		return Kind(c)
	case c == '$' && l.at(p+1) == '{':
		l.pos = p + 2
		l.push(stVarname)
		return T_DOLLAR_OPEN_CURLY_BRACES
	case c == '$' && isLabelStart(l.at(p+1)):
		end := p + 1 + l.label(p+1)
		l.pos = end
		switch {
		case l.at(end) == '[':
			l.push(stVarOffset)
		case l.at(end) == '-' && l.at(end+1) == '>' && isLabelStart(l.at(end+2)),
			l.at(end) == '?' && l.at(end+1) == '-' && l.at(end+2) == '>' && isLabelStart(l.at(end+3)):
			l.push(stProperty)
		}
		return T_VARIABLE
	case c == '{' && l.at(p+1) == '$':
		l.pos = p + 1
		l.push(stScripting)
		return T_CURLY_OPEN
	}
	if l.st != stHeredoc {
		q := p + 1
		if c == '\\' && q < len(s) {
			q++
		}
		end := byte('"')
		if l.st == stBackquote {
			end = '`'
		}
		l.pos = l.scanEncapsed(q, end)
		return T_ENCAPSED_AND_WHITESPACE
	}
	q := p
	for q < len(s) {
		c := s[q]
		q++
		switch c {
		case '\r', '\n':
			if c == '\r' && l.at(q) == '\n' {
				q++
			}
			ind, end := l.closingLabel(q)
			if ind == len(s) {
				l.pos = len(s)
				return T_ENCAPSED_AND_WHITESPACE
			}
			if end {
				l.heredocs[len(l.heredocs)-1].indent = ind - q
				l.st = stEndHeredoc
				l.pos = q
				return T_ENCAPSED_AND_WHITESPACE
			}
			q = ind
		case '$':
			if q < len(s) && (isLabelStart(s[q]) || s[q] == '{') {
				l.pos = q - 1
				return T_ENCAPSED_AND_WHITESPACE
			}
		case '{':
			if q < len(s) && s[q] == '$' {
				l.pos = q - 1
				return T_ENCAPSED_AND_WHITESPACE
			}
		case '\\':
			if q < len(s) && s[q] != '\n' && s[q] != '\r' {
				q++
			}
		}
	}
	l.pos = len(s)
	return T_ENCAPSED_AND_WHITESPACE
}

func (l *lexer) nowdoc() Kind {
	s := l.src
	q := l.pos
	for q < len(s) {
		c := s[q]
		q++
		if c != '\r' && c != '\n' {
			continue
		}
		if c == '\r' && l.at(q) == '\n' {
			q++
		}
		ind, end := l.closingLabel(q)
		if ind == len(s) {
			break
		}
		if end {
			l.heredocs[len(l.heredocs)-1].indent = ind - q
			l.st = stEndHeredoc
			l.pos = q
			return T_ENCAPSED_AND_WHITESPACE
		}
		q = ind
	}
	l.pos = len(s)
	return T_ENCAPSED_AND_WHITESPACE
}

// varOffset scans one token of "$a[...]" inside a string.
func (l *lexer) varOffset() Kind {
	s := l.src
	p := l.pos
	c := s[p]
	switch {
	case c >= '0' && c <= '9':
		l.pos = l.digits(p)
		return T_NUM_STRING
	case c == ']':
		l.pos = p + 1
		l.pop()
		return ']'
	case c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\\' || c == '\'' || c == '#':
		// A parse error for PHP: an empty token, and the string goes on.
		l.pop()
		return T_ENCAPSED_AND_WHITESPACE
	case c == '$' && isLabelStart(l.at(p+1)):
		l.pos = p + 1 + l.label(p+1)
		return T_VARIABLE
	case isLabelStart(c):
		l.pos = p + l.label(p)
		return T_STRING
	}
	switch c {
	case ';', ':', ',', '.', '|', '^', '&', '+', '-', '/', '*', '=', '%', '!', '~', '$', '<', '>', '?', '@',
		'[', '(', ')', '{', '}', '"', '`':
		l.pos = p + 1
		return Kind(c)
	}
	l.pos = p + 1
	return T_BAD_CHARACTER
}

// digits scans an integer literal at p (decimal, hex, binary or octal,
// with underscores), as the offset of "$a[...]" takes it.
func (l *lexer) digits(p int) int {
	if l.src[p] == '0' {
		switch l.at(p + 1) {
		case 'x', 'X':
			if q := l.run(p+2, isHex); q > p+2 {
				return q
			}
		case 'b', 'B':
			if q := l.run(p+2, isBin); q > p+2 {
				return q
			}
		case 'o', 'O':
			if q := l.run(p+2, isOct); q > p+2 {
				return q
			}
		}
	}
	return l.run(p, isDigit)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isBin(c byte) bool   { return c == '0' || c == '1' }
func isOct(c byte) bool   { return c >= '0' && c <= '7' }

// run scans digit(_digit)* from p, returning p if there is no digit.
func (l *lexer) run(p int, digit func(byte) bool) int {
	if !digit(l.at(p)) || p >= len(l.src) {
		return p
	}
	q := p + 1
	for q < len(l.src) {
		if digit(l.src[q]) {
			q++
		} else if l.src[q] == '_' && q+1 < len(l.src) && digit(l.src[q+1]) {
			q += 2
		} else {
			break
		}
	}
	return q
}

// number scans a numeric literal at l.pos.
func (l *lexer) number() Kind {
	p := l.pos
	if l.src[p] == '0' {
		var digit func(byte) bool
		var bits int // bits of one digit
		switch l.at(p + 1) {
		case 'x', 'X':
			digit, bits = isHex, 4
		case 'b', 'B':
			digit, bits = isBin, 1
		case 'o', 'O':
			digit, bits = isOct, 3
		}
		if digit != nil {
			if q := l.run(p+2, digit); q > p+2 {
				l.pos = q
				return intKind(l.src[p+2:q], bits)
			}
		}
	}
	q := l.run(p, isDigit)
	isInt := q > p
	if l.at(q) == '.' {
		if r := l.run(q+1, isDigit); r > q+1 || q > p {
			q, isInt = r, false
		}
	}
	if c := l.at(q); (c == 'e' || c == 'E') && q > p {
		r := q + 1
		if l.at(r) == '+' || l.at(r) == '-' {
			r++
		}
		if e := l.run(r, isDigit); e > r {
			q, isInt = e, false
		}
	}
	l.pos = q
	if !isInt {
		return T_DNUMBER
	}
	return decimalKind(l.src[p:q])
}

func stripUnderscores(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c != '_' {
			out = append(out, c)
		}
	}
	return out
}

// intKind decides whether hex, binary or octal digits fit in PHP's int.
func intKind(digits []byte, bits int) Kind {
	d := stripUnderscores(digits)
	i := 0
	for i < len(d) && d[i] == '0' {
		i++
	}
	d = d[i:]
	switch bits {
	case 4:
		if len(d) < 16 || len(d) == 16 && d[0] <= '7' {
			return T_LNUMBER
		}
	case 1:
		if len(d) < 64 {
			return T_LNUMBER
		}
	case 3:
		if _, err := strconv.ParseInt(string(d), 8, 64); err == nil || len(d) == 0 {
			return T_LNUMBER
		}
	}
	return T_DNUMBER
}

// decimalKind decides whether a decimal (or 0-prefixed octal) integer
// literal fits in PHP's int.
func decimalKind(lit []byte) Kind {
	octal := lit[0] == '0'
	if octal {
		for _, c := range lit {
			if c == '8' || c == '9' {
				return T_LNUMBER // a parse error for PHP, a number for its lexer
			}
		}
	}
	d := stripUnderscores(lit)
	if len(d) < 19 {
		return T_LNUMBER
	}
	base := 10
	if octal {
		base = 8
	}
	if _, err := strconv.ParseInt(string(d), base, 64); err != nil {
		return T_DNUMBER
	}
	return T_LNUMBER
}
