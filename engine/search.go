package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
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
	s := searcher{re: re, lit: requiredLiteral(d.Pattern)}
	reply := SearchReply{Matches: []SearchMatch{}}
	for _, p := range files {
		if err := r.ctx.Err(); err != nil {
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
			r.violate(d, p, aos.RulePathRead, fmt.Sprintf("cannot read: %v", err))
			return
		}
		if bytes.IndexByte(data[:min(len(data), binaryProbe)], 0) >= 0 {
			continue
		}
		reply.Files++
		if !s.scan(p, data, &reply) {
			reply.Truncated = true
			break
		}
	}
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
	// lit is a string every match contains, or "": lines without it
	// are not matched at all.
	lit string
}

// scan adds the matching lines of data to reply, and reports false when
// the reply is full and one more line matched.
func (s *searcher) scan(p string, data []byte, reply *SearchReply) bool {
	if len(data) == 0 {
		return true // no line at all
	}
	line := 1
	pos := 0 // start of line number line
	for pos <= len(data) {
		start := pos
		if s.lit != "" {
			// Jump to the next line holding the literal, counting the
			// lines passed: each byte is looked at once.
			i := bytes.Index(data[pos:], []byte(s.lit))
			if i < 0 {
				return true
			}
			start = pos + i
			if j := bytes.LastIndexByte(data[pos:start], '\n'); j >= 0 {
				line += bytes.Count(data[pos:pos+j+1], []byte{'\n'})
				start = pos + j + 1
			} else {
				start = pos
			}
		}
		end := len(data)
		if i := bytes.IndexByte(data[start:], '\n'); i >= 0 {
			end = start + i
		}
		text := data[start:end]
		if loc := s.re.FindIndex(text); loc != nil {
			if len(reply.Matches) == MaxSearchMatches {
				return false
			}
			reply.Matches = append(reply.Matches, SearchMatch{Path: p, Line: line, Column: loc[0] + 1, Text: lineText(text, loc[0])})
		}
		if end == len(data) {
			return true
		}
		pos = end + 1
		line++
		if pos == len(data) {
			return true // a final newline ends the last line
		}
	}
	return true
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

// requiredLiteral returns a string that every match of pattern contains,
// or "" when there is none to rely on (case folding, alternatives).
func requiredLiteral(pattern string) string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return ""
	}
	lit := required(re.Simplify())
	if strings.ContainsRune(lit, '\n') {
		return ""
	}
	return lit
}

// required is the longest literal that every match of re holds.
func required(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return ""
		}
		return string(re.Rune)
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		best, run := "", ""
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpLiteral && sub.Flags&syntax.FoldCase == 0 {
				run += string(sub.Rune)
				if len(run) > len(best) {
					best = run
				}
				continue
			}
			run = ""
			if s := required(sub); len(s) > len(best) {
				best = s
			}
		}
		return best
	}
	return ""
}
