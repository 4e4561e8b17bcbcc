package gitops

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFoldCollisions: the entries a tree adds next to one that folds
// alike, trees made by git itself.
func TestFoldCollisions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gitT(t, dir, "", "init", "-q", "-b", "main", ".")
	blob := gitT(t, dir, "x\n", "hash-object", "-w", "--stdin")
	tree := func(paths ...string) string {
		if len(paths) == 0 {
			return ""
		}
		var in strings.Builder
		for _, p := range paths {
			fmt.Fprintf(&in, "100644 %s\t%s\n", blob, p)
		}
		env := []string{"GIT_INDEX_FILE=" + filepath.Join(t.TempDir(), "index")}
		run(t, dir, env, in.String(), "update-index", "--add", "--index-info")
		return run(t, dir, env, "", "write-tree")
	}
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		base, res []string
		want      []Collision
	}{
		{"none", []string{"src/a.txt"}, []string{"src/a.txt", "src/b.txt"}, nil},
		{"file case", []string{"src/readme.md"}, []string{"src/readme.md", "src/README.md"},
			[]Collision{{"src/README.md", "src/readme.md"}}},
		{"directory case", []string{"src/config/app.ini"}, []string{"src/config/app.ini", "src/CONFIG/app.ini"},
			[]Collision{{"src/CONFIG", "src/config"}}},
		{"trailing dot", []string{"src/config/app.ini"}, []string{"src/config/app.ini", "src/config./app.ini"},
			[]Collision{{"src/config.", "src/config"}}},
		{"trailing space", []string{"src/config/app.ini"}, []string{"src/config/app.ini", "src/config /app.ini"},
			[]Collision{{"src/config ", "src/config"}}},
		{"long s", []string{"secret.txt"}, []string{"secret.txt", "ſecret.txt"},
			[]Collision{{"ſecret.txt", "secret.txt"}}},
		{"kelvin", []string{"k.txt"}, []string{"k.txt", "\u212a.txt"},
			[]Collision{{"\u212a.txt", "k.txt"}}},
		{"stream", []string{"a.txt"}, []string{"a.txt", "a.txt:x"},
			[]Collision{{"a.txt:x", "a.txt"}}},
		{"both new", nil, []string{"new/A.txt", "new/a.txt"},
			[]Collision{{"new/A.txt", "new/a.txt"}, {"new/a.txt", "new/A.txt"}}},
		{"file and directory", []string{"lib"}, []string{"lib", "LIB/x.txt"},
			[]Collision{{"LIB", "lib"}}},
		{"renamed by case", []string{"src/README.md"}, []string{"src/Readme.md"}, nil},
		{"already there", []string{"d/A.txt", "d/a.txt"}, []string{"d/A.txt", "d/a.txt", "d/b.txt"}, nil},
		{"deep and new", []string{"a/b/c.txt"}, []string{"a/b/c.txt", "a/b/C.txt"},
			[]Collision{{"a/b/C.txt", "a/b/c.txt"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := repo.FoldCollisions(tree(tc.base...), tree(tc.res...))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("collisions (-want +got):\n%s", diff)
			}
		})
	}
}
