package policy

import (
	"fmt"
	"strings"

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
	first, _, _ := strings.Cut(p, "/")
	best := -1
	try := func(idx []int) {
		for _, i := range idx {
			if best >= 0 && i > best {
				return
			}
			if !strings.HasPrefix(p, s.lit[i]) {
				continue
			}
			if matchSelfOrParent(s.patterns[i], p) {
				best = i
				return
			}
		}
	}
	try(s.byFirst[first])
	try(s.wild)
	if best < 0 {
		return "", false
	}
	return s.patterns[best], true
}

// matchSelfOrParent reports whether pattern matches p or a parent of p.
func matchSelfOrParent(pattern, p string) bool {
	for {
		if ok, _ := doublestar.Match(pattern, p); ok {
			return true
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}

// Covers reports whether every path that pattern inner can match is also
// matched by a glob of s, judged by matching inner's text as a path (its
// wildcards taken literally). It returns the covering glob.
func (s *GlobSet) Covers(inner string) (string, bool) {
	return s.Match(strings.TrimSuffix(inner, "/"))
}
