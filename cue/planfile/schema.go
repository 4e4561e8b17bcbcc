package planfile

import (
	"encoding/json"

	"github.com/architectos/aos"
)

// Schema returns the plan format as a JSON Schema document (draft
// 2020-12; docs/spec.md 3.3): the document, and in $defs the schema of
// each directive type, named by its type. It is generated from the table
// the parser reads.
func Schema() ([]byte, error) {
	defs := map[string]any{}
	refs := make([]any, 0, len(aos.DirectiveTypes))
	for _, t := range aos.DirectiveTypes {
		defs[string(t)] = directiveSchema(t, true)
		refs = append(refs, map[string]any{"$ref": "#/$defs/" + string(t)})
	}
	s := map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"title":                "ArchitectOS plan, version 1",
		"description":          "A plan: a goal and the directives that reach it (docs/spec.md section 3).",
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"version", "id", "goal", "directives"},
		"properties": map[string]any{
			"version": map[string]any{"type": "integer", "const": aos.PlanVersion, "description": "the plan format's version, 1"},
			"id":      map[string]any{"type": "string", "pattern": IDPattern.String(), "description": "the plan's id, unique in the repository's history: its branch is aos/<id>"},
			"goal":    map[string]any{"type": "string", "pattern": `\S`, "description": "what the plan is for, in words; its first line is the commit subject"},
			"base":    map[string]any{"type": "string", "pattern": commitIDPattern.String(), "description": "the full id of the commit the plan was written against"},
			"directives": map[string]any{"type": "array", "minItems": 1, "description": "the directives, run in order",
				"items": map[string]any{"oneOf": refs}},
		},
		"$defs": defs,
	}
	return json.MarshalIndent(s, "", "  ")
}

// DirectiveSchema returns the JSON Schema of a directive type's
// parameters without its type: the object an MCP tool takes for it
// (docs/spec.md 14.2). It has no top-level oneOf, which clients refuse,
// so that the parser alone requires exactly one of content and
// content_base64. ok is false for an unknown type.
func DirectiveSchema(t aos.DirectiveType) (schema map[string]any, ok bool) {
	if _, ok := directiveSpecs[t]; !ok {
		return nil, false
	}
	return directiveSchema(t, false), true
}

// directiveSchema is the schema of directive type t, with its type field
// and the content rule when withType is set.
func directiveSchema(t aos.DirectiveType, withType bool) map[string]any {
	spec := directiveSpecs[t]
	props := map[string]any{}
	required := []string{}
	if withType {
		props["type"] = map[string]any{"const": string(t)}
		required = append(required, "type")
	}
	content := false
	for _, p := range spec.params {
		var v map[string]any
		switch p.kind {
		case paramString:
			v = map[string]any{"type": "string"}
		case paramBool:
			v = map[string]any{"type": "boolean"}
		case paramStrings:
			v = map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "maxItems": maxArgs}
		}
		v["description"] = p.doc
		props[p.name] = v
		if p.required {
			required = append(required, p.name)
		}
		content = content || p.name == "content"
	}
	s := map[string]any{
		"type":                 "object",
		"description":          spec.doc,
		"additionalProperties": false,
		"properties":           props,
		"required":             required,
	}
	if content && withType {
		s["oneOf"] = []any{
			map[string]any{"required": []string{"content"}},
			map[string]any{"required": []string{"content_base64"}},
		}
	}
	return s
}
