// Package golden compares a test's output with its golden file, the one
// way every output format of git-aos is held still: AOS_UPDATE=1
// rewrites the file instead (review the diff by hand).
package golden

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Check reports a test error with the difference when got is not the
// content of file; with AOS_UPDATE=1 in the environment it writes got to
// file first.
func Check(t testing.TB, file string, got []byte) {
	t.Helper()
	if os.Getenv("AOS_UPDATE") == "1" {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (AOS_UPDATE=1 writes it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-golden +got; AOS_UPDATE=1 rewrites it):\n%s", file, diff)
	}
}
