package gitops

import (
	"errors"
	"fmt"
	"strings"

	"github.com/architectos/aos"
)

// Notes returns the notes under a notes ref (refs/notes/...), as blob ids
// by the commit each annotates, or none when the ref does not exist.
// Flat trees and git's fan-out directories (ab/cdef...) are both read.
func (r *Repo) Notes(ref string) (map[string]string, error) {
	tip, err := r.RefTarget(ref)
	if err != nil || tip == "" {
		return map[string]string{}, err
	}
	t, err := r.CommitTree(tip)
	if err != nil {
		return nil, err
	}
	files, err := t.Files()
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(files))
	for p, e := range files {
		if id := strings.ReplaceAll(p, "/", ""); isHexID(id) {
			out[id] = e.Hash
		}
	}
	return out, nil
}

// Note returns the note on commit under a notes ref; ok is false when it
// has none.
func (r *Repo) Note(ref, commit string) (text string, ok bool, err error) {
	notes, err := r.Notes(ref)
	if err != nil {
		return "", false, err
	}
	h, ok := notes[commit]
	if !ok {
		return "", false, nil
	}
	b, err := r.ReadBlob(h)
	if err != nil {
		return "", false, err
	}
	return string(b), true, nil
}

// SetNote sets the note on commit under a notes ref to what update makes
// of the note it has ("" when none), as one commit on the notes ref moved
// by compare-and-swap: a writer that races another reads the new note and
// tries again. Notes are written flat, one entry per commit id, replacing
// a fan-out entry for the same commit. who is the notes commit's author
// and committer.
func (r *Repo) SetNote(ref, commit string, who Ident, msg string, update func(old string) string) error {
	if !isHexID(commit) {
		return fmt.Errorf("note on %q: not a commit id", commit)
	}
	for attempt := 0; ; attempt++ {
		tip, err := r.RefTarget(ref)
		if err != nil {
			return err
		}
		base, old, oldPath := "", "", ""
		if tip != "" {
			t, err := r.CommitTree(tip)
			if err != nil {
				return err
			}
			base = t.Root()
			files, err := t.Files()
			if err != nil {
				return err
			}
			for p, e := range files {
				if strings.ReplaceAll(p, "/", "") == commit {
					b, err := r.ReadBlob(e.Hash)
					if err != nil {
						return err
					}
					old, oldPath = string(b), p
				}
			}
		}
		text := update(old)
		changes := []TreeChange{{Path: commit, Mode: aos.ModeFile, Data: []byte(text)}}
		if oldPath != "" && oldPath != commit {
			changes = append(changes, TreeChange{Path: oldPath})
		}
		tree, err := r.BuildTree(base, changes, r)
		if err != nil {
			return err
		}
		c := NewCommit{Tree: tree, Author: who, Committer: who, Message: msg}
		oldTip := ZeroID
		if tip != "" {
			c.Parents, oldTip = []string{tip}, tip
		}
		id, err := r.WriteCommit(c, r)
		if err != nil {
			return err
		}
		err = r.UpdateRefs(msg, RefUpdate{Ref: ref, Old: oldTip, New: id})
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrRefMoved) || attempt >= 20 {
			return fmt.Errorf("note on %.12s: %w", commit, err)
		}
	}
}
