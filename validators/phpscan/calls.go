package phpscan

import (
	"strings"
)

// codeSinks run their argument as PHP; commandSinks run it as a shell
// command. Calling one through a name built at run time, or passing one
// as a callback, is how backdoors hide them.
var codeSinks = map[string]bool{"assert": true, "create_function": true, "eval": true}

var commandSinks = map[string]bool{
	"system": true, "exec": true, "passthru": true, "shell_exec": true, "popen": true, "proc_open": true,
	"pcntl_exec": true, "expect_popen": true,
}

func isSink(name string) bool { return codeSinks[name] || commandSinks[name] }

// callbackArgs gives, for the functions that call a callback, the index
// of the callback and of the first argument it receives (-1: the array
// elements of argument data, -2: none the caller passes).
var callbackArgs = map[string][2]int{
	"call_user_func": {0, 1}, "call_user_func_array": {0, -1}, "forward_static_call": {0, 1},
	"forward_static_call_array": {0, -1}, "array_map": {0, 1}, "array_filter": {1, 0}, "array_walk": {1, 0},
	"array_walk_recursive": {1, 0}, "array_reduce": {1, 0}, "usort": {1, 0}, "uasort": {1, 0}, "uksort": {1, 0},
	"register_shutdown_function": {0, 1}, "register_tick_function": {0, 1}, "iterator_apply": {1, 2},
	"preg_replace_callback": {1, 2}, "mb_ereg_replace_callback": {1, 2}, "ob_start": {0, -2},
	"set_error_handler": {0, -2}, "set_exception_handler": {0, -2}, "spl_autoload_register": {0, -2},
	"header_register_callback": {0, -2}, "array_intersect_ukey": {2, 0}, "array_diff_ukey": {2, 0},
	"array_udiff": {2, 0}, "array_uintersect": {2, 0}, "session_set_save_handler": {0, -2},
}

// strong are the PHP functions through which request data stays what it
// was: string, array and decoding functions. Request data through any
// other function the file does not define is only weakly tainted.
func strong(name string) bool {
	for _, p := range []string{"str", "array_", "mb_", "iconv", "base64_", "url", "rawurl", "html", "json_", "gz", "bz", "zlib_", "substr", "trim", "ltrim", "rtrim", "preg_", "openssl_", "mcrypt_", "sodium_", "convert_", "hex2bin", "bin2hex", "pack", "unpack", "sprintf", "vsprintf", "implode", "join", "explode", "ucfirst", "lcfirst", "ucwords", "wordwrap", "addslashes", "stripslashes", "stripcslashes", "chop", "chunk_split", "file_get_contents", "file", "fread", "fgets", "fgetss", "stream_get_contents", "current", "reset", "end", "next", "key", "each", "unserialize", "serialize", "basename", "dirname", "pathinfo", "realpath", "nl2br", "quotemeta", "hash", "crypt", "trim", "reset", "array", "compact", "fopen", "escapeshellcmd", "lzf_", "strval", "settype", "getenv", "sprintf"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// clean are functions whose result carries nothing of their arguments.
var clean = map[string]bool{
	"intval": true, "floatval": true, "boolval": true, "abs": true, "count": true, "sizeof": true, "strlen": true,
	"md5": true, "sha1": true, "crc32": true, "is_numeric": true, "is_string": true, "is_array": true,
	"is_int": true, "in_array": true, "array_key_exists": true, "isset": true, "function_exists": true,
	"file_exists": true, "is_file": true, "is_dir": true, "is_readable": true, "is_writable": true,
	"escapeshellarg": true, "strpos": true, "stripos": true, "strrpos": true, "strcmp": true, "strcasecmp": true,
	"strncmp": true, "strncasecmp": true, "preg_match": true, "preg_match_all": true, "ctype_digit": true,
	"ctype_alnum": true, "ctype_alpha": true, "time": true, "date": true, "mktime": true, "strtotime": true,
	"rand": true, "mt_rand": true, "uniqid": true, "microtime": true, "round": true, "floor": true, "ceil": true,
	"number_format": true, "filesize": true, "filemtime": true, "is_callable": true, "method_exists": true,
	"class_exists": true, "defined": true, "headers_sent": true, "header": true, "setcookie": true,
	"error_reporting": true, "ini_get": true, "ini_set": true, "set_time_limit": true, "ignore_user_abort": true,
	"session_start": true, "ob_get_clean": true, "ob_get_contents": true, "extension_loaded": true,
	"hash_equals": true, "password_verify": true, "is_object": true, "gettype": true, "get_class": true,
	"max": true, "min": true, "array_search": true, "is_bool": true, "is_null": true, "ctype_xdigit": true,
}

// callArgs is the evaluated arguments of a call, and their nodes.
type callArgs struct {
	nodes []*node
	vals  []value
}

func (c callArgs) arg(i int) value {
	if i < len(c.vals) {
		return c.vals[i]
	}
	return value{}
}

func (c callArgs) union(from int) value {
	var v value
	for i := from; i < len(c.vals); i++ {
		v = union(v, c.vals[i])
		if c.vals[i].arr != nil {
			v.t |= c.vals[i].arr.taint()
		}
	}
	return taintOnly(v)
}

func (a *analyzer) args(sc *scope, ns []*node) callArgs {
	c := callArgs{nodes: ns, vals: make([]value, len(ns))}
	for i, n := range ns {
		c.vals[i] = a.eval(sc, n)
		if n.kind == nPair && n.str == "..." && c.vals[i].arr != nil {
			c.vals[i].t |= c.vals[i].arr.taint()
		}
	}
	return c
}

func (a *analyzer) call(sc *scope, n *node) value {
	callee := n.kids[0]
	if callee.kind == nName {
		args := a.args(sc, n.kids[1:])
		return a.callNamed(sc, callee.str, args, n.off, "")
	}
	cv := a.eval(sc, callee)
	args := a.args(sc, n.kids[1:])
	return a.callValue(sc, cv, args, n.off, "called as a variable function")
}

// callValue calls what a value names: a function name, a closure, an
// object with __invoke, or an array of an object (or class) and a method.
func (a *analyzer) callValue(sc *scope, cv value, args callArgs, off int, how string) value {
	if cv.t&(tReq|tRegGlobal|tSession) != 0 {
		a.report(off, "request-call", "function name taken from request data ("+src(cv)+"): the client picks what runs")
	} else if cv.t&paramMask != 0 && sc.fn != nil {
		a.record(sc, sinkUse{mask: cv.t & paramMask, kind: sinkCallee, name: "a function named by its argument", off: off})
	}
	switch {
	case cv.known:
		name := funcName(cv.s)
		if i := strings.Index(name, "::"); i >= 0 {
			return a.callMethodName(sc, name[i+2:], args, off)
		}
		if isSink(name) {
			a.report(off, "hidden-call", name+" "+how+" ("+clip(cv.s, 40)+"): a way to hide code execution")
		}
		return a.callNamed(sc, name, args, off, how)
	case cv.fn != nil:
		return a.apply(sc, cv.fn, args, off)
	case cv.obj != "":
		return a.callMethodOf(sc, cv.obj, "__invoke", args, off)
	case cv.refl != "":
		return a.callNamed(sc, cv.refl, args, off, "")
	case cv.arr != nil && len(cv.arr.keys) == 2:
		elems := cv.arr.list()
		if elems[1].known {
			m := lower(elems[1].s)
			if elems[0].obj != "" {
				return a.callMethodOf(sc, elems[0].obj, m, args, off)
			}
			if elems[0].known {
				return a.callMethodOf(sc, funcName(elems[0].s), m, args, off)
			}
			return a.callMethodName(sc, m, args, off)
		}
	}
	v := args.union(0)
	v.t = weaken(v.t)
	return v
}

// weaken is what request data becomes through a function this file does
// not define.
func weaken(t taint) taint {
	if t&(tReq|tRegGlobal|tSession) != 0 {
		t = t&^(tReq|tRegGlobal|tSession) | tWeak
	}
	return t
}

func src(v value) string {
	if v.src != "" {
		return v.src
	}
	switch {
	case v.t&tDecoded != 0:
		return "decoded data"
	case v.t&tPacked != 0:
		return "a packed literal"
	}
	return "request data"
}

func (a *analyzer) methodCall(sc *scope, n *node) value {
	obj := a.eval(sc, n.kids[0])
	nameNode := n.kids[1]
	name := ""
	if nameNode.kind == nLit {
		name = lower(nameNode.str)
	} else {
		nv := a.eval(sc, nameNode)
		if nv.known {
			name = lower(nv.s)
		} else if nv.t&(tReq|tRegGlobal) != 0 {
			a.report(n.off, "request-call", "method name taken from request data ("+src(nv)+"): the client picks what runs")
		}
	}
	args := a.args(sc, n.kids[2:])
	if obj.refl != "" && (name == "invoke" || name == "invokeargs") {
		if name == "invokeargs" && len(args.vals) > 0 {
			args = callArgs{vals: []value{args.union(0)}}
		}
		return a.callNamed(sc, obj.refl, args, n.off, "")
	}
	if name == "" {
		v := args.union(0)
		v.t = weaken(v.t | obj.t)
		return v
	}
	if obj.obj != "" {
		return a.callMethodOf(sc, obj.obj, name, args, n.off)
	}
	return a.callMethodName(sc, name, args, n.off)
}

func (a *analyzer) staticCall(sc *scope, n *node) value {
	cls := n.kids[0]
	class := ""
	if cls.kind == nName {
		class = cls.str
		if class == "self" || class == "static" || class == "parent" {
			class = sc.this
		}
	}
	name := lower(a.name(sc, n.kids[1]))
	args := a.args(sc, n.kids[2:])
	if name == "" {
		return weakUnion(args)
	}
	if class != "" {
		return a.callMethodOf(sc, class, name, args, n.off)
	}
	return a.callMethodName(sc, name, args, n.off)
}

func weakUnion(args callArgs) value {
	v := args.union(0)
	v.t = weaken(v.t)
	return v
}

// callMethodOf calls class::method, or any method of that name when the
// class is not in this file.
func (a *analyzer) callMethodOf(sc *scope, class, method string, args callArgs, off int) value {
	if ms := a.methods[method]; len(ms) > 0 {
		var found []*funcDecl
		for _, m := range ms {
			if m.class == class {
				found = append(found, m)
			}
		}
		if len(found) == 0 {
			found = ms
		}
		var out value
		for i, m := range found {
			v := a.apply(sc, m, args, off)
			if i == 0 {
				out = v
			} else {
				out = union(out, v)
			}
		}
		return out
	}
	return weakUnion(args)
}

func (a *analyzer) callMethodName(sc *scope, method string, args callArgs, off int) value {
	return a.callMethodOf(sc, "", method, args, off)
}

func (a *analyzer) newObject(sc *scope, n *node) value {
	cls := n.kids[0]
	args := a.args(sc, n.kids[1:])
	class := ""
	if cls.kind == nName {
		class = cls.str
	} else {
		cv := a.eval(sc, cls)
		if cv.known {
			class = funcName(cv.s)
		} else if cv.t&(tReq|tRegGlobal) != 0 {
			a.report(n.off, "request-call", "class name taken from request data ("+src(cv)+"): the client picks what runs")
		}
	}
	if class == "self" || class == "static" {
		class = sc.this
	}
	if class == "reflectionfunction" {
		fv := args.arg(0)
		if fv.t&(tReq|tRegGlobal) != 0 {
			a.report(n.off, "request-call", "ReflectionFunction of a name from request data ("+src(fv)+")")
		}
		if fv.known {
			name := funcName(fv.s)
			if isSink(name) {
				a.report(n.off, "hidden-call", name+" called through ReflectionFunction: a way to hide code execution")
			}
			return value{refl: name}
		}
		return value{}
	}
	if class != "" {
		if _, ok := a.classes[class]; ok {
			a.callMethodOf(sc, class, "__construct", args, n.off)
		}
	}
	return value{obj: class}
}

// apply calls a function of this file through its summary.
func (a *analyzer) apply(sc *scope, f *funcDecl, args callArgs, off int) value {
	s := a.summarize(f)
	if s == nil {
		return weakUnion(args)
	}
	argFor := func(mask taint) value {
		var v value
		for _, i := range mask.params() {
			if i < len(f.params) && f.params[i].variadic {
				v = union(v, args.union(i))
				continue
			}
			av := args.arg(i)
			if av.arr != nil {
				av.t |= av.arr.taint()
			}
			v = union(v, av)
		}
		return v
	}
	for _, u := range s.sinks {
		v := argFor(u.mask)
		if v.t == 0 {
			continue
		}
		name := u.name
		if f.name != "" {
			name += " in " + f.name + "()"
		} else {
			name += " in a closure"
		}
		a.sinkAt(sc, u.kind, name, off, v, a.line(u.off))
	}
	ret := s.ret
	out := value{t: ret.t &^ paramMask, known: ret.known && ret.t&paramMask == 0, num: ret.num, s: ret.s, arr: ret.arr, fn: ret.fn, obj: ret.obj, src: ret.src}
	if ret.t&paramMask != 0 {
		v := argFor(ret.t & paramMask)
		out.t |= v.t
		if out.src == "" {
			out.src = v.src
		}
	}
	return out
}

// summarize analyses f once per pass with its parameters standing for
// whatever a caller passes.
func (a *analyzer) summarize(f *funcDecl) *summary {
	if f.sum != nil && (f.analyzing || f.pass == a.pass) {
		return f.sum
	}
	if !f.parsed && f.to == 0 {
		return nil
	}
	if !f.hot && !f.arrow && len(f.uses) == 0 {
		// Nothing in it acts on data: it returns what it was given.
		var t taint
		for i := range f.params {
			t |= paramBit(i)
		}
		f.sum = &summary{ret: value{t: t}}
		f.pass = a.pass
		return f.sum
	}
	sc := newScope(f)
	sc.this = f.class
	a.analyse(f, sc)
	return f.sum
}

func (a *analyzer) analyse(f *funcDecl, sc *scope) {
	if a.fdepth > 64 {
		return
	}
	a.fdepth++
	defer func() { a.fdepth-- }()
	f.sum = &summary{seen: map[[2]int]bool{}}
	f.analyzing = true
	f.pass = a.pass
	for i, p := range f.params {
		v := value{t: paramBit(i)}
		if p.def != nil {
			d := a.eval(sc, p.def)
			v.known, v.num, v.s = false, false, ""
			v.t |= d.t
		}
		sc.vars[p.name] = v
	}
	a.run(sc, f.parseBody())
	if sc.hasRet {
		f.sum.ret = sc.ret
	}
	f.analyzing = false
}

// record notes that a function's parameters reach a sink.
func (a *analyzer) record(sc *scope, u sinkUse) {
	if sc.fn == nil || sc.fn.sum == nil {
		return
	}
	k := [2]int{u.off, int(u.kind)}
	if sc.fn.sum.seen[k] {
		for i := range sc.fn.sum.sinks {
			if s := &sc.fn.sum.sinks[i]; s.off == u.off && s.kind == u.kind {
				s.mask |= u.mask
			}
		}
		return
	}
	sc.fn.sum.seen[k] = true
	sc.fn.sum.sinks = append(sc.fn.sum.sinks, u)
}

func (a *analyzer) sink(sc *scope, kind sinkKind, name string, off int, v value) {
	a.sinkAt(sc, kind, name, off, v, 0)
}

// sinkAt judges a value reaching a sink: reported when it holds request
// data (or, for code, decoded or packed data), recorded in the function's
// summary when it holds the function's parameters.
func (a *analyzer) sinkAt(sc *scope, kind sinkKind, name string, off int, v value, line int) {
	if v.t&paramMask != 0 {
		a.record(sc, sinkUse{mask: v.t & paramMask, kind: kind, name: name, off: off})
	}
	at := ""
	if line > 0 {
		at = " (line " + itoa(line) + ")"
	}
	switch kind {
	case sinkCode:
		switch {
		case v.t&requestMask != 0:
			a.report(off, "eval-request", name+at+" runs request data ("+src(v)+") as PHP")
		case v.t&tPacked != 0:
			a.report(off, "packed-payload", name+at+" runs a packed payload (a long high-entropy literal)")
		case v.t&(tDecoded|tSelf) != 0:
			a.report(off, "eval-decoded", name+at+" runs decoded data as PHP")
		case v.known && line == 0:
			a.nestedCode(off, v.s, name)
		}
	case sinkCommand:
		if v.t&requestMask != 0 {
			a.report(off, "exec-request", name+at+" runs request data ("+src(v)+") as a shell command")
		}
	case sinkInclude:
		switch {
		case v.t&strongMask != 0 && !v.isAnchored():
			a.report(off, "eval-request", name+at+" of a file named by request data ("+src(v)+")")
		case v.t&tPacked != 0:
			a.report(off, "packed-payload", name+at+" of a packed payload")
		}
	case sinkCallee:
		if v.t&(tReq|tRegGlobal|tSession) != 0 {
			a.report(off, "request-call", name+at+": function name taken from request data ("+src(v)+")")
		}
	case sinkWritePath:
		// Judged with the data, in writeFile.
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	neg := i < 0
	if neg {
		i = -i
	}
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}
