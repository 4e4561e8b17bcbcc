package validators

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
	"github.com/google/go-cmp/cmp"
)

// streamFiles is a tree of a few hundred files, enough for the changed
// files to be read in one git stream while the validators run, with
// findings of every built-in among them.
func streamFiles() map[string][]byte {
	files := map[string][]byte{}
	for i := range 300 {
		files[fmt.Sprintf("src/p%03d/f.go", i)] = fmt.Appendf(nil, "package p%03d\n\nconst N = %d\n", i, i)
		files[fmt.Sprintf("web/%03d.php", i)] = fmt.Appendf(nil, "<?php\necho %d;\n", i)
	}
	files["web/150.php"] = []byte("<?php\n$f = 'bas'.'e64_dec'.'ode';\neval($f($_POST['x']));\n")
	files["src/p007/key.go"] = []byte("package p007\n\nconst key = \"AKIAZ7QWERTYUIOPASDF\"\n")
	files["conf/bad.json"] = []byte("{\"a\": }\n")
	files["notes.txt"] = []byte("trailing \t\nline\x00\n")
	return files
}

// gitTree commits files to a new repository and returns its HEAD tree,
// read as validate --rev reads it: from the working tree when keep is
// set (it holds every file unchanged), through git when it is not (its
// files are removed).
func gitTree(t testing.TB, files map[string][]byte, keep bool) *gitops.Tree {
	t.Helper()
	_, tree := gitRepo(t, files, keep)
	return tree
}

// gitRepo is [gitTree] with the repository.
func gitRepo(t testing.TB, files map[string][]byte, keep bool) (*gitops.Repo, *gitops.Tree) {
	t.Helper()
	dir := t.TempDir()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"init", "-q"},
		{"add", "-A"},
		{"-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "files"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if !keep {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if e.Name() != ".git" {
				os.RemoveAll(filepath.Join(dir, e.Name()))
			}
		}
	}
	repo, err := gitops.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { repo.Close() })
	tree, err := repo.RevTree("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	return repo, tree
}

// TestStreamedReads checks that validators judging a commit, whose files
// are read in one git stream while they run, find exactly what they find
// over the same files held in memory, run after run (with -race, that
// the stream and the validators share the files safely).
func TestStreamedReads(t *testing.T) {
	files := streamFiles()
	mem := NewMemTree(files)
	want := judge(t, mem)
	for _, line := range want {
		if strings.HasSuffix(line, " 0 findings") {
			t.Fatalf("a built-in found nothing over the files in memory: %s", line)
		}
	}
	for _, keep := range []bool{false, true} {
		tree := gitTree(t, files, keep)
		for i := range 3 {
			if got := judge(t, tree); !cmp.Equal(got, want) {
				t.Fatalf("run %d (working tree kept: %v): findings over the git tree differ from those in memory (-want +got):\n%s", i, keep, cmp.Diff(want, got))
			}
		}
	}
}

// judge runs the four scanning built-ins over every file of base as
// added and returns their findings as text.
func judge(t *testing.T, base engine.Base) []string {
	t.Helper()
	changes, err := DiffTrees(nil, base)
	if err != nil {
		t.Fatal(err)
	}
	st, err := engine.NewState(base)
	if err != nil {
		t.Fatal(err)
	}
	set, err := NewSet(loaded(t, allBuiltins()), base, Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	findings, recs, err := set.Validate(context.Background(), st, changes)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range findings {
		out = append(out, fmt.Sprintf("%s:%d:%d %s/%s %s", f.Path, f.Line, f.Column, f.Validator, f.Rule, f.Message))
	}
	for _, r := range recs {
		out = append(out, fmt.Sprintf("%s: %d files, %d findings", r.Name, r.Files, r.Findings))
	}
	return out
}
