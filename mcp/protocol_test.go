package mcp_test

import (
	"encoding/json"
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/mcp"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// The tools and their directives (docs/spec.md 14.2).
var toolTypes = map[string]aos.DirectiveType{
	"read_file": aos.FileRead, "list_directory": aos.LS, "stat": aos.Stat, "search": aos.Search,
	"diff": aos.Diff, "get_manifest": aos.GetManifest, "get_environment_info": aos.GetEnvironmentInfo,
	"get_history": aos.GetHistory, "write_file": aos.FileWrite, "append_file": aos.FileAppend,
	"delete_file": aos.FileDelete, "apply_patch": aos.ApplyPatch, "run_tests": aos.RunTests,
	"build": aos.BuildTarget, "sandbox_exec": aos.SandboxExec, "quarantine_file": aos.Quarantine,
}

// TestProtocolVersions speaks each protocol version the issue names with
// the server: the version is the one asked for, the instructions and
// every tool are there with their schemas and annotations, a read
// answers, a refusal is a tool error, an unknown tool a protocol error.
func TestProtocolVersions(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, appFiles)
	for _, pv := range []string{"2025-06-18", "2025-11-25", "2026-07-28"} {
		t.Run(pv, func(t *testing.T) {
			t.Parallel()
			c := connect(t, dir, pv)
			init := c.cs.InitializeResult()
			if init.ProtocolVersion != pv {
				t.Errorf("protocol %s, asked for %s", init.ProtocolVersion, pv)
			}
			if init.ServerInfo.Name != "git-aos" || init.Instructions != mcp.Instructions {
				t.Errorf("server %+v, instructions %q", init.ServerInfo, init.Instructions)
			}
			tools := map[string]*sdk.Tool{}
			for tool, err := range c.cs.Tools(ctx(t), nil) {
				if err != nil {
					t.Fatal(err)
				}
				tools[tool.Name] = tool
			}
			want := append(slices.Collect(maps.Keys(toolTypes)), "plan_status", "submit", "discard")
			if got := slices.Sorted(maps.Keys(tools)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
				t.Errorf("tools %v, want %v", got, slices.Sorted(slices.Values(want)))
			}
			for name, typ := range toolTypes {
				checkTool(t, tools[name], typ)
			}
			if a := tools["plan_status"].Annotations; !a.ReadOnlyHint || *a.OpenWorldHint {
				t.Errorf("plan_status annotations %+v", a)
			}
			if a := tools["discard"].Annotations; !*a.DestructiveHint {
				t.Errorf("discard annotations %+v", a)
			}
			var st struct{ Type, Mode, Blob string }
			c.ok("stat", map[string]any{"path": "src/main.go"}, &st)
			if st.Type != "file" || st.Mode != "100644" || len(st.Blob) != 40 {
				t.Errorf("stat %+v", st)
			}
			c.refused("write_file", map[string]any{"path": "vendor/lib.go", "content": "x"}, "workspace.read_only")
			r := c.call("read_file", map[string]any{})
			if !r.isError || !strings.Contains(r.text, "path") {
				t.Errorf("read_file without path: %+v", r)
			}
			_, err := c.cs.CallTool(ctx(t), &sdk.CallToolParams{Name: "rm_rf", Arguments: map[string]any{}})
			var we *jsonrpc.Error
			if !errors.As(err, &we) || we.Code != -32602 {
				t.Errorf("unknown tool: %v", err)
			}
		})
	}
}

// checkTool checks a directive tool's schemas and annotations: the input
// is the directive's schema of git aos plan schema, with paging.
func checkTool(t *testing.T, tool *sdk.Tool, typ aos.DirectiveType) {
	t.Helper()
	if tool == nil {
		t.Errorf("no tool for %s", typ)
		return
	}
	var in struct {
		Type                 string
		Properties           map[string]any
		Required             []string
		AdditionalProperties bool `json:"additionalProperties"`
		OneOf                any  `json:"oneOf"`
	}
	b, _ := json.Marshal(tool.InputSchema)
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatal(err)
	}
	params, _ := planfile.DirectiveParams(typ)
	var got []string
	for k := range in.Properties {
		if k != "offset" && k != "limit" {
			got = append(got, k)
		}
	}
	if in.Type != "object" || in.AdditionalProperties || in.OneOf != nil || !slices.Equal(slices.Sorted(slices.Values(got)), params) {
		t.Errorf("%s: input schema %s", tool.Name, b)
	}
	want, _ := planfile.DirectiveSchema(typ)
	for k, v := range want["properties"].(map[string]any) {
		wb, _ := json.Marshal(v)
		gb, _ := json.Marshal(in.Properties[k])
		if string(wb) != string(gb) {
			t.Errorf("%s: %s is %s, the plan schema says %s", tool.Name, k, gb, wb)
		}
	}
	if tool.OutputSchema == nil {
		t.Errorf("%s: no output schema", tool.Name)
	}
	a := tool.Annotations
	read := !typ.Writes() && !typ.IsJob()
	if a == nil || a.ReadOnlyHint != read || a.OpenWorldHint == nil || *a.OpenWorldHint || a.DestructiveHint == nil || *a.DestructiveHint != (typ == aos.FileDelete || typ == aos.Quarantine) {
		t.Errorf("%s: annotations %+v", tool.Name, a)
	}
	if !strings.Contains(tool.Description, string(typ)) {
		t.Errorf("%s: the description does not name %s: %s", tool.Name, typ, tool.Description)
	}
}

// violationLine is a violation as plan check prints it, without a
// position (docs/spec.md 14.3).
var violationLine = regexp.MustCompile(`^directive \d+ \([A-Z_]+\): (\S.*: )?\S.* \[[a-z_]+\.[a-z_./]+\]$`)

// TestToolErrors: every class of rule refuses a call with a tool error
// carrying the rule, the path and the message, as plan check prints them;
// nothing refused is recorded.
func TestToolErrors(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, appFiles)
	c := connect(t, dir, "")
	for _, tc := range []struct {
		tool string
		args map[string]any
		rule string
		text string // in the message
	}{
		{"read_file", map[string]any{"path": "../etc/passwd"}, "path.dot_segment", "directive 0 (FILE_READ): ../etc/passwd: "},
		{"read_file", map[string]any{"path": "/etc/passwd"}, "path.absolute", "/etc/passwd"},
		{"stat", map[string]any{"path": "src//main.go"}, "path.empty_segment", "src//main.go"},
		{"write_file", map[string]any{"path": "src/.GIT/config", "content": "x"}, "path.git", "src/.GIT/config"},
		{"write_file", map[string]any{"path": `src\x.go`, "content": "x"}, "path.backslash", `"src\\x.go"`}, // quoted as git quotes paths
		{"list_directory", map[string]any{"path": "src/main.go"}, "path.not_dir", "src/main.go"},
		{"read_file", map[string]any{"path": "src"}, "path.not_file", "src"},
		// The filesystem server's escapes: a sibling sharing a prefix
		// with a writable directory, and a path through a symlink.
		{"write_file", map[string]any{"path": "src_evil/x.go", "content": "x"}, "workspace.not_writable", "src_evil/x.go"},
		{"write_file", map[string]any{"path": "vendor/lib.go", "content": "x"}, "workspace.read_only", "vendor/lib.go"},
		{"write_file", map[string]any{"path": "aos.cue", "content": "x"}, "workspace.protected", "aos.cue"},
		{"delete_file", map[string]any{"path": "src/main.go"}, "policies.allow_delete", "src/main.go"},
		{"write_file", map[string]any{"path": "secrets/token", "content": "x"}, "workspace.not_writable", "secrets/token"},
		{"read_file", map[string]any{"path": "secrets/token"}, "path.not_found", "secrets/token: no such file"},
		{"search", map[string]any{"pattern": "s3cr3t", "path": "secrets"}, "path.not_found", "secrets: no such file or directory"},
		{"write_file", map[string]any{"path": "src/big.txt", "content": strings.Repeat("x", 9000)}, "policies.max_file_size_kb", "src/big.txt"},
		{"write_file", map[string]any{"path": "src/x.go", "content": "x", "executable": true}, "policies.allow_executable", "src/x.go"},
		{"run_tests", map[string]any{"suite": "nope"}, "tests.unknown", `unknown test suite "nope" (known: default, slow)`},
		{"build", map[string]any{"target": "site"}, "build.unknown", `unknown build target "site"`},
		{"sandbox_exec", map[string]any{"tool": "rm"}, "tools.unknown", `unknown tool "rm" (known: wc)`},
		{"sandbox_exec", map[string]any{"tool": "wc", "args": []string{"$(id)"}}, "tools.args_pattern", `argument 0 "$(id)"`},
		{"apply_patch", map[string]any{"patch": "diff --git a/src/main.go b/src/main.go\n--- a/src/main.go\n+++ b/src/main.go\n@@ -3 +3 @@\n-func nope() {\n+func main() {\n"}, "patch.apply", "src/main.go"},
		{"apply_patch", map[string]any{"patch": "this is not a patch"}, "patch.parse", "directive 0 (APPLY_PATCH): "},
		{"write_file", map[string]any{"path": "src/x.go", "content": "x", "content_base64": "eA=="}, "plan.schema", "takes content or content_base64, not both"},
		{"write_file", map[string]any{"path": "src/x.go"}, "plan.schema", "needs content or content_base64"},
		{"write_file", map[string]any{"path": "src/x.go", "content_base64": "%%%"}, "plan.schema", "not valid base64"},
		{"search", map[string]any{"pattern": "a(?=b)"}, "search.pattern", "RE2"},
		{"search", map[string]any{"pattern": "a", "glob": "../*.go"}, "search.glob", `".."`},
		{"diff", map[string]any{"path": "src/main.go", "against": "no-such-rev"}, "diff.against", "no-such-rev"},
	} {
		r := c.refused(tc.tool, tc.args, tc.rule)
		if !strings.Contains(r.text, tc.text) {
			t.Errorf("%s %v: %q does not say %q", tc.tool, tc.args, r.text, tc.text)
		}
		for _, l := range strings.Split(r.text, "\n") {
			if !violationLine.MatchString(l) {
				t.Errorf("%s: %q is not a violation as plan check prints it", tc.tool, l)
			}
		}
	}
	var st struct{ Directives []any }
	c.ok("plan_status", nil, &st)
	if len(st.Directives) != 0 {
		t.Errorf("refused calls were recorded: %+v", st.Directives)
	}
	// Arguments the schema refuses are tool errors too.
	for _, args := range []map[string]any{{}, {"path": 3}, {"path": "a", "bogus": 1}, {"path": "a", "offset": -1}} {
		if r := c.call("read_file", args); !r.isError {
			t.Errorf("read_file %v: %+v", args, r)
		}
	}
}

// TestIgnoredLikeMissing: through every tool that names a path, an ignored
// path answers what a missing one answers, word for word once the names
// are swapped.
func TestIgnoredLikeMissing(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, appFiles)
	for _, tc := range []struct {
		tool string
		args func(p string) map[string]any
	}{
		{"read_file", func(p string) map[string]any { return map[string]any{"path": p} }},
		{"stat", func(p string) map[string]any { return map[string]any{"path": p} }},
		{"list_directory", func(p string) map[string]any { return map[string]any{"path": p} }},
		{"diff", func(p string) map[string]any { return map[string]any{"path": p} }},
		{"search", func(p string) map[string]any { return map[string]any{"pattern": ".", "path": p} }},
		{"search", func(p string) map[string]any { return map[string]any{"pattern": ".", "glob": p} }},
		{"write_file", func(p string) map[string]any { return map[string]any{"path": p, "content": "x"} }},
		{"append_file", func(p string) map[string]any { return map[string]any{"path": p, "content": "x"} }},
		{"delete_file", func(p string) map[string]any { return map[string]any{"path": p} }},
		{"quarantine_file", func(p string) map[string]any { return map[string]any{"path": p, "reason": "suspect"} }},
		{"apply_patch", func(p string) map[string]any {
			return map[string]any{"patch": "diff --git a/" + p + " b/" + p + "\n--- a/" + p + "\n+++ b/" + p + "\n@@ -1 +1 @@\n-s3cr3t\n+x\n"}
		}},
	} {
		for _, pair := range [][2]string{{"secrets/token", "secrets/tokem"}, {"secrets", "secreta"}, {"src/server.key", "src/servex.key"}} {
			c := connect(t, dir, "")
			hidden, missing := c.call(tc.tool, tc.args(pair[0])), c.call(tc.tool, tc.args(pair[1]))
			c.close()
			swapped := strings.ReplaceAll(string(missing.raw)+missing.text, pair[1], pair[0])
			if hidden.isError != missing.isError || string(hidden.raw)+hidden.text != swapped {
				t.Errorf("%s: %s (ignored) and %s (missing) answer differently:\n%v %s%s\n%v %s%s",
					tc.tool, pair[0], pair[1], hidden.isError, hidden.raw, hidden.text, missing.isError, missing.raw, missing.text)
			}
		}
	}
}
