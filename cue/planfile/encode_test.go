package planfile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/architectos/aos"
)

// TestEncodePlanVectors encodes every plan of the vectors and of
// testdata/plans that parses, and requires the encoding to parse back as
// the same plan.
func TestEncodePlanVectors(t *testing.T) {
	t.Parallel()
	n := 0
	for name, data := range planSeedsT(t) {
		plan, err := Parse(context.Background(), name, data, MaxLimits)
		if err != nil {
			continue
		}
		n++
		out, err := Encode(plan)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		back, err := Parse(context.Background(), "again.yaml", out, MaxLimits)
		if err != nil {
			t.Errorf("%s: the encoding does not parse: %v\n%s", name, err, out)
			continue
		}
		if len(back.Directives) != len(plan.Directives) || back.ID != plan.ID || back.Goal != plan.Goal || back.Base != plan.Base {
			t.Errorf("%s: encoded as another plan:\n%s", name, out)
			continue
		}
		for i := range plan.Directives {
			if !SameDirective(&back.Directives[i], &plan.Directives[i]) {
				t.Errorf("%s: directive %d reads back as %+v, not %+v", name, i, back.Directives[i], plan.Directives[i])
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d plans to encode", n)
	}
}

func planSeedsT(t *testing.T) map[string][]byte {
	out := map[string][]byte{}
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "plans", "*.yaml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = b
	}
	vectors, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "plans", "vectors", "*.txtar"))
	for _, f := range vectors {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, rest, ok := bytes.Cut(b, []byte("\n-- plan.yaml --\n"))
		if !ok {
			continue
		}
		if i := bytes.Index(rest, []byte("\n-- ")); i >= 0 {
			rest = rest[:i+1]
		}
		out[f] = rest
	}
	return out
}

// TestEncodePlanStyles checks the strings each style is for: plain words
// plain, YAML's other types and indicators quoted, lines as literal
// blocks, bytes that are not text as content_base64.
func TestEncodePlanStyles(t *testing.T) {
	t.Parallel()
	p := &aos.Plan{Version: 1, ID: "styles", Goal: "two\nlines", Base: strings.Repeat("a", 40), Directives: []aos.Directive{
		{Type: aos.FileWrite, Path: "src/a.go", Content: []byte("package a\n")},
		{Type: aos.FileWrite, Path: "yes", Content: []byte("1.0")},
		{Type: aos.FileWrite, Path: "b.bin", Content: []byte{0, 0xff}},
		{Type: aos.FileWrite, Path: "crlf", Content: []byte("a\r\nb\r\n")},
		{Type: aos.Search, Pattern: `func \w+`, Glob: "*.go"},
		{Type: aos.RunTests, Suite: "default"},
		{Type: aos.RunTests, Suite: ""},
		{Type: aos.SandboxExec, Tool: "t", Args: []string{"a b", "no"}},
	}}
	out, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `version: 1
id: styles
goal: |-
  two
  lines
base: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
directives:
  - type: FILE_WRITE
    path: src/a.go
    content: |
      package a
  - type: FILE_WRITE
    path: "yes"
    content: "1.0"
  - type: FILE_WRITE
    path: b.bin
    content_base64: AP8=
  - type: FILE_WRITE
    path: crlf
    content: "a\r\nb\r\n"
  - type: SEARCH
    pattern: "func \\w+"
    glob: "*.go"
  - type: RUN_TESTS
  - type: RUN_TESTS
    suite: ""
  - type: SANDBOX_EXEC
    tool: t
    args: ["a b", "no"]
`
	if string(out) != want {
		t.Errorf("encoded:\n%s\nwant:\n%s", out, want)
	}
}

// TestEncodePlanRefuses checks that what a plan cannot hold is an error,
// not a plan that means something else.
func TestEncodePlanRefuses(t *testing.T) {
	t.Parallel()
	for _, d := range []aos.Directive{
		{Type: aos.FileRead, Path: "bad\xffutf8"},
		{Type: aos.SandboxExec, Tool: "t", Args: []string{"nul\x00"}},
		{Type: "SHELL"},
	} {
		_, err := Encode(&aos.Plan{Version: 1, ID: "refuse", Goal: "g", Directives: []aos.Directive{d}})
		if !errors.Is(err, ErrNotEncodable) {
			t.Errorf("%+v: err = %v, want ErrNotEncodable", d, err)
		}
	}
}

// FuzzEncodePlan encodes plans of arbitrary directives: the encoding must
// parse back as the same plan, or be refused with ErrNotEncodable only
// when a string is not valid UTF-8 or an argument holds a NUL byte.
func FuzzEncodePlan(f *testing.F) {
	f.Add(uint8(3), "src/a.go", "package a\n", []byte("x\n"), false)
	f.Add(uint8(7), "*.go", `^func (\w+)`, []byte{}, false)
	f.Add(uint8(10), "tool", "- yes\n  no: 1", []byte("\r\n\t"), true)
	f.Add(uint8(8), "a", "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-x\n+y\n", []byte("  lead\n\ttab\n"), true)
	f.Add(uint8(4), "#c", "&anchor", []byte("\ufeffbom"), false)
	f.Add(uint8(3), "f", "\t\n", []byte("\t\n"), false)
	f.Fuzz(func(t *testing.T, typ uint8, s1, s2 string, content []byte, b bool) {
		d := aos.Directive{Type: aos.DirectiveTypes[int(typ)%len(aos.DirectiveTypes)]}
		switch d.Type {
		case aos.FileWrite, aos.FileAppend:
			d.Path, d.Content, d.Executable = s1, content, b
		case aos.Diff:
			d.Path, d.Against = s1, s2
		case aos.Search:
			d.Glob, d.Pattern, d.Path = s1, s2, string(content)
		case aos.ApplyPatch:
			d.Patch = s2
		case aos.RunTests:
			d.Suite = s2
		case aos.BuildTarget:
			d.Target = s1
		case aos.SandboxExec:
			d.Tool, d.Args = s1, []string{s2, string(content)}
		case aos.GetManifest, aos.GetEnvironmentInfo, aos.GetHistory:
		default:
			d.Path = s1
		}
		p := &aos.Plan{Version: 1, ID: "fuzz", Goal: "goal " + s2, Directives: []aos.Directive{d, {Type: aos.LS, Path: "."}}}
		out, err := Encode(p)
		representable := utf8.ValidString(s1) && utf8.ValidString(s2) &&
			!(d.Type == aos.SandboxExec && (strings.ContainsRune(s2, 0) || bytes.IndexByte(content, 0) >= 0)) &&
			!(d.Type == aos.SandboxExec && !utf8.Valid(content)) &&
			!(d.Type == aos.Search && !utf8.Valid(content))
		if err != nil {
			if representable || !errors.Is(err, ErrNotEncodable) {
				j, _ := json.Marshal(d)
				t.Fatalf("%s: %v", j, err)
			}
			return
		}
		back, err := Parse(context.Background(), "plan.yaml", out, Limits{MaxBytes: 1 << 24, MaxDirectives: 10})
		if err != nil {
			t.Fatalf("encoding does not parse: %v\n%s", err, out)
		}
		if back.Goal != p.Goal || len(back.Directives) != 2 || !SameDirective(&back.Directives[0], &d) {
			t.Fatalf("reads back as another plan:\n%s", out)
		}
	})
}
