package cue

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/architectos/aos"

	cuelang "cuelang.org/go/cue"
)

// What a policy names is closed (docs/spec.md 2.6). Unification alone
// lets a repository set every field a policy leaves out, and some of those
// undo what the policy says: a policy requiring the secrets validator is
// void when the manifest narrows its paths to nothing, protect.humans: deny
// when the manifest protects no branch, require_tests_on_write when the
// manifest requires a suite that does nothing. So within a struct that the
// policy names, the manifest may set only the fields the policy names too.

// namedMaps are the structs whose fields are names the manifest chooses:
// a policy that names some entries leaves them open to others, as a
// repository may add its own validators, tools, suites and targets. A
// policy closes one with close({...}).
var namedMaps = map[string]bool{
	"validators":            true,
	"tools":                 true,
	"tests":                 true,
	"build.targets":         true,
	"environment.variables": true,
}

// closureErrors returns an error for each field that the manifest man
// sets inside a struct that the policy pol names, when pol does not name
// that field: the repository may not set it. The top level is open: a
// repository sets the sections a policy does not name.
func closureErrors(pol, man cuelang.Value) []Error {
	var errs []Error
	var walk func(p, m cuelang.Value, path []string)
	walk = func(p, m cuelang.Value, path []string) {
		switch {
		case p.IncompleteKind() == cuelang.ListKind && m.IncompleteKind() == cuelang.ListKind:
			pi, err1 := p.List()
			mi, err2 := m.List()
			if err1 != nil || err2 != nil {
				return
			}
			for i := 0; pi.Next() && mi.Next(); i++ {
				walk(pi.Value(), mi.Value(), append(path, strconv.Itoa(i)))
			}
			return
		case p.IncompleteKind() != cuelang.StructKind || m.IncompleteKind() != cuelang.StructKind:
			return // a value, which unification judges
		}
		named := map[string]cuelang.Value{}
		if it, err := p.Fields(cuelang.Optional(true)); err == nil {
			for it.Next() {
				named[it.Selector().Unquoted()] = it.Value()
			}
		}
		open := len(path) == 0 || namedMaps[strings.Join(path, ".")]
		it, err := m.Fields()
		if err != nil {
			return
		}
		for it.Next() {
			f := it.Selector().Unquoted()
			sub := append(path[:len(path):len(path)], f)
			pf, ok := named[f]
			if !ok {
				if !open {
					errs = append(errs, Error{Pos: toPos(it.Value().Pos()), Path: joinFieldPath(sub),
						Msg: fmt.Sprintf("the policy names %s and leaves %s out: it is the policy's, and a repository may not set it (a policy lets repositories choose it by naming it with a constraint, as %s: _)",
							joinFieldPath(path), f, f),
						Other: policyPos(p)})
				}
				continue
			}
			walk(pf, it.Value(), sub)
		}
	}
	walk(pol, man, nil)
	return errs
}

// joinFieldPath is a field path as errors name it, with names that are not
// identifiers quoted (validators."php-malware".paths).
func joinFieldPath(path []string) string {
	sels := make([]string, len(path))
	for i, s := range path {
		if _, err := strconv.Atoi(s); err == nil {
			sels[i] = s
			continue
		}
		sels[i] = quoteSel(s)
	}
	return joinPath(sels)
}

func policyPos(p cuelang.Value) []aos.Position {
	if pos := toPos(p.Pos()); pos.File != "" {
		return []aos.Position{pos}
	}
	return nil
}
