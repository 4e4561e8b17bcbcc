package phpscan

import (
	"os"
	"testing"

	"github.com/architectos/aos/validators/internal/phpcorpus"
	"github.com/architectos/aos/validators/kinds"
)

// BenchmarkWordPress scans every PHP file of WordPress.
func BenchmarkWordPress(b *testing.B) {
	files, err := phpcorpus.Files("/usr/share/wordpress", kinds.IsPHP)
	if err != nil || len(files) == 0 {
		b.Fatalf("no WordPress: %v", err)
	}
	var srcs [][]byte
	size := 0
	for _, f := range files {
		d, err := os.ReadFile(f.Path)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, d)
		size += len(d)
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, s := range srcs {
			Scan(s, Options{ShortTags: true})
		}
	}
}
