package gitops

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/internal/objdamage"
)

// oracle runs a git query that exits 1 for "none", as gitMaybe does,
// outside any Repo: what git itself answers.
func oracle(t *testing.T, dir string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return strings.TrimSpace(string(out)), true
	case errors.As(err, &ee) && ee.ExitCode() == 1:
		return "", true
	}
	return "", false
}

// sameAsGit checks an answer, got or err, against git's, want when ok
// (git failed otherwise).
func sameAsGit(t *testing.T, what, got string, err error, want string, ok bool) {
	t.Helper()
	switch {
	case !ok && err == nil:
		t.Errorf("%s says %q, git fails", what, got)
	case ok && err != nil:
		t.Errorf("%s fails (%v), git says %q", what, err, want)
	case got != want:
		t.Errorf("%s says %q, git says %q", what, got, want)
	}
}

// oneCommit is a repository whose main holds one commit of one file, a.
func oneCommit(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	gitT(t, dir, "", "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(dir, "a"), []byte("a\n"), 0o644)
	gitT(t, dir, "", "add", ".")
	gitT(t, dir, "", "commit", "-q", "-m", "one")
	return dir
}

// TestCurrentBranchIsGits writes HEAD in each shape git may find it in and
// checks that CurrentBranch, which reads the plain shapes itself, answers
// what git symbolic-ref answers.
func TestCurrentBranchIsGits(t *testing.T) {
	t.Parallel()
	dir := oneCommit(t)
	tip := gitT(t, dir, "", "rev-parse", "HEAD")
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	for _, head := range []string{
		"ref: refs/heads/main\n",
		"ref: refs/heads/feature/x-1.2_b\n",
		"ref: refs/heads/unborn\n",
		tip + "\n",
		"ref:refs/heads/main\n",
		"ref:  refs/heads/main\n",
		"ref: refs/heads/main  \n",
		"ref: refs/heads/main",
		"ref: refs/heads/a..b\n",
		"ref: refs/heads/x.lock\n",
		"ref: refs/heads/.hidden\n",
		"ref: refs/heads/sp ace\n",
		"ref: refs/heads/\n",
		"ref: refs/tags/v1\n",
		"ref: refs/heads/dir/\n",
		"ref: refs/heads/main\r\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, ".git", "HEAD"), []byte(head), 0o644); err != nil {
			t.Fatal(err)
		}
		want, ok := oracle(t, dir, "symbolic-ref", "--quiet", "HEAD")
		got, err := repo.CurrentBranch()
		sameAsGit(t, fmt.Sprintf("HEAD %q: CurrentBranch", head), got, err, want, ok)
	}
}

// TestPeelToCommitIsGits checks PeelToCommit, which answers a commit's id
// without git, against git rev-parse on every kind of object and a
// missing one; a damaged commit is named as damaged, where git fails or
// takes it for no commit.
func TestPeelToCommitIsGits(t *testing.T) {
	t.Parallel()
	for _, how := range append([]string{"intact"}, objdamage.Ways...) {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			dir := oneCommit(t)
			gitT(t, dir, "", "tag", "-a", "-m", "v1", "v1")
			ids := map[string]string{
				"commit":  gitT(t, dir, "", "rev-parse", "HEAD"),
				"tree":    gitT(t, dir, "", "rev-parse", "HEAD^{tree}"),
				"blob":    gitT(t, dir, "", "rev-parse", "HEAD:a"),
				"tag":     gitT(t, dir, "", "rev-parse", "v1"),
				"missing": strings.Repeat("5", 40),
			}
			if how != "intact" {
				objdamage.Loose(t, dir, ids["commit"], how)
			}
			repo, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer repo.Close()
			for kind, id := range ids {
				want, ok := oracle(t, dir, "rev-parse", "--verify", "--quiet", id+"^{commit}")
				got, err := repo.PeelToCommit(id)
				var de *DamagedError
				switch {
				case kind == "commit" && how != "intact" && how != "missing":
					// git fails, or takes the commit for none; either way
					// the damage is named.
					if !errors.As(err, &de) || !errors.Is(err, aos.ErrDamaged) || de.ID != id {
						t.Errorf("a %s commit: PeelToCommit says %q, %v, not a DamagedError naming it", how, got, err)
					}
				default:
					sameAsGit(t, kind+": PeelToCommit", got, err, want, ok)
				}
			}
		})
	}
}

// TestLocateKeepsOnlyGitDirs checks the locations locate keeps: a git
// directory's, asked again, is the same; a directory in a working tree is
// asked of git each time, so a repository made in it later is found.
func TestLocateKeepsOnlyGitDirs(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	outer := filepath.Join(tmp, "outer")
	gitT(t, tmp, "", "init", "-q", "-b", "main", outer)
	sub := filepath.Join(outer, "sub")
	os.MkdirAll(sub, 0o755)
	bare := filepath.Join(tmp, "srv.git")
	gitT(t, tmp, "", "init", "-q", "--bare", bare)
	for range 2 {
		l, err := locate(bare)
		if err != nil || l.gitDir != bare || l.workTree != "" {
			t.Fatalf("locate(bare) = %+v, %v", l, err)
		}
		if _, kept := findKept(bare); !kept {
			t.Fatal("the bare repository's location was not kept")
		}
	}
	l, err := locate(sub)
	if err != nil || l.workTree != outer {
		t.Fatalf("locate(sub) = %+v, %v", l, err)
	}
	if _, kept := findKept(sub); kept {
		t.Fatal("a working tree's location was kept")
	}
	gitT(t, sub, "", "init", "-q", "-b", "main")
	if l, err := locate(sub); err != nil || l.workTree != sub {
		t.Fatalf("after git init in sub: locate(sub) = %+v, %v; want its own repository", l, err)
	}
}

// findKept reports whether locate keeps a location for dir, whatever the
// environment part of its key.
func findKept(dir string) (location, bool) {
	var out location
	found := false
	located.Range(func(k, v any) bool {
		if strings.SplitN(k.(string), "\x00", 2)[0] == dir {
			out, found = v.(location), true
			return false
		}
		return true
	})
	return out, found
}
