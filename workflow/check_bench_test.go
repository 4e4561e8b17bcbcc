package workflow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkRepo makes a repository of 10,000 files in 100 directories whose
// manifest (aos.yaml) has 200 globs, as a large project's would.
func checkRepo(b testing.TB) string {
	b.Helper()
	var m strings.Builder
	m.WriteString("project: {name: bench}\nworkspace:\n  read_only:\n")
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&m, "    - vendor/mod%02d/**\n", i)
	}
	m.WriteString("  ignored:\n")
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&m, "    - \"**/*.cache%02d\"\n", i)
	}
	m.WriteString("  writable:\n")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&m, "    - src/d%02d/**/*.txt\n", i)
	}
	m.WriteString("tools: {go: go}\ntests: {default: {command: \"{{ tools.go }} test ./...\"}}\n" +
		"policies:\n  max_file_size_kb: 512\n  require_approval:\n    - {name: d00, paths: [src/d00/**], reviewers: [\"@a\"]}\n")
	return importRepo(b, "aos.yaml", m.String(), strings.Repeat("x", 99)+"\n", 10000)
}

// checkPlan writes a plan of n directives, a mix of reads, listings,
// writes, appends and patches, all allowed.
func checkPlan(b testing.TB, n int) string {
	var p strings.Builder
	fmt.Fprintf(&p, "version: 1\nid: bench-%d\ngoal: a large plan\ndirectives:\n", n)
	for i := 0; i < n; i++ {
		f := fmt.Sprintf("src/d%02d/f%05d.txt", i%100, i%10000)
		switch i % 8 {
		case 0, 1:
			fmt.Fprintf(&p, "  - type: FILE_READ\n    path: %s\n", f)
		case 2:
			fmt.Fprintf(&p, "  - type: STAT\n    path: %s\n", f)
		case 3:
			fmt.Fprintf(&p, "  - type: FILE_WRITE\n    path: src/d%02d/new/n%06d.txt\n    content: \"new file %d\\n\"\n", i%100, i, i)
		case 4:
			fmt.Fprintf(&p, "  - type: FILE_APPEND\n    path: src/d%02d/new/n%06d.txt\n    content: \"more\\n\"\n", (i-1)%100, i-1)
		case 5:
			fmt.Fprintf(&p, "  - type: LS\n    path: src/d%02d\n", i%100)
		case 6:
			fmt.Fprintf(&p, "  - type: APPLY_PATCH\n    patch: |\n      diff --git a/src/d%02d/new/n%06d.txt b/src/d%02d/new/n%06d.txt\n"+
				"      --- a/src/d%02d/new/n%06d.txt\n      +++ b/src/d%02d/new/n%06d.txt\n      @@ -1,2 +1,2 @@\n       new file %d\n      -more\n      +less\n",
				(i-3)%100, i-3, (i-3)%100, i-3, (i-3)%100, i-3, (i-3)%100, i-3, i-3)
		case 7:
			fmt.Fprintf(&p, "  - type: RUN_TESTS\n")
		}
	}
	path := filepath.Join(b.TempDir(), "plan.yaml")
	if err := os.WriteFile(path, []byte(p.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkCheckPlan checks plans of 1,000, 10,000 and 100,000 directives
// against a manifest of 200 globs and a base tree of 10,000 files, as git
// aos plan check does: read and parse the plan, read the base tree and
// manifest from the repository, run every directive in memory. The goal
// is 10,000 directives within 200 ms on two cores.
func BenchmarkCheckPlan(b *testing.B) {
	dir := checkRepo(b)
	for _, n := range []int{1000, 10000, 100000} {
		plan := checkPlan(b, n)
		b.Run(fmt.Sprintf("directives=%d", n), func(b *testing.B) {
			for b.Loop() {
				r, err := CheckPlan(context.Background(), CheckOptions{Dir: dir, Plan: PlanSource{File: plan}})
				if err != nil {
					b.Fatal(err)
				}
				if !r.OK {
					b.Fatalf("plan rejected: %v", r.Violations[:min(3, len(r.Violations))])
				}
			}
		})
	}
}
