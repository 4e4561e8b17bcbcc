package engine_test

import (
	"bytes"
	"io"
	"io/fs"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
)

// TestViewEveryReader: a view answers for the files it covers to every
// reader of the state, and the tree's changes are not touched.
func TestViewEveryReader(t *testing.T) {
	t.Parallel()
	base := newMemBase()
	base.add("rec/a.json", aos.ModeFile, []byte("secret record\n"))
	base.add("rec/b.json", aos.ModeFile, []byte("secret record\n")) // same blob
	base.add("src/x.txt", aos.ModeFile, []byte("secret x\n"))
	st, err := engine.NewState(base)
	if err != nil {
		t.Fatal(err)
	}
	view := []byte("redacted\n")
	st.SetView(&engine.View{
		Covers: func(p string) bool { return len(p) > 4 && p[:4] == "rec/" },
		Apply:  func(p string, data []byte) []byte { return view },
	})
	for _, p := range []string{"rec/a.json", "rec/b.json"} {
		if b, err := st.Read(p); err != nil || !bytes.Equal(b, view) {
			t.Errorf("Read %s: %q %v", p, b, err)
		}
		if n, err := st.Size(p); err != nil || n != int64(len(view)) {
			t.Errorf("Size %s: %d %v", p, n, err)
		}
		if id, err := st.BlobOf(p); err != nil || id != engine.BlobID(view) {
			t.Errorf("BlobOf %s: %s %v", p, id, err)
		}
		f, err := st.FS(func(string) bool { return true }).Open(p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(f)
		info, _ := f.Stat()
		if !bytes.Equal(b, view) || info.Size() != int64(len(view)) {
			t.Errorf("FS %s: %q, size %d", p, b, info.Size())
		}
		if info, err := fs.Stat(st.FS(func(string) bool { return true }), p); err != nil || info.Size() != int64(len(view)) {
			t.Errorf("fs.Stat %s: %v %v", p, info, err)
		}
	}
	files, err := st.ReadFiles([]string{"rec/a.json", "rec/b.json", "src/x.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(files["rec/a.json"], view) || !bytes.Equal(files["rec/b.json"], view) || string(files["src/x.txt"]) != "secret x\n" {
		t.Errorf("ReadFiles: %q", files)
	}
	if id, _ := st.BlobOf("src/x.txt"); id != engine.BlobID([]byte("secret x\n")) {
		t.Errorf("a file the view does not cover: %s", id)
	}
	if ch, err := st.Changes(); err != nil || len(ch) != 0 {
		t.Errorf("a view changes the tree: %+v %v", ch, err)
	}
}
