package gitops

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
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
// annotated tag of one), or "" when it names no commit.
func (r *Repo) PeelToCommit(id string) (string, error) {
	return r.RefTarget(id)
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
// a detached HEAD.
func (r *Repo) CurrentBranch() (string, error) {
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
