package phpscan

import "github.com/architectos/aos/validators/phplex"

// Declarations: parameter lists, functions and methods (bodies parsed on
// first use), and classes with their members.

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
