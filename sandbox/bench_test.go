package sandbox

import (
	"context"
	"fmt"
	"os"
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
// 1 KiB each in 100 directories, where job workspaces go by default
// (WorkspaceTempDir, a tmpfs when there is one) and on the disk of
// os.TempDir.
func BenchmarkMaterialize(b *testing.B) {
	fsys := fstest.MapFS{}
	data := []byte(strings.Repeat("x", 1023) + "\n")
	for i := range 10_000 {
		fsys[fmt.Sprintf("dir%03d/file%05d.txt", i%100, i)] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	for _, where := range []struct{ name, dir string }{
		{"default", WorkspaceTempDir()},
		{"tempdir", os.TempDir()},
	} {
		b.Run(where.name, func(b *testing.B) {
			base, err := os.MkdirTemp(where.dir, "aos-bench-")
			if err != nil {
				b.Fatal(err)
			}
			defer os.RemoveAll(base)
			n := 0
			for b.Loop() {
				n++
				dst := filepath.Join(base, fmt.Sprint(n))
				if err := Materialize(context.Background(), dst, fsys); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				os.RemoveAll(dst)
				b.StartTimer()
			}
		})
	}
}
