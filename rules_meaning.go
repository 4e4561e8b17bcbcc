package aos

import (
	_ "embed"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"sync"
)

// rulesSource is the registry itself: each rule's meaning is the comment
// that ends its line there, so there is one place to write it.
//
//go:embed rules.go
var rulesSource string

// meanings maps each registered rule to its one-line meaning, read once
// from rulesSource.
var meanings = sync.OnceValue(func() map[string]string {
	out := map[string]string{}
	f, err := parser.ParseFile(token.NewFileSet(), "rules.go", rulesSource, parser.ParseComments)
	if err != nil {
		return out
	}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs, ok := spec.(*ast.ValueSpec)
			if !ok || vs.Comment == nil || len(vs.Values) != 1 {
				continue
			}
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Rule" {
				continue
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				continue
			}
			name, err := strconv.Unquote(lit.Value)
			if err != nil {
				continue
			}
			out[name] = strings.TrimSpace(vs.Comment.Text())
		}
	}
	return out
})

// Meaning returns the one-line meaning of a registered rule, as
// docs/spec.md section 12 gives it, or "" for a rule that is not
// registered (a validator's finding, [ValidatorFinding]).
func (r Rule) Meaning() string {
	return RuleMeaning(string(r))
}

// RuleMeaning is [Rule.Meaning] of the rule named name, for reports that
// carry rule names as strings.
func RuleMeaning(name string) string {
	return meanings()[name]
}
