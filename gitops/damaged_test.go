package gitops

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/internal/objdamage"
	"github.com/go-git/go-git/v5/plumbing"
)

// TestDamagedBlobsThroughGit damages loose blobs of a repository whose
// reads go through the cat-file process, in each way a disk or a person
// does, and checks that ReadBlob, ReadBlobs and BlobSize name the blob as
// damaged or missing ([DamagedError], matching [aos.ErrDamaged]) and never
// serve its bytes: git's cat-file serves a loose object's content without
// checking it against its id. The damaged blob is small, or large
// enough to be hashed as it is read (hashAhead).
// damages are the cases of TestDamagedBlobsThroughGit: each way of
// damage, to a small blob and to a large one.
func damages() (out []struct {
	name, how string
	large     bool
}) {
	for _, how := range objdamage.Ways {
		for _, large := range []bool{false, true} {
			name := how
			if large {
				name += "/large"
			}
			out = append(out, struct {
				name, how string
				large     bool
			}{name, how, large})
		}
	}
	return out
}

func TestDamagedBlobsThroughGit(t *testing.T) {
	t.Parallel()
	for _, tc := range damages() {
		how := tc.how
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			src := filepath.Join(tmp, "src")
			gitT(t, tmp, "", "init", "-q", "-b", "main", src)
			const n = 2 * batchAfter
			for i := 0; i < n; i++ {
				os.WriteFile(filepath.Join(src, fmt.Sprintf("f%02d", i)), []byte(strings.Repeat(fmt.Sprintf("file %d\n", i), 50)), 0o644)
			}
			if tc.large {
				os.WriteFile(filepath.Join(src, "f07"), []byte(strings.Repeat("a large file\n", 3*hashAhead/13)), 0o644)
			}
			repo, tree, files := commitAll(t, src)
			// The working tree would serve the blobs in git's place.
			dropWorktree(t, src)
			tip := gitT(t, src, "", "rev-parse", "HEAD")
			victim := gitT(t, src, "", "rev-parse", "HEAD:f07")
			var hashes []string
			for p, e := range files {
				if p != "f07" {
					// Start the process, past the reads go-git serves.
					if _, err := repo.ReadBlob(e.Hash); err != nil {
						t.Fatal(err)
					}
				}
				hashes = append(hashes, e.Hash)
			}
			if repo.cat.cmd == nil {
				t.Fatal("no cat-file process after more than batchAfter reads")
			}
			objdamage.Loose(t, src, victim, how)

			check := func(what string, err error) {
				t.Helper()
				var de *DamagedError
				switch {
				case err == nil:
					t.Errorf("%s of a %s blob: no error", what, how)
				case !errors.As(err, &de) || !errors.Is(err, aos.ErrDamaged):
					t.Errorf("%s of a %s blob: %v, not a DamagedError", what, how, err)
				case de.ID != victim || de.Kind != "blob":
					t.Errorf("%s: the error names %s %s, not blob %s", what, de.Kind, de.ID, victim)
				case de.Missing != (how == "missing"):
					t.Errorf("%s: Missing is %v for a %s blob: %v", what, de.Missing, how, err)
				}
			}
			_, err := repo.ReadBlob(victim)
			check("ReadBlob", err)
			served := 0
			err = tree.ReadBlobs(hashes, func(h string, data []byte) error {
				if h == victim {
					t.Errorf("ReadBlobs served the %s blob", how)
				}
				served++
				return nil
			})
			check("ReadBlobs", err)
			tree2, err := repo.CommitTree(tip)
			if err != nil {
				t.Fatal(err)
			}
			// A size is what the object's header says (git cat-file -s);
			// a blob whose header is intact is named when it is read.
			if how != "swapped" {
				_, err = tree2.BlobSize(victim)
				check("BlobSize", err)
			}
			// The other blobs are still served, and right.
			for _, h := range hashes {
				if h == victim {
					continue
				}
				data, err := repo.ReadBlob(h)
				if err != nil {
					t.Fatalf("ReadBlob of an intact blob after the damage: %v", err)
				}
				if got := objectID(plumbing.BlobObject, data).String(); got != h {
					t.Fatalf("ReadBlob %s served content hashing to %s", h, got)
				}
			}
		})
	}
}
