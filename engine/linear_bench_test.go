package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/internal/cputime"
	"github.com/architectos/aos/policy"
)

// BenchmarkLinearDirectives runs every directive at n and 10n, each shaped
// the worst way for it, so that the two sizes of a shape, side by side in
// one run, show how its cost grows: the ratio of their times must be about
// 10 (docs/RATIONALE.md, "Linear costs"). The base holds 5,000 ignored
// files next to what the plans touch, and paths are long and deep.
//
//	go test -run '^$' -bench Linear -benchtime 3x ./engine
func BenchmarkLinearDirectives(b *testing.B) {
	deep := strings.Repeat("deep-directory-name/", 40) // 800 bytes
	base := newMemBase()
	for i := 0; i < 5000; i++ {
		base.add(fmt.Sprintf("cache/c%05d.tmp", i), aos.ModeFile, []byte("ignored\n"))
		base.add(fmt.Sprintf("c%05d.tmp", i), aos.ModeFile, []byte("ignored\n"))
	}
	big := []byte(strings.Repeat("line of a large file\n", 50000)) // 1 MB
	base.add("src/big.txt", aos.ModeFile, big)
	for i := 0; i < 20000; i++ {
		base.add(fmt.Sprintf("src/d/f%05d.txt", i), aos.ModeFile, []byte(fmt.Sprintf("small file %d\n", i)))
	}
	for i := 0; i < 2000; i++ {
		base.add(fmt.Sprintf("src/%sf%05d.txt", deep, i), aos.ModeFile, []byte("deep file\n"))
	}
	m, err := cue.LoadManifest(cue.Source{Name: "aos.yaml", Data: []byte(`project: {name: bench}
workspace:
  writable: ["src/**"]
  ignored: ["cache/**", "**/*.tmp"]
tools: {t: {command: "true", args_pattern: "^[a-z0-9-]+$"}}
tests: {default: {command: "true"}}
build: {targets: {web: {command: "true"}}}
policies: {allow_delete: true, max_directives: 1000000, max_plan_kb: 1048576}
`)}, "aos.yaml", nil)
	if err != nil {
		b.Fatal(err)
	}
	rules, err := policy.NewRules(m.Workspace, "aos.yaml")
	if err != nil {
		b.Fatal(err)
	}
	mid := []byte("first\n" + strings.Repeat("a line of a mid-sized file\n", 4000)) // 100 KB
	base.add("src/mid.txt", aos.ModeFile, mid)
	base.add("src/chain/000000.txt", aos.ModeFile, mid)
	hunks := func(n int) string {
		// n one-line hunks spread over a file of 10n lines.
		var old, p strings.Builder
		for i := 0; i < 10*n; i++ {
			fmt.Fprintf(&old, "line %d\n", i)
		}
		p.WriteString("diff --git a/src/h.txt b/src/h.txt\n--- a/src/h.txt\n+++ b/src/h.txt\n")
		for i := 0; i < n; i++ {
			l := 10*i + 5
			fmt.Fprintf(&p, "@@ -%d +%d @@\n-line %d\n+LINE %d\n", l+1, l+1, l, l)
		}
		base.add("src/h.txt", aos.ModeFile, []byte(old.String()))
		return p.String()
	}
	shapes := []struct {
		name string
		n    int
		plan func(n int) []aos.Directive
	}{
		{"baseline: one GET_MANIFEST", 1, func(int) []aos.Directive { return []aos.Directive{{Type: aos.GetManifest}} }},
		{"FILE_READ distinct files", 2000, func(n int) []aos.Directive {
			return repeat(n, func(i int) aos.Directive {
				return aos.Directive{Type: aos.FileRead, Path: fmt.Sprintf("src/d/f%05d.txt", i%20000)}
			})
		}},
		{"FILE_READ long deep paths", 2000, func(n int) []aos.Directive {
			return repeat(n, func(i int) aos.Directive {
				return aos.Directive{Type: aos.FileRead, Path: fmt.Sprintf("src/%sf%05d.txt", deep, i%2000)}
			})
		}},
		{"STAT", 2000, func(n int) []aos.Directive {
			return repeat(n, func(i int) aos.Directive {
				return aos.Directive{Type: aos.Stat, Path: fmt.Sprintf("src/d/f%05d.txt", i%20000)}
			})
		}},
		{"LS of the root beside 5000 ignored files", 10000, func(n int) []aos.Directive {
			return repeat(n, func(int) aos.Directive { return aos.Directive{Type: aos.LS, Path: "."} })
		}},
		{"LS of a directory of ignored files", 10000, func(n int) []aos.Directive {
			return repeat(n, func(int) aos.Directive { return aos.Directive{Type: aos.LS, Path: "src"} })
		}},
		{"FILE_WRITE then LS, in turn (plan check)", 1000, func(n int) []aos.Directive {
			return repeat(2*n, func(i int) aos.Directive {
				if i%2 == 0 {
					return aos.Directive{Type: aos.FileWrite, Path: fmt.Sprintf("src/w/%05d.txt", i), Content: []byte("x")}
				}
				return aos.Directive{Type: aos.LS, Path: "src/w"}
			})
		}},
		{"FILE_WRITE many tiny files", 2000, func(n int) []aos.Directive {
			return repeat(n, func(i int) aos.Directive {
				return aos.Directive{Type: aos.FileWrite, Path: fmt.Sprintf("src/new/%07d.txt", i), Content: []byte("x")}
			})
		}},
		{"FILE_WRITE long deep paths", 200, func(n int) []aos.Directive {
			return repeat(n, func(i int) aos.Directive {
				return aos.Directive{Type: aos.FileWrite, Path: fmt.Sprintf("src/%sn%07d.txt", deep, i), Content: []byte("x")}
			})
		}},
		{"FILE_APPEND to one file", 1000, func(n int) []aos.Directive {
			chunk := []byte(strings.Repeat("a", 1000) + "\n")
			return repeat(n, func(i int) aos.Directive {
				return aos.Directive{Type: aos.FileAppend, Path: "src/big.txt", Content: chunk}
			})
		}},
		{"FILE_WRITE to one file again and again", 1000, func(n int) []aos.Directive {
			return repeat(n, func(i int) aos.Directive {
				return aos.Directive{Type: aos.FileWrite, Path: "src/again.txt", Content: []byte(fmt.Sprintf("%01000d\n", i))}
			})
		}},
		{"FILE_DELETE and FILE_WRITE of one file, in turn", 1000, func(n int) []aos.Directive {
			return repeat(2*n, func(i int) aos.Directive {
				if i%2 == 0 {
					return aos.Directive{Type: aos.FileDelete, Path: "src/mid.txt"}
				}
				return aos.Directive{Type: aos.FileWrite, Path: "src/mid.txt", Content: mid}
			})
		}},
		{"APPLY_PATCH to one file again and again", 200, func(n int) []aos.Directive {
			// Each patch changes the first line of a 100 KB file, and
			// the next changes it back.
			return repeat(n, func(i int) aos.Directive {
				from, to := "first", "FIRST"
				if i%2 == 1 {
					from, to = to, from
				}
				return aos.Directive{Type: aos.ApplyPatch, Patch: fmt.Sprintf("--- a/src/mid.txt\n+++ b/src/mid.txt\n@@ -1 +1 @@\n-%s\n+%s\n", from, to)}
			})
		}},
		{"APPLY_PATCH renames in a chain", 200, func(n int) []aos.Directive {
			return repeat(n, func(i int) aos.Directive {
				from, to := fmt.Sprintf("src/chain/%06d.txt", i), fmt.Sprintf("src/chain/%06d.txt", i+1)
				return aos.Directive{Type: aos.ApplyPatch, Patch: fmt.Sprintf("diff --git a/%s b/%s\nsimilarity index 100%%\nrename from %s\nrename to %s\n", from, to, from, to)}
			})
		}},
		{"SEARCH of a large file", 20, func(n int) []aos.Directive {
			return repeat(n, func(int) aos.Directive {
				return aos.Directive{Type: aos.Search, Path: "src/big.txt", Pattern: "no such line"}
			})
		}},
		{"FILE_DELETE", 400, func(n int) []aos.Directive {
			return repeat(n, func(i int) aos.Directive {
				return aos.Directive{Type: aos.FileDelete, Path: fmt.Sprintf("src/d/f%05d.txt", i)}
			})
		}},
		{"DIFF of a changed large file", 2, func(n int) []aos.Directive {
			ds := []aos.Directive{{Type: aos.FileAppend, Path: "src/big.txt", Content: []byte("end\n")}}
			return append(ds, repeat(n, func(int) aos.Directive { return aos.Directive{Type: aos.Diff, Path: "src/big.txt"} })...)
		}},
		{"APPLY_PATCH many hunks", 2000, func(n int) []aos.Directive {
			return []aos.Directive{{Type: aos.ApplyPatch, Patch: hunks(n)}}
		}},
		{"APPLY_PATCH one huge hunk", 20000, func(n int) []aos.Directive {
			var p strings.Builder
			p.WriteString("diff --git a/src/huge.txt b/src/huge.txt\nnew file mode 100644\n--- /dev/null\n+++ b/src/huge.txt\n")
			fmt.Fprintf(&p, "@@ -0,0 +1,%d @@\n", n)
			for i := 0; i < n; i++ {
				fmt.Fprintf(&p, "+added line %d\n", i)
			}
			return []aos.Directive{{Type: aos.ApplyPatch, Patch: p.String()}}
		}},
		{"APPLY_PATCH many files", 200, func(n int) []aos.Directive {
			var p strings.Builder
			for i := 0; i < n; i++ {
				f := fmt.Sprintf("src/p/%06d.txt", i)
				fmt.Fprintf(&p, "diff --git a/%s b/%s\nnew file mode 100644\n--- /dev/null\n+++ b/%s\n@@ -0,0 +1 @@\n+x\n", f, f, f)
			}
			return []aos.Directive{{Type: aos.ApplyPatch, Patch: p.String()}}
		}},
		{"RUN_TESTS, BUILD, SANDBOX_EXEC (checked, not run)", 5000, func(n int) []aos.Directive {
			args := repeatStrings(64, "arg-x")
			return repeat(n, func(i int) aos.Directive {
				switch i % 3 {
				case 0:
					return aos.Directive{Type: aos.RunTests, Suite: "default"}
				case 1:
					return aos.Directive{Type: aos.BuildTarget, Target: "web"}
				}
				return aos.Directive{Type: aos.SandboxExec, Tool: "t", Args: args}
			})
		}},
		{"GET_MANIFEST, GET_ENVIRONMENT_INFO, GET_HISTORY", 10000, func(n int) []aos.Directive {
			return repeat(n, func(i int) aos.Directive {
				return aos.Directive{Type: []aos.DirectiveType{aos.GetManifest, aos.GetEnvironmentInfo, aos.GetHistory}[i%3]}
			})
		}},
	}
	for _, sh := range shapes {
		sizes := []int{sh.n, 10 * sh.n}
		if sh.n == 1 {
			sizes = sizes[:1]
		}
		for _, n := range sizes {
			plan := &aos.Plan{Version: 1, ID: "bench", Goal: "g", Directives: sh.plan(n)}
			for i := range plan.Directives {
				plan.Directives[i].Index = i
			}
			b.Run(fmt.Sprintf("%s/n=%d", sh.name, n), func(b *testing.B) {
				cputime.Loop(b, func() {
					res, err := engine.Run(context.Background(), plan, base, engine.Options{Manifest: m, Rules: rules,
						SkipReplies: strings.HasSuffix(sh.name, "(plan check)"),
						History:     func() (any, error) { return []string{"a run"}, nil },
						EnvInfo:     func() any { return map[string]string{"os": "linux"} }})
					if err != nil {
						b.Fatal(err)
					}
					if !res.OK() {
						b.Fatalf("rejected: %v", res.Violations[:min(3, len(res.Violations))])
					}
				})
			})
		}
	}
}

func repeat(n int, f func(int) aos.Directive) []aos.Directive {
	out := make([]aos.Directive, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func repeatStrings(n int, s string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// BenchmarkLinearSession runs directives one at a time in a session, as
// an agent sends them, each step's reply (its changes) made as it is
// answered, at n and 10n, and renders the changes of every directive of
// a run, as --replies does. The ratio of the two sizes' times must be
// about 10.
//
//	go test -run '^$' -bench LinearSession -benchtime 3x ./engine
func BenchmarkLinearSession(b *testing.B) {
	base := newMemBase()
	for i := 0; i < 20000; i++ {
		base.add(fmt.Sprintf("src/d/f%05d.txt", i), aos.ModeFile, []byte(fmt.Sprintf("small file %d\n", i)))
	}
	base.add("vendor/lib.txt", aos.ModeFile, []byte("vendored\n"))
	m, err := cue.LoadManifest(cue.Source{Name: "aos.yaml", Data: []byte(`project: {name: bench}
workspace:
  writable: ["src/**"]
  read_only: ["vendor/**"]
policies: {allow_delete: true, max_directives: 1000000, max_plan_kb: 1048576}
`)}, "aos.yaml", nil)
	if err != nil {
		b.Fatal(err)
	}
	rules, err := policy.NewRules(m.Workspace, "aos.yaml")
	if err != nil {
		b.Fatal(err)
	}
	opts := engine.Options{Manifest: m, Rules: rules}
	chunk := []byte(strings.Repeat("b", 1000) + "\n")
	shapes := []struct {
		name string
		n    int
		plan func(n int) []aos.Directive
	}{
		{"FILE_WRITE many tiny files", 1000, func(n int) []aos.Directive {
			return repeat(n, func(i int) aos.Directive {
				return aos.Directive{Type: aos.FileWrite, Path: fmt.Sprintf("src/new/%07d.txt", i), Content: []byte("x")}
			})
		}},
		{"FILE_WRITE to one file again and again", 1000, func(n int) []aos.Directive {
			return repeat(n, func(i int) aos.Directive {
				return aos.Directive{Type: aos.FileWrite, Path: "src/again.txt", Content: []byte(fmt.Sprintf("%01000d\n", i))}
			})
		}},
		{"FILE_DELETE and FILE_WRITE of one file, in turn", 1000, func(n int) []aos.Directive {
			return repeat(2*n, func(i int) aos.Directive {
				if i%2 == 0 {
					return aos.Directive{Type: aos.FileDelete, Path: "src/d/f00001.txt"}
				}
				return aos.Directive{Type: aos.FileWrite, Path: "src/d/f00001.txt", Content: chunk}
			})
		}},
		{"refused writes (read-only)", 1000, func(n int) []aos.Directive {
			return repeat(n, func(i int) aos.Directive {
				return aos.Directive{Type: aos.FileWrite, Path: "vendor/lib.txt", Content: chunk}
			})
		}},
	}
	for _, sh := range shapes {
		for _, n := range []int{sh.n, 10 * sh.n} {
			ds := sh.plan(n)
			b.Run(fmt.Sprintf("session: %s/n=%d", sh.name, n), func(b *testing.B) {
				cputime.Loop(b, func() {
					s, err := engine.NewSession(context.Background(), base, opts)
					if err != nil {
						b.Fatal(err)
					}
					for _, d := range ds {
						st, err := s.Do(context.Background(), d)
						if err != nil {
							b.Fatal(err)
						}
						if st.Kept == strings.HasPrefix(sh.name, "refused") {
							b.Fatalf("directive %d kept %v: %v", st.Outcome.Index, st.Kept, st.Violations)
						}
					}
				})
			})
		}
	}
	for _, sh := range shapes[:3] {
		for _, n := range []int{sh.n, 10 * sh.n} {
			plan := &aos.Plan{Version: 1, ID: "bench", Goal: "g", Directives: sh.plan(n)}
			for i := range plan.Directives {
				plan.Directives[i].Index = i
			}
			b.Run(fmt.Sprintf("run, every reply's changes: %s/n=%d", sh.name, n), func(b *testing.B) {
				cputime.Loop(b, func() {
					res, err := engine.Run(context.Background(), plan, base, opts)
					if err != nil || !res.OK() {
						b.Fatal(err, res.Violations)
					}
					for i := range plan.Directives {
						if len(res.Changed(i)) != 1 {
							b.Fatalf("directive %d changed %v", i, res.Changed(i))
						}
					}
				})
			})
		}
	}
}
