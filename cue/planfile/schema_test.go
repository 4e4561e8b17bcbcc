package planfile

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files")

// TestPlanSchemaGolden keeps the output of git aos plan schema in
// testdata/plan.schema.json (-update or AOS_UPDATE=1 rewrites it).
func TestPlanSchemaGolden(t *testing.T) {
	t.Parallel()
	got, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	file := filepath.Join("testdata", "plan.schema.json")
	if *updateGolden || os.Getenv("AOS_UPDATE") == "1" {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("plan schema differs from %s (-update rewrites it):\n%s", file, got)
	}
}

// TestPlanSchemaDirectives checks that the schema names every directive
// type with exactly the parameters the parser takes, the required ones
// required, and that a tool's schema is the same without type.
func TestPlanSchemaDirectives(t *testing.T) {
	t.Parallel()
	b, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Defs map[string]struct {
			Properties map[string]any `json:"properties"`
			Required   []string       `json:"required"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Defs) != len(aos.DirectiveTypes) {
		t.Fatalf("%d directive schemas, %d directive types", len(s.Defs), len(aos.DirectiveTypes))
	}
	for _, typ := range aos.DirectiveTypes {
		def, ok := s.Defs[string(typ)]
		if !ok {
			t.Errorf("no schema for %s", typ)
			continue
		}
		params, _ := DirectiveParams(typ)
		var props []string
		for k := range def.Properties {
			if k != "type" {
				props = append(props, k)
			}
		}
		if strings.Join(sorted(props), ",") != strings.Join(params, ",") {
			t.Errorf("%s: schema properties %v, parser params %v", typ, sorted(props), params)
		}
		for _, r := range def.Required {
			if r != "type" && !directiveFields[typ][r] {
				t.Errorf("%s: %s required by the schema, optional for the parser", typ, r)
			}
		}
		tool, ok := DirectiveSchema(typ)
		if !ok || tool["properties"].(map[string]any)["type"] != nil || tool["oneOf"] != nil || tool["type"] != "object" {
			t.Errorf("%s: tool schema %v", typ, tool)
		}
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestParseDirective reads tool arguments as the directive a plan would
// hold, with the same refusals.
func TestParseDirective(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		typ    aos.DirectiveType
		params string
		want   string // the directive as JSON, or the violations
	}{
		{"write", aos.FileWrite, `{"path":"src/a","content":"x\n"}`, `{"type":"FILE_WRITE","path":"src/a"}`},
		{"base64", aos.FileWrite, `{"path":"src/a","content_base64":"AP8="}`, `{"type":"FILE_WRITE","path":"src/a"}`},
		{"default suite", aos.RunTests, `{}`, `{"type":"RUN_TESTS","suite":"default"}`},
		{"search", aos.Search, `{"pattern":"a+","glob":"*.go"}`, `{"type":"SEARCH","pattern":"a+","glob":"*.go"}`},
		{"both contents", aos.FileWrite, `{"path":"a","content":"x","content_base64":"eA=="}`,
			`args.json:1:44: directive 3 (FILE_WRITE): FILE_WRITE takes content or content_base64, not both [plan.schema]`},
		{"no content", aos.FileWrite, `{"path":"a"}`, `args.json:1:1: directive 3 (FILE_WRITE): FILE_WRITE needs content or content_base64 [plan.schema]`},
		{"type given", aos.FileRead, `{"type":"FILE_DELETE","path":"a"}`,
			`args.json:1:9: directive 3: unknown field "type": the tool names the directive's type [plan.schema]`},
		{"unknown field", aos.FileRead, `{"path":"a","offset":3}`,
			`args.json:1:13: directive 3 (FILE_READ): unknown field "offset" for FILE_READ (its fields: path) [plan.schema]`},
		{"duplicate key", aos.FileRead, `{"path":"a","path":"b"}`, `args.json:1:13: directive 3: key "path" given twice (first at line 1) [plan.syntax]`},
		{"nul arg", aos.SandboxExec, `{"tool":"t","args":["a\u0000"]}`, `args.json:1:21: directive 3 (SANDBOX_EXEC): args[0] contains a NUL byte [plan.schema]`},
		{"bad base64", aos.FileWrite, `{"path":"a","content_base64":"!!"}`,
			`args.json:1:30: directive 3 (FILE_WRITE): content_base64 is not valid base64: illegal base64 data at input byte 0 [plan.schema]`},
		{"not an object", aos.FileRead, `["a"]`, `args.json:1:1: directive 3: a directive's parameters must be a mapping, not a list [plan.schema]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseDirective("args.json", tc.typ, 3, []byte(tc.params))
			var got string
			if err != nil {
				pe, ok := err.(*Error)
				if !ok {
					t.Fatal(err)
				}
				var lines []string
				for _, v := range pe.Violations {
					lines = append(lines, v.String())
				}
				got = strings.Join(lines, "\n")
			} else {
				if d.Index != 3 {
					t.Errorf("index %d", d.Index)
				}
				b, _ := json.Marshal(d)
				got = string(b)
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
