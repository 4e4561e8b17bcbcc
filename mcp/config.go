package mcp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Clients are the clients [ClientConfig] writes a configuration for.
var Clients = []string{"claude", "codex", "cursor", "vscode"}

// ServerName is the server's name in the clients' configurations.
const ServerName = "git-aos"

// ClientConfig returns the configuration snippet client reads to start
// this server, exe being git-aos's absolute path and repo the
// repository's, and says where it goes (docs/spec.md 14.5, docs/mcp.md).
func ClientConfig(client, exe, repo string) (snippet []byte, where string, err error) {
	args := []string{"mcp", "--repo", repo}
	switch client {
	case "claude":
		// Claude Code's project scope: .mcp.json at the project's root.
		snippet, err = jsonConfig("mcpServers", serverEntry{"stdio", exe, args})
		where = fmt.Sprintf("save it as .mcp.json at the root of %s, or run: claude mcp add --scope project %s -- %s; "+
			"to keep Claude Code to these tools, deny its own in .claude/settings.json: "+
			`{"permissions": {"allow": ["mcp__%s"], "deny": ["Bash", "Edit", "Write", "NotebookEdit"]}}`,
			repo, ServerName, shellWords(append([]string{exe}, args...)), ServerName)
	case "codex":
		var b bytes.Buffer
		fmt.Fprintf(&b, "[mcp_servers.%s]\ncommand = %s\nargs = [", ServerName, tomlString(exe))
		for i, a := range args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tomlString(a))
		}
		b.WriteString("]\n")
		snippet = b.Bytes()
		where = "add it to ~/.codex/config.toml, or to .codex/config.toml in a trusted project; " +
			`to keep Codex to these tools, run it with --sandbox read-only and approval_policy = "untrusted"`
	case "cursor":
		snippet, err = jsonConfig("mcpServers", serverEntry{"", exe, args})
		where = fmt.Sprintf("save it as .cursor/mcp.json in %s, or merge it into ~/.cursor/mcp.json", repo)
	case "vscode":
		snippet, err = jsonConfig("servers", serverEntry{"stdio", exe, args})
		where = fmt.Sprintf("save it as .vscode/mcp.json in %s, or add it with the command MCP: Add Server", repo)
	default:
		return nil, "", fmt.Errorf("unknown client %q (want one of %s)", client, strings.Join(Clients, ", "))
	}
	return snippet, where, err
}

// serverEntry is a stdio server in a client's JSON configuration.
type serverEntry struct {
	Type    string   `json:"type,omitempty"`
	Command string   `json:"command"`
	Args    []string `json:"args"`
}

// jsonConfig is {key: {"git-aos": server}}, indented.
func jsonConfig(key string, server serverEntry) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{key: map[string]any{ServerName: server}}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// tomlString quotes s as a TOML basic string: JSON's escapes are TOML's.
func tomlString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// shellWords quotes words for a POSIX shell.
func shellWords(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		if w != "" && !strings.ContainsFunc(w, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=:@%,", r))
		}) {
			out[i] = w
			continue
		}
		out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}
