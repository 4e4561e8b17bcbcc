package record

import (
	"fmt"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/internal/cputime"
)

// BenchmarkLinearRecord decodes run records at n and 10n directives and
// changes, with long paths: the ratio of the two sizes must be about 10
// (docs/RATIONALE.md, "Linear costs").
//
//	go test -run '^$' -bench Linear -benchtime 3x ./workflow/record
func BenchmarkLinearRecord(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		rec := &Record{Version: Version, Plan: Plan{ID: "p", Goal: "g", File: ".aos/plans/p.yaml", Digest: "sha256:0"},
			Result: "pass"}
		for i := 0; i < n; i++ {
			p := fmt.Sprintf("src/%s/f%06d.txt", strings.Repeat("d", 100), i)
			rec.Directives = append(rec.Directives, Directive{Outcome: aos.Outcome{Index: i, Type: aos.FileWrite, Path: p, Status: aos.OutcomeOK, Paths: []string{p}}})
			rec.Changes = append(rec.Changes, Change{Path: p, Status: aos.StatusAdded, Mode: "100644", Blob: strings.Repeat("a", 40), Size: 1})
		}
		data, err := rec.Encode()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("run record/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			cputime.Loop(b, func() {
				if _, err := Decode(data); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
