package workflow

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos"
)

// Adversarial tests of patches whose files conflict with each other
// (docs/spec.md 4.5): git apply, run on a real checkout, is the oracle.
// Whatever it refuses, run refuses; whatever it accepts in the order git
// diff prints files, run accepts with the same tree; and the run record
// and message describe exactly the tree committed.

var conflictBase = map[string]string{
	"aos.yaml":  "project: {name: p}\nworkspace: {writable: [\"src/**\"]}\npolicies: {allow_delete: true}\n",
	"src/a":     "a\n",
	"src/e/y":   "e\n",
	"src/f":     "f\n",
	"src/g/h/i": "i\n",
}

func pNew(p string) string {
	return fmt.Sprintf("diff --git a/%s b/%s\nnew file mode 100644\n--- /dev/null\n+++ b/%s\n@@ -0,0 +1 @@\n+n\n", p, p, p)
}
func pDel(p, line string) string {
	return fmt.Sprintf("diff --git a/%s b/%s\ndeleted file mode 100644\n--- a/%s\n+++ /dev/null\n@@ -1 +0,0 @@\n-%s\n", p, p, p, line)
}
func pRen(a, b string) string {
	return fmt.Sprintf("diff --git a/%s b/%s\nsimilarity index 100%%\nrename from %s\nrename to %s\n", a, b, a, b)
}
func pCopy(a, b string) string {
	return fmt.Sprintf("diff --git a/%s b/%s\nsimilarity index 100%%\ncopy from %s\ncopy to %s\n", a, b, a, b)
}
func pMod(p, from, to string) string {
	return fmt.Sprintf("diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -1 +1 @@\n-%s\n+%s\n", p, p, p, p, from, to)
}

func TestPatchConflictsAgainstGitApply(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		patch string
		// rule is the rule run refuses with, when git refuses too.
		rule aos.Rule
		// stricter: git apply accepts, in an order git diff never
		// prints, and run refuses.
		stricter bool
	}{
		{name: "file and a file beneath it", patch: pNew("src/d") + pNew("src/d/x"), rule: aos.RulePathThroughFile},
		{name: "a file beneath, then the file", patch: pNew("src/d/x") + pNew("src/d"), rule: aos.RulePatchApply},
		{name: "beneath an existing file", patch: pNew("src/a/x"), rule: aos.RulePathThroughFile},
		{name: "deep beneath a new file", patch: pNew("src/n") + pNew("src/n/o/p/q"), rule: aos.RulePathThroughFile},
		{name: "rename beneath an existing file", patch: pRen("src/f", "src/a/f"), rule: aos.RulePathThroughFile},
		{name: "copy beneath a new file", patch: pNew("src/c") + pCopy("src/f", "src/c/f"), rule: aos.RulePathThroughFile},
		{name: "file where a directory is", patch: pNew("src/e"), rule: aos.RulePatchApply},
		{name: "file where a deep directory is", patch: pNew("src/g"), rule: aos.RulePatchApply},
		{name: "rename onto a new directory", patch: pNew("src/n/z") + pRen("src/a", "src/n"), rule: aos.RulePatchApply},
		{name: "modify a renamed file", patch: pRen("src/a", "src/b") + pMod("src/a", "a", "b"), rule: aos.RulePathNotFound},
		{name: "delete twice", patch: pDel("src/a", "a") + pDel("src/a", "a"), rule: aos.RulePathNotFound},
		{name: "second change of a file on the old text", patch: pMod("src/a", "a", "b") + pMod("src/a", "a", "c"), rule: aos.RulePatchApply},
		{name: "delete a file, make it a directory", patch: pDel("src/a", "a") + pNew("src/a/x")},
		{name: "delete a directory's files, make it a file", patch: pDel("src/e/y", "e") + pNew("src/e")},
		{name: "type change as git diff prints it", patch: pDel("src/a", "a") + pNew("src/a")},
		{name: "two changes of a file", patch: pMod("src/a", "a", "b") + pMod("src/a", "b", "c")},
		{name: "rename into a freed name", patch: pDel("src/f", "f") + pRen("src/a", "src/f")},
		{name: "a new file, then beneath it deleted first", patch: pNew("src/a/x") + pDel("src/a", "a"), stricter: true},
		{name: "rename onto a created file", patch: pRen("src/a", "src/b") + pNew("src/b"), stricter: true},
		{name: "a new file twice", patch: pNew("src/b") + pNew("src/b"), stricter: true},
		{name: "copy onto a created file", patch: pCopy("src/a", "src/b") + pNew("src/b"), stricter: true},
		{name: "swap by renames", patch: pRen("src/a", "src/f") + pRen("src/f", "src/a"), stricter: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gitTree, gitOK := gitApply(t, tc.patch)
			dir := newRepo(t, conflictBase)
			plan := "version: 1\nid: conflict\ngoal: g\ndirectives:\n  - type: APPLY_PATCH\n    patch: " + yamlQuote(tc.patch) + "\n"
			res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, plan)}})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case !gitOK:
				if res.OK() {
					t.Fatalf("git apply refuses the patch, run accepts it")
				}
				if got := res.Report.Violations[0].Rule; got != tc.rule {
					t.Errorf("refused as %s (%v), want %s", got, res.Report.Violations, tc.rule)
				}
			case tc.stricter:
				if res.OK() {
					t.Fatalf("run accepts a patch it should refuse")
				}
			default:
				if !res.OK() {
					t.Fatalf("git apply accepts the patch, run refuses it: %v", res.Report.Violations)
				}
				if got := treeWithout(t, dir, res.ResultCommit, ".aos/"); got != gitTree {
					t.Errorf("result tree:\n%s\ngit apply's:\n%s", got, gitTree)
				}
				recordMatchesTree(t, dir, res)
			}
		})
	}
}

// gitApply applies patch with git apply --index on a checkout of
// conflictBase, and returns the resulting tree (as ls-tree -r lists it)
// and whether git accepted the patch.
func gitApply(t *testing.T, patch string) (string, bool) {
	dir := newRepo(t, conflictBase)
	f := filepath.Join(t.TempDir(), "p.diff")
	if err := os.WriteFile(f, []byte(patch), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "apply", "--index", f)
	cmd.Dir = dir
	if err := cmd.Run(); err != nil {
		return "", false
	}
	tree := git(t, dir, "write-tree")
	return treeWithout(t, dir, tree, ".aos/"), true
}

// treeWithout lists the files of a tree-ish, less those under prefix.
func treeWithout(t *testing.T, dir, rev, prefix string) string {
	var out []string
	for _, l := range strings.Split(git(t, dir, "ls-tree", "-r", rev), "\n") {
		if !strings.Contains(l, "\t"+prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// recordMatchesTree checks that the run record's changes are exactly the
// differences between the base and the result tree (run record aside),
// each with the blob and mode the tree holds.
func recordMatchesTree(t *testing.T, dir string, res *RunResult) {
	t.Helper()
	want := map[string]string{}
	for _, l := range strings.Split(git(t, dir, "diff-tree", "-r", "--no-renames", res.PlanCommit, res.ResultCommit), "\n") {
		f := strings.Fields(l)
		p := l[strings.IndexByte(l, '\t')+1:]
		if strings.HasPrefix(p, ".aos/") {
			continue
		}
		// :old new oldhash newhash status
		mode, blob := f[1], f[3]
		if f[4] == "D" {
			mode, blob = f[0][1:], f[2]
		}
		want[p] = mode + " " + blob
	}
	got := map[string]string{}
	for _, c := range res.Record.Changes {
		got[c.Path] = c.Mode + " " + c.Blob
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("record changes %v, the commit changes %v", got, want)
	}
	msg := git(t, dir, "log", "-1", "--format=%B", res.ResultCommit)
	for p := range want {
		if !strings.Contains(msg, " "+p+"\n") {
			t.Errorf("message does not list %s:\n%s", p, msg)
		}
	}
}

// yamlQuote writes s as a YAML double-quoted string.
func yamlQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
