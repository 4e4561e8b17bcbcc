package engine

import (
	"fmt"
	"io/fs"
	"testing"

	"github.com/architectos/aos"
)

// blobs is a Base that records how its blobs were asked for.
type blobs struct {
	files map[string]Entry
	data  map[string][]byte
	one   int // ReadBlob calls
	many  int // ReadBlobs calls
	asked []string
}

func newBlobs(files map[string]string) *blobs {
	b := &blobs{files: map[string]Entry{}, data: map[string][]byte{}}
	for p, c := range files {
		h := BlobID([]byte(c))
		b.files[p] = Entry{Mode: aos.ModeFile, Hash: h}
		b.data[h] = []byte(c)
	}
	return b
}

func (b *blobs) Files() (map[string]Entry, error) { return b.files, nil }
func (b *blobs) ReadBlob(h string) ([]byte, error) {
	b.one++
	if d, ok := b.data[h]; ok {
		return d, nil
	}
	return nil, fs.ErrNotExist
}
func (b *blobs) BlobSize(h string) (int64, error) { return int64(len(b.data[h])), nil }
func (b *blobs) ReadBlobs(hashes []string, fn func(string, []byte) error) error {
	b.many++
	b.asked = append(b.asked, hashes...)
	for _, h := range hashes {
		d, ok := b.data[h]
		if !ok {
			return fmt.Errorf("blob %s: %w", h, fs.ErrNotExist)
		}
		if err := fn(h, d); err != nil {
			return err
		}
	}
	return nil
}

// TestReadFiles reads the base's blobs together, each once however many
// paths share it, staged content from the state, and leaves out paths
// that do not exist.
func TestReadFiles(t *testing.T) {
	base := newBlobs(map[string]string{"a": "same", "b": "same", "c": "other", "d": "gone", "e": "third"})
	st, err := NewState(base)
	if err != nil {
		t.Fatal(err)
	}
	st.put("c", aos.ModeFile, []byte("staged"))
	st.remove("d")
	got, err := st.ReadFiles([]string{"a", "b", "c", "d", "e", "none"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "same", "b": "same", "c": "staged", "e": "third"}
	if len(got) != len(want) {
		t.Errorf("ReadFiles = %q, want %q", got, want)
	}
	for p, w := range want {
		if string(got[p]) != w {
			t.Errorf("ReadFiles[%s] = %q, want %q", p, got[p], w)
		}
	}
	if base.one != 0 || base.many != 1 || len(base.asked) != 2 {
		t.Errorf("base read %d blobs one at a time and %v together in %d calls; want none and two in one", base.one, base.asked, base.many)
	}
	// Without a BlobsReader, one at a time.
	one := &oneAtATime{base}
	st2, _ := NewState(one)
	if got, err := st2.ReadFiles([]string{"a", "c"}); err != nil || string(got["c"]) != "other" || string(got["a"]) != "same" {
		t.Errorf("ReadFiles one at a time = %q, %v", got, err)
	}
}

type oneAtATime struct{ b *blobs }

func (o *oneAtATime) Files() (map[string]Entry, error)  { return o.b.Files() }
func (o *oneAtATime) ReadBlob(h string) ([]byte, error) { return o.b.ReadBlob(h) }
func (o *oneAtATime) BlobSize(h string) (int64, error)  { return o.b.BlobSize(h) }
