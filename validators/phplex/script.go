package phplex

// PHP code (the scripting state): operators, variables, names and
// keywords, casts and comments.

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
