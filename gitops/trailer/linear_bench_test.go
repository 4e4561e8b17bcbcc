package trailer

import (
	"fmt"
	"strings"
	"testing"

	"github.com/architectos/aos/internal/cputime"
)

// BenchmarkLinearTrailers reads the claim of commit messages at n and 10n
// lines, shaped the worst ways for a trailer reader: a long body before
// the trailers, a long last paragraph of trailers, one long line, many
// "---" lines (each a candidate divider), and many continuation lines of
// one trailer. ReadClaim reads each message three ways (git
// interpret-trailers, git log, line by line). The ratio of the two sizes
// must be about 10 (docs/RATIONALE.md, "Linear costs").
//
//	go test -run '^$' -bench Linear -benchtime 3x ./gitops/trailer
func BenchmarkLinearTrailers(b *testing.B) {
	for _, sh := range []struct {
		name string
		msg  func(n int) string
	}{
		{"trailers after a long body", func(n int) string {
			return "aos: p: g\n\n" + strings.Repeat("a line of the body\n", n) + "\nAos-Plan-Id: p\nAos-Plan-Digest: sha256:0\n"
		}},
		{"a long last paragraph of trailers", func(n int) string {
			return "aos: p: g\n\nbody\n\n" + strings.Repeat("Key: value\n", n)
		}},
		{"one long line", func(n int) string {
			return "aos: p: g\n\n" + strings.Repeat("x", 100*n) + "\n\nAos-Plan-Id: p\n"
		}},
		{"many divider lines", func(n int) string {
			return "aos: p: g\n\n" + strings.Repeat("---x\n--- \n\n", n) + "Aos-Plan-Id: p\n"
		}},
		{"one trailer folded over many lines", func(n int) string {
			return "aos: p: g\n\nbody\n\nAos-Plan-Id: p\n" + strings.Repeat(" continued\n", n)
		}},
	} {
		for _, n := range []int{10000, 100000} {
			msg := sh.msg(n)
			b.Run(fmt.Sprintf("%s/n=%d", sh.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(msg)))
				cputime.Loop(b, func() { ReadClaim(msg) })
			})
		}
	}
}
