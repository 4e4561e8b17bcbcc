package phpscan

import (
	"strings"

	"github.com/architectos/aos/validators/phplex"
)

// The parser is forgiving: it builds a small syntax tree of what it
// understands and skips what it does not, always moving forward, so that a
// broken or hostile file is read to its end in linear time. Nesting deeper
// than maxDepth is skipped.

const maxDepth = 200

type tok struct {
	kind phplex.Kind
	off  int
	text string
}

type nodeKind uint8

const (
	nBad     nodeKind = iota
	nLit              // str: the value
	nNum              // str: the literal
	nVar              // str: the name without $
	nVarVar           // kids[0]: the name expression
	nName             // str: a constant or function name, lowercase, no leading backslash
	nMagic            // str: __FILE__, __DIR__ ...
	nInterp           // kids: the parts of "...", a heredoc
	nShell            // kids: the parts of `...`
	nIndex            // kids[0][kids[1]]; kids[1] nil for []
	nProp             // kids[0]->kids[1]
	nSProp            // kids[0]::$kids[1]
	nCConst           // kids[0]::str
	nCall             // kids[0](kids[1:])
	nMCall            // kids[0]->kids[1](kids[2:])
	nSCall            // kids[0]::kids[1](kids[2:])
	nNew              // new kids[0](kids[1:]); fn set for an anonymous class
	nBin              // kids[0] str kids[1]
	nUnary            // str kids[0]
	nCast             // str kids[0]
	nAssign           // kids[0] str kids[1]; str is "=", ".=", ...
	nTernary          // kids[0] ? kids[1] : kids[2]; kids[1] nil for ?:
	nArray            // kids: nPair
	nPair             // kids[0] => kids[1]; kids[0] nil without a key; str "..." for a spread
	nClosure          // fn
	nInclude          // str: include, require...; kids[0]
	nEval             // kids[0]
	nIsset            // kids: arguments (isset, empty): a boolean
	nExit             // kids[0] or none
	nMatch            // kids[0] the subject, then the arms' results
	nList             // kids: expressions evaluated for their effects only
)

type node struct {
	kind nodeKind
	off  int // byte offset of the token it starts at
	str  string
	kids []*node
	fn   *funcDecl
}

type stmtKind uint8

const (
	sExpr stmtKind = iota // exprs
	sEcho
	sReturn
	sGlobal // names
	sStatic // exprs: assignments or variables
	sIf     // exprs: conditions; blocks: the branches
	sLoop   // exprs: heads; blocks[0]: the body
	sForeach
	sSwitch
	sBlock
	sConst // names, exprs
	sFunc  // fn: a named function declared here
	sClass // cls
)

type stmt struct {
	kind   stmtKind
	off    int
	exprs  []*node
	names  []string
	blocks [][]*stmt
	// foreach: subject exprs[0], key, value
	key, val *node
	fn       *funcDecl
	cls      *classDecl
}

type param struct {
	name     string
	variadic bool
	def      *node
}

type funcDecl struct {
	name   string // lowercase; "" for a closure
	class  string // lowercase class name for a method
	off    int
	params []param
	uses   []string // a closure's use ($a, $b)
	arrow  bool     // fn() => expr: sees the enclosing scope
	body   []*stmt

	sum       *summary
	analyzing bool
	pass      int

	// hot is set for a function whose tokens hold something the analysis
	// acts on (a sink, a source, a callback, a variable call, a call of a
	// hot function); the others are summarised without being run.
	hot   bool
	calls []string
	// from and to are the tokens of the body, parsed when the analysis
	// first needs them (parsed is then set).
	from, to int
	parsed   bool
	p        *parser
}

type classDecl struct {
	name    string // lowercase
	off     int
	methods []*funcDecl
	props   []*node // assignments of property defaults: nAssign(nProp($this, name), value)
	consts  []*node
}

type parser struct {
	toks  []tok
	p     int
	depth int
	src   []byte

	funcs   []*funcDecl
	classes []*classDecl
}

// significant returns the tokens the parser reads: no whitespace or
// comments. Closing tags become ';' as PHP reads them; opening tags
// disappear, "<?=" becomes echo.
func significant(src string, toks []phplex.Token) []tok {
	out := make([]tok, 0, len(toks)/2+1)
	for _, t := range toks {
		k := t.Kind
		switch k {
		case phplex.T_WHITESPACE, phplex.T_COMMENT, phplex.T_DOC_COMMENT, phplex.T_OPEN_TAG:
			continue
		case phplex.T_CLOSE_TAG:
			k = ';'
		case phplex.T_OPEN_TAG_WITH_ECHO:
			k = phplex.T_ECHO
		}
		out = append(out, tok{kind: k, off: int(t.Start), text: src[t.Start:t.End]})
	}
	return out
}

func (p *parser) peek() phplex.Kind {
	if p.p < len(p.toks) {
		return p.toks[p.p].kind
	}
	return -1
}

func (p *parser) peekAt(i int) phplex.Kind {
	if p.p+i < len(p.toks) {
		return p.toks[p.p+i].kind
	}
	return -1
}

func (p *parser) cur() tok {
	if p.p < len(p.toks) {
		return p.toks[p.p]
	}
	return tok{kind: -1, off: len(p.src)}
}

func (p *parser) eof() bool { return p.p >= len(p.toks) }

func (p *parser) accept(k phplex.Kind) bool {
	if p.peek() == k {
		p.p++
		return true
	}
	return false
}

// skipBalanced skips a bracketed group starting at the current token
// (one of ( [ {), to its matching closer or the end.
func (p *parser) skipBalanced() {
	depth := 0
	for !p.eof() {
		switch p.peek() {
		case '(', '[', '{', phplex.T_CURLY_OPEN, phplex.T_DOLLAR_OPEN_CURLY_BRACES, phplex.T_ATTRIBUTE:
			depth++
		case ')', ']', '}':
			depth--
		}
		p.p++
		if depth <= 0 {
			return
		}
	}
}

// skipStatement skips to the end of a statement the parser does not
// understand: past the next ';' at this level, or up to a '}' that closes
// an enclosing block.
func (p *parser) skipStatement() {
	start := p.p
	for !p.eof() {
		switch p.peek() {
		case ';':
			p.p++
			return
		case '}':
			if p.p == start {
				p.p++
			}
			return
		case '(', '[', '{', phplex.T_CURLY_OPEN, phplex.T_DOLLAR_OPEN_CURLY_BRACES, phplex.T_ATTRIBUTE:
			p.skipBalanced()
			continue
		}
		p.p++
	}
}

func lower(s string) string { return strings.ToLower(s) }

// funcName normalises a function or class name: lowercase, without a
// namespace (PHP falls back to the global function).
func funcName(s string) string {
	s = strings.TrimPrefix(s, "\\")
	if i := strings.LastIndexByte(s, '\\'); i >= 0 {
		s = s[i+1:]
	}
	return lower(s)
}

func (p *parser) parseFile() []*stmt {
	var out []*stmt
	for !p.eof() {
		if p.peek() == phplex.T_HALT_COMPILER {
			break
		}
		before := p.p
		if s := p.statement(); s != nil {
			out = append(out, s)
		}
		if p.p == before {
			p.p++
		}
	}
	return out
}

// block parses statements up to a closing '}' (consumed) or one of ends
// (not consumed).
func (p *parser) block(ends ...phplex.Kind) []*stmt {
	var out []*stmt
	for !p.eof() {
		k := p.peek()
		if k == '}' {
			if len(ends) == 0 {
				p.p++
			}
			return out
		}
		for _, e := range ends {
			if k == e {
				return out
			}
		}
		if k == phplex.T_HALT_COMPILER {
			p.p = len(p.toks)
			return out
		}
		before := p.p
		if s := p.statement(); s != nil {
			out = append(out, s)
		}
		if p.p == before {
			p.p++
		}
	}
	return out
}

// body parses the body of a control structure: a block, the alternative
// syntax up to one of ends, or one statement.
func (p *parser) body(ends ...phplex.Kind) []*stmt {
	if p.accept('{') {
		return p.block()
	}
	if p.accept(':') {
		return p.block(ends...)
	}
	if s := p.statement(); s != nil {
		return []*stmt{s}
	}
	return nil
}

func (p *parser) endStatement() {
	if !p.accept(';') && p.peek() != '}' && !p.eof() {
		p.skipStatement()
	}
}

func (p *parser) statement() *stmt {
	if p.depth > maxDepth {
		p.skipStatement()
		return nil
	}
	p.depth++
	defer func() { p.depth-- }()
	t := p.cur()
	s := &stmt{off: t.off}
	switch t.kind {
	case ';', phplex.T_INLINE_HTML:
		p.p++
		return nil
	case '{':
		p.p++
		s.kind = sBlock
		s.blocks = [][]*stmt{p.block()}
		return s
	case phplex.T_ATTRIBUTE:
		p.skipBalanced()
		return nil
	case phplex.T_IF:
		p.p++
		s.kind = sIf
		s.exprs = append(s.exprs, p.parenExpr())
		s.blocks = append(s.blocks, p.body(phplex.T_ELSEIF, phplex.T_ELSE, phplex.T_ENDIF))
		for {
			if p.accept(phplex.T_ELSEIF) {
				s.exprs = append(s.exprs, p.parenExpr())
				s.blocks = append(s.blocks, p.body(phplex.T_ELSEIF, phplex.T_ELSE, phplex.T_ENDIF))
				continue
			}
			if p.peek() == phplex.T_ELSE && p.peekAt(1) == phplex.T_IF {
				p.p += 2
				s.exprs = append(s.exprs, p.parenExpr())
				s.blocks = append(s.blocks, p.body(phplex.T_ELSEIF, phplex.T_ELSE, phplex.T_ENDIF))
				continue
			}
			if p.accept(phplex.T_ELSE) {
				s.blocks = append(s.blocks, p.body(phplex.T_ENDIF))
			}
			break
		}
		if p.accept(phplex.T_ENDIF) {
			p.endStatement()
		}
		return s
	case phplex.T_WHILE:
		p.p++
		s.kind = sLoop
		s.exprs = []*node{p.parenExpr()}
		s.blocks = [][]*stmt{p.body(phplex.T_ENDWHILE)}
		if p.accept(phplex.T_ENDWHILE) {
			p.endStatement()
		}
		return s
	case phplex.T_DO:
		p.p++
		s.kind = sLoop
		s.blocks = [][]*stmt{p.body()}
		if p.accept(phplex.T_WHILE) {
			s.exprs = []*node{p.parenExpr()}
		}
		p.endStatement()
		return s
	case phplex.T_FOR:
		p.p++
		s.kind = sLoop
		if p.accept('(') {
			for !p.eof() && p.peek() != ')' {
				if p.accept(';') || p.accept(',') {
					continue
				}
				before := p.p
				s.exprs = append(s.exprs, p.expr())
				if p.p == before {
					p.p++
				}
			}
			p.accept(')')
		}
		s.blocks = [][]*stmt{p.body(phplex.T_ENDFOR)}
		if p.accept(phplex.T_ENDFOR) {
			p.endStatement()
		}
		return s
	case phplex.T_FOREACH:
		p.p++
		s.kind = sForeach
		if p.accept('(') {
			s.exprs = []*node{p.expr()}
			if p.accept(phplex.T_AS) {
				p.accept(phplex.T_AMPERSAND_FOLLOWED_BY_VAR_OR_VARARG)
				v := p.expr()
				if p.accept(phplex.T_DOUBLE_ARROW) {
					p.accept(phplex.T_AMPERSAND_FOLLOWED_BY_VAR_OR_VARARG)
					s.key, v = v, p.expr()
				}
				s.val = v
			}
			if !p.accept(')') {
				p.skipTo(')')
			}
		}
		s.blocks = [][]*stmt{p.body(phplex.T_ENDFOREACH)}
		if p.accept(phplex.T_ENDFOREACH) {
			p.endStatement()
		}
		return s
	case phplex.T_SWITCH:
		p.p++
		s.kind = sSwitch
		s.exprs = []*node{p.parenExpr()}
		alt := false
		if p.accept(':') {
			alt = true
		} else if !p.accept('{') {
			return s
		}
		var cur []*stmt
		for !p.eof() {
			k := p.peek()
			if !alt && k == '}' {
				p.p++
				break
			}
			if alt && k == phplex.T_ENDSWITCH {
				p.p++
				p.endStatement()
				break
			}
			if k == phplex.T_CASE || k == phplex.T_DEFAULT {
				p.p++
				if k == phplex.T_CASE {
					s.exprs = append(s.exprs, p.expr())
				}
				if !p.accept(':') {
					p.accept(';')
				}
				if cur != nil {
					s.blocks = append(s.blocks, cur)
				}
				cur = []*stmt{}
				continue
			}
			before := p.p
			if st := p.statement(); st != nil {
				cur = append(cur, st)
			}
			if p.p == before {
				p.p++
			}
		}
		if cur != nil {
			s.blocks = append(s.blocks, cur)
		}
		return s
	case phplex.T_BREAK, phplex.T_CONTINUE, phplex.T_GOTO:
		p.p++
		p.skipStatement()
		return nil
	case phplex.T_RETURN:
		p.p++
		s.kind = sReturn
		if p.peek() != ';' && p.peek() != '}' && !p.eof() {
			s.exprs = []*node{p.expr()}
		}
		p.endStatement()
		return s
	case phplex.T_ECHO, phplex.T_PRINT:
		p.p++
		s.kind = sEcho
		s.exprs = p.exprList()
		p.endStatement()
		return s
	case phplex.T_GLOBAL:
		p.p++
		s.kind = sGlobal
		for p.peek() == phplex.T_VARIABLE || p.peek() == ',' {
			if t := p.cur(); t.kind == phplex.T_VARIABLE {
				s.names = append(s.names, t.text[1:])
			}
			p.p++
		}
		p.endStatement()
		return s
	case phplex.T_STATIC:
		if k := p.peekAt(1); k == phplex.T_VARIABLE {
			p.p++
			s.kind = sStatic
			s.exprs = p.exprList()
			p.endStatement()
			return s
		}
	case phplex.T_UNSET:
		p.p++
		s.kind = sExpr
		if p.peek() == '(' {
			p.skipBalanced()
		}
		p.endStatement()
		return nil
	case phplex.T_TRY:
		p.p++
		s.kind = sIf
		s.blocks = append(s.blocks, p.body())
		for p.accept(phplex.T_CATCH) {
			if p.peek() == '(' {
				p.skipBalanced()
			}
			s.blocks = append(s.blocks, p.body())
		}
		if p.accept(phplex.T_FINALLY) {
			s.blocks = append(s.blocks, p.body())
		}
		return s
	case phplex.T_DECLARE:
		p.p++
		if p.peek() == '(' {
			p.skipBalanced()
		}
		if p.accept(';') {
			return nil
		}
		s.kind = sBlock
		s.blocks = [][]*stmt{p.body(phplex.T_ENDDECLARE)}
		if p.accept(phplex.T_ENDDECLARE) {
			p.endStatement()
		}
		return s
	case phplex.T_NAMESPACE:
		if k := p.peekAt(1); k == phplex.T_STRING || k == phplex.T_NAME_QUALIFIED || k == '{' || k == ';' {
			p.p++
			for p.peek() == phplex.T_STRING || p.peek() == phplex.T_NAME_QUALIFIED {
				p.p++
			}
			if p.accept('{') {
				s.kind = sBlock
				s.blocks = [][]*stmt{p.block()}
				return s
			}
			p.endStatement()
			return nil
		}
	case phplex.T_USE:
		p.p++
		p.skipStatement()
		return nil
	case phplex.T_CONST:
		p.p++
		s.kind = sConst
		for p.peek() == phplex.T_STRING || p.peek() == ',' {
			if p.accept(',') {
				continue
			}
			name := p.cur().text
			p.p++
			if !p.accept('=') {
				break
			}
			s.names = append(s.names, name)
			s.exprs = append(s.exprs, p.expr())
		}
		p.endStatement()
		return s
	case phplex.T_FUNCTION:
		k := p.peekAt(1)
		if k == phplex.T_STRING || k == phplex.T_AMPERSAND_FOLLOWED_BY_VAR_OR_VARARG && p.peekAt(2) == phplex.T_STRING ||
			k == phplex.T_AMPERSAND_NOT_FOLLOWED_BY_VAR_OR_VARARG && p.peekAt(2) == phplex.T_STRING ||
			k >= phplex.T_INCLUDE && k < phplex.T_ATTRIBUTE && p.peekAt(2) == '(' {
			p.p++
			if p.peek() != phplex.T_STRING && p.peekAt(1) == phplex.T_STRING {
				p.p++
			}
			name := funcName(p.cur().text)
			p.p++
			f := p.function(name, "")
			s.kind = sFunc
			s.fn = f
			return s
		}
	case phplex.T_ABSTRACT, phplex.T_FINAL, phplex.T_READONLY, phplex.T_CLASS, phplex.T_INTERFACE, phplex.T_TRAIT, phplex.T_ENUM:
		q := p.p
		for q < len(p.toks) && (p.toks[q].kind == phplex.T_ABSTRACT || p.toks[q].kind == phplex.T_FINAL || p.toks[q].kind == phplex.T_READONLY) {
			q++
		}
		if q < len(p.toks) && q+1 < len(p.toks) && p.toks[q+1].kind == phplex.T_STRING {
			switch p.toks[q].kind {
			case phplex.T_CLASS, phplex.T_INTERFACE, phplex.T_TRAIT, phplex.T_ENUM:
				p.p = q + 1
				name := funcName(p.cur().text)
				p.p++
				c := p.class(name)
				s.kind = sClass
				s.cls = c
				return s
			}
		}
	case phplex.T_STRING:
		if p.peekAt(1) == ':' {
			p.p += 2 // a label
			return nil
		}
	}
	s.kind = sExpr
	s.exprs = []*node{p.expr()}
	p.endStatement()
	return s
}

func (p *parser) skipTo(k phplex.Kind) {
	for !p.eof() {
		if p.peek() == k {
			p.p++
			return
		}
		switch p.peek() {
		case '(', '[', '{':
			p.skipBalanced()
			continue
		case ';', '}':
			return
		}
		p.p++
	}
}

func (p *parser) parenExpr() *node {
	if !p.accept('(') {
		return p.expr()
	}
	e := p.expr()
	if !p.accept(')') {
		p.skipTo(')')
	}
	return e
}

func (p *parser) exprList() []*node {
	var out []*node
	for {
		before := p.p
		out = append(out, p.expr())
		if p.p == before || !p.accept(',') {
			return out
		}
	}
}

// params parses a parameter list at '('.
func (p *parser) params() []param {
	var out []param
	if !p.accept('(') {
		return nil
	}
	for !p.eof() && p.peek() != ')' {
		k := p.peek()
		switch {
		case k == ',':
			p.p++
		case k == phplex.T_ATTRIBUTE:
			p.skipBalanced()
		case k == phplex.T_VARIABLE:
			pr := param{name: p.cur().text[1:]}
			if p.p > 0 && p.toks[p.p-1].kind == phplex.T_ELLIPSIS {
				pr.variadic = true
			}
			p.p++
			if p.accept('=') {
				pr.def = p.expr()
			}
			out = append(out, pr)
		case k == '(' || k == '[' || k == '{':
			p.skipBalanced()
		case k == ';' || k == '}':
			return out
		default:
			p.p++ // types, modifiers, &, ...
		}
	}
	p.accept(')')
	return out
}

// function parses the rest of a function after its name: parameters, a
// return type and a body.
func (p *parser) function(name, class string) *funcDecl {
	f := &funcDecl{name: name, class: class, off: p.cur().off, p: p}
	f.params = p.params()
	if p.accept(phplex.T_USE) && p.accept('(') {
		for !p.eof() && p.peek() != ')' {
			if t := p.cur(); t.kind == phplex.T_VARIABLE {
				f.uses = append(f.uses, t.text[1:])
			}
			if p.peek() == ';' || p.peek() == '{' {
				break
			}
			p.p++
		}
		p.accept(')')
	}
	// A return type, up to the body.
	for !p.eof() && p.peek() != '{' && p.peek() != ';' && p.peek() != phplex.T_DOUBLE_ARROW {
		if p.peek() == '}' {
			break
		}
		if p.peek() == '(' {
			p.skipBalanced()
			continue
		}
		p.p++
	}
	start := p.p
	if p.peek() == '{' {
		p.skipBalanced()
		f.from, f.to = start, p.p
		p.mark(f, start, p.p)
	} else {
		p.accept(';')
		f.parsed = true
	}
	p.funcs = append(p.funcs, f)
	return f
}

// parseBody parses the body of f, once.
func (f *funcDecl) parseBody() []*stmt {
	if f.parsed {
		return f.body
	}
	p := f.p
	f.parsed = true
	saved, savedDepth := p.p, p.depth
	p.p = f.from
	p.depth = 0
	if p.accept('{') {
		f.body = p.block()
	}
	p.p, p.depth = saved, savedDepth
	return f.body
}

// mark sets what analysis f needs from its tokens toks[from:to].
func (p *parser) mark(f *funcDecl, from, to int) {
	for i := from; i < to && i < len(p.toks); i++ {
		t := p.toks[i]
		next := phplex.Kind(-1)
		if i+1 < len(p.toks) {
			next = p.toks[i+1].kind
		}
		switch t.kind {
		case phplex.T_EVAL, phplex.T_INCLUDE, phplex.T_INCLUDE_ONCE, phplex.T_REQUIRE, phplex.T_REQUIRE_ONCE, '`', '$':
			f.hot = true
		case phplex.T_VARIABLE:
			if _, ok := superglobals[t.text[1:]]; ok || t.text == "$_SERVER" || t.text == "$_SESSION" || t.text == "$GLOBALS" || next == '(' {
				f.hot = true
			}
		case ')', ']', '}':
			if next == '(' {
				f.hot = true
			}
		case phplex.T_NEW:
			if next == phplex.T_VARIABLE {
				f.hot = true
			}
		case phplex.T_CONSTANT_ENCAPSED_STRING:
			if len(t.text) < 40 && isSink(funcName(unquote(t.text))) {
				f.hot = true
			}
		case phplex.T_STRING, phplex.T_NAME_FULLY_QUALIFIED, phplex.T_NAME_QUALIFIED:
			if next != '(' {
				continue
			}
			name := funcName(t.text)
			if hotName(name) {
				f.hot = true
			}
			f.calls = append(f.calls, name)
		}
	}
}

// hotName reports whether calling name is something the analysis acts on.
func hotName(name string) bool {
	if isSink(name) || decoders[name] {
		return true
	}
	if _, ok := callbackArgs[name]; ok {
		return true
	}
	switch name {
	case "getallheaders", "apache_request_headers", "getenv", "file_get_contents", "fopen", "extract",
		"parse_str", "mb_parse_str", "import_request_variables", "func_get_args", "func_get_arg", "preg_replace",
		"preg_filter", "mb_ereg_replace", "mb_eregi_replace", "mail", "putenv", "file_put_contents", "fwrite",
		"fputs", "move_uploaded_file", "copy", "define", "constant", "filter_var", "filter_input":
		return true
	}
	return false
}

func (p *parser) class(name string) *classDecl {
	c := &classDecl{name: name, off: p.cur().off}
	for !p.eof() && p.peek() != '{' && p.peek() != ';' {
		p.p++ // extends, implements, a backed enum's type
	}
	if !p.accept('{') {
		return c
	}
	p.members(c)
	p.classes = append(p.classes, c)
	return c
}

// members parses a class body after its '{', through its '}'.
func (p *parser) members(c *classDecl) {
	for !p.eof() {
		k := p.peek()
		switch {
		case k == '}':
			p.p++
			return
		case k == phplex.T_ATTRIBUTE:
			p.skipBalanced()
		case k == phplex.T_FUNCTION:
			p.p++
			p.accept(phplex.T_AMPERSAND_FOLLOWED_BY_VAR_OR_VARARG)
			p.accept(phplex.T_AMPERSAND_NOT_FOLLOWED_BY_VAR_OR_VARARG)
			name := funcName(p.cur().text)
			p.p++
			c.methods = append(c.methods, p.function(name, c.name))
		case k == phplex.T_USE:
			p.p++
			for !p.eof() && p.peek() != ';' && p.peek() != '{' && p.peek() != '}' {
				p.p++
			}
			if p.peek() == '{' {
				p.skipBalanced()
			} else {
				p.accept(';')
			}
		case k == phplex.T_CONST || k == phplex.T_CASE:
			p.p++
			for !p.eof() && p.peek() != ';' && p.peek() != '}' {
				if p.peek() == phplex.T_STRING && p.peekAt(1) == '=' {
					name := p.cur().text
					p.p += 2
					e := p.expr()
					c.consts = append(c.consts, &node{kind: nAssign, str: name, kids: []*node{nil, e}})
					continue
				}
				before := p.p
				if p.peek() == '(' || p.peek() == '[' {
					p.skipBalanced()
				} else {
					p.p++
				}
				if p.p == before {
					p.p++
				}
			}
			p.accept(';')
		case k == phplex.T_VARIABLE:
			t := p.cur()
			p.p++
			lhs := &node{kind: nProp, off: t.off, kids: []*node{{kind: nVar, str: "this"}, {kind: nLit, str: t.text[1:]}}}
			if p.accept('=') {
				c.props = append(c.props, &node{kind: nAssign, off: t.off, str: "=", kids: []*node{lhs, p.expr()}})
			}
			if !p.accept(',') {
				p.accept(';')
			}
		case k == ';' || k == ',':
			p.p++
		case k == '(' || k == '[' || k == '{':
			p.skipBalanced()
		default:
			p.p++ // modifiers, types
		}
	}
}
