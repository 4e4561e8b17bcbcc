package cue

import (
	"fmt"
	"regexp"
	"strings"

	cuelang "cuelang.org/go/cue"
)

// nearest returns the candidate closest to name, as a typo of it: the
// same once case and underscores are set aside (readonly, read_only), or
// within an edit distance of a third of its length (at least 1, at most
// 3); "" when none is that close.
func nearest(name string, candidates []string) string {
	norm := func(s string) string { return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s)) }
	best, bestD := "", 0
	limit := min(max(len(name)/3, 1), 3)
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := editDistance(norm(name), norm(c))
		if d <= limit && (best == "" || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

// didYouMean is ", did you mean X?" for the nearest candidate to name,
// or "".
func didYouMean(name string, candidates []string) string {
	if s := nearest(name, candidates); s != "" {
		return fmt.Sprintf(", did you mean %q?", s)
	}
	return ""
}

// editDistance is the Levenshtein distance of a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var (
	indexSuffix = regexp.MustCompile(`(\[[0-9]+\])+$`)
	listWant    = regexp.MustCompile(`^invalid value (.*) \(want one of (?:\*?\[\])?,? ?\[\.\.\.(#?\w+)\](?:, \[\])?\)$`)
)

// explain rewrites CUE's errors on a manifest into what to change: a
// field not allowed names the nearest field the schema has there, and a
// value given where a list is wanted says so.
func explain(errs []Error, sch cuelang.Value) []Error {
	for i := range errs {
		e := &errs[i]
		switch {
		case e.Msg == "field not allowed":
			e.Path = indexSuffix.ReplaceAllString(e.Path, "")
			parent, field := "", e.Path
			if j := strings.LastIndex(e.Path, "."); j >= 0 {
				parent, field = e.Path[:j], e.Path[j+1:]
			}
			if s := nearest(field, allowedFields(sch, parent)); s != "" {
				e.Msg = fmt.Sprintf("field not allowed (did you mean %s?)", s)
			}
		default:
			if m := listWant.FindStringSubmatch(e.Msg); m != nil {
				what := "values"
				switch m[2] {
				case "#Glob":
					what = "globs"
				case "string":
					what = "strings"
				}
				e.Msg = fmt.Sprintf("must be a list of %s, such as [%s]; got %s", what, m[1], m[1])
			}
		}
	}
	return errs
}

// allowedFields lists the fields the schema allows at path ("" the root).
func allowedFields(sch cuelang.Value, path string) []string {
	v := sch
	if path != "" {
		// Each segment is a field, or one of a map's keys (tests.NAME),
		// which the schema gives as a pattern.
		for _, seg := range cuelang.ParsePath(path).Selectors() {
			next := v.LookupPath(cuelang.MakePath(seg))
			if !next.Exists() {
				// A key of a map: the pattern's constraints on it.
				next = v.FillPath(cuelang.MakePath(seg), struct{}{}).LookupPath(cuelang.MakePath(seg))
			}
			if !next.Exists() {
				return nil
			}
			v = next
		}
	}
	it, err := v.Fields(cuelang.Optional(true), cuelang.Definitions(false))
	if err != nil {
		return nil
	}
	var out []string
	for it.Next() {
		out = append(out, it.Selector().Unquoted())
	}
	return out
}
