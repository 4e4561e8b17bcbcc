package cue

import (
	"bytes"
	"encoding/json"
	"fmt"

	cuelang "cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/encoding/jsonschema"
)

func generateJSONSchema(v cuelang.Value) (ast.Expr, error) {
	return jsonschema.Generate(v, &jsonschema.GenerateConfig{})
}

// JSONSchema returns the manifest schema as a JSON Schema document
// (draft 2020-12).
func JSONSchema() ([]byte, error) {
	_, sch, err := schema()
	if err != nil {
		return nil, err
	}
	ctxMu.Lock()
	defer ctxMu.Unlock()
	expr, err := generateJSONSchema(sch)
	if err != nil {
		return nil, err
	}
	out, err := ctx.BuildExpr(expr).MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode json schema: %w", err)
	}
	var pretty any
	if err := json.Unmarshal(out, &pretty); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(pretty); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
