package planfile

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// sameTree reports where a and b, trees of yaml.v3 nodes, differ in
// anything the plan decoder or a caller could see, or "".
func sameTree(a, b *yaml.Node, path string) string {
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value ||
		a.Anchor != b.Anchor || a.Alias != b.Alias || a.HeadComment != b.HeadComment ||
		a.LineComment != b.LineComment || a.FootComment != b.FootComment ||
		a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) {
		return fmt.Sprintf("%s: fast %+v, yaml.v3 %+v", path, *a, *b)
	}
	for i := range a.Content {
		if d := sameTree(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); d != "" {
			return d
		}
	}
	return ""
}

// checkFast holds fastYAML to yaml.v3 on doc: a document the fast path
// accepts is one yaml.v3 reads, alone, as the same tree of nodes.
func checkFast(t *testing.T, doc []byte) bool {
	t.Helper()
	fast, ok := fastYAML(context.Background(), doc)
	if !ok {
		return false
	}
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	var want yaml.Node
	if err := dec.Decode(&want); err != nil {
		t.Fatalf("the fast path accepts what yaml.v3 refuses (%v):\n%q", err, doc)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		t.Fatalf("the fast path reads one document where yaml.v3 finds more (%v):\n%q", err, doc)
	}
	if d := sameTree(fast, &want, ""); d != "" {
		t.Fatalf("the fast path reads another tree: %s\n%q", d, doc)
	}
	return true
}

// fastSeeds are documents of the shapes the fast path reads, and near
// misses it must refuse or read exactly.
var fastSeeds = []string{
	"version: 1\nid: p\ngoal: Write two files\ndirectives:\n  - type: FILE_WRITE\n    path: src/a.txt\n    content: \"a\\n\\t\\u00e9\\x80\\U0001F600\\\"\\\\\"\n  - type: LS\n    path: .\n",
	"version: 1\nid: p\ngoal: g\ndirectives:\n- type: LS\n  path: a\n- type: SANDBOX_EXEC\n  tool: t\n  args:\n  - a\n  - \"b c\"\n",
	"a:\n  b:\n    c: 1\n  d: x\ne: \"\"\n",
	"a: \" lead and trail \"\nb: \"\\0\\a\\b\\v\\f\\r\\e\\ \\'\\N\\_\\L\\P\"\n",
	"a: yes\nb: no\nc: on\nd: y\n",
	"a: true\n", "a: null\n", "a: 01\n", "a: 0\n", "a: 1234567890\n", "a: b:c\n", "a: b #c\n", "a: \"x\" \n",
	"a: \"\\ud800\"\n", "a: \"\\q\"\n", "a: \"\\x4\"\n", "a:\n- x\nb: 1\n", "- a\n", "a: b\na: c\n", "a:\n    b: 1\n  c: 2\n",
	"a: \"x\ny\"\n", "a: \"\u2028\"\n", "a: \"\ufeff\"\n", "a: b\n  c\n", "a: b\n\nc: d\n", "---\na: b\n", "a: b", "a: /x/y\n",
	// The shapes cleanQuoted reads, and its near misses.
	"a: \"x\\ny\\tz\"\n", "a: \"\\\\\"\n", "a: \"x\\\"\n", "a: \"x\\\"\"\n", "a: \"x\\\"y\"\n", "a: \"x\\x41\\u00e9\\U0001F600\"\n",
	"a: \"x\\x4\"\n", "a: \"x\\\ty\"\n", "a: \"x\\n\ty\"\n", "a: \"x\\né\"\n", "a: \"x\\n\" \n", "a: \"x\\n\" # c\n", "a: \"x\\n\"y\"\n",
	"a: \"\\n\"\nb: \"\\t\"\n", "a: \"x\\\n", "a: \"x\\n\x7f\"\n",
	"a: x,y\n", "a: .\n", "a: ..\n", "a: .github/x\n", "a: .5\n", "a: .inf\n", "a: .nAn\n", "a: .e5\n", "a: TRUE\n", "a: ~\n", "a: Null\n", "a: x=y@z+w\n", "a:  b\n", "a: b  c\n", "a: b \n", "a:\n  - b: 1\n    c: 2\n  - d\n", "a:\n  - b:\n    - c\n    d: 1\n",
}

func TestFastYAML(t *testing.T) {
	t.Parallel()
	accepted := 0
	for _, s := range fastSeeds {
		if checkFast(t, []byte(s)) {
			accepted++
		}
	}
	if accepted < 8 {
		t.Errorf("the fast path read %d of the seeds", accepted)
	}
	// The plans of the vectors, and the shape of a large plan written
	// with Go's %q, which the benchmarks push.
	var b strings.Builder
	b.WriteString("version: 1\nid: big\ngoal: Write files\ndirectives:\n")
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, "  - type: FILE_WRITE\n    path: src/f%04d.txt\n    content: %q\n", i, fmt.Sprintf("line %d\twith é, \x00, \xff and \"quotes\"\n", i))
	}
	if !checkFast(t, []byte(b.String())) {
		t.Errorf("the fast path refuses a plan written with %%q:\n%s", b.String())
	}
}

// FuzzFastYAML: on every document the fast path accepts, yaml.v3 reads
// the same tree of nodes, values, styles, tags, lines and columns, as one
// document and without error.
func FuzzFastYAML(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkFast(t, doc)
	})
}
