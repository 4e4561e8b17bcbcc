package hooks

import (
	"os"
	"path/filepath"
	"testing"
)

// TestClearIdle: an idle mark is removed, a missing one is no error, and
// one that cannot be removed fails the hook rather than standing for the
// push; a hook without a parent to tell it by has no mark.
func TestClearIdle(t *testing.T) {
	t.Parallel()
	gitDir := t.TempDir()
	dir := filepath.Join(gitDir, HandoffDir)
	os.MkdirAll(filepath.Join(dir, "idle-42", "stuck"), 0o755)
	os.WriteFile(filepath.Join(dir, "idle-7"), []byte("x.json\n"), 0o644)
	if err := clearIdle(gitDir, 7); err != nil {
		t.Fatalf("a mark: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "idle-7")); err == nil {
		t.Fatal("the mark is still there")
	}
	if err := clearIdle(gitDir, 8); err != nil {
		t.Fatalf("no mark: %v", err)
	}
	if err := clearIdle(gitDir, 42); err == nil {
		t.Fatal("a mark that cannot be removed: no error")
	}
	if err := clearIdle(gitDir, 1); err != nil || idleName(1) != "" {
		t.Fatalf("no parent: %v, %q", err, idleName(1))
	}
}
