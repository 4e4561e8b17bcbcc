package workflow

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeRecord: run records are read back from history by log and
// verify; any bytes must give a record or an error, and a record that
// decodes encodes to a fixed point.
func FuzzDecodeRecord(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.run.json"))
	if len(seeds) == 0 {
		f.Fatal("no run records in testdata/golden")
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":2,"plan":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := DecodeRecord(b)
		if err != nil {
			return
		}
		once, err := rec.Encode()
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeRecord(once)
		if err != nil {
			t.Fatalf("a record's encoding does not decode: %v\n%s", err, once)
		}
		twice, err := again.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("encoding is not a fixed point:\n%s\n%s", once, twice)
		}
	})
}
