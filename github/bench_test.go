package github

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/workflow"
)

const benchManifest = `project: {name: bench}
workspace:
  writable: ["src/**"]
validators:
  secrets: {builtin: secrets}
  text: {builtin: text}
`

// BenchmarkCI runs git aos ci on a pull request whose result commit
// writes 1,000 files of about 1 KB, with the built-in validators and no
// finding, against the API double. Beside the time of a run, it reports
// the time beyond verifying the result commit alone (measured in the same
// iteration) and the calls of the API.
//
//	go test -run '^$' -bench CI -benchtime 5x ./github
func BenchmarkCI(b *testing.B) {
	w := newWorld(b, benchManifest, map[string]string{"src/keep.txt": "keep\n"})
	var plan strings.Builder
	plan.WriteString("version: 1\nid: big\ngoal: Write a thousand files\ndirectives:\n")
	for i := range 1000 {
		fmt.Fprintf(&plan, "  - type: FILE_WRITE\n    path: src/f%04d.txt\n    content: %q\n", i, strings.Repeat(fmt.Sprintf("line %d of a generated file\n", i), 36))
	}
	f := filepath.Join(b.TempDir(), "big.yaml")
	os.WriteFile(f, []byte(plan.String()), 0o644)
	rt := workflow.NewRuntime(workflow.RuntimeOptions{Dir: w.agent})
	res, err := workflow.Run(context.Background(), workflow.RunOptions{Dir: w.agent, Plan: workflow.PlanSource{File: f}, Base: "main", Runtime: rt})
	if err != nil || !res.OK() {
		b.Fatalf("run: %v %+v", err, res)
	}
	git(b, w.agent, "push", "-q", "origin", "aos/big")
	pr := w.openPR("big", "deploy-bot", res.ResultCommit)
	r := w.checkout(0, "aos/big")
	repo, err := gitops.Open(r.dir)
	if err != nil {
		b.Fatal(err)
	}
	defer repo.Close()
	var beyond time.Duration
	calls := 0
	w.srv.Took()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.event(r, "pull_request", pr, false)
		t0 := time.Now()
		out, err := CI(context.Background(), CIOptions{Dir: r.dir, Getenv: func(k string) string { return r.env[k] },
			HTTPClient: w.srv.Client(), SARIF: true, Comment: true, Runtime: rt})
		t1 := time.Now()
		if err != nil || out.Verdict != VerdictPass || len(out.Report.Findings) > 0 {
			b.Fatalf("ci: %v %+v", err, out)
		}
		calls += len(w.srv.Took())
		v, err := workflow.VerifyCommit(context.Background(), repo, res.ResultCommit, workflow.VerifyOptions{Runtime: rt, RerunJobs: true})
		t2 := time.Now()
		if err != nil || !v.Report.OK {
			b.Fatalf("verify: %v", err)
		}
		beyond += t1.Sub(t0) - t2.Sub(t1)
	}
	b.ReportMetric(float64(beyond.Milliseconds())/float64(b.N), "ms-beyond-verify/op")
	b.ReportMetric(float64(calls)/float64(b.N), "api-calls/op")
}
