package engine

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/architectos/aos"
)

// PathChange is a path one directive changed, compared with the staged
// tree before it (docs/spec.md 14.2): its status and, unless deleted, its
// new mode, size and blob id.
type PathChange struct {
	Path   string           `json:"path"`
	Status aos.ChangeStatus `json:"status"`
	Mode   string           `json:"mode,omitempty"`
	Size   int64            `json:"size,omitempty"`
	Blob   string           `json:"blob,omitempty"`
}

// stepChange is a path one directive changed: the file there before it
// and after it (nil for none).
type stepChange struct {
	path          string
	before, after *file
}

// journaled returns the paths the journal holds with their files before
// and after, sorted. It hashes nothing: what a directive changed is
// recorded as it ends, and described (changes) only for the replies
// someone reads, since describing a file takes its blob id, which costs
// its size: n appends to one file would hash it n times.
func (s *State) journaled() []stepChange {
	if len(s.journal) == 0 {
		return nil
	}
	out := make([]stepChange, 0, len(s.journal))
	for p, before := range s.journal {
		now := s.files[p]
		if now == nil && before == nil {
			continue
		}
		out = append(out, stepChange{p, before, now})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// changes describes what journaled recorded, with how each path changed;
// content written back unchanged is not a change. The files recorded are
// never changed in place, so this answers the same at any later time.
func (s *State) changes(cs []stepChange) []PathChange {
	var out []PathChange
	for _, c := range cs {
		now, before := c.after, c.before
		if now == nil {
			out = append(out, PathChange{Path: c.path, Status: aos.StatusDeleted})
			continue
		}
		if before != nil && before.mode == now.mode && sameContent(before, now) {
			continue
		}
		blob := now.hash
		if now.changed {
			blob = BlobID(now.data)
		}
		size := int64(len(now.data))
		if !now.changed {
			size, _ = s.baseSize(c.path, now.hash)
		}
		pc := PathChange{Path: c.path, Status: aos.StatusAdded, Mode: fmt.Sprintf("%o", now.mode), Size: size, Blob: blob}
		if before != nil {
			pc.Status = aos.StatusModified
		}
		out = append(out, pc)
	}
	return out
}

// sameContent reports whether a and b hold the same content, hashing at
// most the one whose content is staged, and only when the other is a
// base blob.
func sameContent(a, b *file) bool {
	switch {
	case a == b:
		return true
	case a.changed && b.changed:
		return bytes.Equal(a.data, b.data)
	case !a.changed && !b.changed:
		return a.hash == b.hash
	case a.changed:
		return BlobID(a.data) == b.hash
	}
	return BlobID(b.data) == a.hash
}
