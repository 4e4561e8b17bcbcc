package workflow_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/mcp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// toolOf names the MCP tool of each directive type (docs/spec.md 14.2).
var toolOf = map[aos.DirectiveType]string{
	aos.FileRead: "read_file", aos.LS: "list_directory", aos.Stat: "stat", aos.Search: "search",
	aos.Diff: "diff", aos.GetManifest: "get_manifest", aos.GetEnvironmentInfo: "get_environment_info",
	aos.GetHistory: "get_history", aos.FileWrite: "write_file", aos.FileAppend: "append_file",
	aos.FileDelete: "delete_file", aos.ApplyPatch: "apply_patch", aos.RunTests: "run_tests",
	aos.BuildTarget: "build", aos.SandboxExec: "sandbox_exec", aos.Quarantine: "quarantine_file",
}

// mcpTools is the MCP front end of the property: each directive of the
// plan is a call of its tool, in a session of a server served in this
// process, and the caller learns each call's answer (its error text, or
// its structured content) and then plan_status.
var mcpTools = frontEnd{"mcp tools", func(t *testing.T, dir, plan string) ([]string, string) {
	t.Helper()
	p, err := planfile.Parse(t.Context(), "plan.yaml", []byte(plan), planfile.MaxLimits)
	if err != nil {
		t.Fatal(err)
	}
	cs, base, stop := serveInProcess(t, dir)
	defer stop()
	var answers []string
	for _, d := range p.Directives {
		answers = append(answers, callTool(t, cs, toolOf[d.Type], toolArgs(d)))
	}
	status := callTool(t, cs, "plan_status", nil)
	return answers, strings.ReplaceAll(status, base, "BASE")
}}

func init() { frontEnds = append(frontEnds, mcpTools) }

// serveInProcess serves git aos mcp on dir over pipes and connects the
// SDK's client to it.
func serveInProcess(t *testing.T, dir string) (*sdk.ClientSession, string, func()) {
	t.Helper()
	base := git(t, dir, "rev-parse", "HEAD")
	sr, cw := io.Pipe()
	cr, sw := io.Pipe()
	c, cancel := context.WithCancel(ctx())
	done := make(chan error, 1)
	go func() { done <- mcp.Serve(c, mcp.Options{Dir: dir}, sr, sw) }()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "probe"}, nil).Connect(c, &sdk.IOTransport{Reader: cr, Writer: cw}, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	return cs, base, func() {
		cs.Close()
		cancel()
		sw.Close()
		<-done
	}
}

// callTool returns what a call answers, as JSON.
func callTool(t *testing.T, cs *sdk.ClientSession, name string, args map[string]any) string {
	t.Helper()
	if args == nil {
		args = map[string]any{}
	}
	res, err := cs.CallTool(ctx(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var text []string
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			text = append(text, tc.Text)
		}
	}
	b, _ := json.Marshal(struct {
		Error      bool
		Text       []string
		Structured any
	}{res.IsError, text, res.StructuredContent})
	return string(b)
}

// toolArgs are a directive's parameters as its tool takes them.
func toolArgs(d aos.Directive) map[string]any {
	args := map[string]any{}
	set := func(k, v string) {
		if v != "" {
			args[k] = v
		}
	}
	set("path", d.Path)
	set("against", d.Against)
	set("patch", d.Patch)
	set("target", d.Target)
	set("tool", d.Tool)
	set("pattern", d.Pattern)
	set("glob", d.Glob)
	set("reason", d.Reason)
	if d.Type == aos.RunTests {
		args["suite"] = d.Suite
	}
	if d.Type == aos.FileWrite || d.Type == aos.FileAppend {
		if utf8.Valid(d.Content) {
			args["content"] = string(d.Content)
		} else {
			args["content_base64"] = base64.StdEncoding.EncodeToString(d.Content)
		}
	}
	if len(d.Args) > 0 {
		args["args"] = d.Args
	}
	return args
}
