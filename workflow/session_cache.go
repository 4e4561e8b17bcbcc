package workflow

// The blobs of a session's base, kept in memory once read.

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
)

// maxCachedBlobs bounds the bytes of base contents a session keeps.
const maxCachedBlobs = 256 << 20

// blobCache is a base whose blobs, once read, stay in memory up to max
// bytes: a session reads and searches the same tree again and again.
// Blobs are named by their content, so a kept one is never stale.
type blobCache struct {
	engine.Base
	max  int
	mu   sync.Mutex
	n    int
	data map[string][]byte
}

// maxWarmBlob is the largest blob warm reads ahead.
const maxWarmBlob = 1 << 20

// warm reads ahead the visible files of base up to the cache's budget, in
// path order, so that a session's first search does not wait for the
// pack: agents look around before they change anything. It reads through
// a repository of its own, since go-git's storage is not to be shared
// between goroutines, and stops when ctx ends.
func (c *blobCache) warm(ctx context.Context, dir, commit string, lm *LoadedManifest) {
	repo, err := gitops.Open(dir)
	if err != nil {
		return
	}
	defer repo.Close()
	base, err := repo.CommitTree(commit)
	if err != nil {
		return
	}
	files, err := base.Files()
	if err != nil {
		return
	}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		e := files[p]
		if ctx.Err() != nil || (e.Mode != aos.ModeFile && e.Mode != aos.ModeExecutable) || !lm.Rules.Visible(p) {
			continue
		}
		c.mu.Lock()
		_, have := c.data[e.Hash]
		full := c.n >= c.max
		c.mu.Unlock()
		if full {
			return
		}
		if have {
			continue
		}
		if n, err := base.BlobSize(e.Hash); err != nil || n > maxWarmBlob {
			continue
		}
		b, err := base.ReadBlob(e.Hash)
		if err != nil {
			return
		}
		c.keep(e.Hash, b)
	}
}

// keep adds blob b to the cache when it fits.
func (c *blobCache) keep(hash string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.data[hash]; !ok && c.n+len(b) <= c.max {
		c.data[hash] = b
		c.n += len(b)
	}
}

func (c *blobCache) ReadBlob(hash string) ([]byte, error) {
	c.mu.Lock()
	b, ok := c.data[hash]
	c.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := c.Base.ReadBlob(hash)
	if err != nil {
		return nil, err
	}
	c.keep(hash, b)
	return b, nil
}
