package phpscan

import "github.com/architectos/aos/validators/phplex"

// Statements: control flow, declarations and the statements that take
// expressions (echo, return, global, static, unset...).

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
