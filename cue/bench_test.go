package cue

import (
	"fmt"
	"strings"
	"testing"
)

// benchManifest returns a YAML manifest with n globs spread over the
// workspace lists, tools, tests and policies, like a large real project's.
func benchManifest(n int) []byte {
	var b strings.Builder
	b.WriteString("project: {name: bench, version: 1.0.0}\nworkspace:\n  root: .\n  read_only:\n")
	for i := 0; i < n/4; i++ {
		fmt.Fprintf(&b, "    - vendor/mod%d/**\n", i)
	}
	b.WriteString("  ignored:\n")
	for i := 0; i < n/4; i++ {
		fmt.Fprintf(&b, "    - cache/c%d/**\n", i)
	}
	b.WriteString("  writable:\n")
	for i := 0; i < n-2*(n/4); i++ {
		fmt.Fprintf(&b, "    - src/pkg%d/**/*.go\n", i)
	}
	b.WriteString(`tools:
  go: go
  lint: {command: golangci-lint, args_pattern: "^[a-z./-]+$"}
tests:
  default: {command: "{{ tools.go }} test ./..."}
  lint: {command: "{{ tools.lint }} run"}
build:
  targets:
    bin: {command: "{{ tools.go }} build ./...", outputs: [bin/**]}
policies:
  max_file_size_kb: 512
  allow_delete: true
  require_tests_on_write: true
  required_suites: [default]
  require_approval:
    - {name: deps, paths: [go.mod, go.sum], reviewers: ["@org/deps"]}
`)
	return []byte(b.String())
}

// BenchmarkLoadManifest loads and checks a manifest with 200 globs (the
// goal is well under 100 ms), and larger ones to show how it grows.
func BenchmarkLoadManifest(b *testing.B) {
	for _, n := range []int{200, 2000, 10000} {
		src := Source{Name: "aos.yaml", Data: benchManifest(n)}
		b.Run(fmt.Sprintf("globs=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := LoadManifest(src, "aos.yaml", nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
