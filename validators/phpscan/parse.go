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
