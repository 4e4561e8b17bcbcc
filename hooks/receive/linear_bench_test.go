package receive

import (
	"fmt"
	"strings"
	"testing"

	"github.com/architectos/aos/internal/cputime"
)

// BenchmarkLinearInput parses pre-receive input at n and 10n updates, the
// longest ref names allowed, as the hook reads it.
//
//	go test -run '^$' -bench Linear -benchtime 3x ./hooks/receive
func BenchmarkLinearInput(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		var in strings.Builder
		long := strings.Repeat("x", 3000)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&in, "%040x %040x refs/heads/%s/%06d\n", i, i+1, long, i)
		}
		text := in.String()
		b.Run(fmt.Sprintf("updates/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			cputime.Loop(b, func() {
				if _, err := Parse(strings.NewReader(text)); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
