package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/architectos/aos"
	"github.com/architectos/aos/policy"
)

// Limits of SEARCH (docs/spec.md 4.10).
const (
	MaxSearchPattern = 4096 // bytes of a pattern
	MaxSearchMatches = 1000 // matching lines in a reply
	searchText       = 500  // bytes of a line's text in a match
	searchBefore     = 100  // bytes of a long line's text before its match
	binaryProbe      = 8000 // bytes git looks at for a NUL to call a file binary
)

// SearchReply is what SEARCH returns: the matching lines in path order,
// how many files were searched, and whether the reply stopped at
// [MaxSearchMatches].
type SearchReply struct {
	Matches   []SearchMatch `json:"matches"`
	Files     int           `json:"files"`
	Truncated bool          `json:"truncated"`
}

// SearchMatch is one matching line: its file, its 1-based number, the
// 1-based byte column of its first match, and its text (docs/spec.md 6.5).
type SearchMatch struct {
	Path   string `json:"path"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Text   string `json:"text"`
}

func (r *runner) search(d *aos.Directive, o *aos.Outcome) {
	re, reOK := r.searchPattern(d)
	var glob *policy.SearchGlob
	globOK := true
	if d.Glob != "" {
		var err error
		if glob, err = policy.CompileSearchGlob(d.Glob); err != nil {
			r.violate(d, "", aos.RuleSearchGlob, err.Error())
			globOK = false
		}
	}
	files, pathOK := r.searchFiles(d)
	if !reOK || !globOK || !pathOK {
		return
	}
	reply := SearchReply{Matches: []SearchMatch{}}
	ps := newParallelSearch(newSearcher(re, d.Pattern), d.Pattern, &reply)
	for _, p := range files {
		if err := r.ctx.Err(); err != nil {
			ps.wait()
			r.abort = err
			return
		}
		// Only visible regular files are read: an ignored one is not even
		// opened, so neither the reply nor its time depends on it.
		if !r.visible(p) || (glob != nil && !glob.Match(p)) {
			continue
		}
		if f := r.st.files[p]; f.mode != aos.ModeFile && f.mode != aos.ModeExecutable {
			continue
		}
		data, err := r.st.Read(p)
		if err != nil {
			// A file after the one that filled the reply is not searched,
			// so its error is not the search's.
			if ps.wait(); !reply.Truncated {
				r.failRead(d, p, err)
				return
			}
			break
		}
		if bytes.IndexByte(data[:min(len(data), binaryProbe)], 0) >= 0 {
			continue
		}
		if !ps.add(p, data) {
			break
		}
	}
	ps.wait()
	b, _ := json.Marshal(reply)
	o.Size, o.Digest = int64(len(reply.Matches)), Digest(b)
	r.res.Replies[d.Index] = reply
}

// searchPattern compiles SEARCH's pattern, or reports why it cannot.
func (r *runner) searchPattern(d *aos.Directive) (*regexp.Regexp, bool) {
	if len(d.Pattern) > MaxSearchPattern {
		r.violate(d, "", aos.RuleSearchPattern, fmt.Sprintf("pattern is %d bytes, over the limit of %d", len(d.Pattern), MaxSearchPattern))
		return nil, false
	}
	re, err := regexp.Compile(d.Pattern)
	if err != nil {
		r.violate(d, "", aos.RuleSearchPattern, fmt.Sprintf("not a regular expression in RE2 syntax: %v", err))
		return nil, false
	}
	return re, true
}

// searchFiles returns the staged paths SEARCH looks at, sorted, without
// judging them yet: every file beneath its path, or the file it names.
// A path that is missing, ignored, or a directory with nothing visible is
// path.not_found, as for any read.
func (r *runner) searchFiles(d *aos.Directive) ([]string, bool) {
	p := d.Path
	if p == "" || p == "." {
		out := make([]string, 0, len(r.st.files))
		for q := range r.st.files {
			out = append(out, q)
		}
		sort.Strings(out)
		return out, true
	}
	if !r.checkPath(d, p) {
		return nil, false
	}
	if _, ok := r.st.files[p]; ok && r.visible(p) {
		return []string{p}, true
	}
	if r.st.IsDir(p) && r.dirVisible(p) {
		return r.st.under(p), true
	}
	r.violate(d, p, aos.RulePathNotFound, "no such file or directory")
	return nil, false
}

// searcher matches a pattern against each line of a file.
type searcher struct {
	re *regexp.Regexp
	// needles, when set, are strings one of which every match holds:
	// lines holding none are not matched at all.
	needles []needle
	// run, when set and needles are not, is a run of bytes every match
	// holds: lines holding none are not matched at all.
	run *classRun
	// dfa, when set, tells which lines may match: the others are not
	// matched at all. Without needles or a run, it also finds the next
	// such line.
	dfa *lineDFA
}

// newSearcher is the searcher of a pattern re compiled from.
func newSearcher(re *regexp.Regexp, pattern string) *searcher {
	s := &searcher{re: re, needles: requiredNeedles(pattern)}
	if s.needles == nil {
		s.run = requiredRun(pattern)
	}
	s.dfa = newLineDFA(pattern)
	return s
}

// scan adds the matching lines of data to reply, and reports false when
// the reply is full and one more line matched.
func (s *searcher) scan(p string, data []byte, reply *SearchReply) bool {
	if len(data) == 0 {
		return true // no line at all
	}
	f := s.finder(data)
	line := 1
	pos := 0 // start of line number line
	for pos < len(data) {
		start := pos
		if f != nil || s.run != nil || s.dfa != nil {
			// Jump to the next line holding a needle or the run, or that
			// the automaton may match, counting the lines passed: each
			// byte is looked at a bounded number of times.
			var at int
			switch {
			case f != nil:
				at = f.next(pos)
			case s.run != nil:
				at = s.run.next(data, pos)
			default:
				at = s.dfa.next(data, pos)
			}
			if at < 0 {
				return true
			}
			if j := bytes.LastIndexByte(data[pos:at], '\n'); j >= 0 {
				line += bytes.Count(data[pos:pos+j+1], []byte{'\n'})
				start = pos + j + 1
			}
		}
		end := len(data)
		if i := bytes.IndexByte(data[start:], '\n'); i >= 0 {
			end = start + i
		}
		text := data[start:end]
		// A line a needle or the run led to may still be one the
		// automaton rules out, at a fraction of the regexp's cost.
		if s.dfa != nil && (f != nil || s.run != nil) && s.dfa.next(text, 0) < 0 {
			pos = end + 1
			line++
			continue
		}
		if loc := s.re.FindIndex(text); loc != nil {
			if len(reply.Matches) == MaxSearchMatches {
				return false
			}
			reply.Matches = append(reply.Matches, SearchMatch{Path: p, Line: line, Column: loc[0] + 1, Text: lineText(text, loc[0])})
		}
		pos = end + 1
		line++
	}
	return true
}

// needle is a string a match holds, compared without regard to ASCII case
// when fold is set.
type needle struct {
	s    []byte
	fold bool
}

// finder finds the needles of a searcher in one file.
type finder struct {
	data, lower []byte
	needles     []needle
	at          []int // each needle's next offset, -1 for none left
}

func (s *searcher) finder(data []byte) *finder {
	if len(s.needles) == 0 {
		return nil
	}
	f := &finder{data: data, needles: s.needles, at: make([]int, len(s.needles))}
	for i, n := range s.needles {
		if n.fold && f.lower == nil {
			f.lower = asciiLower(data)
		}
		f.at[i] = f.find(i, 0)
	}
	return f
}

// find returns needle i's first offset at or after from, or -1.
func (f *finder) find(i, from int) int {
	n := f.needles[i]
	hay := f.data
	if n.fold {
		hay = f.lower
	}
	j := bytes.Index(hay[from:], n.s)
	if j < 0 {
		return -1
	}
	return from + j
}

// next returns the first offset at or after from where a needle starts,
// or -1.
func (f *finder) next(from int) int {
	best := -1
	for i, at := range f.at {
		if at >= 0 && at < from {
			at = f.find(i, from)
			f.at[i] = at
		}
		if at >= 0 && (best < 0 || at < best) {
			best = at
		}
	}
	return best
}

// asciiLower returns data with ASCII letters lower-cased, byte for byte.
func asciiLower(data []byte) []byte {
	out := make([]byte, len(data))
	for i, c := range data {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// maxNeedles bounds the strings a searcher looks for in each file.
const maxNeedles = 16

// requiredNeedles returns strings one of which every match of pattern
// holds, or nil when there is no such set to rely on.
func requiredNeedles(pattern string) []needle {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	return required(re.Simplify())
}

// required returns a set of needles one of which every match of re holds,
// or nil.
func required(re *syntax.Regexp) []needle {
	switch re.Op {
	case syntax.OpLiteral:
		return literalNeedle(re)
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpAlternate:
		var out []needle
		for _, sub := range re.Sub {
			n := required(sub)
			if n == nil || len(out)+len(n) > maxNeedles {
				return nil
			}
			out = append(out, n...)
		}
		return out
	case syntax.OpConcat:
		var best []needle
		for i := 0; i < len(re.Sub); i++ {
			n := required(re.Sub[i])
			// Adjacent literals of the same case make one longer needle.
			for ; len(n) == 1 && i+1 < len(re.Sub) && re.Sub[i+1].Op == syntax.OpLiteral; i++ {
				next := literalNeedle(re.Sub[i+1])
				if next == nil || next[0].fold != n[0].fold {
					break
				}
				n = []needle{{append(append([]byte{}, n[0].s...), next[0].s...), n[0].fold}}
			}
			if better(n, best) {
				best = n
			}
		}
		return best
	}
	return nil
}

// literalNeedle is the needle of a literal: its text, or for a literal
// matched without regard to case its ASCII lower case, when no letter of
// it folds to a character outside ASCII (K and S do: the Kelvin and long
// s signs). A literal holding U+FFFD has none: the regexp matches it
// against any byte that is not UTF-8, which its encoding is not.
func literalNeedle(re *syntax.Regexp) []needle {
	if slices.Contains(re.Rune, utf8.RuneError) {
		return nil
	}
	if re.Flags&syntax.FoldCase == 0 {
		s := string(re.Rune)
		if s == "" || strings.ContainsRune(s, '\n') {
			return nil
		}
		return []needle{{[]byte(s), false}}
	}
	b := make([]byte, 0, len(re.Rune))
	for _, r := range re.Rune {
		if r >= utf8.RuneSelf || r == '\n' {
			return nil
		}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f >= utf8.RuneSelf {
				return nil
			}
		}
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		b = append(b, byte(r))
	}
	if len(b) == 0 {
		return nil
	}
	return []needle{{b, true}}
}

// better reports whether needle set a narrows a search more than b: its
// shortest needle is longer, or as long with fewer needles.
func better(a, b []needle) bool {
	switch {
	case a == nil:
		return false
	case b == nil:
		return true
	}
	short := func(ns []needle) int {
		m := len(ns[0].s)
		for _, n := range ns[1:] {
			m = min(m, len(n.s))
		}
		return m
	}
	if sa, sb := short(a), short(b); sa != sb {
		return sa > sb
	}
	return len(a) < len(b)
}

// lineText is the text of a matching line as a reply shows it: the line,
// or for a long one searchText bytes from at most searchBefore before the
// match, cut at UTF-8 boundaries.
func lineText(line []byte, at int) string {
	if len(line) <= searchText {
		return string(line)
	}
	from := max(0, at-searchBefore)
	for from > 0 && !utf8.RuneStart(line[from]) {
		from--
	}
	to := min(len(line), from+searchText)
	for to < len(line) && to > from && !utf8.RuneStart(line[to]) {
		to--
	}
	return string(line[from:to])
}

// classRun is min bytes in a row, each of set: what X{min,} holds when X
// is a class of ASCII characters.
type classRun struct {
	set [256]bool
	min int
}

// minRun is the shortest run worth looking for first.
const minRun = 3

// next returns the offset of the first run at or after from, or -1. The
// set holds no newline, so a run lies within one line.
func (c *classRun) next(data []byte, from int) int {
	n := 0
	for i := from; i < len(data); i++ {
		if !c.set[data[i]] {
			n = 0
			continue
		}
		if n++; n == c.min {
			return i + 1 - c.min
		}
	}
	return -1
}

// requiredRun returns a run of bytes every match of pattern holds, or nil.
func requiredRun(pattern string) *classRun {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	r := runOf(re.Simplify())
	if r == nil || r.min < minRun {
		return nil
	}
	return r
}

// runOf returns the longest run of one class that every match of re
// holds, or nil.
func runOf(re *syntax.Regexp) *classRun {
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return runOf(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min < 1 {
			return nil
		}
		if re.Sub[0].Op == syntax.OpCharClass {
			r := classOf(re.Sub[0])
			if r != nil {
				r.min = re.Min
			}
			return r
		}
		return runOf(re.Sub[0])
	case syntax.OpCharClass:
		return classOf(re)
	case syntax.OpConcat:
		// Adjacent runs of one class make one longer run: Simplify
		// writes X{3} as XXX.
		var best, cur *classRun
		for _, sub := range re.Sub {
			r := runOf(sub)
			adjacent := sub.Op == syntax.OpCharClass || sub.Op == syntax.OpRepeat && sub.Sub[0].Op == syntax.OpCharClass
			switch {
			case r == nil:
				cur = nil
			case adjacent && cur != nil && cur.set == r.set:
				cur.min += r.min
			case adjacent:
				cur = r
			default:
				cur = nil
				if best == nil || r.min > best.min {
					best = r
				}
			}
			if cur != nil && (best == nil || cur.min > best.min) {
				best = &classRun{set: cur.set, min: cur.min}
			}
		}
		return best
	}
	return nil
}

// classOf is a run of one byte of class re, or nil when the class holds a
// character outside ASCII: the regexp matches those, and U+FFFD against
// any byte that is not UTF-8, as more than one byte.
func classOf(re *syntax.Regexp) *classRun {
	r := &classRun{min: 1}
	for i := 0; i+1 < len(re.Rune); i += 2 {
		lo, hi := re.Rune[i], re.Rune[i+1]
		if hi >= utf8.RuneSelf {
			return nil
		}
		for c := lo; c <= hi; c++ {
			if c != '\n' {
				r.set[c] = true
			}
		}
	}
	return r
}
