package planfile

import (
	"context"
	"testing"

	"github.com/architectos/aos/internal/benchplan"
	"github.com/architectos/aos/internal/cputime"
)

// largePlan is the plan of the gate's cost ([benchplan.Large]).
func largePlan(format string) []byte { return benchplan.Large(format) }

// BenchmarkParseLarge parses the 10 MB plan the gate's cost is measured
// with, in both formats (cpu-ns/op is the CPU time of a parse, GC
// included).
//
//	go test -run '^$' -bench ParseLarge -benchtime 5x ./cue/planfile
func BenchmarkParseLarge(b *testing.B) {
	for _, format := range []string{"yaml", "json"} {
		data := largePlan(format)
		b.Run(format, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			cputime.Loop(b, func() {
				p, err := Parse(context.Background(), "plan."+format, data, MaxLimits)
				if err != nil || len(p.Directives) != 1000 {
					b.Fatalf("Parse: %v", err)
				}
			})
		})
	}
}
