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
