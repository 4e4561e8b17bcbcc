// Package phpscan finds backdoors and webshells in PHP source by reading
// its tokens (package phplex) the way PHP would run them: it follows
// request data ($_GET, $_POST, $_COOKIE, $_SERVER headers, php://input,
// getallheaders(), getenv, extract, parse_str...) through assignments,
// arrays, string functions and the file's own functions into the places
// that run code (eval, assert, create_function, include, preg_replace /e,
// system and the other shell functions, backticks, variable functions and
// callbacks), folds the names that obfuscators build at run time
// (concatenation, XOR, chr, strrev, str_rot13, base64 of literals, arrays
// of fragments), and decodes literal payloads to read the code they hide.
//
// Scan is total and linear: any input is read to its end, with bounded
// nesting, a budget for the bytes folding may build, and a bound on
// evaluation steps proportional to the input.
package phpscan

import (
	"bytes"
	"math"
	"sort"
	"strings"

	"github.com/architectos/aos/validators/phplex"
)

// Finding is one problem, at a 1-based line and byte column.
type Finding struct {
	Line, Column int
	Rule         string
	Message      string
}

// Options change how a file is read.
type Options struct {
	// ShortTags reads "<?" as an opening tag (PHP's built-in default);
	// backdoors rely on servers that allow it.
	ShortTags bool
}

type analyzer struct {
	src  []byte
	opts Options
	p    *parser

	funcs   map[string]*funcDecl
	methods map[string][]*funcDecl
	classes map[string]*classDecl
	consts  map[string]value
	props   map[string]value
	global  *scope

	found map[findKey]Finding
	lines []int // offsets of line starts

	budget int
	steps  int
	limit  int
	pass   int
	loops  int
	fdepth int
	nest   int // depth of decoded code being read
	parent *analyzer
	// dirty is set when request, decoded or packed data reaches a
	// property or a global: the second pass may then find more.
	dirty  bool
	strong map[string]bool
}

type findKey struct {
	off  int
	rule string
}

// Scan returns the findings of one PHP file, sorted by position.
func Scan(src []byte, opts Options) []Finding {
	a := newAnalyzer(src, opts, nil)
	a.budget = 16*len(src) + 1<<20
	a.analyze()
	out := make([]Finding, 0, len(a.found))
	for _, f := range a.found {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		if out[i].Column != out[j].Column {
			return out[i].Column < out[j].Column
		}
		return out[i].Rule < out[j].Rule
	})
	return out
}

func newAnalyzer(src []byte, opts Options, parent *analyzer) *analyzer {
	toks := phplex.Tokenize(src, phplex.Options{ShortTags: opts.ShortTags, SkipLines: true})
	a := &analyzer{
		src:     src,
		opts:    opts,
		p:       &parser{toks: significant(string(src), toks), src: src},
		funcs:   map[string]*funcDecl{},
		methods: map[string][]*funcDecl{},
		classes: map[string]*classDecl{},
		consts:  map[string]value{},
		props:   map[string]value{},
		found:   map[findKey]Finding{},
		parent:  parent,
	}
	a.limit = 64*len(a.p.toks) + 10000
	if parent != nil {
		a.nest = parent.nest + 1
		a.found = parent.found
	}
	return a
}

func (a *analyzer) stop() bool { return a.steps > a.limit }

// analyze parses the file and runs it twice: what the second pass reads
// of properties, globals and functions includes what the first pass
// assigned anywhere in the file.
func (a *analyzer) analyze() {
	body := a.p.parseFile()
	for _, f := range a.p.funcs {
		if f.name == "" {
			continue
		}
		if f.class != "" {
			a.methods[f.name] = append(a.methods[f.name], f)
		} else if a.funcs[f.name] == nil {
			a.funcs[f.name] = f
		}
	}
	for _, c := range a.p.classes {
		a.classes[c.name] = c
	}
	// A function that calls a hot function is hot.
	for changed, rounds := true, 0; changed && rounds < 16; rounds++ {
		changed = false
		for _, f := range a.p.funcs {
			if f.hot {
				continue
			}
			for _, c := range f.calls {
				if g := a.funcs[c]; g != nil && g.hot {
					f.hot, changed = true, true
					break
				}
				for _, m := range a.methods[c] {
					if m.hot {
						f.hot, changed = true, true
						break
					}
				}
				if f.hot {
					break
				}
			}
		}
	}
	for a.pass = 1; a.pass <= 2; a.pass++ {
		a.global = newScope(nil)
		a.global.top = true
		for _, c := range a.p.classes {
			sc := newScope(nil)
			sc.this = c.name
			for _, e := range c.props {
				a.eval(sc, e)
			}
			for _, e := range c.consts {
				a.consts[c.name+"::"+lower(e.str)] = a.eval(sc, e.kids[1])
			}
		}
		a.run(a.global, body)
		// Functions nothing calls still reach sinks with request data.
		for _, f := range a.p.funcs {
			if f.name != "" {
				a.summarize(f)
			}
		}
		if !a.dirty && !a.global.register {
			break
		}
	}
}

// sub returns an analyzer for code decoded from this file, sharing its
// findings and budget, or nil past the nesting limit.
func (a *analyzer) sub(code string) *analyzer {
	if a.nest >= 3 {
		return nil
	}
	s := newAnalyzer([]byte(code), a.opts, a)
	s.budget = a.budget
	return s
}

// nestedCode reads code that the file runs or writes (eval of a known
// string, a payload decoded from a literal) and reports what it finds
// there at off.
func (a *analyzer) nestedCode(off int, code, via string) {
	if !a.spend(len(code)) {
		return
	}
	if !strings.Contains(code, "<?") {
		code = "<?php " + code
	} else if i := strings.Index(code, "?>"); i >= 0 && i < strings.Index(code, "<?") {
		code = "<?php " + code
	}
	s := a.sub(code)
	if s == nil {
		return
	}
	s.found = map[findKey]Finding{}
	s.analyze()
	a.budget = min(a.budget, s.budget)
	keys := make([]findKey, 0, len(s.found))
	for k := range s.found {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].off < keys[j].off })
	for _, k := range keys {
		f := s.found[k]
		a.report(off, "packed-payload", "code run by "+via+" holds: "+f.Rule+": "+f.Message)
		break
	}
}

// report records a finding at byte offset off.
func (a *analyzer) report(off int, rule, msg string) {
	k := findKey{off, rule}
	if _, ok := a.found[k]; ok {
		return
	}
	line, col := a.pos(off)
	a.found[k] = Finding{Line: line, Column: col, Rule: rule, Message: msg}
}

func (a *analyzer) pos(off int) (line, col int) {
	if a.lines == nil {
		a.lines = []int{0}
		for i, c := range a.src {
			if c == '\n' {
				a.lines = append(a.lines, i+1)
			}
		}
	}
	i := sort.SearchInts(a.lines, off+1) - 1
	if i < 0 {
		i = 0
	}
	return i + 1, off - a.lines[i] + 1
}

func (a *analyzer) line(off int) int {
	l, _ := a.pos(off)
	return l
}

// packed reports whether a literal looks like a packed payload: long, with
// the entropy of encoded or compressed data, and no words.
func packed(s string) bool {
	if len(s) < 256 {
		return false
	}
	var counts [256]int
	spaces, b64, hexd, bin := 0, 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		counts[c]++
		switch {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t':
			spaces++
		case c < 0x20 || c >= 0x7f:
			bin++
		}
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' || c == '_' || c == '-' {
			b64++
		}
		if isHexDigit(c) {
			hexd++
		}
	}
	n := float64(len(s))
	var h float64
	for _, k := range counts {
		if k > 0 {
			p := float64(k) / n
			h -= p * math.Log2(p)
		}
	}
	switch {
	case hexd == len(s) && len(s) >= 512:
		return true
	case float64(b64+spaces) >= 0.98*n && float64(spaces) < 0.02*n && h >= 5.5:
		return true
	case float64(bin) >= 0.25*n && h >= 7.0:
		return true
	}
	return false
}

// looksPHP reports whether data holds PHP code.
func looksPHP(s string) bool {
	return strings.Contains(s, "<?php") || strings.Contains(s, "<?=") || bytes.Contains(bytes.ToLower([]byte(s[:min(len(s), 1<<20)])), []byte("<?php"))
}
