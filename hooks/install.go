package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/workflow"
)

// Marker marks a pre-receive script written by [Install].
const Marker = "# git-aos pre-receive hook"

// DefaultBudget is the time a push may take before the hook rejects it:
// it leaves room under the 5 s that GitHub Enterprise Server gives all
// hooks of a repository together.
const DefaultBudget = 4500 * time.Millisecond

// InstallOptions configure [Install].
type InstallOptions struct {
	// Repo is the repository (bare, on the server) whose hook is
	// written.
	Repo string
	// Binary is the git-aos executable the hook runs; "" is this one.
	// Symlinks are resolved: the hook names the file itself.
	Binary string
	// Policy, UserEnv, RefPrefixes and Budget are written into the hook
	// as its flags (see [HookOptions]); RefPrefixes nil and Budget 0
	// leave the defaults.
	Policy      string
	UserEnv     string
	RefPrefixes []string
	Budget      time.Duration
	// Force replaces a pre-receive or post-receive hook that git-aos did
	// not write.
	Force bool
	// RerunJobs is written into the hooks as --rerun-jobs: the jobs of
	// result commits that no signature or runner login vouches for run
	// again (docs/spec.md 11.1).
	RerunJobs bool
	// AllowedSigners is an OpenSSH allowed_signers file, checked and
	// copied to <git dir>/aos/allowed_signers; "" keeps the installed one.
	AllowedSigners string
	// RevokedSigners is a file of revoked public keys or a KRL, copied to
	// <git dir>/aos/revoked_signers; "" keeps the installed one.
	RevokedSigners string
	// AllowHostJobs is written into the hooks as --allow-host-jobs: the
	// runner and --rerun-jobs run the jobs of a manifest whose
	// environment.type is host, unsandboxed on the server.
	AllowHostJobs bool
	// RunnerKey is the SSH private key the post-receive runner signs
	// results with (docs/spec.md 11.2); its public key is added to the
	// installed allowed signers as RunnerPrincipal. "" installs no
	// runner.
	RunnerKey string
}

// RunnerPrincipal is the principal of the runner's key in the installed
// allowed signers.
const RunnerPrincipal = "git-aos-runner"

// idleScript ends the post-receive script of a hook without a runner when
// the pre-receive hook of the push left an idle mark (handoff.go): the
// push has nothing to note, and git-aos is not started for it. The mark
// names the push's handoff, which goes with it.
const idleScript = `idle="${GIT_DIR:-.}/aos/handoff/idle-$PPID"
if [ -f "$idle" ] && read -r name <"$idle"; then
	case $name in
	*[!0-9a-fjson.]*) ;;
	?*.json) rm -f "$idle" "${GIT_DIR:-.}/aos/handoff/$name"; exit 0 ;;
	esac
fi
`

// PostReceiveMarker marks a post-receive script written by [Install].
const PostReceiveMarker = "# git-aos post-receive hook"

// Installed is what [Install] did.
type Installed struct {
	// Hook is the path of the pre-receive script.
	Hook string
	// Warm is the compilation cache [workflow.WarmCache] filled.
	Warm *workflow.WarmResult
	// Unborn names the default branch when it has no commit yet: until
	// it holds a manifest, every push is rejected.
	Unborn string
	// FsckObjects reports that receive.fsckObjects was set to true, so
	// that git refuses objects it would not write before the hook runs.
	FsckObjects bool
	// UserEnv is the variable the hook reads the pusher's login from, or
	// "" for the first of IdentityEnv that is set.
	UserEnv string
	// Server is the git server the repository's place suggests
	// ([ServerGitea], ...), or "" when it says nothing.
	Server string
	// PostReceive is the path of the post-receive script, or "" when a
	// post-receive hook git-aos did not write was kept (PostReceiveKept).
	PostReceive     string
	PostReceiveKept string
	// Signers is the installed allowed signers file, and SignerKeys the
	// keys it lists, by principal; "" and nil when there is none.
	Signers    string
	SignerKeys []SignerKey
	// Revoked is the installed revocation file, or "".
	Revoked string
	// Runner is the runner key's public key, when one is installed.
	Runner *SignerKey
}

// The servers [Install] recognises by where their repositories live, and
// the variable each sets to the pusher's login.
const (
	ServerGitHub   = "GitHub Enterprise Server" // GITHUB_USER_LOGIN
	ServerGitLab   = "GitLab"                   // GL_USERNAME
	ServerGitea    = "Gitea or Forgejo"         // GITEA_PUSHER_NAME
	ServerGitolite = "Gitolite"                 // GL_USER
)

// ServerUserEnv is the variable a recognised server sets to the pusher's
// login.
var ServerUserEnv = map[string]string{
	ServerGitHub:   "GITHUB_USER_LOGIN",
	ServerGitLab:   "GL_USERNAME",
	ServerGitea:    "GITEA_PUSHER_NAME",
	ServerGitolite: "GL_USER",
}

// IdentityKnown reports whether the hook will know who pushes: --user-env
// names the variable, or the server is one that sets a variable of
// IdentityEnv. Otherwise a server that sets none (ssh, git daemon, one
// that sets another) has every push judged as an agent's.
func (in *Installed) IdentityKnown() bool {
	if in.UserEnv != "" {
		return true
	}
	v := ServerUserEnv[in.Server]
	for _, n := range IdentityEnv {
		if v == n {
			return true
		}
	}
	return false
}

// guessServer says which git server keeps its repositories where gitDir
// is, from the marks each leaves: "" when none.
func guessServer(gitDir string) string {
	slash := filepath.ToSlash(gitDir)
	has := func(name string) bool { _, err := os.Stat(filepath.Join(gitDir, name)); return err == nil }
	switch {
	case strings.Contains(slash, "/data/user/repositories/"):
		return ServerGitHub
	case strings.Contains(slash, "/@hashed/") || strings.Contains(slash, "/gitlab/") || strings.Contains(slash, "/git-data/repositories/"):
		return ServerGitLab
	case strings.Contains(slash, "/gitea-repositories/") || strings.Contains(slash, "/forgejo-repositories/") || has("hooks/pre-receive.d"):
		return ServerGitea
	case has("gl-conf") || strings.Contains(slash, "/gitolite/") || has("hooks/gitolite-admin"):
		return ServerGitolite
	}
	return ""
}

// openBare opens the bare repository dir names, as a server keeps it: a
// missing path, a file, a directory that is no repository (or only inside
// one) and a working tree's repository are refused, each naming dir and
// what to give instead (exit 2: dir names nothing the hook can gate).
func openBare(dir string) (*gitops.Repo, error) {
	hint := "name the bare repository the server serves, such as /srv/git/site.git (git init --bare makes one; git clone --bare copies one)"
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return nil, aos.Usage(aos.WithHint(fmt.Errorf("hook install: --repo %s: %w", dir, errors.Unwrap(err)), hint))
	case !fi.IsDir():
		return nil, aos.Usage(aos.WithHint(fmt.Errorf("hook install: --repo %s is not a directory", dir), hint))
	}
	repo, err := gitops.OpenWithObjectDirs(dir, nil)
	if errors.Is(err, gitops.ErrNotRepository) {
		return nil, aos.Usage(aos.WithHint(fmt.Errorf("hook install: --repo %s is not a git repository", dir), hint))
	}
	if err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(dir)
	if a, err := filepath.EvalSymlinks(abs); err == nil {
		abs = a
	}
	gitDir := repo.GitDir
	if g, err := filepath.EvalSymlinks(gitDir); err == nil {
		gitDir = g
	}
	switch {
	case repo.WorkTree != "":
		repo.Close()
		return nil, aos.Usage(aos.WithHint(fmt.Errorf("hook install: --repo %s is a working tree's repository, not a bare one: pushes to a server reach its bare repository, whose hook judges them", dir), hint))
	case gitDir != abs:
		repo.Close()
		return nil, aos.Usage(aos.WithHint(fmt.Errorf("hook install: --repo %s is not a repository but a directory inside %s", dir, repo.GitDir), "name the repository itself: --repo "+repo.GitDir))
	}
	return repo, nil
}

// SignerKey is a key of the allowed signers.
type SignerKey struct {
	Principals  string
	Fingerprint string
}

// Install writes the pre-receive hook of a repository: a script that runs
// git-aos, by its absolute path, as "git-aos hook pre-receive" with the
// options' flags (docs/hooks.md). The script is written to a temporary
// file renamed into place, so git never runs half of one. An existing
// hook that git-aos did not write is kept unless Force is set. The
// validator modules of the default branch's manifest are compiled first,
// so that no push pays for it: when that fails (an unreadable manifest, a
// cache directory other users can write, a full disk), Install returns
// the error and writes no hook, since the hook would fail the same way.
// It sets receive.fsckObjects, so that git refuses non-canonical objects
// before the hook runs.
func Install(ctx context.Context, opts InstallOptions) (*Installed, error) {
	repo, err := openBare(opts.Repo)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	bin := opts.Binary
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("find the git-aos binary: %w", err)
		}
	}
	if b, err := filepath.EvalSymlinks(bin); err == nil {
		bin = b
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return nil, err
	}
	budget := opts.Budget
	if budget == 0 {
		budget = DefaultBudget
	}
	if budget < 0 {
		return nil, fmt.Errorf("the time budget must be positive, got %s", budget)
	}
	// common are the flags of both hooks; the pre-receive hook has its
	// budget and ref namespaces too.
	var common []string
	if opts.Policy != "" {
		p, err := filepath.Abs(opts.Policy)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		common = append(common, "--policy", shellQuote(p))
	}
	if opts.UserEnv != "" {
		common = append(common, "--user-env", shellQuote(opts.UserEnv))
	}
	if opts.RerunJobs {
		common = append(common, "--rerun-jobs")
	}
	if opts.AllowHostJobs {
		common = append(common, "--allow-host-jobs")
	}
	args := append([]string{shellQuote(bin), "hook", "pre-receive", "--budget", budget.String()}, common...)
	if opts.RefPrefixes != nil {
		args = append(args, "--refs", shellQuote(strings.Join(opts.RefPrefixes, ",")))
	}
	runnerKey := ""
	if opts.RunnerKey != "" {
		if runnerKey, err = filepath.Abs(opts.RunnerKey); err != nil {
			return nil, err
		}
		if err := keyOutside(runnerKey, repo.GitDir); err != nil {
			return nil, err
		}
	}
	script := "#!/bin/sh\n" + Marker + ", written by git aos hook install; see docs/hooks.md.\n" +
		"exec " + strings.Join(args, " ") + "\n"
	post := append([]string{shellQuote(bin), "hook", "post-receive"}, common...)
	if runnerKey != "" {
		post = append(post, "--runner-key", shellQuote(runnerKey))
	}
	postScript := "#!/bin/sh\n" + PostReceiveMarker + ", written by git aos hook install; see docs/hooks.md.\n"
	if runnerKey == "" {
		postScript += idleScript
	}
	postScript += "exec " + strings.Join(post, " ") + "\n"
	dir := filepath.Join(repo.GitDir, "hooks")
	out := &Installed{Hook: filepath.Join(dir, "pre-receive")}
	if old, err := os.ReadFile(out.Hook); err == nil && !bytes.Contains(old, []byte(Marker)) && !opts.Force {
		return nil, aos.WithHint(fmt.Errorf("%s exists and was not written by git-aos", out.Hook),
			"chain it from a new hook, or replace it with --force")
	}
	postPath := filepath.Join(dir, "post-receive")
	keepPost := false
	if old, err := os.ReadFile(postPath); err == nil && !bytes.Contains(old, []byte(PostReceiveMarker)) && !opts.Force {
		if runnerKey != "" {
			return nil, aos.WithHint(fmt.Errorf("%s exists and was not written by git-aos, and the runner needs it", postPath),
				"chain git-aos hook post-receive from it, or replace it with --force")
		}
		keepPost = true
	}
	// The cache is warmed before anything is written: a failure writes
	// no hook, since every push would fail the same way.
	if out.Warm, err = workflow.WarmCache(ctx, workflow.WarmOptions{Dir: repo.GitDir}); err != nil {
		return nil, aos.WithHint(fmt.Errorf("warm the compilation cache of validator modules: %w; the hook is not installed", err),
			"fix what the error names and install again: every push would fail the same way")
	}
	// The trust files first: a hook never runs with half of them.
	if err := installSigners(repo.GitDir, opts, runnerKey, out); err != nil {
		return nil, err
	}
	// git checks every pushed object as git fsck --strict does before
	// the hook runs: trees with a name twice or unsorted entries never
	// reach the repository (docs/hooks.md, "Objects").
	if err := repo.SetConfig("receive.fsckObjects", "true"); err != nil {
		return nil, err
	}
	out.FsckObjects = true
	if err := writeExecutable(dir, "pre-receive", script); err != nil {
		return nil, err
	}
	if keepPost {
		out.PostReceiveKept = postPath
	} else {
		if err := writeExecutable(dir, "post-receive", postScript); err != nil {
			return nil, err
		}
		out.PostReceive = postPath
	}
	out.UserEnv, out.Server = opts.UserEnv, guessServer(repo.GitDir)
	if def, err := repo.CurrentBranch(); err == nil && def != "" {
		if tip, err := repo.RefTarget(def); err == nil && tip == "" {
			out.Unborn = strings.TrimPrefix(def, "refs/heads/")
		}
	}
	return out, nil
}

// writeExecutable writes an executable file into dir atomically.
func writeExecutable(dir, name, content string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+name+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o755); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
