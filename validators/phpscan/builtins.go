package phpscan

import "strings"

// decoders turn data into other data; what they output, run as code, is
// an obfuscated payload.
var decoders = map[string]bool{
	"base64_decode": true, "gzinflate": true, "gzuncompress": true, "gzdecode": true, "zlib_decode": true,
	"str_rot13": true, "strrev": true, "hex2bin": true, "pack": true, "convert_uudecode": true,
	"bzdecompress": true, "lzf_decompress": true, "openssl_decrypt": true, "mcrypt_decrypt": true,
	"urldecode": true, "rawurldecode": true, "gzinflate_": true, "sodium_crypto_secretbox_open": true,
}

// callNamed calls the function name (lowercase, no namespace).
func (a *analyzer) callNamed(sc *scope, name string, args callArgs, off int, how string) value {
	if f := a.funcs[name]; f != nil {
		return a.apply(sc, f, args, off)
	}
	arg := args.arg
	switch name {
	case "assert":
		v := arg(0)
		if v.known || v.t&(requestMask|tDecoded|tPacked|tSelf|paramMask) != 0 {
			a.sink(sc, sinkCode, "assert", off, v)
		}
		return value{}
	case "create_function":
		body := arg(1)
		all := union(arg(0), body)
		all.t |= body.t
		a.sink(sc, sinkCode, "create_function", off, all)
		if body.known {
			return value{fn: a.parseFunction(arg(0), body.s, off)}
		}
		return value{}
	case "preg_replace", "preg_filter", "preg_replace_callback":
		pat := arg(0)
		if name != "preg_replace_callback" {
			if pat.known && pregEval(pat.s) {
				a.report(off, "preg-replace-eval", name+" with the /e modifier runs the replacement as PHP")
				a.sink(sc, sinkCode, name+" /e", off, arg(1))
			}
			if pat.arr != nil {
				for _, p := range pat.arr.list() {
					if p.known && pregEval(p.s) {
						a.report(off, "preg-replace-eval", name+" with the /e modifier runs the replacement as PHP")
					}
				}
			}
			if pat.t&strongMask != 0 && !pat.isAnchored() {
				a.report(off, "eval-request", name+" with a pattern from request data ("+src(pat)+"): /e runs PHP")
			}
		}
	case "mb_ereg_replace", "mb_eregi_replace":
		if o := arg(3); o.known && strings.ContainsRune(o.s, 'e') {
			a.report(off, "preg-replace-eval", name+" with the e option runs the replacement as PHP")
			a.sink(sc, sinkCode, name, off, arg(1))
		} else if o.t&strongMask != 0 {
			a.report(off, "eval-request", name+" with options from request data: e runs PHP")
		}
	case "mail":
		a.sink(sc, sinkCommand, "mail's sendmail parameters", off, arg(4))
	case "putenv":
		if v := arg(0); v.known && strings.HasPrefix(strings.ToUpper(strings.TrimSpace(v.s)), "LD_PRELOAD") {
			a.report(off, "exec-request", "putenv of LD_PRELOAD: loads a library into the next program run (a way past disable_functions)")
		}
	case "getallheaders", "apache_request_headers":
		return value{t: tReq, src: name + "()"}
	case "getenv":
		if len(args.vals) == 0 {
			return value{t: tReq, src: "getenv()"}
		}
		if v := arg(0); v.known && requestServerKey(v.s) {
			return value{t: tReq, src: "getenv('" + clip(v.s, 30) + "')"}
		}
		return value{}
	case "file_get_contents", "fopen", "file", "readfile", "stream_get_contents", "fread", "fgets", "fgetss", "fgetc", "fpassthru", "gzopen", "gzfile":
		v := arg(0)
		if v.known {
			s := lower(strings.TrimSpace(v.s))
			if strings.HasPrefix(s, "php://input") {
				return value{t: tReq, src: "php://input"}
			}
			if v.s == "\x00self" {
				return value{t: tSelf}
			}
			if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "ftp://") {
				return value{t: tDecoded, src: v.s}
			}
		}
		out := taintOnly(v)
		out.t &^= tPacked
		return out
	case "extract", "import_request_variables":
		if v := arg(0); v.t&(requestMask|tDecoded) != 0 || name == "import_request_variables" {
			sc.register = true
			if sc.top {
				a.global.register = true
			}
		}
		return value{}
	case "parse_str", "mb_parse_str":
		v := arg(0)
		if len(args.nodes) > 1 {
			a.assign(sc, args.nodes[1], value{t: v.t, src: v.src})
		} else if v.t&requestMask != 0 {
			sc.register = true
			if sc.top {
				a.global.register = true
			}
		}
		return value{}
	case "preg_match", "preg_match_all":
		if len(args.nodes) > 2 {
			a.assign(sc, args.nodes[2], taintOnly(arg(1)))
		}
		return value{}
	case "file_put_contents", "fwrite", "fputs", "move_uploaded_file", "copy", "rename", "symlink", "gzwrite", "error_log":
		a.writeFile(sc, name, args, off)
		return value{}
	case "define":
		if n := arg(0); n.known {
			a.consts[lower(n.s)] = arg(1)
		}
		return value{}
	case "constant":
		if n := arg(0); n.known {
			return a.constant(lower(n.s))
		}
		return value{}
	case "func_get_args", "func_get_arg":
		if sc.fn != nil {
			var t taint
			for i := range sc.fn.params {
				t |= paramBit(i)
			}
			if len(sc.fn.params) == 0 {
				t = paramBit(0)
			}
			return value{t: t}
		}
		return value{}
	case "array_map":
		cb := arg(0)
		if cb.known && len(args.vals) == 2 && args.vals[1].arr != nil {
			if out, ok := a.mapKnown(funcName(cb.s), args.vals[1].arr); ok {
				return out
			}
		}
	case "filter_var", "filter_input":
		// FILTER_CALLBACK calls options['options'].
		if o := arg(2); o.arr != nil {
			if cb, ok := o.arr.vals["options"]; ok {
				a.callback(sc, name, cb, callArgs{vals: []value{arg(0)}}, off)
			}
		}
		return taintOnly(arg(0))
	}
	if idx, ok := callbackArgs[name]; ok {
		var data callArgs
		switch {
		case idx[1] == -1:
			d := arg(1)
			if d.arr != nil {
				data.vals = d.arr.list()
			} else {
				data.vals = []value{taintOnly(d)}
			}
		case idx[1] >= 0:
			for i := idx[1]; i < len(args.vals); i++ {
				if i == idx[0] {
					continue
				}
				v := args.vals[i]
				if v.arr != nil && name != "call_user_func" && name != "register_shutdown_function" && name != "register_tick_function" && name != "forward_static_call" {
					v = v.arr.all()
					v.t |= args.vals[i].t
				}
				data.vals = append(data.vals, v)
			}
		}
		if name == "preg_replace_callback" || name == "mb_ereg_replace_callback" {
			data.vals = []value{taintOnly(arg(2))}
		}
		r := a.callback(sc, name, arg(idx[0]), data, off)
		if name == "call_user_func" || name == "call_user_func_array" || name == "forward_static_call" || name == "forward_static_call_array" {
			return r
		}
		return taintOnly(union(r, args.union(0)))
	}
	if clean[name] {
		return value{}
	}
	if codeSinks[name] {
		a.sink(sc, sinkCode, name, off, args.union(0))
		return value{}
	}
	if commandSinks[name] {
		a.sink(sc, sinkCommand, name, off, args.arg(0))
		return value{}
	}
	if v, ok := a.fold(name, args); ok {
		return v
	}
	v := args.union(0)
	v.anchored = args.arg(0).isAnchored()
	if decoders[name] && len(args.vals) > 0 {
		v.t |= tDecoded
		v.t &^= tPacked
		if args.vals[0].t&tPacked != 0 {
			v.t |= tPacked
		}
	}
	if !a.isStrong(name) {
		v.t = weaken(v.t)
	}
	return v
}

func (a *analyzer) isStrong(name string) bool {
	if a.strong == nil {
		a.strong = map[string]bool{}
	}
	s, ok := a.strong[name]
	if !ok {
		s = strong(name)
		a.strong[name] = s
	}
	return s
}

// callback calls a function passed as a callback: passing a code or
// command sink is itself a finding.
func (a *analyzer) callback(sc *scope, via string, cb value, data callArgs, off int) value {
	if cb.known {
		name := funcName(cb.s)
		if isSink(name) {
			a.report(off, "hidden-call", name+" passed as a callback to "+via+": a way to hide code execution")
		}
	}
	return a.callValue(sc, cb, data, off, "passed as a callback to "+via)
}

func (a *analyzer) writeFile(sc *scope, name string, args callArgs, off int) {
	path, data := args.arg(0), args.arg(1)
	switch name {
	case "move_uploaded_file", "copy", "rename", "symlink":
		path, data = args.arg(1), args.arg(0)
		if name == "move_uploaded_file" {
			data.t |= tReq
		}
	case "error_log":
		path, data = args.arg(2), args.arg(0)
		if t := args.arg(1); !t.known || t.s != "3" {
			return
		}
	}
	if data.arr != nil {
		data.t |= data.arr.taint()
	}
	if path.t&strongMask != 0 && data.t&(strongMask|tDecoded|tPacked) != 0 {
		a.report(off, "file-write-request", name+" writes data to a file whose path comes from request data ("+src(path)+"): an uploader")
	}
	if data.known && path.known && looksPHP(data.s) {
		a.nestedCode(off, data.s, name+" of a file")
	}
}

// parseFunction builds the function create_function makes from its
// parameter list and body.
func (a *analyzer) parseFunction(params value, body string, off int) *funcDecl {
	if a.nest > 3 || !a.spend(len(body)) {
		return nil
	}
	p := params.s
	code := "<?php function(" + p + ") {" + body + "\n};"
	sub := a.sub(code)
	if sub == nil {
		return nil
	}
	sub.p.parseFile()
	for _, f := range sub.p.funcs {
		if f.name == "" {
			return f
		}
	}
	return nil
}
