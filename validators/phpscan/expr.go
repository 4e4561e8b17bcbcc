package phpscan

import "github.com/architectos/aos/validators/phplex"

// Binding powers of PHP's binary operators, loosest first.
const (
	bpLowest  = 0
	bpOr      = 1 // or
	bpXor     = 2
	bpAnd     = 3
	bpAssign  = 4
	bpTernary = 5
	bpCoal    = 6
	bpBoolOr  = 7
	bpBoolAnd = 8
	bpBitOr   = 9
	bpBitXor  = 10
	bpBitAnd  = 11
	bpEq      = 12
	bpCmp     = 13
	bpConcat  = 14
	bpShift   = 15
	bpAdd     = 16
	bpMul     = 17
	bpInst    = 18
	bpNot     = 19
	bpUnary   = 20
	bpPow     = 21
)

func binaryOp(k phplex.Kind) (bp int, op string, right bool) {
	switch k {
	case phplex.T_LOGICAL_OR:
		return bpOr, "or", false
	case phplex.T_LOGICAL_XOR:
		return bpXor, "xor", false
	case phplex.T_LOGICAL_AND:
		return bpAnd, "and", false
	case '?':
		return bpTernary, "?", false
	case phplex.T_COALESCE:
		return bpCoal, "??", true
	case phplex.T_BOOLEAN_OR:
		return bpBoolOr, "||", false
	case phplex.T_BOOLEAN_AND:
		return bpBoolAnd, "&&", false
	case '|':
		return bpBitOr, "|", false
	case '^':
		return bpBitXor, "^", false
	case phplex.T_AMPERSAND_FOLLOWED_BY_VAR_OR_VARARG, phplex.T_AMPERSAND_NOT_FOLLOWED_BY_VAR_OR_VARARG:
		return bpBitAnd, "&", false
	case phplex.T_IS_EQUAL, phplex.T_IS_NOT_EQUAL, phplex.T_IS_IDENTICAL, phplex.T_IS_NOT_IDENTICAL, phplex.T_SPACESHIP:
		return bpEq, "==", false
	case '<', '>', phplex.T_IS_SMALLER_OR_EQUAL, phplex.T_IS_GREATER_OR_EQUAL:
		return bpCmp, "<", false
	case '.':
		return bpConcat, ".", false
	case phplex.T_SL, phplex.T_SR:
		return bpShift, "<<", false
	case '+':
		return bpAdd, "+", false
	case '-':
		return bpAdd, "-", false
	case '*', '/', '%':
		return bpMul, "*", false
	case phplex.T_INSTANCEOF:
		return bpInst, "instanceof", false
	case phplex.T_POW:
		return bpPow, "**", true
	}
	return -1, "", false
}

func assignOp(k phplex.Kind) (string, bool) {
	switch k {
	case '=':
		return "=", true
	case phplex.T_CONCAT_EQUAL:
		return ".=", true
	case phplex.T_XOR_EQUAL:
		return "^=", true
	case phplex.T_OR_EQUAL:
		return "|=", true
	case phplex.T_AND_EQUAL:
		return "&=", true
	case phplex.T_COALESCE_EQUAL:
		return "??=", true
	case phplex.T_PLUS_EQUAL, phplex.T_MINUS_EQUAL, phplex.T_MUL_EQUAL, phplex.T_DIV_EQUAL, phplex.T_MOD_EQUAL,
		phplex.T_POW_EQUAL, phplex.T_SL_EQUAL, phplex.T_SR_EQUAL:
		return "+=", true
	}
	return "", false
}

func (p *parser) expr() *node { return p.exprBP(bpLowest) }

func bad(off int) *node { return &node{kind: nBad, off: off} }

func (p *parser) exprBP(min int) *node {
	if p.depth > maxDepth {
		p.skipStatement()
		return bad(p.cur().off)
	}
	p.depth++
	defer func() { p.depth-- }()
	left := p.unary()
	for !p.eof() {
		k := p.peek()
		if op, ok := assignOp(k); ok && min <= bpAssign && (left.kind == nArray || left.kind == nList) {
			off := p.cur().off
			p.p++
			p.accept(phplex.T_AMPERSAND_FOLLOWED_BY_VAR_OR_VARARG)
			left = &node{kind: nAssign, off: off, str: op, kids: []*node{left, p.exprBP(bpAssign)}}
			continue
		}
		bp, op, right := binaryOp(k)
		if bp < 0 || bp < min || bp == min && !right {
			return left
		}
		off := p.cur().off
		p.p++
		if op == "?" {
			var then *node
			if !p.accept(':') {
				then = p.exprBP(bpAssign)
				p.accept(':')
			}
			els := p.exprBP(bpTernary + 1)
			left = &node{kind: nTernary, off: off, kids: []*node{left, then, els}}
			continue
		}
		if op == "instanceof" {
			p.unary()
			left = &node{kind: nIsset, off: off, kids: []*node{left}}
			continue
		}
		next := bp + 1
		if right {
			next = bp
		}
		rhs := p.exprBP(next)
		left = &node{kind: nBin, off: off, str: op, kids: []*node{left, rhs}}
	}
	return left
}

func (p *parser) unary() *node {
	t := p.cur()
	switch t.kind {
	case '!':
		p.p++
		return &node{kind: nUnary, off: t.off, str: "!", kids: []*node{p.exprBP(bpInst)}}
	case '-', '+', '~':
		p.p++
		return &node{kind: nUnary, off: t.off, str: t.text, kids: []*node{p.exprBP(bpUnary)}}
	case '@', phplex.T_AMPERSAND_FOLLOWED_BY_VAR_OR_VARARG, phplex.T_AMPERSAND_NOT_FOLLOWED_BY_VAR_OR_VARARG:
		p.p++
		return p.exprBP(bpUnary)
	case phplex.T_INC, phplex.T_DEC:
		p.p++
		return p.exprBP(bpUnary)
	case phplex.T_INT_CAST, phplex.T_DOUBLE_CAST, phplex.T_BOOL_CAST, phplex.T_UNSET_CAST:
		p.p++
		return &node{kind: nCast, off: t.off, str: "int", kids: []*node{p.exprBP(bpUnary)}}
	case phplex.T_STRING_CAST, phplex.T_ARRAY_CAST, phplex.T_OBJECT_CAST:
		p.p++
		return p.exprBP(bpUnary)
	case phplex.T_PRINT, phplex.T_YIELD, phplex.T_THROW:
		p.p++
		if k := p.peek(); k == ';' || k == ')' || k == ',' || k == ']' || k < 0 {
			return &node{kind: nLit, off: t.off}
		}
		return p.exprBP(bpAssign)
	case phplex.T_YIELD_FROM:
		p.p++
		return p.exprBP(bpAssign)
	case phplex.T_INCLUDE, phplex.T_INCLUDE_ONCE, phplex.T_REQUIRE, phplex.T_REQUIRE_ONCE:
		p.p++
		return &node{kind: nInclude, off: t.off, str: lower(t.text), kids: []*node{p.exprBP(bpAssign)}}
	case phplex.T_NEW:
		p.p++
		return p.postfix(p.newExpr(t.off))
	case phplex.T_CLONE:
		p.p++
		return p.exprBP(bpUnary)
	}
	return p.postfix(p.primary())
}

func (p *parser) newExpr(off int) *node {
	n := &node{kind: nNew, off: off}
	switch k := p.peek(); {
	case k == phplex.T_CLASS:
		// An anonymous class: arguments, then the body.
		p.p++
		var args []*node
		if p.peek() == '(' {
			args = p.args()
		}
		c := p.class("class@anonymous")
		n.kids = append([]*node{{kind: nName, str: c.name}}, args...)
		return n
	case k == phplex.T_STRING || k == phplex.T_NAME_QUALIFIED || k == phplex.T_NAME_FULLY_QUALIFIED || k == phplex.T_NAME_RELATIVE || k == phplex.T_STATIC:
		t := p.cur()
		p.p++
		n.kids = []*node{{kind: nName, off: t.off, str: funcName(t.text)}}
	case k == phplex.T_VARIABLE || k == '$':
		// new $class, new $a->b, new $a['b']: no calls in the name.
		v := p.primary()
		for {
			if p.peek() == '[' {
				p.p++
				idx := p.expr()
				p.accept(']')
				v = &node{kind: nIndex, off: v.off, kids: []*node{v, idx}}
				continue
			}
			if (p.peek() == phplex.T_OBJECT_OPERATOR || p.peek() == phplex.T_NULLSAFE_OBJECT_OPERATOR) && p.peekAt(1) == phplex.T_STRING {
				name := p.toks[p.p+1].text
				p.p += 2
				v = &node{kind: nProp, off: v.off, kids: []*node{v, {kind: nLit, str: name}}}
				continue
			}
			break
		}
		n.kids = []*node{v}
	case k == '(':
		p.p++
		e := p.expr()
		p.accept(')')
		n.kids = []*node{e}
	default:
		n.kids = []*node{bad(p.cur().off)}
	}
	if p.peek() == '(' {
		n.kids = append(n.kids, p.args()...)
	}
	return n
}

// args parses an argument list at '('.
func (p *parser) args() []*node {
	var out []*node
	if !p.accept('(') {
		return nil
	}
	for !p.eof() && p.peek() != ')' {
		if p.accept(',') {
			continue
		}
		if k := p.peek(); k == ';' || k == '}' {
			return out
		}
		if p.peek() == phplex.T_STRING && p.peekAt(1) == ':' && p.peekAt(2) != ':' {
			p.p += 2 // a named argument
		}
		spread := p.accept(phplex.T_ELLIPSIS)
		if spread && p.peek() == ')' {
			break // first-class callable syntax: f(...)
		}
		before := p.p
		e := p.expr()
		if spread {
			e = &node{kind: nPair, off: e.off, str: "...", kids: []*node{nil, e}}
		}
		out = append(out, e)
		if p.p == before {
			p.p++
		}
	}
	p.accept(')')
	return out
}

// arrayItems parses array elements up to closer.
func (p *parser) arrayItems(closer phplex.Kind) []*node {
	var out []*node
	for !p.eof() && p.peek() != closer {
		if p.accept(',') {
			continue
		}
		if k := p.peek(); k == ';' || k == '}' && closer != '}' {
			return out
		}
		off := p.cur().off
		spread := p.accept(phplex.T_ELLIPSIS)
		before := p.p
		v := p.expr()
		var key *node
		if p.accept(phplex.T_DOUBLE_ARROW) {
			key = v
			p.accept(phplex.T_AMPERSAND_FOLLOWED_BY_VAR_OR_VARARG)
			v = p.expr()
		}
		pair := &node{kind: nPair, off: off, kids: []*node{key, v}}
		if spread {
			pair.str = "..."
		}
		out = append(out, pair)
		if p.p == before {
			p.p++
		}
	}
	p.accept(closer)
	return out
}

func isLvalue(n *node) bool {
	switch n.kind {
	case nVar, nVarVar, nIndex, nProp, nSProp:
		return true
	}
	return false
}

// postfix parses what follows a primary expression: offsets, properties,
// calls, assignments.
func (p *parser) postfix(n *node) *node {
	for steps := 0; !p.eof(); steps++ {
		t := p.cur()
		switch t.kind {
		case '[':
			p.p++
			var idx *node
			if p.peek() != ']' {
				idx = p.expr()
			}
			p.accept(']')
			n = &node{kind: nIndex, off: n.off, kids: []*node{n, idx}}
			continue
		case '{':
			if n.kind == nVar || n.kind == nIndex || n.kind == nProp {
				// $s{0}: a string offset before PHP 8.
				p.p++
				idx := p.expr()
				p.accept('}')
				n = &node{kind: nIndex, off: n.off, kids: []*node{n, idx}}
				continue
			}
		case phplex.T_OBJECT_OPERATOR, phplex.T_NULLSAFE_OBJECT_OPERATOR:
			p.p++
			var name *node
			switch m := p.cur(); m.kind {
			case phplex.T_STRING:
				p.p++
				name = &node{kind: nLit, off: m.off, str: m.text}
			case phplex.T_VARIABLE:
				p.p++
				name = &node{kind: nVar, off: m.off, str: m.text[1:]}
			case '{':
				p.p++
				name = p.expr()
				p.accept('}')
			case '$':
				name = p.primary()
			default:
				if m.kind >= 256 && isWord(m.text) {
					p.p++
					name = &node{kind: nLit, off: m.off, str: m.text}
				} else {
					name = bad(m.off)
				}
			}
			if p.peek() == '(' {
				n = &node{kind: nMCall, off: n.off, kids: append([]*node{n, name}, p.args()...)}
			} else {
				n = &node{kind: nProp, off: n.off, kids: []*node{n, name}}
			}
			continue
		case phplex.T_DOUBLE_COLON:
			p.p++
			switch m := p.cur(); {
			case m.kind == phplex.T_VARIABLE:
				p.p++
				name := &node{kind: nLit, off: m.off, str: m.text[1:]}
				if p.peek() == '(' {
					// A static call through a variable holding a name.
					v := &node{kind: nVar, off: m.off, str: m.text[1:]}
					n = &node{kind: nSCall, off: n.off, kids: append([]*node{n, v}, p.args()...)}
				} else {
					n = &node{kind: nSProp, off: n.off, kids: []*node{n, name}}
				}
			case m.kind == phplex.T_CLASS:
				p.p++
				n = &node{kind: nCConst, off: n.off, str: "class", kids: []*node{n}}
			case m.kind == '{':
				p.p++
				e := p.expr()
				p.accept('}')
				n = &node{kind: nSCall, off: n.off, kids: append([]*node{n, e}, p.args()...)}
			case m.kind == '$':
				v := p.primary()
				n = &node{kind: nSProp, off: n.off, kids: []*node{n, v}}
			case m.kind >= 256 && isWord(m.text):
				p.p++
				if p.peek() == '(' {
					n = &node{kind: nSCall, off: n.off, kids: append([]*node{n, {kind: nLit, off: m.off, str: m.text}}, p.args()...)}
				} else {
					n = &node{kind: nCConst, off: n.off, str: m.text, kids: []*node{n}}
				}
			default:
				return n
			}
			continue
		case '(':
			n = &node{kind: nCall, off: n.off, kids: append([]*node{n}, p.args()...)}
			continue
		case phplex.T_INC, phplex.T_DEC:
			if isLvalue(n) {
				p.p++
				continue
			}
		}
		if op, ok := assignOp(t.kind); ok && isLvalue(n) {
			p.p++
			p.accept(phplex.T_AMPERSAND_FOLLOWED_BY_VAR_OR_VARARG)
			p.accept(phplex.T_AMPERSAND_NOT_FOLLOWED_BY_VAR_OR_VARARG)
			return &node{kind: nAssign, off: t.off, str: op, kids: []*node{n, p.exprBP(bpAssign)}}
		}
		return n
	}
	return n
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80 || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
