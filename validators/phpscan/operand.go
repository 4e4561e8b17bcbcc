package phpscan

import "github.com/architectos/aos/validators/phplex"

// Operands: variables, literals, interpolated strings and heredocs,
// names, arrays, closures and match.

func (p *parser) primary() *node {
	t := p.cur()
	switch t.kind {
	case phplex.T_VARIABLE:
		p.p++
		return &node{kind: nVar, off: t.off, str: t.text[1:]}
	case '$':
		p.p++
		if p.peek() == '{' {
			p.p++
			e := p.expr()
			p.accept('}')
			return &node{kind: nVarVar, off: t.off, kids: []*node{e}}
		}
		return &node{kind: nVarVar, off: t.off, kids: []*node{p.primary()}}
	case phplex.T_LNUMBER, phplex.T_DNUMBER:
		p.p++
		return &node{kind: nNum, off: t.off, str: t.text}
	case phplex.T_CONSTANT_ENCAPSED_STRING:
		p.p++
		return &node{kind: nLit, off: t.off, str: unquote(t.text)}
	case phplex.T_ENCAPSED_AND_WHITESPACE:
		p.p++ // an unterminated string
		return &node{kind: nLit, off: t.off, str: t.text}
	case '"':
		p.p++
		return &node{kind: nInterp, off: t.off, kids: p.parts('"', false)}
	case '`':
		p.p++
		return &node{kind: nShell, off: t.off, kids: p.parts('`', false)}
	case phplex.T_START_HEREDOC:
		p.p++
		return &node{kind: nInterp, off: t.off, kids: p.parts(phplex.T_END_HEREDOC, isNowdoc(t.text))}
	case phplex.T_STRING, phplex.T_NAME_QUALIFIED, phplex.T_NAME_FULLY_QUALIFIED, phplex.T_NAME_RELATIVE,
		phplex.T_STATIC, phplex.T_ENUM, phplex.T_READONLY, phplex.T_MATCH:
		if t.kind == phplex.T_MATCH && p.peekAt(1) == '(' {
			return p.match()
		}
		if t.kind == phplex.T_STATIC && (p.peekAt(1) == phplex.T_FUNCTION || p.peekAt(1) == phplex.T_FN) {
			p.p++
			return p.primary()
		}
		p.p++
		return &node{kind: nName, off: t.off, str: funcName(t.text)}
	case phplex.T_ARRAY, phplex.T_LIST:
		if p.peekAt(1) == '(' {
			p.p += 2
			return &node{kind: nArray, off: t.off, kids: p.arrayItems(')')}
		}
		p.p++
		return &node{kind: nName, off: t.off, str: lower(t.text)}
	case '[':
		p.p++
		return &node{kind: nArray, off: t.off, kids: p.arrayItems(']')}
	case phplex.T_ISSET, phplex.T_EMPTY:
		p.p++
		return &node{kind: nIsset, off: t.off, kids: p.args()}
	case phplex.T_EXIT:
		p.p++
		n := &node{kind: nExit, off: t.off}
		if p.peek() == '(' {
			n.kids = p.args()
		}
		return n
	case phplex.T_EVAL:
		p.p++
		n := &node{kind: nEval, off: t.off}
		args := p.args()
		if len(args) > 0 {
			n.kids = args[:1]
		} else {
			n.kids = []*node{{kind: nLit}}
		}
		return n
	case phplex.T_FUNCTION, phplex.T_FN:
		p.p++
		p.accept(phplex.T_AMPERSAND_FOLLOWED_BY_VAR_OR_VARARG)
		p.accept(phplex.T_AMPERSAND_NOT_FOLLOWED_BY_VAR_OR_VARARG)
		if t.kind == phplex.T_FN {
			f := &funcDecl{off: t.off, arrow: true}
			f.params = p.params()
			for !p.eof() && p.peek() != phplex.T_DOUBLE_ARROW && p.peek() != ';' && p.peek() != '{' {
				p.p++
			}
			if p.accept(phplex.T_DOUBLE_ARROW) {
				e := p.exprBP(bpAssign)
				f.body = []*stmt{{kind: sReturn, off: e.off, exprs: []*node{e}}}
			}
			f.parsed, f.hot = true, true
			p.funcs = append(p.funcs, f)
			return &node{kind: nClosure, off: t.off, fn: f}
		}
		f := p.function("", "")
		return &node{kind: nClosure, off: t.off, fn: f}
	case '(':
		p.p++
		e := p.expr()
		if !p.accept(')') {
			p.skipTo(')')
		}
		return e
	case phplex.T_FILE, phplex.T_DIR, phplex.T_LINE, phplex.T_CLASS_C, phplex.T_FUNC_C, phplex.T_METHOD_C, phplex.T_NS_C, phplex.T_TRAIT_C:
		p.p++
		return &node{kind: nMagic, off: t.off, str: lower(t.text)}
	case phplex.T_ATTRIBUTE:
		p.skipBalanced()
		return p.primary()
	}
	// Not an expression: leave the token to the statement parser.
	return bad(t.off)
}

func isNowdoc(start string) bool {
	for i := 0; i < len(start); i++ {
		if start[i] == '\'' {
			return true
		}
		if start[i] == '"' || start[i] == '\n' {
			return false
		}
	}
	return false
}

// parts parses the parts of an interpolated string up to closer.
func (p *parser) parts(closer phplex.Kind, raw bool) []*node {
	var out []*node
	for !p.eof() {
		t := p.cur()
		switch t.kind {
		case closer:
			p.p++
			return out
		case phplex.T_ENCAPSED_AND_WHITESPACE:
			p.p++
			s := t.text
			if !raw {
				s = unescape(s, closer == '"')
			}
			out = append(out, &node{kind: nLit, off: t.off, str: s})
		case phplex.T_VARIABLE:
			p.p++
			v := &node{kind: nVar, off: t.off, str: t.text[1:]}
			switch p.peek() {
			case '[':
				p.p++
				var idx *node
				switch it := p.cur(); it.kind {
				case phplex.T_STRING, phplex.T_NUM_STRING:
					p.p++
					idx = &node{kind: nLit, off: it.off, str: it.text}
				case '-':
					p.p++
					if n := p.cur(); n.kind == phplex.T_NUM_STRING {
						p.p++
						idx = &node{kind: nLit, off: it.off, str: "-" + n.text}
					}
				case phplex.T_VARIABLE:
					p.p++
					idx = &node{kind: nVar, off: it.off, str: it.text[1:]}
				}
				p.accept(']')
				v = &node{kind: nIndex, off: t.off, kids: []*node{v, idx}}
			case phplex.T_OBJECT_OPERATOR, phplex.T_NULLSAFE_OBJECT_OPERATOR:
				if p.peekAt(1) == phplex.T_STRING {
					name := p.toks[p.p+1].text
					p.p += 2
					v = &node{kind: nProp, off: t.off, kids: []*node{v, {kind: nLit, str: name}}}
				}
			}
			out = append(out, v)
		case phplex.T_CURLY_OPEN:
			p.p++
			e := p.expr()
			p.accept('}')
			out = append(out, e)
		case phplex.T_DOLLAR_OPEN_CURLY_BRACES:
			p.p++
			if n := p.cur(); n.kind == phplex.T_STRING_VARNAME {
				p.p++
				v := &node{kind: nVar, off: n.off, str: n.text}
				if p.accept('[') {
					idx := p.expr()
					p.accept(']')
					v = &node{kind: nIndex, off: n.off, kids: []*node{v, idx}}
				}
				p.accept('}')
				out = append(out, v)
			} else {
				e := p.expr()
				p.accept('}')
				out = append(out, &node{kind: nVarVar, off: t.off, kids: []*node{e}})
			}
		default:
			if t.kind == ';' || t.kind == '}' && closer != '}' {
				return out
			}
			p.p++
		}
	}
	return out
}

func (p *parser) match() *node {
	t := p.cur()
	p.p++
	n := &node{kind: nMatch, off: t.off}
	n.kids = []*node{p.parenExpr()}
	if !p.accept('{') {
		return n
	}
	for !p.eof() && p.peek() != '}' {
		if p.accept(',') || p.accept(phplex.T_DOUBLE_ARROW) {
			continue
		}
		if p.accept(phplex.T_DEFAULT) {
			continue
		}
		before := p.p
		e := p.expr()
		if p.peek() != phplex.T_DOUBLE_ARROW && p.peek() != ',' {
			n.kids = append(n.kids, e)
		} else if p.accept(phplex.T_DOUBLE_ARROW) {
			n.kids = append(n.kids, &node{kind: nList, off: e.off, kids: []*node{e}}, p.expr())
		}
		if p.p == before {
			p.p++
		}
	}
	p.accept('}')
	return n
}
