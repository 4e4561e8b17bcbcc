package sandbox

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// BenchmarkTrue measures the overhead of a job running true on each
// backend, next to the same command run directly with os/exec.
func BenchmarkTrue(b *testing.B) {
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			if err := exec.Command("/bin/sh", "-c", "true").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			s := be.spec(b, "true")
			for b.Loop() {
				res, err := Run(context.Background(), s)
				if err != nil || !res.OK() {
					b.Fatalf("exit %d, %v", res.ExitCode, err)
				}
			}
		})
	}
}

// BenchmarkMaterialize measures writing a workspace of 10,000 files of
// 1 KiB each in 100 directories.
func BenchmarkMaterialize(b *testing.B) {
	fsys := fstest.MapFS{}
	data := []byte(strings.Repeat("x", 1023) + "\n")
	for i := range 10_000 {
		fsys[fmt.Sprintf("dir%03d/file%05d.txt", i%100, i)] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	base := b.TempDir()
	n := 0
	for b.Loop() {
		n++
		if err := Materialize(context.Background(), filepath.Join(base, fmt.Sprint(n)), fsys); err != nil {
			b.Fatal(err)
		}
	}
}
