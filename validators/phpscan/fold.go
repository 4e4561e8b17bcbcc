package phpscan

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
)

// Folding: string functions computed on known arguments, as an
// obfuscated payload is built from literals at run time.

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
