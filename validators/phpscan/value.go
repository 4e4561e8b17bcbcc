package phpscan

import (
	"math/bits"
	"strconv"
)

// taint is what a value may hold: bits for where data comes from, and,
// inside a function, bits for the parameters it came through.
type taint uint64

const (
	tReq       taint = 1 << iota // request data: $_GET, php://input, headers...
	tSession                     // $_SESSION, written by the requests of the session
	tRegGlobal                   // request data through extract, parse_str or $$name
	tWeak                        // request data through a function this file does not define
	tDecoded                     // the output of a decoder (base64_decode, gzinflate...)
	tPacked                      // a long high-entropy literal
	tSelf                        // the file's own bytes (file_get_contents(__FILE__))

	paramShift = 16
	maxParams  = 48
	paramMask  = ^taint(1<<paramShift - 1)
	// requestMask is data an attacker sends.
	requestMask = tReq | tSession | tRegGlobal | tWeak
	// strongMask is data an attacker sends, through nothing this file
	// cannot see.
	strongMask = tReq | tRegGlobal
)

func paramBit(i int) taint {
	if i >= maxParams {
		i = maxParams - 1
	}
	return 1 << (paramShift + i)
}

// params returns the parameter indexes in t.
func (t taint) params() []int {
	var out []int
	for m := uint64(t >> paramShift); m != 0; m &= m - 1 {
		out = append(out, bits.TrailingZeros64(m))
	}
	return out
}

// value is what the analysis knows of a PHP value.
type value struct {
	t     taint
	known bool   // s is the value
	num   bool   // a known number (s is its decimal form), not a string
	s     string // the value when known
	arr   *array // the elements, when an array is known
	fn    *funcDecl
	obj   string // the class of an object
	src   string // where request data came from, for messages
	srv   bool   // $_SERVER, whose keys decide
	glob  bool   // $GLOBALS
	refl  string // a ReflectionFunction of this function
	// anchored: the value starts with something the file fixes (a
	// literal, a constant, __DIR__), as in ABSPATH . $_GET['page'].
	anchored bool
	pre      string // the start of the value, when only that is known
}

// prefix returns what is known of the start of the value.
func (v value) prefix() string {
	if v.known {
		return v.s[:min(len(v.s), 64)]
	}
	return v.pre
}

func (v value) isAnchored() bool { return v.anchored || v.known && v.s != "" }

func str(s string) value { return value{known: true, s: s} }

func number(n int64) value { return value{known: true, num: true, s: strconv.FormatInt(n, 10)} }

// int returns the value as an integer, if it is known to be one.
func (v value) int() (int64, bool) {
	if !v.known {
		return 0, false
	}
	n, err := strconv.ParseInt(v.s, 10, 64)
	return n, err == nil
}

// union is what a value may be when it is one of a or b.
func union(a, b value) value {
	out := value{t: elemTaint(a) | elemTaint(b), src: a.src}
	if out.src == "" {
		out.src = b.src
	}
	if a.known && b.known && a.s == b.s && a.num == b.num {
		out.known, out.num, out.s = true, a.num, a.s
	}
	if a.fn != nil {
		out.fn = a.fn
	} else {
		out.fn = b.fn
	}
	if a.obj != "" {
		out.obj = a.obj
	} else {
		out.obj = b.obj
	}
	out.srv = a.srv || b.srv
	out.anchored = a.isAnchored() && b.isAnchored()
	return out
}

// elemTaint is what a value holds once what is known of its elements is
// lost: request data in one element of an array is only weakly in the
// others.
func elemTaint(v value) taint {
	if v.arr != nil {
		return weaken(v.t)
	}
	return v.t
}

// taintOnly is v with what it holds but nothing known.
func taintOnly(v value) value { return value{t: v.t, src: v.src, anchored: v.isAnchored()} }

// array is a known array: its keys in order, and their values.
type array struct {
	keys []string
	vals map[string]value
	next int64
	t    taint // of elements set under unknown keys
}

const maxArray = 4096

func newArray() *array { return &array{vals: map[string]value{}} }

func (a *array) set(key string, v value) bool {
	if _, ok := a.vals[key]; !ok {
		if len(a.keys) >= maxArray {
			a.t |= v.t
			return false
		}
		a.keys = append(a.keys, key)
	}
	a.vals[key] = v
	if n, err := strconv.ParseInt(key, 10, 64); err == nil && n >= a.next {
		a.next = n + 1
	}
	return true
}

func (a *array) push(v value) { a.set(strconv.FormatInt(a.next, 10), v) }

// all is the union of the elements.
func (a *array) all() value {
	out := value{t: a.t}
	for i, k := range a.keys {
		if i == 0 {
			out = a.vals[k]
			out.t |= a.t
			continue
		}
		out = union(out, a.vals[k])
	}
	return taintOnly(out)
}

func (a *array) taint() taint {
	t := a.t
	for _, v := range a.vals {
		t |= v.t
		if v.arr != nil {
			t |= v.arr.taint()
		}
	}
	return t
}

func arrayValue(a *array) value { return value{arr: a, t: a.taint()} }

// list returns the elements of a known array in order.
func (a *array) list() []value {
	out := make([]value, len(a.keys))
	for i, k := range a.keys {
		out[i] = a.vals[k]
	}
	return out
}

// knownStrings returns the elements as strings, if all are known.
func (a *array) knownStrings() ([]string, bool) {
	out := make([]string, len(a.keys))
	for i, k := range a.keys {
		v := a.vals[k]
		if !v.known {
			return nil, false
		}
		out[i] = v.s
	}
	return out, true
}
