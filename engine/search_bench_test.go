package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/internal/cputime"
	"github.com/architectos/aos/policy"
)

// searchBase is a tree of n files of about 1 KiB of Go-like text each.
func searchBase(n int) *memBase {
	b := newMemBase()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		var sb strings.Builder
		fmt.Fprintf(&sb, "package pkg%02d\n\n", i%100)
		for sb.Len() < 1000 {
			fmt.Fprintf(&sb, "func helper%d(x int) int { return x * %d } // value_%03d\n", rng.IntN(100000), rng.IntN(1000), rng.IntN(1000))
		}
		b.add(fmt.Sprintf("src/pkg%02d/file%05d.go", i%100, i), aos.ModeFile, []byte(sb.String()))
	}
	return b
}

// BenchmarkSearch searches 1 MB and 10 MB (1,000 and 10,000 files) held in
// memory, with a pattern holding a literal, one holding a run of one class
// instead, one holding neither, and one whose literal every line holds:
// the cost is the engine's alone, and grows linearly with the bytes
// searched.
func BenchmarkSearch(b *testing.B) {
	m, err := cue.LoadManifest(cue.Source{Name: "aos.yaml", Data: []byte("project: {name: s}\nworkspace: {writable: [src/**]}\n")}, "aos.yaml", nil)
	if err != nil {
		b.Fatal(err)
	}
	rules, err := policy.NewRules(m.Workspace, "aos.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1000, 10000} {
		base := searchBase(n)
		for _, pat := range []struct{ name, re string }{
			{"literal", `value_99[0-9] `},
			{"class-run", `[a-z]{7}[0-9]{6}`},
			{"no-prefilter", `[a-z][0-9][a-z][0-9]`},
			{"common-literal", `return x.* 7[0-9]{3}`},
		} {
			b.Run(fmt.Sprintf("%s/%dMB", pat.name, n/1000), func(b *testing.B) {
				plan := &aos.Plan{Version: 1, ID: "s", Goal: "s", Directives: []aos.Directive{{Type: aos.Search, Pattern: pat.re}}}
				b.SetBytes(int64(n) * 1000)
				cpu := cputime.Self()
				for range b.N {
					res, err := engine.Run(context.Background(), plan, base, engine.Options{Manifest: m, Rules: rules})
					if err != nil || !res.OK() {
						b.Fatal(err, res.Violations)
					}
				}
				// The process's CPU time, which the load of a shared
				// machine changes less than the elapsed time.
				b.ReportMetric(float64((cputime.Self()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			})
		}
	}
}
