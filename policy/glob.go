package policy

import (
	"fmt"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"
)

// GlobSet is a compiled list of workspace globs. A glob matches a path or
// any of its parent directories, so "vendor" and "vendor/**" both cover
// everything beneath vendor. Lookups touch only the globs that can match:
// those whose first segment is the path's first segment, and those whose
// first segment has wildcards.
type GlobSet struct {
	patterns []string
	byFirst  map[string][]int
	wild     []int
	// lit is each pattern's literal prefix, before its first wildcard and
	// without a trailing /: every path the pattern matches starts with it
	// ("a/**" matches "a"), and so does every path beneath one.
	lit []string
	suf []string

	mu   sync.Mutex
	memo map[string]int32 // path -> match(path)
}

// CheckGlob reports whether pattern is a valid workspace glob: doublestar
// syntax, relative, canonical.
func CheckGlob(pattern string) error {
	switch {
	case pattern == "":
		return fmt.Errorf("empty glob")
	case strings.HasPrefix(pattern, "/"):
		return fmt.Errorf("glob %q is absolute; globs are relative to the repository root", pattern)
	case !doublestar.ValidatePattern(pattern):
		return fmt.Errorf("glob %q is malformed", pattern)
	case strings.HasSuffix(pattern, "/"):
		// Globs match paths, which never end with /: such a glob would
		// silently match nothing.
		return fmt.Errorf("glob %q ends with /; write %q to cover the directory", pattern, strings.TrimSuffix(pattern, "/")+"/**")
	}
	for seg := range strings.SplitSeq(pattern, "/") {
		switch seg {
		case "":
			return fmt.Errorf("glob %q has an empty segment", pattern)
		case ".", "..":
			return fmt.Errorf("glob %q has a %q segment", pattern, seg)
		}
	}
	return nil
}

// CompileGlobs checks and compiles patterns.
func CompileGlobs(patterns []string) (*GlobSet, error) {
	s := &GlobSet{patterns: patterns, byFirst: map[string][]int{}}
	for i, p := range patterns {
		if err := CheckGlob(p); err != nil {
			return nil, err
		}
		lit := p
		if i := strings.IndexAny(p, `*?[{\`); i >= 0 {
			lit = p[:i]
		}
		s.lit = append(s.lit, strings.TrimSuffix(lit, "/"))
		// What follows the last wildcard is literal: a path the pattern
		// matches ends with it ("**/*.log" needs ".log").
		suf := ""
		if !strings.Contains(p, `\`) {
			// "**/x" matches "x" too: the slash is not required.
			suf = strings.TrimPrefix(p[strings.LastIndexAny(p, "*?]}")+1:], "/")
		}
		s.suf = append(s.suf, suf)
		first, _, _ := strings.Cut(p, "/")
		if hasMeta(first) {
			s.wild = append(s.wild, i)
		} else {
			s.byFirst[first] = append(s.byFirst[first], i)
		}
	}
	return s, nil
}

func hasMeta(s string) bool { return strings.ContainsAny(s, `*?[{\`) }

// Len returns the number of globs in s.
func (s *GlobSet) Len() int {
	if s == nil {
		return 0
	}
	return len(s.patterns)
}

// Match returns the first glob (in manifest order) that matches p or one of
// its parent directories.
func (s *GlobSet) Match(p string) (string, bool) {
	if s.Len() == 0 {
		return "", false
	}
	if i := s.match(p); i >= 0 {
		return s.patterns[i], true
	}
	return "", false
}

// memoLimit bounds the paths a GlobSet remembers.
const memoLimit = 1 << 20

// match returns the index of the first pattern matching p or one of its
// parents, or -1. That is the smaller of the first pattern matching p
// itself and the answer for p's parent, which is remembered: the paths of
// a plan share their parents, so each directory is matched once.
func (s *GlobSet) match(p string) int {
	s.mu.Lock()
	v, ok := s.memo[p]
	s.mu.Unlock()
	if ok {
		return int(v)
	}
	best := s.matchSelf(p)
	if j := strings.LastIndexByte(p, '/'); j >= 0 {
		if parent := s.match(p[:j]); parent >= 0 && (best < 0 || parent < best) {
			best = parent
		}
	}
	s.mu.Lock()
	if s.memo == nil || len(s.memo) >= memoLimit {
		s.memo = map[string]int32{}
	}
	s.memo[strings.Clone(p)] = int32(best)
	s.mu.Unlock()
	return best
}

// matchSelf returns the index of the first pattern matching p itself, or
// -1.
func (s *GlobSet) matchSelf(p string) int {
	first, _, _ := strings.Cut(p, "/")
	best := -1
	try := func(idx []int) {
		for _, i := range idx {
			if best >= 0 && i > best {
				return
			}
			if !strings.HasPrefix(p, s.lit[i]) || !strings.HasSuffix(p, s.suf[i]) {
				continue
			}
			if ok, _ := doublestar.Match(s.patterns[i], p); ok {
				best = i
				return
			}
		}
	}
	try(s.byFirst[first])
	try(s.wild)
	return best
}

func (s *GlobSet) Covers(inner string) (string, bool) {
	return s.Match(strings.TrimSuffix(inner, "/"))
}

// CouldMatchBeneath reports whether a glob of s could match a path beneath
// dir, whatever the tree holds: the answer depends on the globs alone. It
// errs towards true: a glob with braces, which may hold a /, could.
func (s *GlobSet) CouldMatchBeneath(dir string) bool {
	for _, p := range s.patterns {
		if couldMatchBeneath(p, dir) {
			return true
		}
	}
	return false
}

func couldMatchBeneath(pattern, dir string) bool {
	if strings.ContainsAny(pattern, "{}") {
		return true
	}
	ps := strings.Split(pattern, "/")
	for i, d := range strings.Split(dir, "/") {
		if i >= len(ps) {
			return true // the glob matches a parent of dir, or dir
		}
		if ps[i] == "**" {
			return true
		}
		if ok, _ := doublestar.Match(ps[i], d); !ok {
			return false
		}
	}
	return true
}

// CheckPattern reports whether pattern is a valid name pattern (protected
// branches, agents' logins, build outputs): the glob syntax of the
// workspace rules.
func CheckPattern(pattern string) error {
	if pattern == "" || !doublestar.ValidatePattern(pattern) {
		return fmt.Errorf("malformed pattern %q", pattern)
	}
	return nil
}

// MatchName reports whether name matches one of patterns, each a whole
// name: * stops at /, ** crosses it ("release/**" matches "release/1.0/fix"
// and "release"). Unlike a [GlobSet], a pattern does not cover what lies
// beneath a name it matches. A malformed pattern matches nothing;
// [CheckPattern] refuses it first.
func MatchName(patterns []string, name string) bool {
	for _, g := range patterns {
		if ok, _ := doublestar.Match(g, name); ok {
			return true
		}
	}
	return false
}

// MatchNameFolded reports whether name matches one of patterns when both
// are folded ([FoldPath]): protected branches, agent branches and
// agents' logins are compared so, since refs/heads/MAIN is main on a
// server whose file system ignores case, and logins are names people
// spell as they like.
func MatchNameFolded(patterns []string, name string) bool {
	name = FoldPath(name)
	for _, g := range patterns {
		if ok, _ := doublestar.Match(foldGlob(g), name); ok {
			return true
		}
	}
	return false
}

// SearchGlob is the glob of a SEARCH directive (docs/spec.md 4.10): with a
// /, it is matched against a file's path from the repository root;
// without, against the file's name alone, as .gitignore reads globs.
type SearchGlob struct {
	pattern string
	name    bool
}

// CompileSearchGlob checks pattern as a workspace glob ([CheckGlob]) and
// compiles it as a SEARCH glob.
func CompileSearchGlob(pattern string) (*SearchGlob, error) {
	if err := CheckGlob(pattern); err != nil {
		return nil, err
	}
	return &SearchGlob{pattern: pattern, name: !strings.Contains(pattern, "/")}, nil
}

// Match reports whether the file at path p matches the glob.
func (g *SearchGlob) Match(p string) bool {
	if g.name {
		p = p[strings.LastIndexByte(p, '/')+1:]
	}
	ok, _ := doublestar.Match(g.pattern, p)
	return ok
}
