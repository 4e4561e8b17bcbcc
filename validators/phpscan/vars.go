package phpscan

import (
	"strconv"
	"strings"
)

// Variables: superglobals and request data, reads, assignments, and
// writes through array offsets and properties.

var superglobals = map[string]string{
	"_GET": "$_GET", "_POST": "$_POST", "_REQUEST": "$_REQUEST", "_COOKIE": "$_COOKIE", "_FILES": "$_FILES",
	"HTTP_GET_VARS": "$HTTP_GET_VARS", "HTTP_POST_VARS": "$HTTP_POST_VARS", "HTTP_COOKIE_VARS": "$HTTP_COOKIE_VARS",
	"HTTP_POST_FILES": "$HTTP_POST_FILES", "HTTP_RAW_POST_DATA": "$HTTP_RAW_POST_DATA",
}

// requestServerKeys are the $_SERVER entries a client sends.
func requestServerKey(k string) bool {
	switch k {
	case "QUERY_STRING", "REQUEST_URI", "PATH_INFO", "PATH_TRANSLATED", "PHP_SELF", "ORIG_PATH_INFO",
		"REDIRECT_QUERY_STRING", "REDIRECT_URL", "CONTENT_TYPE", "argv", "PHP_AUTH_USER", "PHP_AUTH_PW":
		return true
	}
	return strings.HasPrefix(k, "HTTP_")
}

func (a *analyzer) readVar(sc *scope, name string) value {
	if src, ok := superglobals[name]; ok {
		return value{t: tReq, src: src}
	}
	switch name {
	case "_SERVER", "HTTP_SERVER_VARS":
		return value{t: tReq, src: "$_SERVER", srv: true}
	case "_ENV", "HTTP_ENV_VARS":
		return value{}
	case "_SESSION", "HTTP_SESSION_VARS":
		return value{t: tSession, src: "$_SESSION"}
	case "GLOBALS":
		return value{glob: true}
	case "this":
		return value{obj: sc.this}
	}
	for s := sc; s != nil; s = s.parent {
		if s.globals[name] && s != a.global {
			return a.readVar(a.global, name)
		}
		if v, ok := s.vars[name]; ok {
			return v
		}
	}
	if sc.register || sc.fn == nil && a.global.register {
		return value{t: tRegGlobal, src: "$" + name + " (set from request data by extract or $$)"}
	}
	return value{}
}

func (a *analyzer) setVar(sc *scope, name string, v value) {
	if sc.globals[name] {
		sc = a.global
	}
	if _, ok := superglobals[name]; ok || name == "this" || name == "GLOBALS" {
		return
	}
	if old, ok := sc.vars[name]; ok && sc.nest > 0 && sc.depth[name] < sc.nest {
		// Assigned in a branch or loop: it may still hold what it held.
		v.t |= elemTaint(old)
		if v.src == "" {
			v.src = old.src
		}
	}
	sc.vars[name] = v
	sc.depth[name] = sc.nest
	if sc == a.global && v.t&(requestMask|tDecoded|tPacked|tSelf) != 0 {
		a.dirty = true
	}
}

// assign stores v into the place lhs names.
func (a *analyzer) assign(sc *scope, lhs *node, v value) {
	if lhs == nil {
		return
	}
	switch lhs.kind {
	case nVar:
		a.setVar(sc, lhs.str, v)
	case nVarVar:
		name := a.eval(sc, lhs.kids[0])
		if name.known {
			a.setVar(sc, name.s, v)
		} else if name.t&(tReq|tRegGlobal|tSession) != 0 {
			// $$k = $v with k from a request: register_globals.
			sc.register = true
			if sc.top {
				a.global.register = true
			}
		}
	case nIndex:
		a.assignIndex(sc, lhs, v)
	case nProp:
		name := a.name(sc, lhs.kids[1])
		if name != "" {
			old, ok := a.props[name]
			if ok {
				v2 := union(old, v)
				if v.known {
					v2.known, v2.num, v2.s = true, v.num, v.s
				}
				if v.fn != nil {
					v2.fn = v.fn
				}
				if v.arr != nil {
					v2.arr = v.arr
				}
				v = v2
			}
			a.props[name] = v
			if v.t&(requestMask|tDecoded|tPacked|tSelf) != 0 {
				a.dirty = true
			}
		}
	case nSProp:
		if name := a.name(sc, lhs.kids[1]); name != "" {
			a.props["::"+name] = union(a.props["::"+name], v)
		}
	case nArray, nList:
		i := int64(0)
		for _, pair := range lhs.kids {
			if pair.kind != nPair || pair.kids[1] == nil {
				continue
			}
			var elem value
			key := ""
			if pair.kids[0] != nil {
				k := a.eval(sc, pair.kids[0])
				if k.known {
					key = k.s
				}
			} else {
				key = strconv.FormatInt(i, 10)
				i++
			}
			if v.arr != nil {
				if e, ok := v.arr.vals[key]; ok && key != "" {
					elem = e
				} else {
					elem = v.arr.all()
				}
			}
			elem.t |= v.t
			if elem.src == "" {
				elem.src = v.src
			}
			a.assign(sc, pair.kids[1], elem)
		}
	}
}

// assignIndex stores v at $base[key], keeping what is known of the array.
func (a *analyzer) assignIndex(sc *scope, lhs *node, v value) {
	baseNode, idxNode := lhs.kids[0], lhs.kids[1]
	if baseNode.kind == nVar && baseNode.str == "GLOBALS" && idxNode != nil {
		if k := a.eval(sc, idxNode); k.known {
			a.setVar(a.global, k.s, v)
		}
		return
	}
	if baseNode.kind == nVar && baseNode.str == "_SESSION" {
		return
	}
	base := a.eval(sc, baseNode)
	var key value
	if idxNode != nil {
		key = a.eval(sc, idxNode)
	}
	switch {
	case base.arr != nil:
		// Arrays are changed in place: a copy made earlier ($b = $a) sees
		// the change too, which can only add to what it may hold.
		arr := base.arr
		if idxNode == nil {
			arr.push(v)
		} else if key.known {
			arr.set(key.s, v)
		} else {
			arr.t |= v.t
		}
		nb := base
		nb.arr = arr
		nb.t = base.t | v.t
		a.assign(sc, baseNode, nb)
	case base.known && !base.num && key.known && v.known && len(v.s) > 0:
		// $s[3] = 'x' on a known string.
		if n, ok := key.int(); ok && n >= 0 && n < int64(len(base.s)) {
			b := []byte(base.s)
			b[n] = v.s[0]
			nb := str(string(b))
			nb.t = base.t | v.t
			a.assign(sc, baseNode, nb)
			return
		}
		a.assign(sc, baseNode, value{t: base.t | v.t, src: base.src})
	case !base.known && base.t == 0 && base.obj == "" && (baseNode.kind == nVar || baseNode.kind == nIndex || baseNode.kind == nProp):
		arr := newArray()
		if idxNode == nil {
			arr.push(v)
		} else if key.known {
			arr.set(key.s, v)
		} else {
			arr.t |= v.t
		}
		a.assign(sc, baseNode, arrayValue(arr))
	default:
		nb := taintOnly(base)
		nb.t |= v.t
		if nb.src == "" {
			nb.src = v.src
		}
		a.assign(sc, baseNode, nb)
	}
}

// name returns the known name a property or method node gives.
func (a *analyzer) name(sc *scope, n *node) string {
	if n == nil {
		return ""
	}
	if n.kind == nLit {
		return n.str
	}
	v := a.eval(sc, n)
	if v.known {
		return v.s
	}
	return ""
}
