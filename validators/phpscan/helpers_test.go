package phpscan

import (
	"os"
	"os/exec"
	"testing"
)

// rerunWithoutRace runs the test name of this package in a go test built
// without the race detector.
func rerunWithoutRace(t *testing.T, name string) {
	t.Helper()
	cmd := exec.Command("go", "test", "-count=1", "-run", "^"+name+"$", ".")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s without the race detector failed: %v\n%s", name, err, out)
	}
}
