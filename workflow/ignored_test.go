package workflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/policy"
	"github.com/architectos/aos/report"
	"github.com/architectos/aos/workflow"
)

// The property of docs/spec.md 4.2: ignored paths answer exactly as missing
// ones. It is checked on random repositories two ways, through every front
// end (frontEnds) and for every way to name a path (probes):
//
//   - by name: a directive on an ignored file or directory answers what it
//     answers for a missing path, byte for byte once that path's name is
//     put in place of the other's. Reads are compared with a missing path
//     whether or not it is ignored; writes with a missing ignored one, as
//     writes elsewhere are allowed.
//   - by tree: any plan (random ones here) answers the same on the base and
//     on the same base with every ignored file deleted, the commits the
//     caller names or makes aside.
//
// The front ends are plan check, run and the MCP tools (each directive a
// call of its tool in one session, then plan_status; ignored_mcp_test.go).
// A new read directive is a new entry in probes, as SEARCH is (by path,
// beneath a path, by a glob naming the path or its file name, and over the
// whole tree in random plans); a new front end is a new entry in
// frontEnds, returning what its caller sees.

// probeSeeds is how many random repositories are checked.
var probeSeeds = flag.Int("probe-seeds", 8, "random repositories TestIgnoredAnswersAsMissing checks")

// A probe is a directive, or several, naming one path: target for the
// path probed, fresh for an unused path of the repository (the other end
// of a copy or rename), content for the file content at target when it
// exists (a patch must quote it).
type probe struct {
	name       string
	writes     bool
	directives func(target, fresh, content, first string) string
}

var probes = []probe{
	{"FILE_READ", false, func(p, _, _, _ string) string { return dir("FILE_READ", p) }},
	{"STAT", false, func(p, _, _, _ string) string { return dir("STAT", p) }},
	{"LS", false, func(p, _, _, _ string) string { return dir("LS", p) }},
	{"DIFF", false, func(p, _, _, _ string) string { return dir("DIFF", p) }},
	{"DIFF against", false, func(p, _, _, first string) string {
		return dir("DIFF", p) + "    against: " + first + "\n"
	}},
	{"FILE_READ beneath", false, func(p, _, _, _ string) string { return dir("FILE_READ", p+"/x1abc") }},
	{"STAT beneath", false, func(p, _, _, _ string) string { return dir("STAT", p+"/x1abc") }},
	{"SEARCH", false, func(p, _, _, _ string) string { return search("line|dir", "path", p) }},
	{"SEARCH beneath", false, func(p, _, _, _ string) string { return search("line", "path", p+"/x1abc") }},
	{"SEARCH glob", false, func(p, _, _, _ string) string { return search("line|dir", "glob", p) }},
	{"SEARCH name glob", false, func(p, _, _, _ string) string { return search("line|dir", "glob", path.Base(p)) }},
	{"APPLY_PATCH copy source", false, func(p, fresh, _, _ string) string {
		return patchDirective(fmt.Sprintf("diff --git a/%s b/%s\nsimilarity index 100%%\ncopy from %s\ncopy to %s\n", p, fresh, p, fresh))
	}},
	{"FILE_WRITE", true, func(p, _, _, _ string) string { return dir("FILE_WRITE", p) + "    content: \"new\\n\"\n" }},
	{"FILE_WRITE beneath", true, func(p, _, _, _ string) string {
		return dir("FILE_WRITE", p+"/x1abc") + "    content: \"new\\n\"\n"
	}},
	{"FILE_APPEND", true, func(p, _, _, _ string) string { return dir("FILE_APPEND", p) + "    content: \"more\\n\"\n" }},
	{"FILE_DELETE", true, func(p, _, _, _ string) string { return dir("FILE_DELETE", p) }},
	{"QUARANTINE", true, func(p, _, _, _ string) string { return dir("QUARANTINE", p) + "    reason: \"suspect\"\n" }},
	{"APPLY_PATCH modify", true, func(p, _, content, _ string) string {
		return patchDirective(fmt.Sprintf("diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -1 +1 @@\n-%s\n+changed\n", p, p, p, p, firstOf(content)))
	}},
	{"APPLY_PATCH delete", true, func(p, _, content, _ string) string {
		return patchDirective(fmt.Sprintf("diff --git a/%s b/%s\ndeleted file mode 100644\n--- a/%s\n+++ /dev/null\n@@ -1 +0,0 @@\n-%s\n", p, p, p, firstOf(content)))
	}},
	{"APPLY_PATCH create", true, func(p, _, _, _ string) string {
		return patchDirective(fmt.Sprintf("diff --git a/%s b/%s\nnew file mode 100644\n--- /dev/null\n+++ b/%s\n@@ -0,0 +1 @@\n+created\n", p, p, p))
	}},
	{"APPLY_PATCH rename", true, func(p, fresh, _, _ string) string {
		return patchDirective(fmt.Sprintf("diff --git a/%s b/%s\nsimilarity index 100%%\nrename from %s\nrename to %s\n", p, fresh, p, fresh))
	}},
}

func dir(typ, p string) string { return fmt.Sprintf("  - type: %s\n    path: %s\n", typ, p) }

// search is a SEARCH for pattern with one more parameter, path or glob.
func search(pattern, key, value string) string {
	return fmt.Sprintf("  - type: SEARCH\n    pattern: %q\n    %s: %q\n", pattern, key, value)
}

func patchDirective(patch string) string {
	var b strings.Builder
	b.WriteString("  - type: APPLY_PATCH\n    patch: |\n")
	for l := range strings.SplitSeq(strings.TrimSuffix(patch, "\n"), "\n") {
		b.WriteString("      " + l + "\n")
	}
	return b.String()
}

func firstOf(s string) string {
	if s == "" {
		return "none"
	}
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// A frontEnd runs a plan through one entry point and returns everything
// its caller learns, in order: one answer per directive, and what concerns
// the plan as a whole.
type frontEnd struct {
	name string
	run  func(t *testing.T, dir, plan string) (perDirective []string, whole string)
}

var frontEnds = []frontEnd{
	{"plan check", func(t *testing.T, dir, plan string) ([]string, string) {
		t.Helper()
		r, err := workflow.CheckPlan(ctx(), workflow.CheckOptions{Dir: dir, Plan: workflow.PlanSource{File: "-", Data: []byte(plan)}})
		if err != nil {
			t.Fatalf("check: %v", err)
		}
		return perDirective(r, nil), rendered(t, r)
	}},
	{"run", func(t *testing.T, dir, plan string) ([]string, string) {
		t.Helper()
		res, err := workflow.Run(ctx(), workflow.RunOptions{Dir: dir, Plan: workflow.PlanSource{File: "-", Data: []byte(plan)}})
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		whole := rendered(t, res.Report)
		if res.Record != nil {
			b, err := res.Record.Encode()
			if err != nil {
				t.Fatal(err)
			}
			// The commits are the caller's own: the base it named, the
			// plan commit made of it.
			whole += "record:\n" + strings.NewReplacer(res.Record.Base, "BASE", res.PlanCommit, "PLAN").Replace(string(b))
		}
		return perDirective(res.Report, res.Answers), whole
	}},
}

// perDirective gives each directive's violations and reply, as JSON.
func perDirective(r *aos.Report, replies []any) []string {
	n := len(replies)
	for _, v := range r.Violations {
		n = max(n, v.Directive+1)
	}
	out := make([]string, n)
	for i := range out {
		var vs []aos.Violation
		for _, v := range r.Violations {
			if v.Directive == i {
				vs = append(vs, v)
			}
		}
		var reply any
		if i < len(replies) {
			reply = replies[i]
		}
		b, _ := json.Marshal(struct {
			Violations []aos.Violation
			Reply      any
		}{vs, reply})
		out[i] = string(b)
	}
	return out
}

// rendered is the report in every output format.
func rendered(t *testing.T, r *aos.Report) string {
	t.Helper()
	var b bytes.Buffer
	for _, f := range report.Formats {
		fmt.Fprintf(&b, "%s:\n", f)
		if err := report.Write(&b, f, r); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// probeRepo is a random repository and what its manifest hides.
type probeRepo struct {
	rng     *rand.Rand
	dir     string            // the repository; HEAD is the base
	first   string            // an older commit, for DIFF against
	files   map[string]string // the base's files, manifest aside
	rules   *policy.Rules
	hidden  []string // ignored files of the base
	hDirs   []string // directories of the base holding only ignored files
	visible []string // visible files
	vDirs   []string // directories with a visible file
	names   map[string]bool
}

// name returns a new path segment: a letter, a digit and three letters, so
// that it appears in no message, keyword or other name.
func (r *probeRepo) name() string {
	for {
		b := []byte{byte('a' + r.rng.IntN(26)), byte('0' + r.rng.IntN(10)), 0, 0, 0}
		for i := 2; i < 5; i++ {
			b[i] = byte('a' + r.rng.IntN(26))
		}
		if s := string(b); !r.names[s] && s != "x1abc" {
			r.names[s] = true
			return s
		}
	}
}

// newProbeRepo makes a repository of random files, some ignored: a whole
// directory, every *.key file and one file named alone. Its history holds
// an older commit and a run of the audit log.
func newProbeRepo(t *testing.T, seed uint64) *probeRepo {
	t.Helper()
	r := &probeRepo{rng: rand.New(rand.NewPCG(seed, 7)), files: map[string]string{}, names: map[string]bool{}}
	var dirs []string
	for range 2 + r.rng.IntN(4) {
		d := r.name()
		if len(dirs) > 0 && r.rng.IntN(2) == 0 {
			d = dirs[r.rng.IntN(len(dirs))] + "/" + d
		}
		dirs = append(dirs, d)
	}
	hiddenDir := dirs[r.rng.IntN(len(dirs))]
	for range 6 + r.rng.IntN(12) {
		p := dirs[r.rng.IntN(len(dirs))] + "/" + r.name()
		if r.rng.IntN(4) == 0 {
			p = r.name() // at the root
		}
		switch r.rng.IntN(4) {
		case 0:
			p += ".key"
		case 1:
			p += ".txt"
		}
		var c strings.Builder
		for range 1 + r.rng.IntN(3) {
			fmt.Fprintf(&c, "line %d %d\n", r.rng.IntN(1000), r.rng.IntN(1000))
		}
		r.files[p] = c.String()
	}
	r.files[hiddenDir+"/"+r.name()] = "in the ignored directory\n"
	all := slices.Sorted(func(yield func(string) bool) {
		for p := range r.files {
			if !yield(p) {
				return
			}
		}
	})
	alone := all[r.rng.IntN(len(all))]
	ws := aos.Workspace{Root: ".", Writable: []string{"**"}, Ignored: []string{hiddenDir + "/**", "**/*.key", alone}}
	rules, err := policy.NewRules(ws, "aos.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r.rules = rules
	manifest, _ := json.Marshal(map[string]any{
		"project":   map[string]string{"name": "probe"},
		"workspace": map[string]any{"writable": ws.Writable, "ignored": ws.Ignored},
		"policies":  map[string]any{"allow_delete": true},
	})
	dirOf := map[string]bool{}
	for _, p := range all {
		if rules.Visible(p) {
			r.visible = append(r.visible, p)
		} else {
			r.hidden = append(r.hidden, p)
		}
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			dirOf[d] = dirOf[d] || rules.Visible(p)
		}
	}
	for _, d := range slices.Sorted(func(yield func(string) bool) {
		for d := range dirOf {
			if !yield(d) {
				return
			}
		}
	}) {
		if dirOf[d] {
			r.vDirs = append(r.vDirs, d)
		} else {
			r.hDirs = append(r.hDirs, d)
		}
	}

	r.dir = t.TempDir()
	git(t, r.dir, "init", "-q", "-b", "main")
	half := map[string]string{"aos.yaml": string(manifest)}
	for i, p := range all {
		if i%2 == 0 {
			half[p] = r.files[p]
		}
	}
	r.first = commitFiles(t, r.dir, "first", half)
	res, err := workflow.Run(ctx(), workflow.RunOptions{Dir: r.dir, Plan: workflow.PlanSource{File: "-", Data: []byte(
		"version: 1\nid: earlier\ngoal: an earlier run\ndirectives:\n" + dir("FILE_WRITE", "n0tes") + "    content: \"seen\\n\"\n" + dir("LS", "."))}})
	if err != nil || !res.OK() {
		t.Fatalf("earlier run: %v %+v", err, res)
	}
	git(t, r.dir, "merge", "-q", "--ff-only", "aos/earlier")
	r.files["n0tes"] = "seen\n"
	r.visible = append(r.visible, "n0tes")
	r.names["n0tes"] = true
	commitFiles(t, r.dir, "base", r.files)
	return r
}

// fresh returns a path like p, beneath the same directory and with the
// same extension, that does not exist: for a name segment of p, another
// of the same length.
func (r *probeRepo) fresh(p string) string {
	d, base := path.Split(p)
	ext := path.Ext(base)
	return d + r.name() + ext
}

// withoutHidden returns a copy of the repository whose base is a commit on
// top of the base that deletes every ignored file.
func (r *probeRepo) withoutHidden(t *testing.T) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), "repo")
	if out, err := exec.Command("cp", "-a", r.dir, d).CombinedOutput(); err != nil {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	git(t, d, append([]string{"rm", "-q", "--"}, r.hidden...)...)
	git(t, d, "commit", "-q", "-m", "without the ignored files")
	return d
}

// plan wraps directives in a plan document.
func probePlan(id, directives string) string {
	return "version: 1\nid: " + id + "\ngoal: probe\ndirectives:\n" + directives
}

func TestIgnoredAnswersAsMissing(t *testing.T) {
	t.Parallel()
	for seed := range uint64(*probeSeeds) {
		t.Run(fmt.Sprint("seed-", seed), func(t *testing.T) {
			t.Parallel()
			r := newProbeRepo(t, seed)
			if len(r.hidden) == 0 {
				t.Fatal("no ignored file")
			}
			t.Run("by name", func(t *testing.T) { r.byName(t) })
			t.Run("by tree", func(t *testing.T) { r.byTree(t) })
		})
	}
}

// byName compares, for every hidden file and directory at once, the
// answers with those for missing paths: one plan probes the hidden paths,
// another the same directives on missing ones.
func (r *probeRepo) byName(t *testing.T) {
	type pair struct{ hidden, other string }
	var reads, writes []pair
	for _, hidden := range append(slices.Clone(r.hidden), r.hDirs...) {
		// For reads, any missing path; for writes, a missing path that is
		// ignored too (a file ignored by name alone has none).
		reads = append(reads, pair{hidden, r.name() + "/" + path.Base(r.fresh(hidden))})
		if q := r.fresh(hidden); !r.rules.Visible(q) {
			writes = append(writes, pair{hidden, q})
		}
	}
	for _, class := range []struct {
		writes bool
		pairs  []pair
	}{{false, reads}, {true, writes}} {
		var hiddenPlan, otherPlan strings.Builder
		var names []string
		var swap []string
		for _, pr := range class.pairs {
			fresh := r.name() + "/" + r.name()
			for _, probe := range probes {
				if probe.writes == class.writes {
					hiddenPlan.WriteString(probe.directives(pr.hidden, fresh, r.files[pr.hidden], r.first))
					otherPlan.WriteString(probe.directives(pr.other, fresh, r.files[pr.hidden], r.first))
					names = append(names, probe.name+" "+pr.hidden+" (ignored) and "+pr.other+" (missing)")
				}
			}
			swap = append(swap, pr.other, pr.hidden)
		}
		if len(names) == 0 {
			continue
		}
		back := strings.NewReplacer(swap...)
		for _, fe := range frontEnds {
			gotD, gotW := fe.run(t, r.dir, probePlan("probe", hiddenPlan.String()))
			wantD, wantW := fe.run(t, r.dir, probePlan("probe", otherPlan.String()))
			for i := range max(len(gotD), len(wantD)) {
				if g, w := at(gotD, i), back.Replace(at(wantD, i)); g != w {
					t.Errorf("%s: %s answer differently:\n%s\n%s", fe.name, names[min(i, len(names)-1)], g, w)
				}
			}
			if w := back.Replace(wantW); gotW != w {
				t.Errorf("%s: the plans on ignored and on missing paths answer differently:\n%s\n--- missing:\n%s", fe.name, gotW, w)
			}
		}
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

// byTree runs random plans on the base and on the base without its
// ignored files.
func (r *probeRepo) byTree(t *testing.T) {
	without := r.withoutHidden(t)
	for n := range 3 {
		plan := probePlan(fmt.Sprint("random-", n), r.randomDirectives())
		for _, fe := range frontEnds {
			gotD, gotW := fe.run(t, r.dir, plan)
			wantD, wantW := fe.run(t, without, plan)
			if g, w := strings.Join(gotD, "\n"), strings.Join(wantD, "\n"); g != w {
				t.Errorf("%s: plan\n%s\nanswers differently with the ignored files:\n%s\n--- without them:\n%s", fe.name, plan, g, w)
			}
			if gotW != wantW {
				t.Errorf("%s: plan\n%s\nanswers differently with the ignored files:\n%s\n--- without them:\n%s", fe.name, plan, gotW, wantW)
			}
		}
	}
}

// randomDirectives returns up to eight directives on paths of every kind:
// visible, ignored, missing, directories of each, the root.
func (r *probeRepo) randomDirectives() string {
	pick := func(list []string) string {
		if len(list) == 0 {
			return r.name()
		}
		return list[r.rng.IntN(len(list))]
	}
	var b strings.Builder
	for range 1 + r.rng.IntN(8) {
		var p string
		switch r.rng.IntN(6) {
		case 0:
			p = pick(r.visible)
		case 1:
			p = pick(r.hidden)
		case 2:
			p = pick(r.vDirs)
		case 3:
			p = pick(r.hDirs)
		case 4:
			p = r.fresh(pick(r.visible))
		default:
			p = "."
		}
		switch k := r.rng.IntN(10); {
		case k == 0:
			b.WriteString("  - type: GET_HISTORY\n")
		case k == 1:
			b.WriteString("  - type: GET_MANIFEST\n")
		case k == 2:
			// The whole tree: ignored files are neither searched nor
			// counted.
			b.WriteString("  - type: SEARCH\n    pattern: \"line [0-9]+ 1\"\n")
		case p == "." && k < 6:
			b.WriteString(dir("LS", "."))
		case p == ".":
			b.WriteString(dir("LS", pick(r.vDirs)))
		default:
			pr := probes[r.rng.IntN(len(probes))]
			if pr.writes && slices.Contains(r.hDirs, p) && r.rules.Visible(p) {
				// The one answer that must differ (docs/spec.md 4.2): a
				// write over a directory holding only ignored files is
				// refused, as it would delete them; at a missing path it
				// is allowed. ignored_writes.txtar checks the refusal.
				pr = probes[0]
			}
			b.WriteString(pr.directives(p, r.fresh(pick(r.visible)), r.files[p], r.first))
		}
	}
	return b.String()
}

func ctx() context.Context { return context.Background() }

// git runs git in dir and returns its trimmed output.
func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commitFiles writes files into dir and commits them all.
func commitFiles(t testing.TB, dir, msg string, files map[string]string) string {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", msg)
	return git(t, dir, "rev-parse", "HEAD")
}
