package planfile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// specLimits are the limits of a manifest that sets none (docs/spec.md
// 2.2 and 3.1: 64 MiB and 100000 directives); cue's TestManifestDefaults
// holds the schema to them.
var specLimits = Limits{MaxBytes: 64 << 20, MaxDirectives: 100000}

// or returns lim with the fields it leaves zero taken from specLimits.
func or(lim Limits) Limits {
	if lim.MaxBytes == 0 {
		lim.MaxBytes = specLimits.MaxBytes
	}
	if lim.MaxDirectives == 0 {
		lim.MaxDirectives = specLimits.MaxDirectives
	}
	return lim
}

// planErrors parses doc and returns its errors as the text output prints
// them, or nil when the plan is well formed. Limits left zero are
// specLimits.
func planErrors(t *testing.T, name, doc string, lim Limits) []string {
	t.Helper()
	_, err := Parse(context.Background(), name, []byte(doc), or(lim))
	if err == nil {
		return nil
	}
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("Parse = %v, want a *Error", err)
	}
	if !errors.Is(err, aos.ErrRejected) {
		t.Error("Error does not wrap aos.ErrRejected")
	}
	var out []string
	for _, v := range pe.Violations {
		if v.Pos.File != name || v.Pos.Line == 0 {
			t.Errorf("violation %v has no position in %s", v, name)
		}
		out = append(out, v.String())
	}
	return out
}

const allDirectivesYAML = `version: 1
id: every-directive.v1_x
goal: Use every directive once
base: 0123456789abcdef0123456789abcdef01234567
directives:
  - type: FILE_READ
    path: src/a.go
  - type: LS
    path: .
  - type: STAT
    path: src
  - type: FILE_WRITE
    path: bin/run.sh
    content: "#!/bin/sh\n"
    executable: true
  - type: FILE_APPEND
    path: notes.txt
    content_base64: |
      aGVs
      bG8=
  - type: FILE_DELETE
    path: old.txt
  - type: DIFF
    path: src/a.go
    against: HEAD~1
  - type: APPLY_PATCH
    patch: |
      diff --git a/x b/x
  - type: RUN_TESTS
  - type: RUN_TESTS
    suite: e2e
  - type: BUILD
    target: web
  - type: SANDBOX_EXEC
    tool: lint
    args: [--fix, "src/a b.go", ""]
  - type: SANDBOX_EXEC
    tool: fmt
  - type: GET_MANIFEST
  - type: GET_ENVIRONMENT_INFO
  - type: GET_HISTORY
`

const allDirectivesJSON = `{
  "version": 1,
  "id": "every-directive.v1_x",
  "goal": "Use every directive once",
  "base": "0123456789abcdef0123456789abcdef01234567",
  "directives": [
    {"type": "FILE_READ", "path": "src/a.go"},
    {"type": "LS", "path": "."},
    {"type": "STAT", "path": "src"},
    {"type": "FILE_WRITE", "path": "bin/run.sh", "content": "#!/bin/sh\n", "executable": true},
    {"type": "FILE_APPEND", "path": "notes.txt", "content_base64": "aGVs\nbG8=\n"},
    {"type": "FILE_DELETE", "path": "old.txt"},
    {"type": "DIFF", "path": "src/a.go", "against": "HEAD~1"},
    {"type": "APPLY_PATCH", "patch": "diff --git a/x b/x\n"},
    {"type": "RUN_TESTS"},
    {"type": "RUN_TESTS", "suite": "e2e"},
    {"type": "BUILD", "target": "web"},
    {"type": "SANDBOX_EXEC", "tool": "lint", "args": ["--fix", "src/a b.go", ""]},
    {"type": "SANDBOX_EXEC", "tool": "fmt"},
    {"type": "GET_MANIFEST"},
    {"type": "GET_ENVIRONMENT_INFO"},
    {"type": "GET_HISTORY"}
  ]
}`

func TestParseEveryDirective(t *testing.T) {
	t.Parallel()
	want := &aos.Plan{
		Version: 1, ID: "every-directive.v1_x", Goal: "Use every directive once",
		Base: "0123456789abcdef0123456789abcdef01234567",
		Directives: []aos.Directive{
			{Type: aos.FileRead, Path: "src/a.go"},
			{Type: aos.LS, Path: "."},
			{Type: aos.Stat, Path: "src"},
			{Type: aos.FileWrite, Path: "bin/run.sh", Content: []byte("#!/bin/sh\n"), Executable: true},
			{Type: aos.FileAppend, Path: "notes.txt", Content: []byte("hello")},
			{Type: aos.FileDelete, Path: "old.txt"},
			{Type: aos.Diff, Path: "src/a.go", Against: "HEAD~1"},
			{Type: aos.ApplyPatch, Patch: "diff --git a/x b/x\n"},
			{Type: aos.RunTests, Suite: "default"},
			{Type: aos.RunTests, Suite: "e2e"},
			{Type: aos.BuildTarget, Target: "web"},
			{Type: aos.SandboxExec, Tool: "lint", Args: []string{"--fix", "src/a b.go", ""}},
			{Type: aos.SandboxExec, Tool: "fmt"},
			{Type: aos.GetManifest},
			{Type: aos.GetEnvironmentInfo},
			{Type: aos.GetHistory},
		},
	}
	for i := range want.Directives {
		want.Directives[i].Index = i
	}
	for _, tc := range []struct{ name, doc, format string }{
		{"plan.yaml", allDirectivesYAML, "yaml"},
		{"plan.json", allDirectivesJSON, "json"},
		{"plan.JSON", allDirectivesJSON, "json"},
		{"<stdin>", allDirectivesJSON, "yaml"}, // JSON is YAML
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(context.Background(), tc.name, []byte(tc.doc), specLimits)
			if err != nil {
				t.Fatal(err)
			}
			if got.File != tc.name || got.Format != tc.format {
				t.Errorf("File, Format = %q, %q", got.File, got.Format)
			}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(aos.Plan{}, "File", "Format", "FieldPos"), cmpopts.IgnoreFields(aos.Directive{}, "Pos", "FieldPos")); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
			for i, d := range got.Directives {
				if d.Pos.File != tc.name || d.Pos.Line < 6 || d.Pos.Col == 0 {
					t.Errorf("directive %d position %v", i, d.Pos)
				}
			}
		})
	}
	got, _ := Parse(context.Background(), "plan.yaml", []byte(allDirectivesYAML), specLimits)
	if p := got.Directives[3].Pos; p.Line != 12 || p.Col != 5 {
		t.Errorf("directive 3 at %v, want plan.yaml:12:5", p)
	}
}

const head = "version: 1\nid: p\ngoal: g\n"

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string // default plan.yaml
		doc  string
		lim  Limits
		want []string
	}{
		// The document.
		{name: "empty", doc: "", want: []string{"plan.yaml:1:1: plan is empty [plan.syntax]"}},
		{name: "only a comment", doc: "# nothing\n", want: []string{"plan.yaml:1:1: plan is empty [plan.syntax]"}},
		{name: "not a mapping", doc: "- a\n", want: []string{"plan.yaml:1:1: a plan must be a mapping, not a list [plan.schema]"}},
		{name: "scalar", doc: "hello\n", want: []string{"plan.yaml:1:1: a plan must be a mapping, not a string [plan.schema]"}},
		{name: "missing everything", doc: "{}\n", want: []string{
			"plan.yaml:1:1: version is required (version: 1) [plan.schema]",
			"plan.yaml:1:1: id is required [plan.schema]",
			"plan.yaml:1:1: goal is required [plan.schema]",
			"plan.yaml:1:1: directives are required [plan.schema]",
		}},
		{name: "unknown top-level field", doc: head + "author: me\ndirectives: [{type: GET_MANIFEST}]\n",
			want: []string{`plan.yaml:4:1: unknown field "author" (a plan has version, id, goal, base and directives) [plan.schema]`}},
		{name: "version 2", doc: "version: 2\nid: p\ngoal: g\ndirectives: [{type: GET_MANIFEST}]\n",
			want: []string{"plan.yaml:1:10: plan version 2 is not supported; this git-aos reads version 1 [plan.version]"}},
		{name: "version string", doc: "version: \"1\"\nid: p\ngoal: g\ndirectives: [{type: GET_MANIFEST}]\n",
			want: []string{"plan.yaml:1:10: version must be an integer, not a string [plan.schema]"}},
		{name: "version float", doc: "version: 1.0\nid: p\ngoal: g\ndirectives: [{type: GET_MANIFEST}]\n",
			want: []string{"plan.yaml:1:10: version must be an integer, not a number [plan.schema]"}},
		{name: "version 01", doc: "version: 0x1\nid: p\ngoal: g\ndirectives: [{type: GET_MANIFEST}]\n",
			want: []string{"plan.yaml:1:10: plan version 0x1 is not supported; this git-aos reads version 1 [plan.version]"}},
		{name: "id uppercase", doc: "version: 1\nid: Fix-Login\ngoal: g\ndirectives: [{type: GET_MANIFEST}]\n",
			want: []string{`plan.yaml:2:5: id "Fix-Login" must match ^[a-z0-9][a-z0-9._-]{0,63}$ [plan.id]`}},
		{name: "id leading dash", doc: "version: 1\nid: -x\ngoal: g\ndirectives: [{type: GET_MANIFEST}]\n",
			want: []string{`plan.yaml:2:5: id "-x" must match ^[a-z0-9][a-z0-9._-]{0,63}$ [plan.id]`}},
		{name: "id 65 chars", doc: "version: 1\nid: " + strings.Repeat("a", 65) + "\ngoal: g\ndirectives: [{type: GET_MANIFEST}]\n",
			want: []string{`plan.yaml:2:5: id "` + strings.Repeat("a", 65) + `" must match ^[a-z0-9][a-z0-9._-]{0,63}$ [plan.id]`}},
		{name: "id with slash", doc: "version: 1\nid: a/b\ngoal: g\ndirectives: [{type: GET_MANIFEST}]\n",
			want: []string{`plan.yaml:2:5: id "a/b" must match ^[a-z0-9][a-z0-9._-]{0,63}$ [plan.id]`}},
		{name: "id integer", doc: "version: 1\nid: 42\ngoal: g\ndirectives: [{type: GET_MANIFEST}]\n",
			want: []string{"plan.yaml:2:5: id must be a string, not an integer (quote it) [plan.schema]"}},
		{name: "blank goal", doc: "version: 1\nid: p\ngoal: \"  \"\ndirectives: [{type: GET_MANIFEST}]\n",
			want: []string{"plan.yaml:3:7: goal must not be empty [plan.schema]"}},
		{name: "goal null", doc: "version: 1\nid: p\ngoal:\ndirectives: [{type: GET_MANIFEST}]\n",
			want: []string{"plan.yaml:3:6: goal must be a string, not null (quote it) [plan.schema]"}},
		{name: "short base", doc: head + "base: main\ndirectives: [{type: GET_MANIFEST}]\n",
			want: []string{`plan.yaml:4:7: base "main" must be a full commit id (40 or 64 lowercase hex digits) [plan.base]`}},
		{name: "no directives", doc: head + "directives: []\n",
			want: []string{"plan.yaml:4:13: a plan needs at least one directive [plan.schema]"}},
		{name: "directives mapping", doc: head + "directives: {type: LS}\n",
			want: []string{"plan.yaml:4:13: directives must be a list, not a mapping [plan.schema]"}},

		// Directives.
		{name: "directive is a string", doc: head + "directives:\n  - FILE_READ src/a\n",
			want: []string{"plan.yaml:5:5: directive 0: a directive must be a mapping, not a string [plan.schema]"}},
		{name: "no type", doc: head + "directives:\n  - path: a\n",
			want: []string{"plan.yaml:5:5: directive 0: directive has no type [plan.schema]"}},
		{name: "unknown type", doc: head + "directives:\n  - type: SHELL\n    command: rm -rf /\n",
			want: []string{`plan.yaml:5:11: directive 0 (SHELL): unknown directive type "SHELL" (known: FILE_READ, LS, STAT, FILE_WRITE, FILE_APPEND, FILE_DELETE, DIFF, SEARCH, APPLY_PATCH, QUARANTINE, RUN_TESTS, BUILD, SANDBOX_EXEC, GET_MANIFEST, GET_ENVIRONMENT_INFO, GET_HISTORY) [plan.directive]`}},
		{name: "lower-case type", doc: head + "directives:\n  - type: file_read\n    path: a\n",
			want: []string{`plan.yaml:5:11: directive 0 (file_read): unknown directive type "file_read" (known: FILE_READ, LS, STAT, FILE_WRITE, FILE_APPEND, FILE_DELETE, DIFF, SEARCH, APPLY_PATCH, QUARANTINE, RUN_TESTS, BUILD, SANDBOX_EXEC, GET_MANIFEST, GET_ENVIRONMENT_INFO, GET_HISTORY) [plan.directive]`}},
		{name: "type integer", doc: head + "directives:\n  - type: 7\n",
			want: []string{"plan.yaml:5:11: directive 0: type must be a string, not an integer (quote it) [plan.schema]"}},
		{name: "extra field on a read", doc: head + "directives:\n  - type: FILE_READ\n    path: a\n    content: x\n",
			want: []string{`plan.yaml:7:5: directive 0 (FILE_READ): unknown field "content" for FILE_READ (its fields: path) [plan.schema]`}},
		{name: "field on GET_MANIFEST", doc: head + "directives:\n  - type: GET_MANIFEST\n    path: a\n",
			want: []string{`plan.yaml:6:5: directive 0 (GET_MANIFEST): unknown field "path" for GET_MANIFEST (its fields: none) [plan.schema]`}},
		{name: "raw command on SANDBOX_EXEC", doc: head + "directives:\n  - type: SANDBOX_EXEC\n    tool: lint\n    command: eslint .\n",
			want: []string{`plan.yaml:7:5: directive 0 (SANDBOX_EXEC): unknown field "command" for SANDBOX_EXEC (its fields: args, tool) [plan.schema]`}},
		{name: "case-different field", doc: head + "directives:\n  - type: FILE_READ\n    Path: a\n",
			want: []string{
				"plan.yaml:5:5: directive 0 (FILE_READ): FILE_READ needs path [plan.schema]",
				`plan.yaml:6:5: directive 0 (FILE_READ): unknown field "Path" for FILE_READ, did you mean "path"? (its fields: path) [plan.schema]`,
			}},
		{name: "missing params", doc: head + "directives:\n  - type: BUILD\n  - type: SANDBOX_EXEC\n  - type: APPLY_PATCH\n  - type: DIFF\n",
			want: []string{
				"plan.yaml:5:5: directive 0 (BUILD): BUILD needs target [plan.schema]",
				"plan.yaml:6:5: directive 1 (SANDBOX_EXEC): SANDBOX_EXEC needs tool [plan.schema]",
				"plan.yaml:7:5: directive 2 (APPLY_PATCH): APPLY_PATCH needs patch [plan.schema]",
				"plan.yaml:8:5: directive 3 (DIFF): DIFF needs path [plan.schema]",
			}},
		{name: "write without content", doc: head + "directives:\n  - type: FILE_WRITE\n    path: a\n",
			want: []string{"plan.yaml:5:5: directive 0 (FILE_WRITE): FILE_WRITE needs content or content_base64 [plan.schema]"}},
		{name: "content and content_base64", doc: head + "directives:\n  - type: FILE_APPEND\n    path: a\n    content: x\n    content_base64: eA==\n",
			want: []string{"plan.yaml:8:21: directive 0 (FILE_APPEND): FILE_APPEND takes content or content_base64, not both [plan.schema]"}},
		{name: "bad base64", doc: head + "directives:\n  - type: FILE_WRITE\n    path: a\n    content_base64: eA=\n",
			want: []string{"plan.yaml:7:21: directive 0 (FILE_WRITE): content_base64 is not valid base64: illegal base64 data at input byte 3 [plan.schema]"}},
		{name: "base64 with bad padding bits", doc: head + "directives:\n  - type: FILE_WRITE\n    path: a\n    content_base64: eB==\n",
			want: []string{"plan.yaml:7:21: directive 0 (FILE_WRITE): content_base64 is not valid base64: illegal base64 data at input byte 2 [plan.schema]"}},
		{name: "path integer", doc: head + "directives:\n  - type: FILE_READ\n    path: 123\n",
			want: []string{"plan.yaml:6:11: directive 0 (FILE_READ): path must be a string, not an integer (quote it) [plan.schema]"}},
		{name: "path null", doc: head + "directives:\n  - type: STAT\n    path:\n",
			want: []string{"plan.yaml:6:10: directive 0 (STAT): path must be a string, not null (quote it) [plan.schema]"}},
		{name: "path list", doc: head + "directives:\n  - type: STAT\n    path: [a, b]\n",
			want: []string{"plan.yaml:6:11: directive 0 (STAT): path must be a string, not a list [plan.schema]"}},
		{name: "content boolean", doc: head + "directives:\n  - type: FILE_WRITE\n    path: a\n    content: true\n",
			want: []string{"plan.yaml:7:14: directive 0 (FILE_WRITE): content must be a string, not a boolean (quote it) [plan.schema]"}},
		{name: "executable yes", doc: head + "directives:\n  - type: FILE_WRITE\n    path: a\n    content: x\n    executable: yes\n",
			want: []string{"plan.yaml:8:17: directive 0 (FILE_WRITE): executable must be a boolean, not an unquoted yes/no/on/off word (write true or false) [plan.schema]"}},
		{name: "content yes", doc: head + "directives:\n  - type: FILE_WRITE\n    path: a\n    content: yes\n",
			want: []string{"plan.yaml:7:14: directive 0 (FILE_WRITE): content must be a string, not an unquoted yes/no/on/off word (quote it) [plan.schema]"}},
		{name: "executable 1", doc: head + "directives:\n  - type: FILE_WRITE\n    path: a\n    content: x\n    executable: 1\n",
			want: []string{"plan.yaml:8:17: directive 0 (FILE_WRITE): executable must be a boolean, not an integer [plan.schema]"}},
		{name: "args string", doc: head + "directives:\n  - type: SANDBOX_EXEC\n    tool: t\n    args: --fix\n",
			want: []string{"plan.yaml:7:11: directive 0 (SANDBOX_EXEC): args must be a list, not a string [plan.schema]"}},
		{name: "args of numbers", doc: head + "directives:\n  - type: SANDBOX_EXEC\n    tool: t\n    args: [1, x, null]\n",
			want: []string{
				"plan.yaml:7:12: directive 0 (SANDBOX_EXEC): args[0] must be a string, not an integer (quote it) [plan.schema]",
				"plan.yaml:7:18: directive 0 (SANDBOX_EXEC): args[2] must be a string, not null (quote it) [plan.schema]",
			}},
		{name: "arg with NUL", doc: head + "directives:\n  - type: SANDBOX_EXEC\n    tool: t\n    args: [\"a\\0b\"]\n",
			want: []string{"plan.yaml:7:12: directive 0 (SANDBOX_EXEC): args[0] contains a NUL byte [plan.schema]"}},
		{name: "too many args", doc: head + "directives:\n  - type: SANDBOX_EXEC\n    tool: t\n    args: [" + strings.Repeat("a, ", 1025) + "]\n",
			want: []string{"plan.yaml:7:11: directive 0 (SANDBOX_EXEC): args has 1025 items, over the limit of 1024 [plan.schema]"}},
		{name: "every error of every directive", doc: head + "directives:\n  - type: FILE_READ\n  - type: NOPE\n  - type: LS\n    path: 1\n",
			want: []string{
				"plan.yaml:5:5: directive 0 (FILE_READ): FILE_READ needs path [plan.schema]",
				`plan.yaml:6:11: directive 1 (NOPE): unknown directive type "NOPE" (known: FILE_READ, LS, STAT, FILE_WRITE, FILE_APPEND, FILE_DELETE, DIFF, SEARCH, APPLY_PATCH, QUARANTINE, RUN_TESTS, BUILD, SANDBOX_EXEC, GET_MANIFEST, GET_ENVIRONMENT_INFO, GET_HISTORY) [plan.directive]`,
				"plan.yaml:8:11: directive 2 (LS): path must be a string, not an integer (quote it) [plan.schema]",
			}},

		// YAML's features that a plan may not use.
		{name: "duplicate top-level key", doc: head + "id: q\ndirectives: [{type: GET_MANIFEST}]\n",
			want: []string{`plan.yaml:4:1: key "id" given twice (first at line 2) [plan.syntax]`}},
		{name: "duplicate directive key", doc: head + "directives:\n  - type: FILE_READ\n    path: a\n    path: .git/config\n",
			want: []string{`plan.yaml:7:5: key "path" given twice (first at line 6) [plan.syntax]`}},
		{name: "anchor", doc: head + "directives:\n  - &d {type: FILE_READ, path: a}\n",
			want: []string{"plan.yaml:5:5: YAML anchor &d: anchors and aliases are not allowed in plans [plan.syntax]"}},
		{name: "alias", doc: "version: 1\nid: p\ngoal: g\nx: &a b\ndirectives: [{type: FILE_READ, path: *a}]\n",
			want: []string{"plan.yaml:4:4: YAML anchor &a: anchors and aliases are not allowed in plans [plan.syntax]"}},
		{name: "merge key", doc: head + "directives:\n  - <<: {type: FILE_READ}\n    path: a\n",
			want: []string{"plan.yaml:5:5: YAML merge key <<: is not allowed in plans [plan.syntax]"}},
		{name: "custom tag", doc: head + "directives:\n  - !directive {type: GET_MANIFEST}\n",
			want: []string{"plan.yaml:5:5: YAML tag !directive is not allowed in plans [plan.syntax]"}},
		{name: "binary tag", doc: head + "directives:\n  - type: FILE_WRITE\n    path: a\n    content: !!binary aGVsbG8=\n",
			want: []string{"plan.yaml:7:14: YAML tag !!binary is not allowed in plans [plan.syntax]"}},
		{name: "timestamp", doc: head + "directives:\n  - type: FILE_WRITE\n    path: a\n    content: 2001-12-14\n",
			want: []string{"plan.yaml:7:14: YAML tag !!timestamp is not allowed in plans [plan.syntax]"}},
		{name: "explicit str tag is fine", doc: head + "directives:\n  - type: FILE_WRITE\n    path: a\n    content: !!str 12\n", want: nil},
		{name: "two documents", doc: head + "directives: [{type: GET_MANIFEST}]\n---\n" + head + "directives: [{type: GET_MANIFEST}]\n",
			want: []string{"plan.yaml:5:1: a plan is one YAML document; found another [plan.syntax]"}},
		{name: "empty second document", doc: head + "directives: [{type: GET_MANIFEST}]\n---\n",
			want: []string{"plan.yaml:5:1: a plan is one YAML document; found another [plan.syntax]"}},
		{name: "non-string key", doc: head + "directives:\n  - type: LS\n    1: a\n",
			want: []string{"plan.yaml:6:5: mapping keys must be strings [plan.syntax]"}},
		{name: "complex key", doc: head + "directives:\n  - type: LS\n    ? [a]\n    : b\n",
			want: []string{"plan.yaml:6:7: mapping keys must be strings [plan.syntax]"}},
		{name: "YAML syntax", doc: head + "directives: [{type: LS\n",
			want: []string{"plan.yaml:4: YAML: did not find expected ',' or '}' [plan.syntax]"}},
		{name: "YAML tab indentation", doc: head + "directives:\n\t- type: LS\n",
			want: []string{"plan.yaml:5:1: YAML: a tab cannot indent YAML: indent with spaces [plan.syntax]"}},
		{name: "YAML tab in a block scalar", doc: head + "directives:\n  - type: FILE_WRITE\n    path: a\n    content: |\n      one\n\ttwo\n",
			want: []string{"plan.yaml:9:1: YAML: a tab cannot indent YAML: indent with spaces [plan.syntax]"}},
		{name: "YAML tab after spaces", doc: head + "directives:\n  - type: LS\n  \t path: a\n",
			want: []string{"plan.yaml:6:3: YAML: a tab cannot indent YAML: indent with spaces [plan.syntax]"}},
		{name: "YAML control character", doc: head + "directives:\n  - type: LS\n    path: \"a\x01\"\n",
			want: []string{"plan.yaml:6:13: YAML: control characters are not allowed [plan.syntax]"}},
		{name: "invalid UTF-8", doc: head + "directives:\n  - type: LS\n    path: caf\xe9\n",
			want: []string{"plan.yaml:6:14: plan is not valid UTF-8 [plan.syntax]"}},

		// JSON's defaults that a plan does not have.
		{name: "JSON case-insensitive keys", file: "plan.json", doc: `{"Version": 1, "ID": "p", "goal": "g", "directives": [{"TYPE": "LS", "path": "."}]}`,
			want: []string{
				`plan.json:1:1: version is required (version: 1) [plan.schema]`,
				`plan.json:1:1: id is required [plan.schema]`,
				`plan.json:1:2: unknown field "Version", did you mean "version"? (a plan has version, id, goal, base and directives) [plan.schema]`,
				`plan.json:1:16: unknown field "ID", did you mean "id"? (a plan has version, id, goal, base and directives) [plan.schema]`,
				`plan.json:1:55: directive 0: directive has no type [plan.schema]`,
			}},
		{name: "JSON duplicate key", file: "plan.json", doc: "{\"version\": 1, \"id\": \"p\", \"goal\": \"g\",\n \"directives\": [{\"type\": \"FILE_READ\", \"path\": \"a\", \"path\": \".git/config\"}]}",
			want: []string{`plan.json:2:52: key "path" given twice (first at line 2) [plan.syntax]`}},
		{name: "JSON trailing document", file: "plan.json", doc: `{"version": 1, "id": "p", "goal": "g", "directives": [{"type": "LS", "path": "."}]} {}`,
			want: []string{"plan.json:1:85: a plan is one JSON document; found more after it [plan.syntax]"}},
		{name: "JSON syntax", file: "plan.json", doc: "{\"version\": 1,\n \"id\": \"p\" \"goal\": \"g\"}",
			want: []string{"plan.json:2:12: JSON: invalid character '\"' after object key:value pair [plan.syntax]"}},
		{name: "JSON truncated", file: "plan.json", doc: `{"version": 1, "id": "p"`,
			want: []string{"plan.json:1:25: JSON: unexpected EOF [plan.syntax]"}},
		{name: "JSON float version", file: "plan.json", doc: `{"version": 1.0, "id": "p", "goal": "g", "directives": [{"type": "LS", "path": "."}]}`,
			want: []string{"plan.json:1:13: version must be an integer, not a number [plan.schema]"}},
		{name: "JSON exponent version", file: "plan.json", doc: `{"version": 1e0, "id": "p", "goal": "g", "directives": [{"type": "LS", "path": "."}]}`,
			want: []string{"plan.json:1:13: version must be an integer, not a number [plan.schema]"}},
		{name: "JSON null path", file: "plan.json", doc: `{"version": 1, "id": "p", "goal": "g", "directives": [{"type": "LS", "path": null}]}`,
			want: []string{"plan.json:1:78: directive 0 (LS): path must be a string, not null (quote it) [plan.schema]"}},
		{name: "JSON empty", file: "plan.json", doc: "  \n", want: []string{"plan.json:2:1: JSON: unexpected EOF [plan.syntax]"}},

		// Limits.
		{name: "size limit", doc: head + "directives: [{type: GET_MANIFEST}]\n", lim: Limits{MaxBytes: 10},
			want: []string{"plan.yaml:1:1: plan is 60 bytes, over the limit of 10 (policies.max_plan_kb) [plan.size]"}},
		{name: "directive limit", doc: head + "directives: [{type: GET_MANIFEST}, {type: GET_HISTORY}, {type: LS, path: .}]\n", lim: Limits{MaxDirectives: 2},
			want: []string{"plan.yaml:4:13: plan has 3 directives, over the limit of 2 (policies.max_directives) [plan.size]"}},
		{name: "YAML depth", doc: head + "directives: [{type: GET_MANIFEST}]\nx: " + strings.Repeat("[", 70) + strings.Repeat("]", 70) + "\n",
			want: []string{"plan.yaml:5:68: plan nests deeper than 64 levels [plan.syntax]"}},
		{name: "YAML depth of mappings", doc: head + "directives: [{type: GET_MANIFEST}]\nx: " + strings.Repeat("{a: ", 70) + "b" + strings.Repeat("}", 70) + "\n",
			want: []string{"plan.yaml:5:257: plan nests deeper than 64 levels [plan.syntax]"}},
		{name: "JSON depth", file: "plan.json", doc: `{"version": 1, "x": ` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + "}",
			want: []string{"plan.json:1:85: plan nests deeper than 64 levels [plan.syntax]"}},
		{name: "depth 64 is fine", doc: "version: 1\nid: p\ngoal: g\ndirectives:\n  - type: SANDBOX_EXEC\n    tool: t\n    args: [a]\n", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := tc.file
			if file == "" {
				file = "plan.yaml"
			}
			got := planErrors(t, file, tc.doc, tc.lim)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParsePlanHuge checks that huge documents are refused quickly with an
// error, never a crash.
func TestParseHuge(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	for _, tc := range []struct{ name, doc string }{
		{"plan.yaml", "x: " + deep},
		{"plan.json", `{"x": ` + deep + "}"},
		{"plan.yaml", strings.Repeat("- ", 50000) + "a"},
	} {
		if errs := planErrors(t, tc.name, tc.doc, Limits{}); len(errs) != 1 {
			t.Errorf("%s: deep document errors = %q", tc.name, errs)
		}
	}
	big := head + "directives:\n" + strings.Repeat("  - {type: GET_MANIFEST}\n", 1001)
	errs := planErrors(t, "plan.yaml", big, Limits{MaxDirectives: 1000})
	if len(errs) != 1 || !strings.Contains(errs[0], "plan has 1001 directives") {
		t.Errorf("errors = %q", errs)
	}
}

// TestLimits: the limits are the caller's, and a limit that is not
// positive is refused before anything is read, never taken as no limit.
func TestLimits(t *testing.T) {
	t.Parallel()
	if l := LimitsFrom(aos.Policies{MaxPlanKB: 2, MaxDirectives: 3}); l != (Limits{MaxBytes: 2048, MaxDirectives: 3}) {
		t.Errorf("LimitsFrom = %+v", l)
	}
	ok := head + "directives: [{type: GET_MANIFEST}]\n"
	for _, lim := range []Limits{{}, {MaxBytes: 1 << 20}, {MaxDirectives: 10}, {MaxBytes: -1, MaxDirectives: 10}, {MaxBytes: 1 << 20, MaxDirectives: -1}} {
		p, err := Parse(context.Background(), "plan.yaml", []byte(ok), lim)
		if !errors.Is(err, ErrLimits) || p != nil {
			t.Errorf("Parse with %+v = %v, %v; want %v", lim, p, err, ErrLimits)
		}
		var pe *Error
		if errors.As(err, &pe) || errors.Is(err, aos.ErrRejected) {
			t.Errorf("limits %+v: a caller's mistake reads as a rejected plan: %v", lim, err)
		}
	}
	if _, err := Parse(context.Background(), "plan.yaml", []byte(ok), Limits{MaxBytes: len(ok), MaxDirectives: 1}); err != nil {
		t.Errorf("a plan at its limits: %v", err)
	}
	if _, err := Parse(context.Background(), "plan.yaml", []byte(ok), MaxLimits); err != nil {
		t.Errorf("MaxLimits: %v", err)
	}
}

func TestDirectiveParams(t *testing.T) {
	t.Parallel()
	for _, typ := range aos.DirectiveTypes {
		if _, ok := DirectiveParams(typ); !ok {
			t.Errorf("DirectiveParams(%s) unknown", typ)
		}
	}
	got, _ := DirectiveParams(aos.FileWrite)
	if fmt.Sprint(got) != "[content content_base64 executable path]" {
		t.Errorf("FILE_WRITE params = %v", got)
	}
	if _, ok := DirectiveParams("SHELL"); ok {
		t.Error("SHELL is known")
	}
}
