package mcp_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestToolsGolden holds what a client learns of the server at the
// handshake and from tools/list (names, titles, descriptions, annotations,
// input and output schemas) to testdata/tools.json: the surface a model
// sees, changed only on purpose (AOS_UPDATE=1 rewrites it).
func TestToolsGolden(t *testing.T) {
	t.Parallel()
	c := connect(t, newRepo(t, appFiles), "2026-07-28")
	var tools []*sdk.Tool
	for tool, err := range c.cs.Tools(ctx(t), nil) {
		if err != nil {
			t.Fatal(err)
		}
		tools = append(tools, tool)
	}
	slices.SortFunc(tools, func(a, b *sdk.Tool) int { return strings.Compare(a.Name, b.Name) })
	init := c.cs.InitializeResult()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{
		"protocolVersion": init.ProtocolVersion,
		"serverInfo":      map[string]string{"name": init.ServerInfo.Name, "title": init.ServerInfo.Title},
		"capabilities":    init.Capabilities,
		"instructions":    init.Instructions,
		"tools":           tools,
	}); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "tools.json")
	if *update || os.Getenv("AOS_UPDATE") == "1" {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("tools/list differs from %s (AOS_UPDATE=1 rewrites it):\n%s", golden, b.Bytes())
	}
}
