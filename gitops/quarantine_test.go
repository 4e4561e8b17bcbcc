package gitops

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func gitT(t *testing.T, dir string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestOpenWithObjectDirs reads a commit whose objects are only in an extra
// object directory, packed or loose, as they are in a push's quarantine.
func TestOpenWithObjectDirs(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	bare := filepath.Join(tmp, "bare.git")
	gitT(t, tmp, "", "init", "-q", "-b", "main", src)
	os.WriteFile(filepath.Join(src, "a.txt"), []byte("a\n"), 0o644)
	gitT(t, src, "", "add", ".")
	gitT(t, src, "", "commit", "-q", "-m", "one")
	gitT(t, tmp, "", "clone", "-q", "--bare", src, bare)
	for i := 0; i < 150; i++ {
		os.MkdirAll(filepath.Join(src, "d", fmt.Sprint(i%7)), 0o755)
		os.WriteFile(filepath.Join(src, "d", fmt.Sprint(i%7), fmt.Sprintf("f%d.txt", i)), []byte(fmt.Sprintf("file %d\n", i)), 0o644)
	}
	gitT(t, src, "", "add", ".")
	gitT(t, src, "", "commit", "-q", "-m", "two")
	tip := gitT(t, src, "", "rev-parse", "HEAD")
	objects := gitT(t, src, "", "rev-list", "--objects", "main", "--not", "main~1")
	var ids strings.Builder
	for _, l := range strings.Split(objects, "\n") {
		id, _, _ := strings.Cut(l, " ")
		ids.WriteString(id + "\n")
	}

	for _, kind := range []string{"packed", "loose"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			q := filepath.Join(bare, "objects", "tmp_objdir-incoming-"+kind)
			os.MkdirAll(filepath.Join(q, "pack"), 0o755)
			if kind == "packed" {
				gitT(t, src, ids.String(), "pack-objects", "-q", filepath.Join(q, "pack", "pack"))
			} else {
				for _, id := range strings.Split(strings.TrimSpace(ids.String()), "\n") {
					from := filepath.Join(src, ".git", "objects", id[:2], id[2:])
					data, err := os.ReadFile(from)
					if err != nil {
						t.Fatal(err)
					}
					os.MkdirAll(filepath.Join(q, id[:2]), 0o755)
					os.WriteFile(filepath.Join(q, id[:2], id[2:]), data, 0o444)
				}
			}
			defer os.RemoveAll(q)
			plain, err := OpenWithObjectDirs(bare, nil)
			if err != nil {
				t.Fatal(err)
			}
			if kind == "packed" {
				if _, err := plain.CommitInfo(tip); err == nil {
					t.Errorf("plain Open found a packed quarantined commit; the test no longer shows the problem")
				}
			}
			env := map[string]string{"GIT_QUARANTINE_PATH": q, "GIT_OBJECT_DIRECTORY": q,
				"GIT_ALTERNATE_OBJECT_DIRECTORIES": filepath.Join(bare, "objects")}
			dirs := HookObjectDirs(bare, func(k string) string { return env[k] })
			if diff := cmp.Diff([]string{q, filepath.Join(bare, "objects")}, dirs); diff != "" {
				t.Errorf("HookObjectDirs (-want +got):\n%s", diff)
			}
			repo, err := OpenWithObjectDirs(bare, dirs)
			if err != nil {
				t.Fatal(err)
			}
			info, err := repo.CommitInfo(tip)
			if err != nil {
				t.Fatal(err)
			}
			tree, err := repo.CommitTree(tip)
			if err != nil {
				t.Fatal(err)
			}
			files, err := tree.Files()
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != 151 {
				t.Errorf("tree has %d files, want 151", len(files))
			}
			if b, err := tree.ReadFile("d/3/f10.txt"); err != nil || string(b) != "file 10\n" {
				t.Errorf("ReadFile = %q, %v", b, err)
			}
			changes, err := repo.DiffTrees(mustTree(t, repo, info.Parents[0]), info.Tree)
			if err != nil {
				t.Fatal(err)
			}
			if len(changes) != 150 || changes[0].Path != "d/0/f0.txt" || changes[0].OldMode != 0 || changes[0].NewMode != 0o100644 {
				t.Errorf("DiffTrees: %d changes, first %+v", len(changes), changes[0])
			}
		})
	}
}

func mustTree(t *testing.T, r *Repo, commit string) string {
	t.Helper()
	id, err := r.CommitTreeID(commit)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestMergeOwnChanges(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gitT(t, dir, "", "init", "-q", "-b", "main", ".")
	write := func(p, s string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644)
	}
	write("a/x.txt", "x\n")
	write("b.txt", "b\n")
	gitT(t, dir, "", "add", ".")
	gitT(t, dir, "", "commit", "-q", "-m", "base")
	gitT(t, dir, "", "checkout", "-q", "-b", "side")
	write("a/y.txt", "y\n")
	gitT(t, dir, "", "add", ".")
	gitT(t, dir, "", "commit", "-q", "-m", "side")
	gitT(t, dir, "", "checkout", "-q", "main")
	write("b.txt", "b2\n")
	gitT(t, dir, "", "commit", "-q", "-am", "main")
	gitT(t, dir, "", "merge", "-q", "--no-ff", "-m", "clean", "side")
	clean := gitT(t, dir, "", "rev-parse", "HEAD")
	gitT(t, dir, "", "reset", "-q", "--hard", "HEAD~1")
	gitT(t, dir, "", "merge", "-q", "--no-ff", "--no-commit", "side")
	write("a/evil.txt", "evil\n")
	write("b.txt", "b3\n")
	gitT(t, dir, "", "add", ".")
	gitT(t, dir, "", "commit", "-q", "-m", "evil")
	evil := gitT(t, dir, "", "rev-parse", "HEAD")

	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		commit string
		want   []string
	}{
		{"clean", clean, nil},
		{"evil", evil, []string{"a/evil.txt", "b.txt"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := repo.CommitInfo(tc.commit)
			if err != nil {
				t.Fatal(err)
			}
			var parents []string
			for _, p := range info.Parents {
				parents = append(parents, mustTree(t, repo, p))
			}
			got, err := repo.MergeOwnChanges(info.Tree, parents)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("MergeOwnChanges (-want +got):\n%s", diff)
			}
		})
	}
}
