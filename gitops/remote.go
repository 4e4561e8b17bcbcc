package gitops

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// RemoteURL returns the URL a remote fetches from.
func (r *Repo) RemoteURL(remote string) (string, error) {
	return gitOutput(r.GitDir, "remote", "get-url", "--", remote)
}

// MergeBase returns the best common ancestor of two commits, or "" when
// they have none (or the clone is too shallow to find it).
func (r *Repo) MergeBase(a, b string) (string, error) {
	return r.gitMaybe("merge-base", a, b)
}

// ShallowCommits returns the commits of a shallow clone whose parents
// were not fetched (the shallow file); nil for a complete clone.
func (r *Repo) ShallowCommits() (map[string]bool, error) {
	p, err := gitOutput(r.GitDir, "rev-parse", "--path-format=absolute", "--git-path", "shallow")
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if id := strings.TrimSpace(sc.Text()); id != "" {
			out[id] = true
		}
	}
	return out, sc.Err()
}

// PushOptions configure [Repo.Push].
type PushOptions struct {
	Remote string
	// Refspecs are SRC:DST pairs.
	Refspecs []string
	// Leases are "REF:EXPECTED" pairs: the push is refused unless the
	// remote's REF is at EXPECTED (--force-with-lease), a compare and
	// swap on the server.
	Leases []string
	// Config are key, value pairs of settings for this push only, given
	// in the environment (GIT_CONFIG_COUNT), not on the command line,
	// where other processes could read a credential.
	Config []string
}

// ConfigForURL returns the value of a URL-specific setting (such as
// http.extraheader) that git would use for url, or "".
func (r *Repo) ConfigForURL(key, url string) (string, error) {
	return r.gitMaybe("config", "--get-urlmatch", key, url)
}

// Push runs git push, atomically when it updates several refs, and
// returns git's error output in the error.
func (r *Repo) Push(ctx context.Context, o PushOptions) error {
	args := []string{"push", "--porcelain", "--atomic"}
	for _, l := range o.Leases {
		args = append(args, "--force-with-lease="+l)
	}
	args = append(append(args, "--", o.Remote), o.Refspecs...)
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = r.GitDir
	cmd.Env = append(gitEnv(), "GIT_TERMINAL_PROMPT=0")
	if n := len(o.Config) / 2; n > 0 {
		cmd.Env = append(cmd.Env, fmt.Sprintf("GIT_CONFIG_COUNT=%d", n))
		for i := 0; i < n; i++ {
			cmd.Env = append(cmd.Env, fmt.Sprintf("GIT_CONFIG_KEY_%d=%s", i, o.Config[2*i]), fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", i, o.Config[2*i+1]))
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String() + "\n" + string(out))
		return fmt.Errorf("git push %s %s: %w: %s", o.Remote, strings.Join(o.Refspecs, " "), err, msg)
	}
	return nil
}

// SymbolicRef returns the ref a symbolic ref points at ("refs/remotes/
// origin/HEAD" → "refs/remotes/origin/main"), or "".
func (r *Repo) SymbolicRef(ref string) (string, error) {
	return r.gitMaybe("symbolic-ref", "--quiet", ref)
}
