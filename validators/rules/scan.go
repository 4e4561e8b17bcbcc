package rules

import (
	"bytes"
	"math"
	"regexp"
	"sort"
)

// Rule is a pattern check guarded by a keyword prefilter, as gitleaks does:
// the regular expression runs only on the lines holding one of the
// keywords, so most of a file is looked at once, byte by byte, and never by
// the regular expression engine.
type Rule struct {
	ID          string
	Description string
	Severity    string
	// Keywords are lowercase; the rule runs on each line holding one,
	// compared without case.
	Keywords []string
	// Pattern is matched against the line (or the Window from its start).
	Pattern *regexp.Regexp
	// Group is the submatch that holds the secret; 0 is the whole match.
	Group int
	// MinEntropy, when positive, is the Shannon entropy in bits per byte
	// that the secret must reach.
	MinEntropy float64
	// Window, when positive, lets the pattern run past the end of the line,
	// up to Window bytes from the line's start (for multi-line secrets).
	Window int
	// MaxLen bounds how far past its keyword a match may end; zero means
	// 512 bytes.
	MaxLen int
	// Near, when set, must accept the bytes at a keyword hit (at is
	// just past the keyword) for the pattern to run there: a cheap test
	// before the regular expression.
	Near func(data []byte, at int) bool
	// Spill lets the pattern run up to Spill bytes past the end of the
	// line (a value on the line after its name, as in XML elements).
	Spill int
	// Reject, when set, drops a match whose submatches (0 the whole
	// match, then each group, nil when it did not take part) it accepts.
	Reject func(groups [][]byte) bool
	// Accept, when set, must return true for the secret to be reported.
	Accept func(secret []byte) bool
	// Allowable rules are silenced by [AllowMarker] on the match's line.
	Allowable bool
	// Good and Bad are samples the rule must ignore and must report.
	Good, Bad []string
}

// RuleSet is a compiled set of [Rule] values sharing one keyword pass.
type RuleSet struct {
	Rules []*Rule

	// pairs holds a bit for each lowercase first two bytes of a keyword:
	// 8 KB, small enough to stay in the CPU's first cache as the scan
	// looks up every pair of bytes. table maps those pairs to an index in
	// cands, plus one.
	pairs [1 << 10]uint64
	table [1 << 16]uint16
	cands [][]keyword
}

type keyword struct {
	text  []byte
	rules []int
}

var lower [256]byte

func init() {
	for i := range lower {
		lower[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			lower[i] = byte(i) + 'a' - 'A'
		}
	}
}

// NewRuleSet indexes the keywords of rules. Every rule needs at least one
// keyword of two bytes or more.
func NewRuleSet(rules []*Rule) *RuleSet {
	s := &RuleSet{Rules: rules}
	byText := map[string][]int{}
	var order []string
	for i, r := range rules {
		if len(r.Keywords) == 0 {
			panic("rules: rule " + r.ID + " has no keyword")
		}
		for _, k := range r.Keywords {
			if len(k) < 2 || lowerString(k) != k {
				panic("rules: bad keyword " + k + " in rule " + r.ID)
			}
			if _, ok := byText[k]; !ok {
				order = append(order, k)
			}
			byText[k] = append(byText[k], i)
		}
	}
	for _, k := range order {
		key := uint16(k[0])<<8 | uint16(k[1])
		idx := int(s.table[key])
		if idx == 0 {
			s.cands = append(s.cands, nil)
			idx = len(s.cands)
			s.table[key] = uint16(idx)
		}
		s.cands[idx-1] = append(s.cands[idx-1], keyword{text: []byte(k), rules: byText[k]})
		s.pairs[key>>6] |= 1 << (key & 63)
	}
	return s
}

// Match is a hit of a rule's pattern, before the rule's filters.
type Match struct {
	Rule       int // index in RuleSet.Rules
	Start, End int // the secret (the pattern's Group)
	MStart     int // the whole match
}

// Match runs the keyword prefilter and the patterns over data: the heavy
// part of a scan, which the built-in module has the host run; [RuleSet.Findings]
// turns its matches into findings.
//
// A pattern runs on a window of the keyword's line around the keyword
// (from windowBefore bytes before it to the rule's MaxLen after it,
// widened to the edges of the tokens there), not on the whole line:
// minified code has lines of megabytes with a keyword every few hundred
// bytes. Every pattern's match starts within windowBefore bytes of one of
// its keywords.
func (s *RuleSet) Match(data []byte) []Match {
	if len(data) < 2 {
		return nil
	}
	var (
		matches  []Match
		covered  = make([]int, len(s.Rules)) // per rule, end of the last window searched
		seen     map[[2]int]bool
		pairs    = &s.pairs
		searched = make([]bool, len(s.Rules))
		// The line holding i, found once per line: looking for both ends
		// at every keyword of a long line would be quadratic.
		lineStart, lineEnd = 0, -1
	)
	// key is the pair of lowercase bytes at i, rolled along.
	key := uint16(lower[data[0]])
	for i, b := range data[1:] {
		key = key<<8 | uint16(lower[b])
		if pairs[key>>6]&(1<<(key&63)) == 0 {
			continue
		}
		idx := s.table[key]
		for _, kw := range s.cands[idx-1] {
			if !hasPrefixFold(data[i:], kw.text) {
				continue
			}
			for _, ri := range kw.rules {
				r := s.Rules[ri]
				after := windowAfter
				if r.MaxLen > 0 {
					after = r.MaxLen
				}
				if searched[ri] && i+len(kw.text)+after <= covered[ri] {
					continue
				}
				if r.Near != nil && !r.Near(data, i+len(kw.text)) {
					continue
				}
				if i > lineEnd {
					lineStart, lineEnd = lineBounds(data, i)
				}
				start, end := lineStart, lineEnd
				if r.Window > 0 {
					if start+r.Window > end {
						end = min(len(data), start+r.Window)
					}
				} else {
					if r.Spill > 0 {
						end = min(len(data), end+r.Spill)
					}
					start = tokenEdge(data, max(start, i-windowBefore), start, -1)
					end = tokenEdge(data, min(end, i+len(kw.text)+after), end, 1)
				}
				searched[ri], covered[ri] = true, end
				for _, m := range r.Pattern.FindAllSubmatchIndex(data[start:end], -1) {
					g := 2 * r.Group
					if m[g] < 0 {
						continue
					}
					if r.Reject != nil {
						groups := make([][]byte, len(m)/2)
						for k := range groups {
							if m[2*k] >= 0 {
								groups[k] = data[start+m[2*k] : start+m[2*k+1]]
							}
						}
						if r.Reject(groups) {
							continue
						}
					}
					hit := Match{Rule: ri, Start: start + m[g], End: start + m[g+1], MStart: start + m[0]}
					if seen == nil {
						seen = map[[2]int]bool{}
					}
					k := [2]int{ri, hit.MStart}
					if seen[k] {
						continue
					}
					seen[k] = true
					matches = append(matches, hit)
				}
			}
		}
	}
	return matches
}

// Bytes of a line searched around a keyword.
const (
	windowBefore = 32
	windowAfter  = 512
)

// tokenEdge moves a window edge at off away from the keyword (dir -1:
// back, +1: forward) to the first byte that cannot be part of a secret,
// at most 256 bytes and never past limit, so that no token is cut.
func tokenEdge(data []byte, off, limit, dir int) int {
	for k := 0; k < 256; k++ {
		if dir < 0 && off <= limit || dir > 0 && off >= limit {
			return limit
		}
		var c byte
		if dir < 0 {
			c = data[off-1]
		} else {
			c = data[off]
		}
		if !secretByte(c) {
			return off
		}
		off += dir
	}
	return off
}

func secretByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '+' || c == '/' || c == '=' || c == '.' || c == '~'
}

// Findings filters matches (from [RuleSet.Match] over the same data) by
// entropy, the rules' Accept functions and allow markers, and returns them
// as findings, sorted.
func (s *RuleSet) Findings(path string, data []byte, matches []Match) []Finding {
	if len(matches) == 0 {
		return nil
	}
	sort.Slice(matches, func(i, j int) bool {
		if matches[i].MStart != matches[j].MStart {
			return matches[i].MStart < matches[j].MStart
		}
		return matches[i].Rule < matches[j].Rule
	})
	var out []Finding
	idx := newLineIndex(data)
	for _, m := range matches {
		if m.Rule < 0 || m.Rule >= len(s.Rules) || m.MStart < 0 || m.Start < m.MStart || m.End < m.Start || m.End > len(data) {
			continue
		}
		r := s.Rules[m.Rule]
		secret := data[m.Start:m.End]
		if r.MinEntropy > 0 && Entropy(secret) < r.MinEntropy {
			continue
		}
		if r.Accept != nil && !r.Accept(secret) {
			continue
		}
		if r.Allowable {
			ls, le := lineBounds(data, m.MStart)
			if bytes.Contains(data[ls:le], []byte(AllowMarker)) {
				continue
			}
		}
		line, col := idx.at(m.MStart)
		out = append(out, Finding{
			Path: path, Line: line, Column: col,
			Rule: r.ID, Severity: r.Severity, Message: r.Description,
		})
	}
	return out
}

func hasPrefixFold(b, prefix []byte) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i, c := range prefix {
		if lower[b[i]] != c {
			return false
		}
	}
	return true
}

// Entropy returns the Shannon entropy of b in bits per byte.
func Entropy(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
	var h float64
	n := float64(len(b))
	for _, k := range counts {
		if k > 0 {
			p := float64(k) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}
