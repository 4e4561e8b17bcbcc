package gitops

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// Refs returns the refs under the given prefixes (all refs when none is
// given) and the object each points at, as git for-each-ref lists them.
func (r *Repo) Refs(prefixes ...string) (map[string]string, error) {
	out, err := gitOutput(r.GitDir, append([]string{"for-each-ref", "--format=%(objectname) %(refname)"}, prefixes...)...)
	if err != nil {
		return nil, err
	}
	refs := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if id, ref, ok := strings.Cut(line, " "); ok {
			refs[ref] = id
		}
	}
	return refs, nil
}

// IsAncestor reports whether commit a is an ancestor of commit b (or b
// itself).
func (r *Repo) IsAncestor(a, b string) (bool, error) {
	cmd := exec.Command("git", "merge-base", "--is-ancestor", a, b)
	cmd.Dir = r.GitDir
	cmd.Env = gitEnv()
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ee) && ee.ExitCode() == 1:
		return false, nil
	}
	return false, fmt.Errorf("git merge-base --is-ancestor %.12s %.12s: %w", a, b, err)
}

// PeelToCommit returns the commit an object id names (a commit, or an
// annotated tag of one), or "" when it names no commit. A commit's id is
// answered without a git process: the commit is read, and so checked
// against its id, as git checks it.
func (r *Repo) PeelToCommit(id string) (string, error) {
	if len(id) != 2*len(plumbing.Hash{}) || !isObjectID(id) {
		return r.RefTarget(id)
	}
	h := plumbing.NewHash(id)
	o, err := r.store.EncodedObject(plumbing.AnyObject, h)
	switch {
	case errors.Is(err, plumbing.ErrObjectNotFound):
		return "", nil
	case err != nil:
		return "", objectError("object", h, err)
	case o.Type() != plumbing.CommitObject:
		// A tag is peeled by git; a tree or a blob names no commit.
		return r.RefTarget(id)
	}
	if _, err := r.readObject(plumbing.CommitObject, h); err != nil {
		return "", err
	}
	return id, nil
}

// RefTarget returns the commit a full ref name points at, or "" when the
// ref does not exist.
func (r *Repo) RefTarget(ref string) (string, error) {
	return r.gitMaybe("rev-parse", "--verify", "--quiet", ref+"^{commit}")
}

// gitMaybe runs a git query that exits 1 when what it asks for does not
// exist, and returns its output, or "" then.
func (r *Repo) gitMaybe(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = r.GitDir
	cmd.Env = gitEnv()
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 1 {
			return "", nil
		}
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// CurrentBranch returns the full ref of the checked-out branch, or "" for
// a detached HEAD. HEAD is read from its file, as git symbolic-ref reads
// it; anything but a branch ref or a commit id there is asked of git.
func (r *Repo) CurrentBranch() (string, error) {
	if b, err := os.ReadFile(filepath.Join(r.GitDir, "HEAD")); err == nil {
		head := strings.TrimSuffix(string(b), "\n")
		if ref, ok := strings.CutPrefix(head, "ref: "); ok && plainBranchRef(ref) {
			return ref, nil
		}
		if isObjectID(head) {
			return "", nil
		}
	}
	return r.gitMaybe("symbolic-ref", "--quiet", "HEAD")
}

// BranchRef returns the full ref of branch name rev ("main",
// "refs/heads/main", "aos/x"), or "" when rev names no local branch.
func (r *Repo) BranchRef(rev string) (string, error) {
	if rev == "HEAD" {
		return r.CurrentBranch()
	}
	ref := rev
	if !strings.HasPrefix(ref, "refs/heads/") {
		ref = "refs/heads/" + rev
	}
	t, err := r.RefTarget(ref)
	if err != nil || t == "" {
		return "", err
	}
	return ref, nil
}

// IsShallow reports whether the repository is a shallow clone.
func (r *Repo) IsShallow() bool {
	out, err := gitOutput(r.GitDir, "rev-parse", "--is-shallow-repository")
	return err == nil && out == "true"
}

// SetConfig sets a variable of the repository's own configuration (git
// config --local).
func (r *Repo) SetConfig(key, value string) error {
	_, err := gitOutput(r.GitDir, "config", "--local", key, value)
	return err
}

// ConfigPath returns the value of a path-valued git configuration key of
// the repository (git config --path), or "" when it is not set.
func (r *Repo) ConfigPath(key string) (string, error) {
	return r.gitMaybe("config", "--path", "--get", key)
}

// plainBranchRef reports whether ref is a branch ref of the plainest
// shape, one that git takes as it is written: refs/heads/ and words of
// letters, digits, '.', '_' and '-' between single slashes, none of them
// starting with '.' or ending with ".lock". Anything else is left to git.
func plainBranchRef(ref string) bool {
	name, ok := strings.CutPrefix(ref, "refs/heads/")
	if !ok || name == "" {
		return false
	}
	for _, w := range strings.Split(name, "/") {
		if w == "" || w[0] == '.' || strings.HasSuffix(w, ".lock") || strings.HasSuffix(w, ".") {
			return false
		}
		for i := 0; i < len(w); i++ {
			if c := w[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
				return false
			}
		}
		if strings.Contains(w, "..") {
			return false
		}
	}
	return true
}
