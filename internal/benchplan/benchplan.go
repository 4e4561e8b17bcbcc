// Package benchplan makes the plan the gate's cost is measured with: the
// pre-receive hook's benchmarks push it (hooks, BenchmarkPreReceive) and
// the plan parser's parse it (cue/planfile, BenchmarkParseLarge). It is
// for tests and benchmarks only.
package benchplan

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Large returns 1,000 FILE_WRITE directives of about 10 KB of text each,
// 10 MB in all, in YAML ("yaml") as the encoder and %q write it, or in
// JSON ("json") as encoding/json indents it.
func Large(format string) []byte { return Sized(format, 1000, 10*1024) }

// Sized is Large of n directives of about size bytes each.
func Sized(format string, n, size int) []byte {
	type directive struct {
		Type    string `json:"type"`
		Path    string `json:"path"`
		Content string `json:"content"`
	}
	plan := struct {
		Version    int         `json:"version"`
		ID         string      `json:"id"`
		Goal       string      `json:"goal"`
		Directives []directive `json:"directives"`
	}{Version: 1, ID: "bench", Goal: fmt.Sprintf("Write %d files", n)}
	for i := 0; i < n; i++ {
		var c strings.Builder
		for l := 0; c.Len() < size; l++ {
			fmt.Fprintf(&c, "file %d line %d: the quick brown fox jumps over the lazy dog %d\n", i, l, i*l)
		}
		plan.Directives = append(plan.Directives, directive{"FILE_WRITE", fmt.Sprintf("src/gen/%02d/f%04d.txt", i%50, i), c.String()})
	}
	if format == "json" {
		data, err := json.MarshalIndent(plan, "", "  ")
		if err != nil {
			panic(err)
		}
		return append(data, '\n')
	}
	var b strings.Builder
	fmt.Fprintf(&b, "version: %d\nid: %s\ngoal: %s\ndirectives:\n", plan.Version, plan.ID, plan.Goal)
	for _, d := range plan.Directives {
		fmt.Fprintf(&b, "  - type: %s\n    path: %s\n    content: %q\n", d.Type, d.Path, d.Content)
	}
	return []byte(b.String())
}
