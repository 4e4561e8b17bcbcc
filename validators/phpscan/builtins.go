package phpscan

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/url"
	"strconv"
	"strings"
)

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

// fold computes string functions of known arguments.
func (a *analyzer) fold(name string, args callArgs) (value, bool) {
	n := len(args.vals)
	for _, v := range args.vals {
		if !v.known && v.arr == nil {
			return value{}, false
		}
	}
	s := func(i int) string { return args.vals[i].s }
	var t taint
	for _, v := range args.vals {
		t |= v.t
	}
	t &^= tPacked
	out := func(r string, dec bool) (value, bool) {
		if len(r) > maxKnown || !a.spend(len(r)) {
			return value{t: t | tDecoded}, true
		}
		v := str(r)
		v.t = t
		if dec && r != "" {
			v.t |= tDecoded
		}
		if packed(r) && !dec {
			v.t |= tPacked
		}
		return v, true
	}
	if n == 0 {
		return value{}, false
	}
	switch name {
	case "base64_decode":
		return out(phpBase64(s(0)), true)
	case "base64_encode":
		return out(base64.StdEncoding.EncodeToString([]byte(s(0))), false)
	case "str_rot13":
		return out(rot13(s(0)), true)
	case "strrev":
		b := []byte(s(0))
		for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
		return out(string(b), true)
	case "strtolower":
		return out(strings.ToLower(s(0)), false)
	case "strtoupper":
		return out(strings.ToUpper(s(0)), false)
	case "ucfirst", "ucwords":
		if s(0) == "" {
			return out("", false)
		}
		return out(strings.ToUpper(s(0)[:1])+s(0)[1:], false)
	case "lcfirst":
		if s(0) == "" {
			return out("", false)
		}
		return out(strings.ToLower(s(0)[:1])+s(0)[1:], false)
	case "trim", "ltrim", "rtrim", "chop":
		cut := " \t\n\r\x00\x0B"
		if n > 1 {
			cut = s(1)
		}
		switch name {
		case "trim":
			return out(strings.Trim(s(0), cut), false)
		case "ltrim":
			return out(strings.TrimLeft(s(0), cut), false)
		}
		return out(strings.TrimRight(s(0), cut), false)
	case "str_replace", "str_ireplace":
		if n < 3 || !args.vals[2].known {
			return value{}, false
		}
		subject := s(2)
		var from, to []string
		if v := args.vals[0]; v.arr != nil {
			f, ok := v.arr.knownStrings()
			if !ok {
				return value{}, false
			}
			from = f
		} else {
			from = []string{s(0)}
		}
		if v := args.vals[1]; v.arr != nil {
			f, ok := v.arr.knownStrings()
			if !ok {
				return value{}, false
			}
			to = f
		} else {
			for range from {
				to = append(to, s(1))
			}
		}
		for i, f := range from {
			if f == "" {
				continue
			}
			r := ""
			if i < len(to) {
				r = to[i]
			}
			if name == "str_ireplace" {
				subject = replaceFold(subject, f, r)
			} else {
				subject = strings.ReplaceAll(subject, f, r)
			}
			if len(subject) > maxKnown {
				return value{}, false
			}
		}
		return out(subject, false)
	case "substr", "mb_substr":
		whole := s(0)
		st, ok := args.vals[min(1, n-1)].int()
		if n < 2 || !ok {
			return value{}, false
		}
		l := int64(len(whole))
		if st < 0 {
			st = max(0, l+st)
		}
		if st > l {
			return out("", false)
		}
		end := l
		if n > 2 {
			ln, ok := args.vals[2].int()
			if !ok {
				return value{}, false
			}
			if ln < 0 {
				end = max(st, l+ln)
			} else {
				end = min(l, st+ln)
			}
		}
		return out(whole[st:end], false)
	case "strtr":
		if n == 3 && args.vals[1].known && args.vals[2].known {
			from, to := s(1), s(2)
			m := min(len(from), len(to))
			var table [256]int
			for i := range table {
				table[i] = -1
			}
			for i := 0; i < m; i++ {
				table[from[i]] = int(to[i])
			}
			b := []byte(s(0))
			for i, c := range b {
				if table[c] >= 0 {
					b[i] = byte(table[c])
				}
			}
			return out(string(b), true)
		}
		if n == 2 && args.vals[1].arr != nil {
			var pairs []string
			for _, k := range args.vals[1].arr.keys {
				v := args.vals[1].arr.vals[k]
				if !v.known {
					return value{}, false
				}
				pairs = append(pairs, k, v.s)
			}
			return out(strings.NewReplacer(pairs...).Replace(s(0)), true)
		}
	case "implode", "join":
		glue, arr := "", args.vals[0].arr
		if n > 1 {
			if args.vals[0].arr != nil {
				glue, arr = s(1), args.vals[0].arr
			} else {
				glue, arr = s(0), args.vals[1].arr
			}
		}
		if arr == nil {
			return value{}, false
		}
		parts, ok := arr.knownStrings()
		if !ok {
			v := arr.all()
			return value{t: v.t | t}, true
		}
		total := 0
		for _, p := range parts {
			total += len(p) + len(glue)
		}
		if total > maxKnown {
			return value{}, false
		}
		return out(strings.Join(parts, glue), false)
	case "explode":
		if n < 2 || s(0) == "" {
			return value{}, false
		}
		parts := strings.Split(s(1), s(0))
		if len(parts) > maxArray {
			return value{t: t}, true
		}
		arr := newArray()
		for _, p := range parts {
			e := str(p)
			e.t = t
			arr.push(e)
		}
		v := arrayValue(arr)
		v.t |= t
		return v, true
	case "str_split":
		size := int64(1)
		if n > 1 {
			if k, ok := args.vals[1].int(); ok && k > 0 {
				size = k
			}
		}
		whole := s(0)
		if int64(len(whole))/size > maxArray {
			return value{t: t}, true
		}
		arr := newArray()
		for i := int64(0); i < int64(len(whole)); i += size {
			arr.push(str(whole[i:min(int64(len(whole)), i+size)]))
		}
		return arrayValue(arr), true
	case "chr":
		if k, ok := args.vals[0].int(); ok {
			return out(string([]byte{byte(((k % 256) + 256) % 256)}), false)
		}
	case "ord":
		if s(0) != "" {
			return number(int64(s(0)[0])), true
		}
	case "hex2bin":
		b, err := hex.DecodeString(s(0))
		if err != nil {
			return value{}, false
		}
		return out(string(b), true)
	case "bin2hex":
		return out(hex.EncodeToString([]byte(s(0))), false)
	case "pack":
		if f := s(0); n == 2 && (f == "H*" || f == "H" && len(s(1)) <= 2) {
			b, err := hex.DecodeString(s(1))
			if err != nil {
				return value{}, false
			}
			return out(string(b), true)
		}
		if f := s(0); strings.HasPrefix(f, "C") || strings.HasPrefix(f, "c") {
			var b []byte
			for i := 1; i < n; i++ {
				k, ok := args.vals[i].int()
				if !ok {
					return value{}, false
				}
				b = append(b, byte(k))
			}
			return out(string(b), true)
		}
	case "urldecode":
		r, err := url.QueryUnescape(s(0))
		if err != nil {
			return value{}, false
		}
		return out(r, true)
	case "rawurldecode":
		r, err := url.PathUnescape(strings.ReplaceAll(s(0), "+", "%2B"))
		if err != nil {
			return value{}, false
		}
		return out(r, true)
	case "gzinflate", "gzuncompress", "gzdecode", "zlib_decode":
		r, ok := a.inflate(name, s(0))
		if !ok {
			return value{t: t | tDecoded}, true
		}
		return out(r, true)
	case "convert_uudecode":
		return out(uudecode(s(0)), true)
	case "str_repeat":
		k, ok := args.vals[min(1, n-1)].int()
		if n < 2 || !ok || k < 0 || int64(len(s(0)))*k > maxKnown {
			return value{}, false
		}
		return out(strings.Repeat(s(0), int(k)), false)
	case "sprintf", "vsprintf":
		vals := args.vals[1:]
		if name == "vsprintf" && n > 1 && args.vals[1].arr != nil {
			vals = args.vals[1].arr.list()
		}
		r, ok := sprintf(s(0), vals)
		if !ok {
			return value{}, false
		}
		return out(r, false)
	case "strval", "stripslashes", "html_entity_decode", "htmlspecialchars_decode":
		r := s(0)
		if name == "stripslashes" {
			r = stripslashes(r)
		}
		if name != "strval" && name != "stripslashes" {
			r = entities(r)
		}
		return out(r, false)
	case "array_reverse", "array_values":
		if arr := args.vals[0].arr; arr != nil {
			l := arr.list()
			na := newArray()
			for i := range l {
				if name == "array_reverse" {
					na.push(l[len(l)-1-i])
				} else {
					na.push(l[i])
				}
			}
			return arrayValue(na), true
		}
	case "current", "reset", "array_shift":
		if arr := args.vals[0].arr; arr != nil && len(arr.keys) > 0 {
			return arr.vals[arr.keys[0]], true
		}
	case "end", "array_pop":
		if arr := args.vals[0].arr; arr != nil && len(arr.keys) > 0 {
			return arr.vals[arr.keys[len(arr.keys)-1]], true
		}
	}
	return value{}, false
}

// mapKnown folds array_map of a string function over a known array.
func (a *analyzer) mapKnown(fn string, arr *array) (value, bool) {
	na := newArray()
	for _, k := range arr.keys {
		v, ok := a.fold(fn, callArgs{vals: []value{arr.vals[k]}})
		if !ok {
			return value{}, false
		}
		na.set(k, v)
	}
	return arrayValue(na), true
}

func replaceFold(s, old, new string) string {
	lo, lold := strings.ToLower(s), strings.ToLower(old)
	var b strings.Builder
	for {
		i := strings.Index(lo, lold)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(new)
		s, lo = s[i+len(old):], lo[i+len(old):]
	}
}

// phpBase64 decodes as PHP's base64_decode does by default: bytes outside
// the alphabet are skipped, padding is optional.
func phpBase64(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			b = append(b, c)
		} else if c == '=' {
			break
		}
	}
	if len(b)%4 == 1 {
		b = b[:len(b)-1]
	}
	out, err := base64.RawStdEncoding.DecodeString(string(b))
	if err != nil {
		return ""
	}
	return string(out)
}

func rot13(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = 'a' + (c-'a'+13)%26
		case c >= 'A' && c <= 'Z':
			b[i] = 'A' + (c-'A'+13)%26
		}
	}
	return string(b)
}

// inflate decompresses, within the file's folding budget.
func (a *analyzer) inflate(name, s string) (string, bool) {
	var r io.Reader
	in := strings.NewReader(s)
	switch name {
	case "gzinflate":
		r = flate.NewReader(in)
	case "gzuncompress":
		z, err := zlib.NewReader(in)
		if err != nil {
			return "", false
		}
		r = z
	case "gzdecode":
		z, err := gzip.NewReader(in)
		if err != nil {
			return "", false
		}
		r = z
	default:
		if z, err := zlib.NewReader(in); err == nil {
			r = z
		} else if z, err := gzip.NewReader(strings.NewReader(s)); err == nil {
			r = z
		} else {
			r = flate.NewReader(strings.NewReader(s))
		}
	}
	limit := int64(min(maxKnown, max(a.budget, 0)))
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, limit+1))
	if n > limit || n == 0 && err != nil {
		return "", false
	}
	return buf.String(), true
}

func uudecode(s string) string {
	var out []byte
	for _, line := range strings.Split(s, "\n") {
		if line == "" || line == "`" {
			continue
		}
		n := int((line[0] - ' ') & 63)
		line = line[1:]
		var b []byte
		for i := 0; i+3 < len(line)+3 && len(b) < n; i += 4 {
			var q [4]byte
			for j := 0; j < 4; j++ {
				if i+j < len(line) {
					q[j] = (line[i+j] - ' ') & 63
				}
			}
			b = append(b, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2, q[2]<<6|q[3])
		}
		if len(b) > n {
			b = b[:n]
		}
		out = append(out, b...)
	}
	return string(out)
}

func sprintf(format string, vals []value) (string, bool) {
	var b strings.Builder
	arg := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(format) {
			return "", false
		}
		switch format[i] {
		case '%':
			b.WriteByte('%')
		case 's', 'd', 'c':
			if arg >= len(vals) || !vals[arg].known {
				return "", false
			}
			v := vals[arg]
			arg++
			switch format[i] {
			case 's':
				b.WriteString(v.s)
			case 'd':
				k, ok := v.int()
				if !ok {
					return "", false
				}
				b.WriteString(strconv.FormatInt(k, 10))
			case 'c':
				k, ok := v.int()
				if !ok {
					return "", false
				}
				b.WriteByte(byte(k))
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

func stripslashes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == '0' {
				b.WriteByte(0)
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func entities(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			b.WriteByte(s[i])
			continue
		}
		end := strings.IndexByte(s[i:], ';')
		if end < 0 || end > 10 {
			b.WriteByte('&')
			continue
		}
		ent := s[i+1 : i+end]
		var r string
		switch {
		case ent == "lt":
			r = "<"
		case ent == "gt":
			r = ">"
		case ent == "amp":
			r = "&"
		case ent == "quot":
			r = "\""
		case ent == "apos" || ent == "#39":
			r = "'"
		case strings.HasPrefix(ent, "#x") || strings.HasPrefix(ent, "#X"):
			if k, err := strconv.ParseUint(ent[2:], 16, 8); err == nil {
				r = string([]byte{byte(k)})
			}
		case strings.HasPrefix(ent, "#"):
			if k, err := strconv.ParseUint(ent[1:], 10, 8); err == nil {
				r = string([]byte{byte(k)})
			}
		}
		if r == "" {
			b.WriteByte('&')
			continue
		}
		b.WriteString(r)
		i += end
	}
	return b.String()
}

// pregEval reports whether a PHP regular expression carries the e
// modifier.
func pregEval(re string) bool {
	re = strings.TrimLeft(re, " \t\n\r\v\f")
	if len(re) < 2 {
		return false
	}
	open := re[0]
	closer := open
	switch open {
	case '(':
		closer = ')'
	case '{':
		closer = '}'
	case '[':
		closer = ']'
	case '<':
		closer = '>'
	}
	if open >= 'a' && open <= 'z' || open >= 'A' && open <= 'Z' || open >= '0' && open <= '9' || open == '\\' {
		return false
	}
	end := strings.LastIndexByte(re, closer)
	if end <= 0 {
		return false
	}
	mods := re[end+1:]
	return strings.IndexByte(mods, 'e') >= 0 && strings.Trim(mods, "imsxuADSUXJne\n\r\t ") == ""
}
