package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/policy"
)

// sessionManifest has every kind of rule a directive can break: read-only,
// ignored and protected paths, a size limit, deletes, executables, jobs
// that fail, build outputs, args patterns, validators, tests on write and
// approvals by path and by size.
const sessionManifest = `project: {name: session}
workspace:
  read_only: [vendor/**]
  writable: [src/**, out/**]
  ignored: [secrets/**]
tools:
  fmt:
    command: fmt
    args_pattern: "^[a-z]+$"
tests:
  default: {command: test}
  other: {command: test}
build:
  targets:
    site: {command: build, outputs: [out/**]}
validators:
  fake: {builtin: text}
policies:
  max_file_size_kb: 8
  allow_delete: true
  require_tests_on_write: true
  required_suites: [default]
  require_approval:
    - {name: lib, paths: [src/lib/**], reviewers: [alice]}
    - {name: big, larger_than: {lines: 6}, reviewers: [bob]}
`

// fakeJobs runs jobs without a sandbox: a suite fails when a staged file
// holds FAIL, a build writes out/site.txt listing the staged files, a tool
// prints its arguments.
type fakeJobs struct{}

func (fakeJobs) Run(_ context.Context, job engine.Job, st *engine.State) (engine.JobResult, error) {
	var files []string
	failing := false
	for p := range allFiles(st) {
		data, err := st.Read(p)
		if err != nil {
			return engine.JobResult{}, err
		}
		files = append(files, p)
		failing = failing || bytes.Contains(data, []byte("FAIL"))
	}
	slices.Sort(files)
	rec := aos.JobRecord{Kind: job.Kind, Name: job.Name, Command: job.Command, Args: job.Args, Backend: "fake"}
	res := engine.JobResult{}
	switch job.Kind {
	case aos.JobTests:
		rec.Tail = []string{fmt.Sprintf("%d files", len(files))}
		if failing {
			rec.ExitCode, rec.Tail = 1, append(rec.Tail, "FAIL found")
		}
	case aos.JobBuild:
		res.Outputs = []engine.OutputFile{{Path: "out/site.txt", Data: []byte(strings.Join(files, "\n") + "\n")}}
	case aos.JobExec:
		rec.Tail = []string{strings.Join(job.Args, " ")}
	}
	res.Record = rec
	return res, nil
}

// allFiles lists the staged regular files, as a job's workspace holds
// them.
func allFiles(st *engine.State) map[string]bool {
	out := map[string]bool{}
	fs.WalkDir(st.FS(func(string) bool { return true }), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out[p] = true
		}
		return nil
	})
	return out
}

// fakeValidate finds SECRET in changed files, as an error, and WARN as a
// warning.
func fakeValidate(_ context.Context, _ *engine.State, changes []engine.Change) ([]aos.Finding, []aos.ValidatorRecord, error) {
	var fs []aos.Finding
	for _, c := range changes {
		for i, l := range strings.Split(string(c.Data), "\n") {
			if strings.Contains(l, "SECRET") {
				fs = append(fs, aos.Finding{Validator: "fake", Path: c.Path, Line: i + 1, Column: 1, Rule: "secret", Severity: aos.SeverityError, Message: "a secret"})
			}
			if strings.Contains(l, "WARN") {
				fs = append(fs, aos.Finding{Validator: "fake", Path: c.Path, Line: i + 1, Column: 1, Rule: "warn", Severity: aos.SeverityWarning, Message: "a warning"})
			}
		}
	}
	return fs, []aos.ValidatorRecord{{Name: "fake", Builtin: "text", Files: len(changes), Findings: len(fs)}}, nil
}

func sessionOptions(t *testing.T) engine.Options {
	t.Helper()
	m, err := cue.LoadManifest(cue.Source{Name: "aos.yaml", Data: []byte(sessionManifest)}, "aos.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := policy.NewRules(m.Workspace, "aos.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return engine.Options{Manifest: m, Rules: rules, Apply: true, Jobs: fakeJobs{}, Validate: fakeValidate}
}

// randomDirective is a directive that may pass or break any rule of
// sessionManifest.
func randomDirective(rng *rand.Rand) aos.Directive {
	paths := []string{"src/a.txt", "src/lib/b.txt", "src/c/d.txt", "vendor/v.txt", "secrets/k", "src", "src/a.txt/x", "out/site.txt", "aos.yaml", "../x", "docs/n.txt", "src/new.txt"}
	// The long ones are hashed ahead by Run (sumAhead), in line by a
	// session.
	contents := []string{"hello\n", "FAIL\n", "SECRET\n", "WARN\n", strings.Repeat("long line\n", 200), strings.Repeat("longer line\n", 500), strings.Repeat("too long\n", 1000), "one\ntwo\nthree\nfour\nfive\nsix\nseven\n", ""}
	p := paths[rng.IntN(len(paths))]
	c := []byte(contents[rng.IntN(len(contents))])
	switch rng.IntN(14) {
	case 0, 1, 2:
		return aos.Directive{Type: aos.FileWrite, Path: p, Content: c, Executable: rng.IntN(8) == 0}
	case 3:
		return aos.Directive{Type: aos.FileAppend, Path: p, Content: c}
	case 4:
		return aos.Directive{Type: aos.FileDelete, Path: p}
	case 5:
		return aos.Directive{Type: aos.FileRead, Path: p}
	case 6:
		return aos.Directive{Type: aos.LS, Path: []string{".", "src", "secrets", "vendor"}[rng.IntN(4)]}
	case 7:
		return aos.Directive{Type: aos.Search, Pattern: []string{"l", "o+", "(bad", "^S"}[rng.IntN(4)], Glob: []string{"", "*.txt", "[bad"}[rng.IntN(3)]}
	case 8:
		return aos.Directive{Type: aos.RunTests, Suite: []string{"default", "other", "nope"}[rng.IntN(3)]}
	case 9:
		return aos.Directive{Type: aos.BuildTarget, Target: []string{"site", "nope"}[rng.IntN(2)]}
	case 10:
		return aos.Directive{Type: aos.SandboxExec, Tool: "fmt", Args: [][]string{{"ok"}, {"BAD"}}[rng.IntN(2)]}
	case 11:
		old := "hello"
		return aos.Directive{Type: aos.ApplyPatch, Patch: fmt.Sprintf("diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -1 +1 @@\n-%s\n+patched\n", p, p, p, p, old)}
	case 12:
		return aos.Directive{Type: aos.Stat, Path: p}
	}
	return aos.Directive{Type: aos.Diff, Path: p}
}

func sessionBase() *memBase {
	b := newMemBase()
	b.add("aos.yaml", aos.ModeFile, []byte(sessionManifest))
	b.add("src/a.txt", aos.ModeFile, []byte("hello\n"))
	b.add("src/lib/b.txt", aos.ModeFile, []byte("hello\n"))
	b.add("vendor/v.txt", aos.ModeFile, []byte("vendored\n"))
	b.add("secrets/k", aos.ModeFile, []byte("s3cr3t\n"))
	return b
}

// TestSessionIsRunOfKept checks the property a session rests on: after
// any sequence of directives, passing or not, the session holds exactly
// what engine.Run makes of the directives it kept, run as one plan with
// the same options; each directive's step answers what Run answers for it;
// and Finish is Run's verdict on the whole.
func TestSessionIsRunOfKept(t *testing.T) {
	t.Parallel()
	for seed := range uint64(40) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 15))
			opts := sessionOptions(t)
			ctx := context.Background()
			s, err := engine.NewSession(ctx, sessionBase(), opts)
			if err != nil {
				t.Fatal(err)
			}
			var steps []engine.Step
			refused := 0
			for range 5 + rng.IntN(25) {
				st, err := s.Do(ctx, randomDirective(rng))
				if err != nil {
					t.Fatal(err)
				}
				if st.Kept {
					steps = append(steps, st)
				} else {
					refused++
					if len(st.Violations) == 0 {
						t.Fatalf("a refused step without violations: %+v", st)
					}
				}
			}
			kept := s.Directives()
			if len(kept) != len(steps) {
				t.Fatalf("%d directives kept, %d steps", len(kept), len(steps))
			}
			fin, err := s.Finish(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(kept) == 0 {
				return
			}
			run, err := engine.Run(ctx, &aos.Plan{Version: 1, ID: "p", Goal: "g", Directives: kept}, sessionBase(), opts)
			if err != nil {
				t.Fatal(err)
			}
			for i, st := range steps {
				if g, w := js(t, st.Outcome), js(t, run.Outcomes[i]); g != w {
					t.Errorf("directive %d (%s): outcome\n%s\nRun says\n%s", i, kept[i].Type, g, w)
				}
				if g, w := js(t, st.Reply), js(t, run.Replies[i]); g != w {
					t.Errorf("directive %d (%s): reply\n%s\nRun says\n%s", i, kept[i].Type, g, w)
				}
				if g, w := js(t, st.Changed), js(t, run.Changed(i)); g != w {
					t.Errorf("directive %d (%s): changed\n%s\nRun says\n%s", i, kept[i].Type, g, w)
				}
			}
			for _, c := range []struct {
				what      string
				got, want any
			}{
				{"violations", fin.Violations, run.Violations},
				{"approvals", fin.Approvals, run.Approvals},
				{"findings", fin.Findings, run.Findings},
				{"validators", fin.Validators, run.Validators},
				{"jobs", fin.Jobs, run.Jobs},
				{"outcomes", fin.Outcomes, run.Outcomes},
				{"changes", changesOf(t, fin.State), changesOf(t, run.State)},
			} {
				if g, w := js(t, c.got), js(t, c.want); g != w {
					t.Errorf("%s after %d kept and %d refused directives:\n%s\nRun says\n%s", c.what, len(kept), refused, g, w)
				}
			}
			// Finish leaves the session as it was: a second one agrees.
			again, err := s.Finish(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := js(t, again.Approvals)+js(t, again.Violations), js(t, fin.Approvals)+js(t, fin.Violations); g != w {
				t.Errorf("a second Finish differs:\n%s\n%s", g, w)
			}
		})
	}
}

// changesOf returns the changes of st, each blob id it knows checked and
// then left out: a run knows the ids of what it hashed ahead, a session
// computes them when asked.
func changesOf(t *testing.T, st *engine.State) []engine.Change {
	t.Helper()
	c, err := st.Changes()
	if err != nil {
		t.Fatal(err)
	}
	for i := range c {
		if c[i].ID != "" && c[i].ID != engine.BlobID(c[i].Data) {
			t.Errorf("%s: blob id %s, its content's is %s", c[i].Path, c[i].ID, engine.BlobID(c[i].Data))
		}
		c[i].ID = ""
	}
	return c
}

// js is v as JSON, an empty list and nil alike as [].
func js(t *testing.T, v any) string {
	t.Helper()
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice && rv.Len() == 0 {
		return "[]"
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
