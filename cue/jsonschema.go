package cue

import (
	cuelang "cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/encoding/jsonschema"
)

func generateJSONSchema(v cuelang.Value) (ast.Expr, error) {
	return jsonschema.Generate(v, &jsonschema.GenerateConfig{})
}
