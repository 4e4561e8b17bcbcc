// Package sshtest makes SSH keys with the real ssh-keygen for the tests
// of signed commits, allowed signers and the runner.
package sshtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Key makes an ed25519 key pair without a passphrase in dir (a new
// temporary directory when dir is "") and returns the private key's path
// and the public key line, whose comment is name.
func Key(t testing.TB, dir, name string) (priv, pub string) {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	p := filepath.Join(dir, name)
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", p).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	b, err := os.ReadFile(p + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return p, strings.TrimSpace(string(b))
}
