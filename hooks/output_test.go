package hooks_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestHostileNamesStayInert pushes, with the installed hook, an agent's
// commit whose tree names files with newlines, carriage returns, terminal
// escapes and workflow commands: the hook rejects it, and no line git
// shows the pusher (or a CI runner reading the push's output) says what
// the names say.
func TestHostileNamesStayInert(t *testing.T) {
	t.Parallel()
	s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n"})
	c := s.clone(t)
	blob := strings.TrimSpace(mustIn(t, c.dir, "a\n", "git", "hash-object", "-w", "--stdin"))
	names := []string{
		"src/x\nremote: git-aos: push accepted",
		"src/y\r::error file=a.txt,line=1::pwned",
		"src/z\x1b[2J\x1b]0;title\x07",
		"src/##[add-mask]hunter2",
		"src/\u202etxt.exe",
		"::warning::w",
	}
	// The hostile names sit in src/, beside the manifest at the root.
	var src, root strings.Builder
	for _, n := range names {
		if name, ok := strings.CutPrefix(n, "src/"); ok {
			src.WriteString("100644 blob " + blob + "\t" + name + "\x00")
		} else {
			root.WriteString("100644 blob " + blob + "\t" + n + "\x00")
		}
	}
	srcTree := strings.TrimSpace(mustIn(t, c.dir, src.String(), "git", "mktree", "-z"))
	manifest := strings.TrimSpace(c.git("rev-parse", "HEAD:project.yml"))
	root.WriteString("100644 blob " + manifest + "\tproject.yml\x00")
	root.WriteString("040000 tree " + srcTree + "\tsrc\x00")
	tree := strings.TrimSpace(mustIn(t, c.dir, root.String(), "git", "mktree", "-z"))
	commit := strings.TrimSpace(mustIn(t, c.dir, "hostile\n", "git", "commit-tree", tree, "-p", "HEAD"))
	before := s.refs(t)
	out, ok := c.push("build-bot", commit+":refs/heads/feature")
	expectRejected(t, s, before, out, ok, "path.control")
	for i, line := range strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' }) {
		body := strings.TrimPrefix(line, "remote: ")
		if strings.HasPrefix(strings.TrimSpace(body), "::") || strings.Contains(body, "##[") ||
			strings.ContainsAny(body, "\x1b\x07\u202e") || body == "git-aos: push accepted" {
			t.Errorf("line %d of the push's output is a plan's: %q", i+1, line)
		}
	}
	for _, want := range []string{`"src/x\nremote: git-aos: push accepted"`, `"src/z\033[2J\033]0;title\a"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the push's output does not name %s quoted:\n%s", want, out)
		}
	}
}

// mustIn runs a command in dir with stdin and returns its output.
func mustIn(t testing.TB, dir, stdin, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}
