package gitops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrIsRepository means [InitCommit] was given a directory that is a git
// repository already.
var ErrIsRepository = errors.New("is a git repository already")

// InitCommit makes the directory dir a git repository on branch, commits
// every file it holds (as git add -A sees them) with message, and returns
// the commit. The commit's author and committer are git's configured
// identity, or "git-aos <git-aos@localhost>" where none is configured.
func InitCommit(ctx context.Context, dir, branch, message string) (string, error) {
	if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
		return "", fmt.Errorf("%s %w", dir, ErrIsRepository)
	}
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		cmd.Env = gitEnv()
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("git %s: %w: %s", args[0], err, strings.TrimSpace(errOut.String()))
		}
		return strings.TrimSpace(out.String()), nil
	}
	if _, err := run("init", "-q", "-b", branch); err != nil {
		return "", err
	}
	ident := []string{}
	if name, _ := run("config", "user.name"); name == "" {
		ident = append(ident, "-c", "user.name=git-aos")
	}
	if email, _ := run("config", "user.email"); email == "" {
		ident = append(ident, "-c", "user.email=git-aos@localhost")
	}
	if _, err := run("add", "-A"); err != nil {
		return "", err
	}
	if _, err := run(append(ident, "commit", "-q", "--no-verify", "-m", message)...); err != nil {
		return "", err
	}
	return run("rev-parse", "HEAD")
}
