package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/policy"
	"github.com/google/go-cmp/cmp"
)

// memBase is an in-memory engine.Base.
type memBase map[string]memFileEntry

type memFileEntry struct {
	mode uint32
	data string
}

func (b memBase) Files() (map[string]engine.Entry, error) {
	out := map[string]engine.Entry{}
	for p, f := range b {
		out[p] = engine.Entry{Mode: f.mode, Hash: engine.BlobID([]byte(f.data))}
	}
	return out, nil
}

func (b memBase) blob(hash string) (string, error) {
	for _, f := range b {
		if engine.BlobID([]byte(f.data)) == hash {
			return f.data, nil
		}
	}
	return "", fmt.Errorf("no blob %s", hash)
}

func (b memBase) ReadBlob(hash string) ([]byte, error) {
	s, err := b.blob(hash)
	return []byte(s), err
}

func (b memBase) BlobSize(hash string) (int64, error) {
	s, err := b.blob(hash)
	return int64(len(s)), err
}

// testBase is the tree the engine tests run against.
func testBase() memBase {
	return memBase{
		"aos.yaml":          {aos.ModeFile, "project: {name: t}\n"},
		"src/app.txt":       {aos.ModeFile, "version 1\n"},
		"src/run.sh":        {aos.ModeExecutable, "#!/bin/sh\necho run\n"},
		"vendor/lib.txt":    {aos.ModeFile, "vendored\n"},
		"secret/token.txt":  {aos.ModeFile, "ignored-secret\n"},
		"web/dist/keep.txt": {aos.ModeFile, "old\n"},
	}
}

// testManifest returns a manifest for backend b whose suites, targets and
// tools exercise the runner.
func testManifest(b backend) *aos.Manifest {
	return &aos.Manifest{
		Project: aos.Project{Name: "t"},
		Workspace: aos.Workspace{
			Root:     ".",
			ReadOnly: []string{"vendor/**"},
			Writable: []string{"src/**", "web/**"},
			Ignored:  []string{"secret/**"},
			Mount:    "/workspace",
		},
		Environment: b.env,
		Tools: map[string]aos.Tool{
			"show":  {Command: `printf '[%s]\n'`, TimeoutSeconds: 60},
			"words": {Command: `printf '[%s]\n'`, ArgsPattern: `[a-z]+`, TimeoutSeconds: 60},
			"check": {Command: `grep -q "version 2" src/app.txt`, TimeoutSeconds: 60},
		},
		Tests: map[string]aos.Job{
			"pass":    {Command: "{{ tools.check }} && echo suite passed", WorkingDir: ".", TimeoutSeconds: 60},
			"fail":    {Command: "echo suite failed; exit 4", WorkingDir: ".", TimeoutSeconds: 60},
			"sleep":   {Command: "sleep 3", WorkingDir: ".", TimeoutSeconds: 1},
			"visible": {Command: "test ! -e ../secret && test ! -e ../.git && cat app.txt", WorkingDir: "src", TimeoutSeconds: 60},
			"p1":      {Command: "sleep 1; echo 1", WorkingDir: ".", TimeoutSeconds: 60},
			"p2":      {Command: "sleep 1; echo 2", WorkingDir: ".", TimeoutSeconds: 60},
			"p3":      {Command: "sleep 1; echo 3", WorkingDir: ".", TimeoutSeconds: 60},
			// The list of changed files, one per line, and that it lies
			// outside the workspace.
			"changed": {Command: `tr '\0' '\n' < "$AOS_CHANGED_FILES"; case "$AOS_CHANGED_FILES" in "$HOME"/*) echo inside;; *) echo outside;; esac`, WorkingDir: ".", TimeoutSeconds: 60},
		},
		Build: aos.Build{Targets: map[string]aos.Job{
			"web":      {Command: "mkdir -p dist && echo built > dist/app.js && cp dist/keep.txt dist/copy.txt", WorkingDir: "web", TimeoutSeconds: 60, Outputs: []string{"web/dist/**"}},
			"vendor":   {Command: "echo patched > vendor/lib.txt", WorkingDir: ".", TimeoutSeconds: 60, Outputs: []string{"vendor/**"}},
			"symlink":  {Command: "mkdir -p web/dist && ln -s /etc/passwd web/dist/link", WorkingDir: ".", TimeoutSeconds: 60, Outputs: []string{"web/dist/**"}},
			"badbuild": {Command: "echo broken; exit 2", WorkingDir: ".", TimeoutSeconds: 60, Outputs: []string{"web/dist/**"}},
		}},
		Policies: aos.Policies{MaxParallelJobs: 3, MaxOutputKB: 64, MaxPlanKB: 65536},
	}
}

// planOf numbers directives into a plan.
func planOf(ds ...aos.Directive) *aos.Plan {
	for i := range ds {
		ds[i].Index = i
	}
	return &aos.Plan{Version: 1, ID: "t", Goal: "test", Directives: ds}
}

func write(p, content string) aos.Directive {
	return aos.Directive{Type: aos.FileWrite, Path: p, Content: []byte(content)}
}

func runTests(suite string) aos.Directive { return aos.Directive{Type: aos.RunTests, Suite: suite} }

// logRunner records the order of jobs and validations around a real runner.
type logRunner struct {
	engine.JobRunner
	mu  sync.Mutex
	log *[]string
}

func (l *logRunner) Run(ctx context.Context, job engine.Job, st *engine.State) (engine.JobResult, error) {
	l.mu.Lock()
	*l.log = append(*l.log, "job "+job.Name)
	l.mu.Unlock()
	return l.JobRunner.Run(ctx, job, st)
}

// applyPlan runs plan with a real JobRunner for b and a validator that
// rejects files containing "FORBIDDEN". log records validations and jobs
// in order.
func applyPlan(t *testing.T, b backend, m *aos.Manifest, plan *aos.Plan) (*engine.Result, []string) {
	t.Helper()
	b.require(t)
	// The default workspace location (a tmpfs here) is the one tested.
	jr, err := NewJobRunner(m, RunnerOptions{Runtime: testRuntime})
	if err != nil {
		t.Fatalf("NewJobRunner: %v", err)
	}
	rules, err := policy.NewRules(m.Workspace, "aos.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m.Validators = map[string]aos.ValidatorSpec{"forbidden": {}}
	var log []string
	var mu sync.Mutex
	validate := func(ctx context.Context, st *engine.State, changes []engine.Change) ([]aos.Finding, []aos.ValidatorRecord, error) {
		mu.Lock()
		log = append(log, "validate")
		mu.Unlock()
		var fs []aos.Finding
		for _, c := range changes {
			if strings.Contains(string(c.Data), "FORBIDDEN") {
				fs = append(fs, aos.Finding{Validator: "forbidden", Path: c.Path, Line: 1, Column: 1, Rule: "word", Severity: aos.SeverityError, Message: "forbidden word"})
			}
		}
		return fs, nil, nil
	}
	res, err := engine.Run(context.Background(), plan, testBase(), engine.Options{
		Manifest: m, Rules: rules, Apply: true,
		Jobs:     &logRunner{JobRunner: jr, log: &log, mu: sync.Mutex{}},
		Validate: validate,
	})
	if err != nil {
		t.Fatalf("engine.Run: %v", err)
	}
	return res, log
}

func rules(res *engine.Result) []string {
	var out []string
	for _, v := range res.Violations {
		out = append(out, string(v.Rule))
	}
	return out
}

func statuses(res *engine.Result) []aos.OutcomeStatus {
	var out []aos.OutcomeStatus
	for _, o := range res.Outcomes {
		out = append(out, o.Status)
	}
	return out
}

// TestEngineJobs runs plans through the engine with a real JobRunner on
// every backend.
func TestEngineJobs(t *testing.T) {
	t.Parallel()
	ok, failed, skipped, rejected := aos.OutcomeOK, aos.OutcomeFailed, aos.OutcomeSkipped, aos.OutcomeRejected
	tests := []struct {
		name     string
		plan     *aos.Plan
		policy   func(*aos.Policies)
		rules    []string
		statuses []aos.OutcomeStatus
		log      []string
		tail     []string // of the last job record
		changed  []string
	}{
		{
			name:     "passing suite sees the staged write",
			plan:     planOf(write("src/app.txt", "version 2\n"), runTests("pass")),
			statuses: []aos.OutcomeStatus{ok, ok},
			log:      []string{"validate", "job pass"},
			tail:     []string{"suite passed"},
			changed:  []string{"src/app.txt"},
		},
		{
			name:     "failing suite rejects",
			plan:     planOf(write("src/app.txt", "version 2\n"), runTests("fail")),
			rules:    []string{"tests.failed"},
			statuses: []aos.OutcomeStatus{ok, failed},
			log:      []string{"validate", "job fail"},
			tail:     []string{"suite failed"},
		},
		{
			name:     "suite fails on the base content",
			plan:     planOf(runTests("pass")),
			rules:    []string{"tests.failed"},
			statuses: []aos.OutcomeStatus{failed},
			log:      []string{"validate", "job pass"},
		},
		{
			name:     "validators pass a state before a job runs on it",
			plan:     planOf(write("src/app.txt", "version 2 FORBIDDEN\n"), runTests("pass")),
			rules:    []string{"validators.forbidden/word"},
			statuses: []aos.OutcomeStatus{ok, skipped},
			log:      []string{"validate"},
		},
		{
			name:     "a job after a rejected directive is skipped",
			plan:     planOf(write("vendor/lib.txt", "x\n"), runTests("pass")),
			rules:    []string{"workspace.read_only"},
			statuses: []aos.OutcomeStatus{rejected, skipped},
		},
		{
			name:     "deadline",
			plan:     planOf(runTests("sleep")),
			rules:    []string{"tests.failed"},
			statuses: []aos.OutcomeStatus{failed},
			log:      []string{"validate", "job sleep"},
		},
		{
			name:     "ignored paths and .git are absent",
			plan:     planOf(runTests("visible")),
			statuses: []aos.OutcomeStatus{ok},
			log:      []string{"validate", "job visible"},
			tail:     []string{"version 1"},
		},
		{
			name:     "tests on write: missing",
			plan:     planOf(runTests("visible"), write("src/app.txt", "version 2\n")),
			policy:   func(p *aos.Policies) { p.RequireTestsOnWrite, p.RequiredSuites = true, []string{"visible"} },
			rules:    []string{"policies.require_tests_on_write"},
			statuses: []aos.OutcomeStatus{ok, ok},
			log:      []string{"validate", "job visible"},
		},
		{
			name:     "tests on write: after the last write",
			plan:     planOf(write("src/app.txt", "version 2\n"), runTests("pass")),
			policy:   func(p *aos.Policies) { p.RequireTestsOnWrite, p.RequiredSuites = true, []string{"pass"} },
			statuses: []aos.OutcomeStatus{ok, ok},
			log:      []string{"validate", "job pass"},
			changed:  []string{"src/app.txt"},
		},
		{
			name:     "tests on write: a build with outputs writes",
			plan:     planOf(write("src/app.txt", "version 2\n"), runTests("pass"), aos.Directive{Type: aos.BuildTarget, Target: "web"}),
			policy:   func(p *aos.Policies) { p.RequireTestsOnWrite, p.RequiredSuites = true, []string{"pass"} },
			rules:    []string{"policies.require_tests_on_write"},
			statuses: []aos.OutcomeStatus{ok, ok, ok},
			log:      []string{"validate", "job pass", "job web"},
		},
		{
			name:     "build outputs are staged",
			plan:     planOf(aos.Directive{Type: aos.BuildTarget, Target: "web"}),
			statuses: []aos.OutcomeStatus{ok},
			log:      []string{"validate", "job web", "validate"},
			changed:  []string{"web/dist/app.js", "web/dist/copy.txt"},
		},
		{
			name:     "build output in a read-only path",
			plan:     planOf(aos.Directive{Type: aos.BuildTarget, Target: "vendor"}),
			rules:    []string{"workspace.read_only"},
			statuses: []aos.OutcomeStatus{rejected},
			log:      []string{"validate", "job vendor"},
		},
		{
			name:     "build output that is a symlink",
			plan:     planOf(aos.Directive{Type: aos.BuildTarget, Target: "symlink"}),
			rules:    []string{"build.outputs"},
			statuses: []aos.OutcomeStatus{rejected},
			log:      []string{"validate", "job symlink"},
		},
		{
			name:     "failing build stages nothing",
			plan:     planOf(aos.Directive{Type: aos.BuildTarget, Target: "badbuild"}),
			rules:    []string{"build.failed"},
			statuses: []aos.OutcomeStatus{failed},
			log:      []string{"validate", "job badbuild"},
			tail:     []string{"broken"},
		},
		{
			name: "exec args are argv elements",
			plan: planOf(aos.Directive{Type: aos.SandboxExec, Tool: "show",
				Args: []string{"a b", "$(id)", "; touch x", "*", "'\""}}),
			statuses: []aos.OutcomeStatus{ok},
			log:      []string{"validate", "job show"},
			tail:     []string{"[a b]", "[$(id)]", "[; touch x]", "[*]", "['\"]"},
		},
		{
			name: "exec args_pattern",
			plan: planOf(
				aos.Directive{Type: aos.SandboxExec, Tool: "words", Args: []string{"fine", "Not fine"}},
				aos.Directive{Type: aos.SandboxExec, Tool: "words", Args: []string{"fine"}}),
			rules:    []string{"tools.args_pattern"},
			statuses: []aos.OutcomeStatus{rejected, skipped},
		},
		{
			name: "AOS_CHANGED_FILES lists what the plan added or modified, visible",
			plan: planOf(write("src/app.txt", "version 2\n"), write("src/new file.txt", "n\n"), write("web/dist/keep.txt", "old\n"),
				aos.Directive{Type: aos.FileDelete, Path: "src/run.sh"}, runTests("changed")),
			policy:   func(p *aos.Policies) { p.AllowDelete = true },
			statuses: []aos.OutcomeStatus{ok, ok, ok, ok, ok},
			tail:     []string{"src/app.txt", "src/new file.txt", "outside"},
		},
		{
			name:     "AOS_CHANGED_FILES is empty without changes",
			plan:     planOf(runTests("changed")),
			statuses: []aos.OutcomeStatus{ok},
			tail:     []string{"outside"},
		},
		{
			name:     "consecutive suites share one validation",
			plan:     planOf(write("src/app.txt", "version 2\n"), runTests("p1"), runTests("pass"), runTests("fail"), write("src/app.txt", "version 3\n"), runTests("p2")),
			rules:    []string{"tests.failed"},
			statuses: []aos.OutcomeStatus{ok, ok, ok, failed, ok, skipped},
		},
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					m := testManifest(b)
					if tc.policy != nil {
						tc.policy(&m.Policies)
					}
					res, log := applyPlan(t, b, m, tc.plan)
					if diff := cmp.Diff(tc.rules, rules(res)); diff != "" {
						t.Errorf("rules (-want +got):\n%s\n%+v", diff, res.Violations)
					}
					if diff := cmp.Diff(tc.statuses, statuses(res)); diff != "" {
						t.Errorf("statuses (-want +got):\n%s", diff)
					}
					if tc.log != nil {
						// Jobs of one batch may start in any order.
						if diff := cmp.Diff(tc.log, log); diff != "" {
							t.Errorf("order (-want +got):\n%s", diff)
						}
					}
					if tc.tail != nil {
						if len(res.Jobs) == 0 {
							t.Fatal("no job records")
						}
						rec := res.Jobs[len(res.Jobs)-1]
						if diff := cmp.Diff(tc.tail, rec.Tail); diff != "" {
							t.Errorf("tail (-want +got):\n%s", diff)
						}
					}
					if tc.changed != nil {
						changes, err := res.State.Changes()
						if err != nil {
							t.Fatal(err)
						}
						var got []string
						for _, c := range changes {
							got = append(got, c.Path)
						}
						if diff := cmp.Diff(tc.changed, got); diff != "" {
							t.Errorf("changes (-want +got):\n%s", diff)
						}
					}
					for _, rec := range res.Jobs {
						if rec.Backend == "" || !strings.HasPrefix(rec.OutputDigest, "sha256:") || rec.Kind == "" {
							t.Errorf("incomplete record %+v", rec)
						}
					}
				})
			}
		})
	}
}

// TestEngineParallelSuites checks that consecutive suites run together, up
// to max_parallel_jobs, and are recorded in plan order. Each suite runs
// until the test kills its sleep, so which suites ran at once is seen, not
// inferred from how long the plan took.
func TestEngineParallelSuites(t *testing.T) {
	t.Parallel()
	b := backendNamed(t, "bwrap")
	for _, parallel := range []int{3, 2, 1} {
		t.Run(fmt.Sprint(parallel), func(t *testing.T) {
			t.Parallel()
			m := testManifest(b)
			m.Policies.MaxParallelJobs = parallel
			mk := marker()
			for _, n := range []string{"1", "2", "3"} {
				m.Tests["p"+n] = aos.Job{Command: sleeper(mk, n), WorkingDir: ".", TimeoutSeconds: 600}
			}
			var most int
			var holdErr error
			done, held := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(held)
				most, holdErr = holdSleepers(mk, 3, parallel, done)
			}()
			res, _ := applyPlan(t, b, m, planOf(runTests("p3"), runTests("p1"), runTests("p2")))
			close(done)
			<-held
			if holdErr != nil {
				t.Fatal(holdErr)
			}
			if !res.OK() {
				t.Fatalf("violations: %+v", res.Violations)
			}
			var got []string
			for _, r := range res.Jobs {
				got = append(got, fmt.Sprint(r.Directive, r.Name, r.Tail))
			}
			if diff := cmp.Diff([]string{"0p3[3]", "1p1[1]", "2p2[2]"}, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if most != parallel {
				t.Errorf("at most %d of three suites ran together, want %d", most, parallel)
			}
		})
	}
}

func TestJobRunnerGitDir(t *testing.T) {
	t.Parallel()
	gitDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(gitDir, "HEAD"), []byte("ref: refs/heads/main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			m := testManifest(b)
			m.Environment.Git = true
			_, err := NewJobRunner(m, RunnerOptions{GitDir: gitDir})
			if b.name == "host" {
				if !errors.Is(err, ErrBadSpec) {
					t.Errorf("host with environment.git: error %v, want ErrBadSpec", err)
				}
				return
			}
			if _, err := NewJobRunner(m, RunnerOptions{}); !errors.Is(err, ErrBadSpec) {
				t.Errorf("no git directory: error %v, want ErrBadSpec", err)
			}
			m.Tests["git"] = aos.Job{Command: "cat .git/HEAD; touch .git/x 2>/dev/null && echo wrote; :", WorkingDir: ".", TimeoutSeconds: 60}
			b.require(t)
			jr, err := NewJobRunner(m, RunnerOptions{GitDir: gitDir, TempDir: t.TempDir(), Runtime: testRuntime})
			if err != nil {
				t.Fatal(err)
			}
			st, err := engine.NewState(testBase())
			if err != nil {
				t.Fatal(err)
			}
			res, err := jr.Run(context.Background(), engine.Job{Kind: "tests", Name: "git", Command: m.Tests["git"].Command, Root: "/workspace", WorkingDir: "/workspace", Timeout: 60}, st)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"ref: refs/heads/main"}, res.Record.Tail); diff != "" {
				t.Errorf("tail (-want +got):\n%s", diff)
			}
			if _, err := os.Stat(filepath.Join(gitDir, "x")); err == nil {
				t.Error("the job wrote into the git directory")
			}
		})
	}
}

func TestNewJobRunnerErrors(t *testing.T) {
	t.Run("missing backend", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		for _, typ := range []string{"bwrap", "container", "docker", "podman"} {
			_, err := NewJobRunner(&aos.Manifest{Environment: aos.Environment{Type: typ, Image: "x"}}, RunnerOptions{})
			var missing *BackendMissingError
			if !errors.As(err, &missing) || !strings.Contains(err.Error(), "apt-get install") {
				t.Errorf("%s: error %v, want a BackendMissingError", typ, err)
			}
		}
	})
	for _, tc := range []struct {
		name string
		env  aos.Environment
		want error
	}{
		{"nix", aos.Environment{Type: "nix"}, ErrNotImplemented},
		{"limits on bwrap", aos.Environment{Type: "bwrap", Limits: aos.Limits{Pids: 5}}, ErrBadSpec},
		{"limits on host", aos.Environment{Type: "host", Limits: aos.Limits{MemoryMB: 5}}, ErrBadSpec},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewJobRunner(&aos.Manifest{Environment: tc.env}, RunnerOptions{}); !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}

// TestJobRunnerWorkspaceRemoved checks that nothing of a job's workspace
// is left behind, even a directory the job made unreadable.
func TestJobRunnerWorkspaceRemoved(t *testing.T) {
	t.Parallel()
	b := backendNamed(t, "bwrap")
	b.require(t)
	m := testManifest(b)
	tmp := t.TempDir()
	jr, err := NewJobRunner(m, RunnerOptions{TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	st, err := engine.NewState(testBase())
	if err != nil {
		t.Fatal(err)
	}
	cmd := "mkdir -p locked/in && touch locked/in/f && chmod 000 locked/in locked"
	res, err := jr.Run(context.Background(), engine.Job{Kind: "exec", Name: "lock", Command: cmd, Root: "/workspace", WorkingDir: "/workspace", Timeout: 60}, st)
	if err != nil || res.Record.ExitCode != 0 {
		t.Fatalf("exit %d, %v: %v", res.Record.ExitCode, err, res.Record.Tail)
	}
	ents, err := os.ReadDir(tmp)
	if err != nil || len(ents) > 0 {
		t.Errorf("left in the temporary directory: %v, %v", ents, err)
	}
}

// TestLockedFS checks the serialising wrapper against the file system
// test suite.
func TestLockedFS(t *testing.T) {
	t.Parallel()
	st, err := engine.NewState(testBase())
	if err != nil {
		t.Fatal(err)
	}
	fsys := &lockedFS{fsys: st.FS(func(string) bool { return true }), mu: &sync.Mutex{}}
	var files []string
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	want := []string{"aos.yaml", "secret/token.txt", "src/app.txt", "src/run.sh", "vendor/lib.txt", "web/dist/keep.txt"}
	if !slices.Equal(files, want) {
		t.Errorf("files %v, want %v", files, want)
	}
	if data, err := fs.ReadFile(fsys, "src/app.txt"); err != nil || string(data) != "version 1\n" {
		t.Errorf("read %q, %v", data, err)
	}
}
