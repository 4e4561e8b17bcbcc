package cue

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/architectos/aos/internal/suggest"

	cuelang "cuelang.org/go/cue"
)

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
			if s := suggest.Nearest(field, allowedFields(sch, parent)); s != "" {
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
