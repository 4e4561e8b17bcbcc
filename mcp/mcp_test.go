package mcp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// binary is git-aos, built once for the tests: the server runs as a
// client starts it, a process on the other end of a pipe.
var binary string

var gitTestEnv = []string{
	"GIT_CONFIG_NOSYSTEM=1",
	"GIT_AUTHOR_NAME=Agent Smith",
	"GIT_AUTHOR_EMAIL=agent@example.com",
	"GIT_COMMITTER_NAME=ArchitectOS",
	"GIT_COMMITTER_EMAIL=aos@example.com",
	"GIT_AUTHOR_DATE=2026-01-02T03:04:05Z",
	"GIT_COMMITTER_DATE=2026-01-02T03:04:05Z",
}

// testTmp is the directory of the binary and the benchmarks' repository,
// removed when the tests end.
var testTmp string

func TestMain(m *testing.M) {
	tmp, err := os.MkdirTemp("", "aos-mcp-test-")
	if err != nil {
		panic(err)
	}
	testTmp = tmp
	// Built with the caller's environment (its Go caches), before HOME
	// changes.
	binary = filepath.Join(tmp, "git-aos")
	if out, err := exec.Command("go", "build", "-o", binary, "../cmd/git-aos").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build git-aos: %v\n%s", err, out)
		os.Exit(1)
	}
	os.WriteFile(filepath.Join(tmp, ".gitconfig"), []byte("[init]\n\tdefaultBranch = main\n"), 0o644)
	os.Setenv("HOME", tmp)
	os.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(tmp, ".gitconfig"))
	// One compilation cache for the validator module of every test.
	os.Setenv("AOS_WASM_CACHE", filepath.Join(tmp, "wasm-cache"))
	for _, kv := range gitTestEnv {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return c
}

// git runs git in dir and returns its trimmed output.
func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// aosCmd runs git-aos in dir and returns its output and exit code.
func aosCmd(t testing.TB, dir string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// newRepo makes a repository whose first commit on main holds files.
func newRepo(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "init")
	return dir
}

// syncBuffer collects a server's standard error.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// client is a session of the real SDK client with a git-aos mcp process.
type client struct {
	t        testing.TB
	cs       *sdk.ClientSession
	cmd      *exec.Cmd
	stderr   *syncBuffer
	mu       sync.Mutex
	progress []*sdk.ProgressNotificationParams
}

// connect starts git aos mcp on dir, with args, speaking protocol version
// pv ("" for the SDK's latest).
func connect(t testing.TB, dir, pv string, args ...string) *client {
	t.Helper()
	return connectEnv(t, dir, pv, nil, args...)
}

// connectEnv is connect with more environment variables for the server.
func connectEnv(t testing.TB, dir, pv string, env []string, args ...string) *client {
	t.Helper()
	c := &client{t: t, stderr: &syncBuffer{}}
	cmd := exec.Command(binary, append([]string{"mcp", "--repo", dir}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = c.stderr
	cl := sdk.NewClient(&sdk.Implementation{Name: "aos-test", Version: "v0"}, &sdk.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *sdk.ProgressNotificationClientRequest) {
			c.mu.Lock()
			c.progress = append(c.progress, req.Params)
			c.mu.Unlock()
		},
	})
	cs, err := cl.Connect(ctx(t), &sdk.CommandTransport{Command: cmd, TerminateDuration: 10 * time.Second}, &sdk.ClientSessionOptions{ProtocolVersion: pv})
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, c.stderr)
	}
	c.cs, c.cmd = cs, cmd
	t.Cleanup(func() { c.close() })
	return c
}

func (c *client) close() {
	if c.cs != nil {
		c.cs.Close()
		c.cs = nil
	}
}

// result is what a tool call answered.
type result struct {
	isError bool
	text    string
	data    map[string]any // structured content
	raw     json.RawMessage
}

// call calls a tool; a protocol error fails the test.
func (c *client) call(name string, args map[string]any) result {
	c.t.Helper()
	return c.callMeta(name, args, nil)
}

func (c *client) callMeta(name string, args map[string]any, meta sdk.Meta) result {
	c.t.Helper()
	if args == nil {
		args = map[string]any{}
	}
	res, err := c.cs.CallTool(ctx(c.t), &sdk.CallToolParams{Name: name, Arguments: args, Meta: meta})
	if err != nil {
		c.t.Fatalf("%s: protocol error: %v\n%s", name, err, c.stderr)
	}
	var r result
	r.isError = res.IsError
	for _, ct := range res.Content {
		if tc, ok := ct.(*sdk.TextContent); ok {
			r.text += tc.Text
		}
	}
	if res.StructuredContent != nil {
		r.raw, _ = json.Marshal(res.StructuredContent)
		json.Unmarshal(r.raw, &r.data)
	}
	return r
}

// ok calls a tool that must pass, and decodes its structured content into
// out when out is not nil.
func (c *client) ok(name string, args map[string]any, out any) result {
	c.t.Helper()
	r := c.call(name, args)
	if r.isError {
		c.t.Fatalf("%s %v: %s", name, args, r.text)
	}
	if out != nil {
		if err := json.Unmarshal(r.raw, out); err != nil {
			c.t.Fatalf("%s: %v in %s", name, err, r.raw)
		}
	}
	return r
}

// refused calls a tool that must be refused with rule.
func (c *client) refused(name string, args map[string]any, rule string) result {
	c.t.Helper()
	r := c.call(name, args)
	if !r.isError || !strings.Contains(r.text, "["+rule+"]") {
		c.t.Fatalf("%s %v: want a tool error [%s], got error=%v: %s", name, args, rule, r.isError, r.text)
	}
	return r
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
