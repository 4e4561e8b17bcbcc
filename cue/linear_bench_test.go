package cue

import (
	"fmt"
	"strings"
	"testing"

	"github.com/architectos/aos/internal/cputime"
)

// BenchmarkLinearManifest loads manifests at n and 10n globs, tools and
// approval rules, within the 512 KiB a manifest may be.
func BenchmarkLinearManifest(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		src := Source{Name: "aos.yaml", Data: benchManifest(n)}
		b.Run(fmt.Sprintf("globs/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(src.Data)))
			cputime.Loop(b, func() {
				if _, err := LoadManifest(src, "aos.yaml", nil); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
	for _, n := range []int{200, 2000} {
		var m strings.Builder
		m.WriteString("project: {name: bench}\nworkspace: {writable: [\"src/**\"]}\ntools:\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&m, "  t%d: {command: \"tool %d\", args_pattern: \"^[a-z]+$\"}\n", i, i)
		}
		m.WriteString("policies:\n  require_approval:\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&m, "    - {name: r%d, paths: [\"src/r%d/**\"], reviewers: [\"@org/team%d\"]}\n", i, i, i)
		}
		src := Source{Name: "aos.yaml", Data: []byte(m.String())}
		b.Run(fmt.Sprintf("tools and approvals/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(src.Data)))
			cputime.Loop(b, func() {
				if _, err := LoadManifest(src, "aos.yaml", nil); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
