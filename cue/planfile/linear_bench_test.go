package planfile

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/architectos/aos/internal/cputime"
)

// BenchmarkLinearPlan parses plans at n and 10n, each shaped the worst way
// for a parser: one long line of JSON (what json.dumps and JSON.stringify
// print), many tiny directives, one huge string with escapes, deep nesting
// within the limit, the longest args lists, base64 content, and a
// document with an error in every directive. The two sizes of a shape,
// side by side in one run, must take about 10 times as long as each other
// (docs/RATIONALE.md, "Linear costs").
//
//	go test -run '^$' -bench Linear -benchtime 3x ./cue/planfile
func BenchmarkLinearPlan(b *testing.B) {
	content := strings.Repeat("y", 10000)
	shapes := []struct {
		name, file string
		n          int
		doc        func(n int) string
		bad        bool
	}{
		{"JSON one line, writes of 10 KB", "p.json", 100, func(n int) string {
			var s strings.Builder
			s.WriteString(`{"version": 1, "id": "p", "goal": "g", "directives": [`)
			for i := 0; i < n; i++ {
				if i > 0 {
					s.WriteString(", ")
				}
				fmt.Fprintf(&s, `{"type": "FILE_WRITE", "path": "gen/f%06d.txt", "content": "%s"}`, i, content)
			}
			s.WriteString("]}")
			return s.String()
		}, false},
		{"YAML writes of 10 KB", "p.yaml", 100, func(n int) string {
			var s strings.Builder
			s.WriteString("version: 1\nid: p\ngoal: g\ndirectives:\n")
			for i := 0; i < n; i++ {
				fmt.Fprintf(&s, "  - type: FILE_WRITE\n    path: gen/f%06d.txt\n    content: %s\n", i, content)
			}
			return s.String()
		}, false},
		{"JSON one line, tiny directives", "p.json", 10000, func(n int) string {
			return `{"version": 1, "id": "p", "goal": "g", "directives": [` + strings.TrimSuffix(strings.Repeat(`{"type": "LS", "path": "a"},`, n), ",") + "]}"
		}, false},
		{"YAML flow, tiny directives", "p.yaml", 10000, func(n int) string {
			return "version: 1\nid: p\ngoal: g\ndirectives:\n" + strings.Repeat("  - {type: LS, path: a}\n", n)
		}, false},
		{"YAML one huge escaped string", "p.yaml", 100000, func(n int) string {
			return "version: 1\nid: p\ngoal: g\ndirectives:\n  - type: FILE_WRITE\n    path: a\n    content: \"" + strings.Repeat(`a\n\u00e9\t`, n) + "\"\n"
		}, false},
		{"JSON one huge escaped string", "p.json", 100000, func(n int) string {
			return `{"version": 1, "id": "p", "goal": "g", "directives": [{"type": "FILE_WRITE", "path": "a", "content": "` + strings.Repeat(`a\n\u00e9\t`, n) + `"}]}`
		}, false},
		{"YAML literal block", "p.yaml", 100000, func(n int) string {
			return "version: 1\nid: p\ngoal: g\ndirectives:\n  - type: APPLY_PATCH\n    patch: |\n" + strings.Repeat("      +a line of a patch\n", n)
		}, false},
		{"YAML base64 content", "p.yaml", 1000, func(n int) string {
			enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("binary\x00", n*100)))
			return "version: 1\nid: p\ngoal: g\ndirectives:\n  - type: FILE_WRITE\n    path: a\n    content_base64: " + enc + "\n"
		}, false},
		{"JSON longest args lists", "p.json", 100, func(n int) string {
			args := `"` + strings.Repeat(`a", "`, 1023) + `a"`
			return `{"version": 1, "id": "p", "goal": "g", "directives": [` + strings.TrimSuffix(strings.Repeat(`{"type": "SANDBOX_EXEC", "tool": "t", "args": [`+args+`]},`, n), ",") + "]}"
		}, false},
		{"YAML deep nesting, 60 levels", "p.yaml", 1000, func(n int) string {
			return "version: 1\nid: p\ngoal: g\ndirectives: [{type: GET_MANIFEST}]\nx:\n" + strings.Repeat("  - "+strings.Repeat("[", 60)+strings.Repeat("]", 60)+"\n", n)
		}, true},
		{"JSON deep nesting, 60 levels", "p.json", 1000, func(n int) string {
			return `{"version": 1, "id": "p", "goal": "g", "directives": [{"type": "GET_MANIFEST"}], "x": [` + strings.TrimSuffix(strings.Repeat(strings.Repeat("[", 60)+strings.Repeat("]", 60)+",", n), ",") + "]}"
		}, true},
		{"YAML an error in every directive", "p.yaml", 10000, func(n int) string {
			return "version: 1\nid: p\ngoal: g\ndirectives:\n" + strings.Repeat("  - {type: LS, path: a, mode: 1}\n", n)
		}, true},
	}
	lim := Limits{MaxBytes: 1 << 30, MaxDirectives: 1000000}
	for _, sh := range shapes {
		for _, n := range []int{sh.n, 10 * sh.n} {
			doc := []byte(sh.doc(n))
			b.Run(fmt.Sprintf("%s/n=%d", sh.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(doc)))
				cputime.Loop(b, func() {
					_, err := Parse(context.Background(), sh.file, doc, lim)
					if (err != nil) != sh.bad {
						b.Fatalf("Parse: %v", err)
					}
				})
			})
		}
	}
}
