package phpscan

import (
	"strconv"
	"strings"
)

func (a *analyzer) evalAll(sc *scope, ns []*node) []value {
	out := make([]value, len(ns))
	for i, n := range ns {
		out[i] = a.eval(sc, n)
	}
	return out
}

func (a *analyzer) eval(sc *scope, n *node) value {
	if n == nil || a.stop() {
		return value{}
	}
	a.steps++
	switch n.kind {
	case nLit:
		v := str(n.str)
		if packed(n.str) {
			v.t |= tPacked
		}
		return v
	case nNum:
		if i, ok := parseInt(n.str); ok {
			return number(i)
		}
		return value{}
	case nVar:
		return a.readVar(sc, n.str)
	case nVarVar:
		name := a.eval(sc, n.kids[0])
		if name.known {
			return a.readVar(sc, name.s)
		}
		if name.t&requestMask != 0 {
			return value{t: name.t & requestMask, src: name.src}
		}
		return value{}
	case nName:
		return a.constant(n.str)
	case nMagic:
		switch n.str {
		case "__file__":
			return value{known: true, s: "\x00self", t: 0}
		case "__line__":
			return number(int64(a.line(n.off)))
		}
		return value{anchored: true}
	case nInterp, nShell:
		out := str("")
		for _, part := range n.kids {
			out = a.concat(out, a.eval(sc, part))
		}
		if n.kind == nShell {
			a.sink(sc, sinkCommand, "backticks", n.off, out)
			return taintOnly(out)
		}
		return out
	case nIndex:
		return a.index(sc, n)
	case nProp:
		obj := a.eval(sc, n.kids[0])
		name := a.name(sc, n.kids[1])
		v, ok := a.props[name]
		if !ok && name == "" {
			v = value{}
		}
		v.t |= obj.t &^ (tDecoded | tPacked)
		if v.src == "" {
			v.src = obj.src
		}
		return v
	case nSProp:
		return a.props["::"+a.name(sc, n.kids[1])]
	case nCConst:
		a.eval(sc, n.kids[0])
		if n.str == "class" {
			if n.kids[0].kind == nName {
				return str(n.kids[0].str)
			}
			return value{}
		}
		return a.consts[lower(n.kids[0].str)+"::"+lower(n.str)]
	case nCall:
		return a.call(sc, n)
	case nMCall:
		return a.methodCall(sc, n)
	case nSCall:
		return a.staticCall(sc, n)
	case nNew:
		return a.newObject(sc, n)
	case nBin:
		return a.binary(sc, n)
	case nUnary:
		x := a.eval(sc, n.kids[0])
		switch n.str {
		case "!":
			return value{}
		case "~":
			if x.known && !x.num {
				b := []byte(x.s)
				for i := range b {
					b[i] = ^b[i]
				}
				v := str(string(b))
				v.t = x.t
				return v
			}
		case "-":
			if i, ok := x.int(); ok && x.num {
				return number(-i)
			}
		case "+":
			return x
		}
		return value{t: x.t &^ (tDecoded | tPacked), src: x.src}
	case nCast:
		a.eval(sc, n.kids[0])
		return value{}
	case nAssign:
		return a.evalAssign(sc, n)
	case nTernary:
		c := a.eval(sc, n.kids[0])
		var then value
		if n.kids[1] != nil {
			then = a.eval(sc, n.kids[1])
		} else {
			then = c
		}
		els := a.eval(sc, n.kids[2])
		v := union(then, els)
		if then.known && !els.known && els.t == 0 {
			v.known, v.num, v.s = true, then.num, then.s
		}
		return v
	case nArray:
		arr := newArray()
		var t taint
		for _, pair := range n.kids {
			if pair.kind != nPair {
				continue
			}
			v := a.eval(sc, pair.kids[1])
			if pair.str == "..." {
				if v.arr != nil {
					for _, e := range v.arr.list() {
						arr.push(e)
					}
				}
				t |= v.t
				continue
			}
			if pair.kids[0] != nil {
				k := a.eval(sc, pair.kids[0])
				if k.known {
					arr.set(k.s, v)
				} else {
					arr.t |= v.t
					t |= k.t
				}
				continue
			}
			arr.push(v)
		}
		out := arrayValue(arr)
		out.t |= t
		return out
	case nPair:
		return a.eval(sc, n.kids[1])
	case nClosure:
		return a.closure(sc, n.fn)
	case nInclude:
		v := a.eval(sc, n.kids[0])
		a.include(sc, n, v)
		return value{}
	case nEval:
		v := a.eval(sc, n.kids[0])
		a.sink(sc, sinkCode, "eval", n.off, v)
		return value{}
	case nIsset:
		a.evalAll(sc, n.kids)
		return value{}
	case nExit, nList:
		a.evalAll(sc, n.kids)
		return value{}
	case nMatch:
		var out value
		for i, k := range n.kids {
			v := a.eval(sc, k)
			if i > 0 && k.kind != nList {
				out = union(out, v)
			}
		}
		return out
	}
	return value{}
}

func parseInt(s string) (int64, bool) {
	s = strings.ReplaceAll(s, "_", "")
	base := 10
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
	case len(s) > 2 && (s[:2] == "0b" || s[:2] == "0B"):
		base, s = 2, s[2:]
	case len(s) > 2 && (s[:2] == "0o" || s[:2] == "0O"):
		base, s = 8, s[2:]
	case len(s) > 1 && s[0] == '0':
		base = 8
	}
	i, err := strconv.ParseInt(s, base, 64)
	return i, err == nil
}

func (a *analyzer) constant(name string) value {
	switch name {
	case "true":
		return number(1)
	case "false", "null":
		return str("")
	case "php_eol":
		return str("\n")
	case "directory_separator":
		return str("/")
	case "php_os":
		return str("Linux")
	}
	if v, ok := a.consts[name]; ok {
		return v
	}
	return value{anchored: true}
}

func (a *analyzer) evalAssign(sc *scope, n *node) value {
	lhs, rhsNode := n.kids[0], n.kids[1]
	rhs := a.eval(sc, rhsNode)
	if lhs == nil {
		// A class constant: str is its name.
		return rhs
	}
	v := rhs
	switch n.str {
	case "=":
	case ".=":
		v = a.concat(a.eval(sc, lhs), rhs)
	case "^=", "|=", "&=":
		v = a.bitwise(n.str[:1], a.eval(sc, lhs), rhs)
	case "??=":
		v = union(a.eval(sc, lhs), rhs)
	default:
		old := a.eval(sc, lhs)
		v = value{t: (old.t | rhs.t) &^ (tDecoded | tPacked), src: old.src}
	}
	a.assign(sc, lhs, v)
	return v
}

// budget bounds the bytes that folding may build for one file, so that
// doubling a string in a loop cannot grow the work past linear.
func (a *analyzer) spend(n int) bool {
	if n > a.budget {
		a.budget = 0
		return false
	}
	a.budget -= n
	return true
}

const maxKnown = 8 << 20

func (a *analyzer) concat(x, y value) value {
	out := value{t: x.t | y.t, src: x.src, anchored: x.isAnchored() || x.known && x.s == "" && y.isAnchored()}
	if out.src == "" {
		out.src = y.src
	}
	if x.known && y.known && len(x.s)+len(y.s) <= maxKnown && a.spend(len(x.s)+len(y.s)) {
		out.known, out.s = true, x.s+y.s
		return out
	}
	out.pre = x.prefix()
	if x.known && len(out.pre) < 64 {
		out.pre += y.prefix()
		out.pre = out.pre[:min(len(out.pre), 64)]
	}
	return out
}

func (a *analyzer) bitwise(op string, x, y value) value {
	out := value{t: (x.t | y.t) &^ tPacked, src: x.src}
	if out.src == "" {
		out.src = y.src
	}
	if !x.known || !y.known {
		return out
	}
	if x.num || y.num {
		i, ok1 := x.int()
		j, ok2 := y.int()
		if !ok1 || !ok2 {
			return out
		}
		var r int64
		switch op {
		case "^":
			r = i ^ j
		case "|":
			r = i | j
		case "&":
			r = i & j
		}
		v := number(r)
		v.t = out.t
		return v
	}
	n := min(len(x.s), len(y.s))
	if op == "|" {
		n = max(len(x.s), len(y.s))
	}
	if !a.spend(n) {
		return out
	}
	b := make([]byte, n)
	for i := range b {
		var c, d byte
		if i < len(x.s) {
			c = x.s[i]
		}
		if i < len(y.s) {
			d = y.s[i]
		}
		switch op {
		case "^":
			b[i] = c ^ d
		case "|":
			b[i] = c | d
		case "&":
			b[i] = c & d
		}
	}
	out.known, out.s = true, string(b)
	return out
}

func (a *analyzer) binary(sc *scope, n *node) value {
	x := a.eval(sc, n.kids[0])
	y := a.eval(sc, n.kids[1])
	switch n.str {
	case ".":
		return a.concat(x, y)
	case "^", "|", "&":
		return a.bitwise(n.str, x, y)
	case "??":
		v := union(x, y)
		if x.known {
			v.known, v.num, v.s = true, x.num, x.s
		}
		if x.arr != nil {
			v.arr = x.arr
		}
		return v
	case "+", "-", "*", "<<":
		i, ok1 := x.int()
		j, ok2 := y.int()
		if ok1 && ok2 && n.str != "<<" {
			var r int64
			switch n.str {
			case "+":
				r = i + j
			case "-":
				r = i - j
			case "*":
				r = i * j
			}
			v := number(r)
			v.t = (x.t | y.t) &^ (tDecoded | tPacked)
			return v
		}
		return value{t: (x.t | y.t) &^ (tDecoded | tPacked), src: x.src}
	}
	// Comparisons and logic give booleans.
	return value{}
}

func (a *analyzer) index(sc *scope, n *node) value {
	baseNode, idxNode := n.kids[0], n.kids[1]
	base := a.eval(sc, baseNode)
	var key value
	if idxNode != nil {
		key = a.eval(sc, idxNode)
	}
	switch {
	case base.glob:
		if key.known {
			return a.readVar(a.global, key.s)
		}
		return value{}
	case base.srv:
		if key.known {
			if requestServerKey(key.s) {
				return value{t: tReq, src: "$_SERVER['" + key.s + "']"}
			}
			return value{}
		}
		return base
	case base.arr != nil:
		if key.known {
			if v, ok := base.arr.vals[key.s]; ok {
				v.t |= base.arr.t
				return v
			}
		}
		// An element under a key the analysis does not know: any of
		// them, so what one holds is only weakly in each.
		v := base.arr.all()
		v.t = weaken(v.t | base.t)
		return v
	case base.known && !base.num && key.known:
		if i, ok := key.int(); ok {
			if i < 0 {
				i += int64(len(base.s))
			}
			if i >= 0 && i < int64(len(base.s)) {
				v := str(base.s[i : i+1])
				v.t = base.t &^ tPacked
				return v
			}
		}
	}
	v := taintOnly(base)
	if key.t&requestMask != 0 && v.t&requestMask == 0 {
		// $a[$_GET['k']]: the key picks, not the data.
	}
	return v
}

func (a *analyzer) include(sc *scope, n *node, v value) {
	if pre := lower(v.prefix()); pre != "" {
		data := v.known || v.t&(requestMask|tDecoded|tPacked) != 0
		switch {
		case strings.HasPrefix(pre, "http://"), strings.HasPrefix(pre, "https://"), strings.HasPrefix(pre, "ftp://"),
			strings.HasPrefix(pre, "php://input"), strings.HasPrefix(pre, "expect://"):
			a.report(n.off, "remote-include", n.str+" of code from "+clip(pre, 60)+": code that is not in the repository")
		case (strings.HasPrefix(pre, "data:") || strings.HasPrefix(pre, "php://filter") || strings.HasPrefix(pre, "phar://")) && data:
			a.report(n.off, "remote-include", n.str+" of code from "+clip(pre, 60)+": code that is not in the repository")
		}
	}
	a.sink(sc, sinkInclude, n.str, n.off, v)
}

func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n] + "..."
	}
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

// closure analyses a closure where it is made, with the variables it
// captures.
func (a *analyzer) closure(sc *scope, f *funcDecl) value {
	if f == nil {
		return value{}
	}
	inner := newScope(f)
	inner.this = sc.this
	if f.arrow {
		inner.parent = sc
	}
	for _, u := range f.uses {
		inner.vars[u] = a.readVar(sc, u)
	}
	a.analyse(f, inner)
	return value{fn: f}
}
