package workflow

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/demo"
	"github.com/architectos/aos/engine"
)

// timedJobs times the jobs a runner runs: the jobs' own time, workspace
// and sandbox included, as apply spends it.
type timedJobs struct {
	real  engine.JobRunner
	total *atomic.Int64
}

func (t timedJobs) Run(ctx context.Context, job engine.Job, st *engine.State) (engine.JobResult, error) {
	start := time.Now()
	res, err := t.real.Run(ctx, job, st)
	t.total.Add(int64(time.Since(start)))
	return res, err
}

// BenchmarkVerifyRerunJobs measures what verify --rerun-jobs costs beyond
// the jobs' own time, side by side in each iteration: verify replaying
// the jobs, verify running them again, and the time the jobs took inside
// the second. overhead-% is (rerun - replay - jobs) / jobs: what running
// the jobs again adds beyond the jobs themselves (comparing exit statuses
// and build outputs). The cases: the demo's RescueWP plan (a grep suite
// in bubblewrap and the built-in validators), a suite of about a second,
// and a build staging 200 files that a suite then reads.
//
//	go test -run '^$' -bench VerifyRerunJobs -benchtime 5x ./workflow
func BenchmarkVerifyRerunJobs(b *testing.B) {
	build := `project: name: "gen"
workspace: writable: ["src/**", "gen/**"]
environment: type: "bwrap"
tests: default: command: "test $(ls gen | wc -l) = 200"
build: targets: gen: {
	command: "mkdir -p gen && for i in $(seq 200); do { echo $i; cat src/in.txt; } > gen/$i.txt; done"
	outputs: ["gen/**"]
}
policies: require_tests_on_write: true
`
	for _, tc := range []struct {
		name                 string
		manifest, file, plan string
		files                map[string]string
	}{
		{name: "demo"},
		{name: "suite-1s", manifest: strings.Replace(testsManifest, `command: "grep -q ok src/a.txt"`, `command: "sleep 1 && grep -q ok src/a.txt"`, 1),
			file: "aos.cue", plan: testsPlan("slow", "ok"), files: map[string]string{"src/a.txt": "a\n"}},
		{name: "build-200", manifest: build, file: "aos.cue", files: map[string]string{"src/in.txt": "one\n"},
			plan: "version: 1\nid: gen\ngoal: Regenerate\ndirectives:\n  - type: FILE_WRITE\n    path: src/in.txt\n    content: \"two\\n\"\n  - type: BUILD\n    target: gen\n  - type: RUN_TESTS\n"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var dir, plan string
			if tc.name == "demo" {
				dir = b.TempDir()
				if err := demo.WriteSite(dir, "bwrap"); err != nil {
					b.Fatal(err)
				}
				git(b, dir, "init", "-q", "-b", "main")
				git(b, dir, "add", "-A")
				git(b, dir, "commit", "-q", "-m", "site")
				p, err := demo.Plan("rescue.yaml")
				if err != nil {
					b.Fatal(err)
				}
				plan = string(p)
			} else {
				files := map[string]string{tc.file: tc.manifest}
				for k, v := range tc.files {
					files[k] = v
				}
				dir, plan = newRepo(b, files), tc.plan
			}
			var jobs atomic.Int64
			rt := NewRuntime(RuntimeOptions{Dir: dir})
			real := rt.Jobs
			rt.Jobs = func(m *aos.Manifest) (engine.JobRunner, error) {
				jr, err := real(m)
				if err != nil {
					return nil, err
				}
				return timedJobs{real: jr, total: &jobs}, nil
			}
			res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(b, plan)}, Runtime: rt})
			if err != nil || !res.OK() {
				b.Fatalf("run: %v %+v", err, res)
			}
			var replay, rerun time.Duration
			jobs.Store(0)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: res.ResultCommit, Runtime: rt})
				replay += time.Since(start)
				if err != nil || !v.Report.OK {
					b.Fatalf("verify: %v %+v", err, v)
				}
				start = time.Now()
				v, err = Verify(ctx(), VerifyOptions{Dir: dir, Rev: res.ResultCommit, Runtime: rt, RerunJobs: true})
				rerun += time.Since(start)
				if err != nil || !v.Report.OK || !v.Rerun {
					b.Fatalf("verify --rerun-jobs: %v %+v", err, v)
				}
			}
			n := float64(b.N)
			j := time.Duration(jobs.Load())
			b.ReportMetric(float64(replay.Microseconds())/1000/n, "replay-ms")
			b.ReportMetric(float64(rerun.Microseconds())/1000/n, "rerun-ms")
			b.ReportMetric(float64(j.Microseconds())/1000/n, "jobs-ms")
			b.ReportMetric(100*float64(rerun-replay-j)/float64(j), "overhead-%")
			b.ReportMetric(100*float64(rerun-j)/float64(j), "verify+overhead-%")
		})
	}
}
