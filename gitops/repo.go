// Package gitops reads and writes git repositories: it resolves revisions,
// serves trees to the engine, writes staged results as git objects and
// moves refs atomically. It is the only importer of go-git: no go-git
// type appears in its API.
package gitops

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/architectos/aos/policy"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// ErrNotRepository means the directory is not inside a git repository.
var ErrNotRepository = errors.New("not a git repository")

// Repo is an open repository.
type Repo struct {
	r *git.Repository
	// GitDir is the repository's git directory; WorkTree is "" for a bare
	// repository.
	GitDir   string
	WorkTree string
	// CommonDir is the git directory shared by the repository's
	// worktrees (GitDir itself outside a linked worktree), when known.
	CommonDir string
	store     storer.EncodedObjectStorer
	closer    interface{ Close() error }
	cat       *catFile

	objs objCache // trees and commits read

	// received is the object directory of the push a pre-receive hook
	// judges (git's quarantine), or "" ([OpenHook]): a large blob in one
	// of its packs is not hashed again when it is streamed.
	received string
	recvOnce sync.Once
	recvIdx  []*idxfile.MemoryIndex

	objOnce sync.Once // objectsDir
	objDir  string
	objErr  error
}

// Close releases the files the repository keeps open, and the git
// process that reads its blobs.
func (r *Repo) Close() error {
	if r.cat != nil {
		r.cat.close()
	}
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}

// Open opens the repository containing dir.
func Open(dir string) (*Repo, error) {
	l, locErr := locate(dir)
	r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) && locErr == nil {
		// go-git looks for a .git directory only; git also knows bare
		// repositories (where server hooks run) and GIT_DIR.
		r, err = git.PlainOpen(l.gitDir)
	}
	if err != nil {
		if errors.Is(err, git.ErrRepositoryNotExists) {
			return nil, fmt.Errorf("%s: %w", dir, ErrNotRepository)
		}
		return nil, fmt.Errorf("open repository: %w", err)
	}
	if locErr != nil {
		return nil, fmt.Errorf("open repository: %w", locErr)
	}
	repo := &Repo{r: r, store: r.Storer, GitDir: l.gitDir, WorkTree: l.workTree}
	common := l.common
	repo.cat = &catFile{gitDir: repo.GitDir}
	// Blobs and trees are read through a storage that keeps pack files
	// open: go-git otherwise opens the pack again for every object.
	if common != "" {
		repo.CommonDir = common
		st := filesystem.NewStorageWithOptions(osfs.New(common), cache.NewObjectLRUDefault(), storageOptions(true))
		repo.store, repo.closer = st, st
	}
	return repo, nil
}

// largeObject is the size from which go-git reads an object from disk
// when its content is asked for, rather than inflating it into memory
// when it is looked up: the size of a blob is then known from its
// header, before anything judges whether to read it (a plan commit's
// plan is held to max_plan_kb before it is read).
const largeObject = 1 << 20

// location is where git finds the repository containing a directory:
// its git directory, the common one of its worktrees ("" if unknown) and
// its working tree ("" for a bare repository).
type location struct{ gitDir, common, workTree string }

// located keeps the locations of git directories themselves, by the
// directory and the GIT_ variables of the environment: a git directory
// has no working tree to move, and no repository nested in it is found
// from it, so the answer holds for the process (a hook opens its
// repository, and its validators' cache is found there again).
var located sync.Map

// locate returns where the repository containing dir is, in one git
// command when it can.
func locate(dir string) (location, error) {
	key := dir
	if abs, err := filepath.Abs(dir); err == nil {
		key = abs
	}
	for _, kv := range environ() {
		if strings.HasPrefix(kv, "GIT_") {
			key += "\x00" + kv
		}
	}
	if l, ok := located.Load(key); ok {
		return l.(location), nil
	}
	l, err := locateOnce(dir)
	if err == nil && l.workTree == "" && l.gitDir == filepath.Clean(strings.SplitN(key, "\x00", 2)[0]) {
		located.Store(key, l)
	}
	return l, err
}

func locateOnce(dir string) (location, error) {
	// One git command names the git directory, the common one of its
	// worktrees, and the working tree; outside a working tree (a bare
	// repository, where server hooks run) the last fails, after the
	// others were printed.
	out, gitErr := gitOutput(dir, "rev-parse", "--absolute-git-dir", "--path-format=absolute", "--git-common-dir", "--show-toplevel")
	var l location
	switch lines := strings.Split(out, "\n"); {
	case len(lines) == 3 && gitErr == nil:
		l = location{lines[0], lines[1], lines[2]}
	case len(lines) == 2 && gitErr != nil:
		l = location{gitDir: lines[0], common: lines[1]}
	default:
		// A path holding a newline, or no repository at all: ask again,
		// one question at a time.
		var err error
		if l.gitDir, err = gitOutput(dir, "rev-parse", "--absolute-git-dir"); err != nil {
			return location{}, err
		}
		l.common, _ = gitOutput(dir, "rev-parse", "--path-format=absolute", "--git-common-dir")
		l.workTree, _ = gitOutput(dir, "rev-parse", "--show-toplevel")
	}
	return l, nil
}

// storageOptions are the options of every object storage gitops opens.
func storageOptions(keepDescriptors bool) filesystem.Options {
	return filesystem.Options{KeepDescriptors: keepDescriptors, LargeObjectThreshold: largeObject}
}

// gitOutput runs git in dir and returns its trimmed output. When git
// fails, it returns what git printed until then, and the error.
func gitOutput(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return strings.TrimSpace(string(out)), fmt.Errorf("git %s: %s", strings.Join(args, " "), strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// ErrUnknownRevision means a revision names no ref and no object of the
// repository: the name is wrong, as opposed to a repository that is
// broken.
var ErrUnknownRevision = errors.New("unknown revision")

// unknownRevisionError is a revision that names nothing.
type unknownRevisionError string

func (e unknownRevisionError) Error() string        { return fmt.Sprintf("unknown revision %q", string(e)) }
func (e unknownRevisionError) Is(target error) bool { return target == ErrUnknownRevision }

// ErrNotCommit means a revision names an object that is no commit and
// does not peel to one (HEAD^{tree}, HEAD:file): the name is wrong.
var ErrNotCommit = errors.New("not a commit")

// Resolve returns the commit id a revision names, as git reads
// revisions. A revision that names nothing here is an error wrapping
// [ErrUnknownRevision], one that names a tree or a blob an error
// wrapping [ErrNotCommit]; one that names a commit the repository cannot
// read (missing, damaged, not hashing to its id) is a [DamagedError]
// naming that commit, not an unknown revision.
func (r *Repo) Resolve(rev string) (string, error) {
	if id, err := r.gitMaybe("rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}"); err == nil && plumbing.IsHash(id) {
		if err := r.checkCommit(plumbing.NewHash(id)); err != nil {
			return "", fmt.Errorf("resolve %q: %w", rev, err)
		}
		return id, nil
	}
	// No commit: rev names nothing, another kind of object, or an
	// object git cannot read, which git names without reading it.
	id, err := r.gitMaybe("rev-parse", "--verify", "--quiet", "--end-of-options", rev)
	if err != nil || !plumbing.IsHash(id) {
		return "", unknownRevisionError(rev)
	}
	h := plumbing.NewHash(id)
	if err := r.store.HasEncodedObject(h); errors.Is(err, plumbing.ErrObjectNotFound) && strings.EqualFold(id, rev) {
		// git takes a full object id at its word: one that names no
		// object was never a name of this repository.
		return "", unknownRevisionError(rev)
	}
	if o, err := r.store.EncodedObject(plumbing.AnyObject, h); err == nil && o.Type() != plumbing.CommitObject {
		return "", fmt.Errorf("%w: %q names a %s (%s)", ErrNotCommit, rev, o.Type(), id)
	}
	if err := r.checkCommit(h); err != nil {
		return "", fmt.Errorf("resolve %q: %w", rev, err)
	}
	return "", fmt.Errorf("%w: %q (%s) does not peel to a commit", ErrNotCommit, rev, id)
}

// checkCommit returns an error unless h is a commit that can be read: a
// [DamagedError] when the object is missing or damaged.
func (r *Repo) checkCommit(h plumbing.Hash) error {
	o, err := r.store.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return objectError("object", h, err)
	}
	if o.Type() != plumbing.CommitObject {
		return fmt.Errorf("%s is a %s, not a commit", h, o.Type())
	}
	_, err = r.readCommit(h.String())
	return err
}

// ErrNoManifest means a tree holds no manifest file.
var ErrNoManifest = errors.New("no manifest")

// FindManifestFile looks for the manifest in a directory on disk (a
// working tree) and returns its file path.
func FindManifestFile(dir string) (string, error) {
	for _, name := range policy.ManifestNames {
		p := filepath.Join(dir, name)
		if fileExists(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s has no manifest (looked for %s): %w", dir, strings.Join(policy.ManifestNames, ", "), ErrNoManifest)
}

// gitEnv is the environment git commands run with: the caller's, without
// settings that would let the repository's content or a replace ref change
// what is read.
func gitEnv() []string {
	return append(environ(), "GIT_NO_REPLACE_OBJECTS=1", "GIT_TERMINAL_PROMPT=0")
}

// GitDir returns the git directory of the repository containing dir,
// without opening it.
func GitDir(dir string) (string, error) {
	l, err := locate(dir)
	return l.gitDir, err
}
