package gitops

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/helper/mount"
	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/filesystem/dotgit"
)

// OpenHook opens the repository a hook runs in, dir, with the object
// directories git names to it in the environment getenv reads
// ([HookObjectDirs]); the quarantine holds the push being received.
func OpenHook(dir string, getenv func(string) string) (*Repo, error) {
	repo, err := OpenWithObjectDirs(dir, HookObjectDirs(dir, getenv))
	if err != nil {
		return nil, err
	}
	if q := HookObjectDirs(dir, func(k string) string {
		if k == "GIT_QUARANTINE_PATH" {
			return getenv(k)
		}
		return ""
	}); len(q) == 1 {
		repo.received = q[0]
	}
	return repo, nil
}

// HookObjectDirs returns the object directories, besides the repository's
// own, that git names to a hook in the environment getenv reads: the
// quarantine directory where receive-pack keeps a push's objects until
// the pre-receive hook accepts them (GIT_QUARANTINE_PATH,
// GIT_OBJECT_DIRECTORY) and GIT_ALTERNATE_OBJECT_DIRECTORIES. Relative
// directories are taken relative to dir, the directory git runs the hook
// in. Duplicates are dropped, order is kept.
func HookObjectDirs(dir string, getenv func(string) string) []string {
	var dirs []string
	seen := map[string]bool{}
	add := func(p string) {
		p = strings.TrimSpace(p)
		if p == "" {
			return
		}
		if strings.HasPrefix(p, `"`) {
			// git quotes an alternate that holds a colon or quote;
			// such paths are not supported: they are skipped, and
			// an object found only there is reported missing.
			return
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		p = filepath.Clean(p)
		if !seen[p] {
			seen[p] = true
			dirs = append(dirs, p)
		}
	}
	add(getenv("GIT_QUARANTINE_PATH"))
	add(getenv("GIT_OBJECT_DIRECTORY"))
	for _, p := range filepath.SplitList(getenv("GIT_ALTERNATE_OBJECT_DIRECTORIES")) {
		add(p)
	}
	return dirs
}

// OpenWithObjectDirs opens the repository containing dir as [Open] does,
// and reads objects from the extra object directories too (a directory
// laid out as .git/objects is: loose objects and pack/). Objects are looked
// up in the repository first, then in each extra directory in order. A
// pre-receive hook opens the repository this way with [HookObjectDirs], so
// that it sees a push's objects whether git kept them loose or as a pack.
// The repository's own object directory may be among dirs; it is skipped.
// Nothing is ever written to an extra directory.
func OpenWithObjectDirs(dir string, dirs []string) (*Repo, error) {
	// The git directory is git's answer, so that a bare repository (where
	// a hook runs, with GIT_DIR set) opens as well as a working tree.
	l, err := locate(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotRepository)
	}
	// The storages keep their pack files open, as [Open]'s does: go-git
	// otherwise opens a pack again for every object it reads from it.
	main := filesystem.NewStorageWithOptions(osfs.New(l.gitDir), cache.NewObjectLRUDefault(), storageOptions(true))
	repo := &Repo{GitDir: l.gitDir, WorkTree: l.workTree, store: main}
	own := filepath.Clean(filepath.Join(repo.GitDir, "objects"))
	if o, err := filepath.EvalSymlinks(own); err == nil {
		own = o
	}
	cs := &chainedStorage{Storage: main}
	var extra []string
	for _, d := range dirs {
		real := d
		if r, err := filepath.EvalSymlinks(d); err == nil {
			real = r
		}
		if real == own {
			continue
		}
		fi, err := os.Stat(d)
		if err != nil {
			return nil, fmt.Errorf("object directory %s: %w", d, err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("object directory %s is not a directory", d)
		}
		// The object storage reads "objects/..." below its root: mount
		// the directory there, over an empty in-memory root.
		fs := mountedFS{mount.New(memfs.New(), "objects", osfs.New(d))}
		dg := dotgit.NewWithOptions(fs, dotgit.Options{})
		cs.extra = append(cs.extra, filesystem.NewObjectStorageWithOptions(dg, cache.NewObjectLRUDefault(), storageOptions(true)))
		extra = append(extra, d)
	}
	var st storage.Storer = main
	if len(cs.extra) > 0 {
		st = cs
	}
	r, err := git.Open(st, nil)
	if err != nil {
		return nil, fmt.Errorf("open repository: %w", err)
	}
	repo.r, repo.store, repo.closer = r, st, cs
	repo.cat = &catFile{gitDir: l.gitDir, extra: extra}
	return repo, nil
}

// mountedFS is a mount with the methods dotgit needs of a
// filesystem and never calls on an object directory.
type mountedFS struct{ *mount.Mount }

func (mountedFS) Chroot(string) (billy.Filesystem, error) { return nil, billy.ErrNotSupported }
func (mountedFS) Root() string                            { return "" }
func (mountedFS) TempFile(string, string) (billy.File, error) {
	return nil, billy.ErrNotSupported
}

// chainedStorage is a repository's storage whose object lookups fall back
// to extra object directories. Writes go to the repository.
type chainedStorage struct {
	*filesystem.Storage
	extra []*filesystem.ObjectStorage
}

// Close closes the pack files every storage keeps open.
func (c *chainedStorage) Close() error {
	err := c.Storage.Close()
	for _, e := range c.extra {
		err = errors.Join(err, e.Close())
	}
	return err
}

func notFound(err error) bool { return errors.Is(err, plumbing.ErrObjectNotFound) }

func (s *chainedStorage) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	o, err := s.Storage.EncodedObject(t, h)
	for i := 0; i < len(s.extra) && notFound(err); i++ {
		o, err = s.extra[i].EncodedObject(t, h)
	}
	return o, err
}

func (s *chainedStorage) DeltaObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	o, err := s.Storage.DeltaObject(t, h)
	for i := 0; i < len(s.extra) && notFound(err); i++ {
		o, err = s.extra[i].DeltaObject(t, h)
	}
	return o, err
}

func (s *chainedStorage) HasEncodedObject(h plumbing.Hash) error {
	err := s.Storage.HasEncodedObject(h)
	for i := 0; i < len(s.extra) && notFound(err); i++ {
		err = s.extra[i].HasEncodedObject(h)
	}
	return err
}

func (s *chainedStorage) EncodedObjectSize(h plumbing.Hash) (int64, error) {
	n, err := s.Storage.EncodedObjectSize(h)
	for i := 0; i < len(s.extra) && notFound(err); i++ {
		n, err = s.extra[i].EncodedObjectSize(h)
	}
	return n, err
}

func (s *chainedStorage) HashesWithPrefix(prefix []byte) ([]plumbing.Hash, error) {
	out, err := s.Storage.HashesWithPrefix(prefix)
	if err != nil {
		return nil, err
	}
	for _, x := range s.extra {
		hs, err := x.HashesWithPrefix(prefix)
		if err != nil {
			return nil, err
		}
		out = append(out, hs...)
	}
	return out, nil
}

func (s *chainedStorage) IterEncodedObjects(t plumbing.ObjectType) (storer.EncodedObjectIter, error) {
	it, err := s.Storage.IterEncodedObjects(t)
	if err != nil {
		return nil, err
	}
	iters := []storer.EncodedObjectIter{it}
	for _, x := range s.extra {
		it, err := x.IterEncodedObjects(t)
		if err != nil {
			return nil, err
		}
		iters = append(iters, it)
	}
	return storer.NewMultiEncodedObjectIter(iters), nil
}
