package cue

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/architectos/aos"

	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"
)

// convertErrors flattens CUE errors into positioned [Error]s. When an error
// has positions in several files, the one in primary comes first. An error
// with no position in the input names primary.
func convertErrors(err error, primary string) []Error {
	var out []Error
	var plain Error
	if errors.As(err, &plain) {
		return []Error{plain}
	}
	// conflicts holds the two values of "conflicting values A and B"
	// errors, by index in out; disjunction summaries are dropped below.
	conflicts := map[int][2]string{}
	summary := map[int]bool{}
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		if len(args) == 0 && format == "%s" {
			format = strings.ReplaceAll(e.Error(), "%", "%%")
		}
		p := e.Path()
		if len(p) > 0 && p[0] == "#Manifest" {
			p = p[1:]
		}
		ce := Error{Path: joinPath(p), Msg: fmt.Sprintf(format, args...)}
		if strings.HasPrefix(format, "conflicting values %s and %s") && len(args) >= 2 {
			conflicts[len(out)] = [2]string{fmt.Sprint(args[0]), fmt.Sprint(args[1])}
		}
		if strings.HasSuffix(format, "errors in empty disjunction:") {
			summary[len(out)] = true
		}
		var poss []token.Pos
		if p := e.Position(); p.IsValid() {
			poss = append(poss, p)
		}
		poss = append(poss, e.InputPositions()...)
		for _, p := range poss {
			ap := toPos(p)
			if ap.File == "schema.cue" || ap.File == "" {
				continue
			}
			if ce.Pos.File == "" {
				ce.Pos = ap
			} else if ap != ce.Pos && !slices.Contains(ce.Other, ap) {
				ce.Other = append(ce.Other, ap)
			}
		}
		if ce.Pos.File != primary {
			for i, o := range ce.Other {
				if o.File == primary {
					ce.Pos, ce.Other[i] = o, ce.Pos
					break
				}
			}
		}
		sort.Slice(ce.Other, func(i, j int) bool { return lessPos(ce.Other[i], ce.Other[j]) })
		out = append(out, ce)
	}
	if len(out) == 0 {
		out = append(out, Error{Msg: err.Error()})
	}
	out = mergeDisjunctions(out, conflicts, summary)
	for i := range out {
		if out[i].Pos.File == "" {
			out[i].Pos.File = primary
			if strings.HasPrefix(out[i].Msg, "incomplete value") {
				// No position in the input: the field is not there.
				out[i].Msg = "required field is missing (" + out[i].Msg + ")"
			}
		}
	}
	return dedupSort(out)
}

// mergeDisjunctions turns the errors of a value that matches no branch of
// a disjunction ("N errors in empty disjunction", then one "conflicting
// values" error per branch) into one error listing the allowed values.
func mergeDisjunctions(errs []Error, conflicts map[int][2]string, summary map[int]bool) []Error {
	type key struct {
		pos  aos.Position
		path string
	}
	groups := map[key][]int{}
	paths := map[string]bool{}
	for i, e := range errs {
		if _, ok := conflicts[i]; ok {
			k := key{e.Pos, e.Path}
			groups[k] = append(groups[k], i)
		}
		if !summary[i] {
			paths[e.Path] = true
		}
	}
	drop := map[int]bool{}
	for i := range summary {
		if paths[errs[i].Path] {
			drop[i] = true // the branch errors say more
		}
	}
	for _, idx := range groups {
		if len(idx) < 2 {
			continue
		}
		// The value given is the one common to every conflict.
		first := conflicts[idx[0]]
		for _, given := range first {
			var want []string
			for _, i := range idx {
				c := conflicts[i]
				switch given {
				case c[1]:
					want = append(want, c[0])
				case c[0]:
					want = append(want, c[1])
				default:
					want = nil
				}
				if want == nil {
					break
				}
			}
			if len(want) == len(idx) {
				errs[idx[0]].Msg = fmt.Sprintf("invalid value %s (want one of %s)", given, strings.Join(want, ", "))
				for _, i := range idx[1:] {
					drop[i] = true
				}
				break
			}
		}
	}
	out := errs[:0]
	for i, e := range errs {
		if !drop[i] {
			out = append(out, e)
		}
	}
	return out
}

// joinPath writes a CUE path as the manifest's field path: list indexes
// in brackets (workspace.writable[1]).
func joinPath(p []string) string {
	var b strings.Builder
	for _, sel := range p {
		if _, err := strconv.Atoi(sel); err == nil {
			b.WriteString("[" + sel + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(sel)
	}
	return b.String()
}

// dedupSort sorts errors by position and drops repeats.
func dedupSort(errs []Error) []Error {
	sort.SliceStable(errs, func(i, j int) bool { return lessPos(errs[i].Pos, errs[j].Pos) })
	seen := map[string]bool{}
	out := errs[:0]
	for _, e := range errs {
		if k := e.Error(); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

func lessPos(a, b aos.Position) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Col < b.Col
}

func toPos(p token.Pos) aos.Position {
	if !p.IsValid() {
		return aos.Position{}
	}
	return aos.Position{File: p.Filename(), Line: p.Line(), Col: p.Column()}
}
