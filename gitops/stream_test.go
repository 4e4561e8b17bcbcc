package gitops

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/internal/objdamage"
	"github.com/go-git/go-git/v5/plumbing"
)

// streamRepo is a repository with a small blob, a large one (streamed in
// parts) and a tree, its working tree dropped so that only git serves
// them, its cat-file process started; it returns the blobs' ids.
func streamRepo(t *testing.T) (repo *Repo, src, small, large string, big []byte) {
	t.Helper()
	tmp := t.TempDir()
	src = filepath.Join(tmp, "src")
	gitT(t, tmp, "", "init", "-q", "-b", "main", src)
	big = []byte(strings.Repeat("a large plan line, streamed\n", 3*hashAhead/28))
	os.WriteFile(filepath.Join(src, "small"), []byte("small\n"), 0o644)
	os.WriteFile(filepath.Join(src, "big"), big, 0o644)
	repo, _, _ = commitAll(t, src)
	dropWorktree(t, src)
	small = gitT(t, src, "", "rev-parse", "HEAD:small")
	large = gitT(t, src, "", "rev-parse", "HEAD:big")
	if _, err := repo.ReadBlob(large); err != nil || !repo.cat.running() {
		t.Fatalf("no cat-file process after reading a large blob: %v", err)
	}
	return repo, src, small, large, big
}

// drain reads s with More as a consumer does, checking that each answer
// extends the last, and returns what it read.
func drain(t *testing.T, s *BlobStream) []byte {
	t.Helper()
	var got []byte
	for {
		d, done := s.More(len(got))
		if len(d) < len(got) || string(d[:len(got)]) != string(got) {
			t.Fatalf("More gave %d bytes after %d, not a longer prefix", len(d), len(got))
		}
		if !done && len(d) == len(got) {
			t.Fatalf("More returned no more at %d bytes, and not done", len(d))
		}
		got = d
		if done {
			return got
		}
	}
}

// TestStreamBlob streams blobs of every kind: a large one arrives in parts
// and is all there, checked, once done; a small one, a tree and a missing
// object are answered whole, as ReadBlob answers them.
func TestStreamBlob(t *testing.T) {
	t.Parallel()
	repo, src, small, large, big := streamRepo(t)
	s := repo.StreamBlob(large)
	got := drain(t, s)
	data, again, err := s.Wait()
	if err != nil || again || string(data) != string(big) || string(got) != string(big) {
		t.Fatalf("StreamBlob of the large blob: %d bytes streamed, %d waited for, again %v, %v; want %d", len(got), len(data), again, err, len(big))
	}
	// The process serves again after the stream.
	if d, err := repo.ReadBlob(small); err != nil || string(d) != "small\n" {
		t.Fatalf("ReadBlob after a stream = %q, %v", d, err)
	}
	for _, tc := range []struct{ what, id, want string }{
		{"small blob", small, "small\n"},
		{"tree", gitT(t, src, "", "rev-parse", "HEAD^{tree}"), ""},
		{"missing object", strings.Repeat("7", 40), ""},
	} {
		s := repo.StreamBlob(tc.id)
		got := drain(t, s)
		data, _, err := s.Wait()
		_, rerr := repo.ReadBlob(tc.id)
		if string(got) != tc.want || string(data) != tc.want || (err == nil) != (rerr == nil) {
			t.Errorf("StreamBlob of a %s: %q, %q, %v; ReadBlob's error %v", tc.what, got, data, err, rerr)
		}
	}
}

// TestStreamBlobFailsHalfWay cuts git's answer in the middle of a large
// blob: Wait then reads the blob again, says so, and gives all of it.
func TestStreamBlobFailsHalfWay(t *testing.T) {
	t.Parallel()
	repo, _, _, large, big := streamRepo(t)
	repo.cat.mu.Lock()
	repo.cat.out = bufio.NewReader(io.MultiReader(io.LimitReader(repo.cat.out, int64(len(big)/2)), failing{}))
	repo.cat.mu.Unlock()
	s := repo.StreamBlob(large)
	got := drain(t, s)
	data, again, err := s.Wait()
	if err != nil || !again || string(data) != string(big) || len(got) >= len(big) {
		t.Fatalf("a stream cut half way: %d bytes streamed, %d waited for, again %v, %v; want %d read again", len(got), len(data), again, err, len(big))
	}
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("the pipe broke") }

// TestStreamBlobDamaged streams a large loose blob damaged in each way:
// Wait names it as damaged, and never gives its bytes as the blob's.
func TestStreamBlobDamaged(t *testing.T) {
	t.Parallel()
	for _, how := range objdamage.Ways {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			repo, src, _, large, _ := streamRepo(t)
			objdamage.Loose(t, src, large, how)
			s := repo.StreamBlob(large)
			drain(t, s)
			data, _, err := s.Wait()
			var de *DamagedError
			if !errors.As(err, &de) || !errors.Is(err, aos.ErrDamaged) || de.ID != large || data != nil {
				t.Fatalf("a %s large blob: %d bytes, %v; want a DamagedError naming it", how, len(data), err)
			}
		})
	}
}

// TestStreamReceivedBlob streams large blobs through the repository a hook
// opens while a push is received: a blob in the push's pack is not hashed
// again (git's index-pack named it by its hash), and still arrives whole;
// a blob of the repository's own, loose and damaged, is hashed, and named
// as damaged.
func TestStreamReceivedBlob(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	gitT(t, tmp, "", "init", "-q", "-b", "main", src)
	big := strings.Repeat("a large pushed plan line\n", 3*hashAhead/25)
	os.WriteFile(filepath.Join(src, "big"), []byte(big), 0o644)
	gitT(t, src, "", "add", ".")
	gitT(t, src, "", "commit", "-q", "-m", "push")
	gitT(t, src, "", "repack", "-adq")
	pushed := gitT(t, src, "", "rev-parse", "HEAD:big")

	// The server's repository (with a working tree, for objdamage).
	bare := filepath.Join(tmp, "srv")
	gitT(t, tmp, "", "init", "-q", bare)
	own := gitT(t, bare, strings.Repeat("the server's own large blob\n", 3*hashAhead/28), "hash-object", "-w", "--stdin")
	q := filepath.Join(bare, ".git", "objects", "tmp_objdir-incoming-x")
	copyTree(t, filepath.Join(src, ".git", "objects", "pack"), filepath.Join(q, "pack"))
	env := map[string]string{"GIT_QUARANTINE_PATH": q, "GIT_OBJECT_DIRECTORY": q}
	repo, err := OpenHook(bare, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	if !repo.receivedPacked(plumbing.NewHash(pushed)) || repo.receivedPacked(plumbing.NewHash(own)) {
		t.Fatalf("receivedPacked: the pushed blob %v, the server's own %v", repo.receivedPacked(plumbing.NewHash(pushed)), repo.receivedPacked(plumbing.NewHash(own)))
	}
	s := repo.StreamBlob(pushed)
	if got := drain(t, s); string(got) != big {
		t.Fatalf("the pushed blob streamed: %d bytes, want %d", len(got), len(big))
	}
	if data, again, err := s.Wait(); err != nil || again || string(data) != big {
		t.Fatalf("the pushed blob: %d bytes, again %v, %v", len(data), again, err)
	}
	objdamage.Loose(t, bare, own, "swapped")
	s = repo.StreamBlob(own)
	drain(t, s)
	var de *DamagedError
	if _, _, err := s.Wait(); !errors.As(err, &de) || de.ID != own {
		t.Fatalf("the server's own blob, swapped on disk: %v; want a DamagedError", err)
	}
	if plain, err := OpenWithObjectDirs(bare, []string{q}); err != nil || plain.receivedPacked(plumbing.NewHash(pushed)) {
		t.Fatalf("a repository opened outside a hook takes a blob as received: %v", err)
	}
}
