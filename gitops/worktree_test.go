package gitops

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// dropWorktree removes the working tree's files, so that every blob is
// read from the object store.
func dropWorktree(t *testing.T, src string) {
	t.Helper()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != ".git" {
			if err := os.RemoveAll(filepath.Join(src, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestBlobsFromWorktree reads a tree's blobs while its working tree holds
// each kind of file a user or an attacker leaves at a blob's path: the
// file unchanged is read in place of the blob (its loose object is
// removed, so that only the working tree can serve it), and every other
// kind (changed with the same size or not, deleted, a directory, a FIFO
// that would block a read, a device, a symlink out of the working tree to
// the right content, a file turned to CRLF by checkout) is read from git.
// Contents, sizes and the order of ReadBlobs are git's own, whether the
// tree is sized first or not.
func TestBlobsFromWorktree(t *testing.T) {
	t.Parallel()
	for _, sizedFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("sized=%v", sizedFirst), func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			src := filepath.Join(tmp, "src")
			gitT(t, tmp, "", "init", "-q", "-b", "main", src)
			kinds := []string{"same", "changed", "resized", "deleted", "dir", "fifo", "device", "outside", "inside", "crlf"}
			content := map[string]string{}
			for round := 0; round < 3; round++ {
				for _, k := range kinds {
					p := fmt.Sprintf("%s%d.txt", k, round)
					content[p] = strings.Repeat(fmt.Sprintf("%s %d\n", p, round), 20+round)
					if err := os.WriteFile(filepath.Join(src, p), []byte(content[p]), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			os.WriteFile(filepath.Join(src, ".gitattributes"), []byte("crlf* text eol=crlf\n"), 0o644)
			repo, tree, files := commitAll(t, src)
			// git checks the CRLF files out again, with CRLF.
			for p := range content {
				if strings.HasPrefix(p, "crlf") {
					os.Remove(filepath.Join(src, p))
				}
			}
			gitT(t, src, "", "checkout", "--", ".")
			out := filepath.Join(tmp, "outside")
			for p, c := range content {
				w := filepath.Join(src, p)
				var err error
				switch strings.TrimRight(p[:len(p)-len(".txt")], "0123456789") {
				case "same":
					// Only the working tree has it now.
					id := files[p].Hash
					err = os.Remove(filepath.Join(src, ".git", "objects", id[:2], id[2:]))
				case "changed":
					err = os.WriteFile(w, []byte(strings.ToUpper(c)), 0o644)
				case "resized":
					err = os.WriteFile(w, []byte(c+"more\n"), 0o644)
				case "deleted":
					err = os.Remove(w)
				case "dir":
					os.Remove(w)
					err = os.Mkdir(w, 0o755)
				case "fifo":
					os.Remove(w)
					err = syscall.Mkfifo(w, 0o644)
				case "device":
					// /dev/zero's own numbers: reading it never ends.
					os.Remove(w)
					err = syscall.Mknod(w, syscall.S_IFCHR|0o644, 1<<8|5)
				case "outside":
					os.WriteFile(out+p, []byte(c), 0o644)
					os.Remove(w)
					err = os.Symlink(out+p, w)
				case "inside":
					os.MkdirAll(filepath.Join(src, "copies"), 0o755)
					os.WriteFile(filepath.Join(src, "copies", p), []byte(c), 0o644)
					os.Remove(w)
					err = os.Symlink(filepath.Join("copies", p), w)
				case "crlf":
					b, _ := os.ReadFile(w)
					if !strings.Contains(string(b), "\r\n") {
						t.Fatalf("%s was not checked out with CRLF", p)
					}
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			var hashes []string
			for p := range content {
				hashes = append(hashes, files[p].Hash)
			}
			want := map[string]string{}
			for p, c := range content {
				want[files[p].Hash] = c
			}
			if sizedFirst {
				sizes, err := tree.BlobSizes(hashes)
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range hashes {
					if sizes[h] != int64(len(want[h])) {
						t.Errorf("BlobSizes %s = %d, want %d", h, sizes[h], len(want[h]))
					}
				}
			}
			seen := 0
			err := tree.ReadBlobs(hashes, func(h string, data []byte) error {
				if seen >= len(hashes) || h != hashes[seen] {
					t.Fatalf("ReadBlobs answered %s for request %d", h, seen)
				}
				seen++
				if string(data) != want[h] {
					t.Errorf("ReadBlobs %s: %q, want %q", h, data, want[h])
				}
				return nil
			})
			if err != nil || seen != len(hashes) {
				t.Fatalf("ReadBlobs: %d of %d: %v", seen, len(hashes), err)
			}
			// A blob is taken from the working tree once: a second read
			// goes to git, which no longer has the removed objects.
			for p := range content {
				if strings.HasPrefix(p, "same") {
					if _, err := repo.ReadBlob(files[p].Hash); err == nil {
						t.Errorf("%s: its object is gone, yet git read it: the test shows nothing", p)
					}
				}
			}
		})
	}
}
