package gitops

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/architectos/aos/internal/sshtest"
)

// signRepo is a repository with one commit, whose tree and parent a
// commit can be made on.
func signRepo(t *testing.T) (string, *Repo, NewCommit) {
	t.Helper()
	dir := t.TempDir()
	run(t, dir, nil, "", "init", "-q")
	run(t, dir, []string{"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@x"}, "", "commit", "-q", "--allow-empty", "-m", "base")
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { repo.Close() })
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600))
	c := NewCommit{
		Tree:      run(t, dir, nil, "", "rev-parse", "HEAD^{tree}"),
		Parents:   []string{run(t, dir, nil, "", "rev-parse", "HEAD")},
		Author:    Ident{Name: "Agent Smith", Email: "agent@example.com", When: when},
		Committer: Ident{Name: "Runner", Email: "runner@example.com", When: when},
		Message:   "aos: x: a result\n\nbody\n\nAos-Plan-Id: x\nAos-Run: .aos/runs/x.json\n",
	}
	return dir, repo, c
}

// withoutSignature is a raw commit without its gpgsig header.
func withoutSignature(raw string) string {
	var out []string
	inSig := false
	for _, l := range strings.SplitAfter(raw, "\n") {
		switch {
		case strings.HasPrefix(l, "gpgsig "):
			inSig = true
			continue
		case inSig && strings.HasPrefix(l, " "):
			continue
		}
		inSig = false
		out = append(out, l)
	}
	return strings.Join(out, "")
}

// TestSignedCommitsSSH signs commits as git commit -S does with
// gpg.format ssh, and checks them with git as the oracle: git
// verify-commit accepts the allowed key, the commit is the unsigned one
// plus the signature header, and Signatures tells a good signature from
// an unknown key, a revoked key, a bad signature and no signature.
func TestSignedCommitsSSH(t *testing.T) {
	t.Parallel()
	dir, repo, c := signRepo(t)
	keys := t.TempDir()
	allowedKey, allowedPub := sshtest.Key(t, keys, "allowed")
	unknownKey, _ := sshtest.Key(t, keys, "unknown")
	revokedKey, revokedPub := sshtest.Key(t, keys, "revoked")
	allowed := filepath.Join(keys, "allowed_signers")
	revoked := filepath.Join(keys, "revoked_signers")
	os.WriteFile(allowed, []byte("runner@example.com namespaces=\"git\" "+allowedPub+"\nold@example.com "+revokedPub+"\n"), 0o644)
	os.WriteFile(revoked, []byte(revokedPub+"\n"), 0o644)

	// The key from git's configuration, as git commit -S takes it.
	run(t, dir, nil, "", "config", "gpg.format", "ssh")
	run(t, dir, nil, "", "config", "user.signingkey", allowedKey)
	good, err := repo.WriteSignedCommit(c, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	run(t, dir, nil, "", "-c", "gpg.ssh.allowedSignersFile="+allowed, "verify-commit", good)
	if out := run(t, dir, nil, "", "-c", "gpg.ssh.allowedSignersFile="+allowed, "log", "-1", "--show-signature", good); !strings.Contains(out, `Good "git" signature for runner@example.com`) {
		t.Errorf("git log --show-signature:\n%s", out)
	}
	raw := run(t, dir, nil, "", "cat-file", "commit", good)
	unsigned, err := repo.WriteCommit(c, HashOnly)
	if err != nil {
		t.Fatal(err)
	}
	if got := run(t, dir, nil, withoutSignature(raw+"\n"), "hash-object", "-t", "commit", "--stdin"); got != unsigned {
		t.Errorf("the signed commit without its signature is %s, the unsigned commit %s:\n%s", got, unsigned, raw)
	}
	// --sign=KEY names the key; a key no allowed signer lists, and one
	// that is revoked.
	unknown, err := repo.WriteSignedCommit(c, SignOptions{Key: unknownKey, Format: "ssh"})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := repo.WriteSignedCommit(c, SignOptions{Key: revokedKey, Format: "ssh"})
	if err != nil {
		t.Fatal(err)
	}
	// The good commit with its message changed and the signature kept.
	forged := run(t, dir, nil, strings.Replace(raw, "body", "forged body", 1)+"\n", "hash-object", "-w", "-t", "commit", "--stdin")
	files := SignerFiles{Allowed: allowed, Revoked: revoked}
	sigs, err := repo.Signatures([]string{good, unknown, rev, forged, c.Parents[0]}, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, id  string
		status    byte
		good      bool
		principal string
	}{
		{"allowed", good, 'G', true, "runner@example.com"},
		{"unknown key", unknown, 'U', false, ""},
		{"revoked key", rev, 'R', false, ""},
		{"forged", forged, 'B', false, ""},
		{"unsigned", c.Parents[0], 'N', false, ""},
	} {
		s := sigs[tc.id]
		if s.Status != tc.status || s.Good() != tc.good || s.Principal != tc.principal {
			t.Errorf("%s: %+v (status %c)", tc.name, s, s.Status)
		}
		if tc.status != 'N' && s.Format != "ssh" {
			t.Errorf("%s: format %q", tc.name, s.Format)
		}
	}
	if !strings.HasPrefix(sigs[good].Key, "SHA256:") || sigs[unknown].Key == "" || sigs[unknown].Key == sigs[good].Key {
		t.Errorf("fingerprints: good %q, unknown %q", sigs[good].Key, sigs[unknown].Key)
	}
	// Without the revocation file the revoked key is allowed again; without
	// any allowed signers nothing is checked.
	sigs, err = repo.Signatures([]string{rev, good}, SignerFiles{Allowed: allowed})
	if err != nil || !sigs[rev].Good() || sigs[rev].Principal != "old@example.com" {
		t.Errorf("without revocations: %+v %v", sigs[rev], err)
	}
	sigs, err = repo.Signatures([]string{good}, SignerFiles{})
	if err != nil || sigs[good].Status != 'E' || sigs[good].Good() {
		t.Errorf("without allowed signers: %+v %v", sigs[good], err)
	}
	// A key git cannot use is an error, and nothing is written.
	if _, err := repo.WriteSignedCommit(c, SignOptions{Key: filepath.Join(keys, "none"), Format: "ssh"}); !errors.Is(err, ErrSign) {
		t.Errorf("missing key: %v", err)
	}
	if _, err := repo.WriteSignedCommit(c, SignOptions{Key: "--help"}); !errors.Is(err, ErrSign) {
		t.Errorf("a key that is an option: %v", err)
	}
}

// TestSignedCommitsOpenPGP signs with gpg, as git commit -S does by
// default: git verify-commit accepts it, and Signatures never counts it
// as an allowed signer's.
func TestSignedCommitsOpenPGP(t *testing.T) {
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Fatal("gpg is not installed (scripts/test.sh installs gnupg)")
	}
	home := filepath.Join(t.TempDir(), "gnupg")
	os.Mkdir(home, 0o700)
	t.Setenv("GNUPGHOME", home)
	t.Cleanup(func() { exec.Command("gpgconf", "--kill", "all").Run() })
	if out, err := exec.Command("gpg", "--batch", "--passphrase", "", "--quick-gen-key", "Runner <runner@example.com>", "ed25519", "sign", "never").CombinedOutput(); err != nil {
		t.Fatalf("gpg: %v\n%s", err, out)
	}
	dir, repo, c := signRepo(t)
	id, err := repo.WriteSignedCommit(c, SignOptions{Key: "runner@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	run(t, dir, nil, "", "verify-commit", id)
	if out := run(t, dir, nil, "", "log", "-1", "--format=%G? %GS", id); out != "G Runner <runner@example.com>" {
		t.Errorf("git log: %q", out)
	}
	_, pub := sshtest.Key(t, t.TempDir(), "k")
	allowed := filepath.Join(t.TempDir(), "allowed")
	os.WriteFile(allowed, []byte("runner@example.com "+pub+"\n"), 0o644)
	sigs, err := repo.Signatures([]string{id}, SignerFiles{Allowed: allowed})
	if err != nil || sigs[id].Format != "openpgp" || sigs[id].Good() {
		t.Errorf("openpgp: %+v %v", sigs[id], err)
	}
}

// TestNotes sets notes by compare-and-swap and reads them back as git
// notes does, including a note git wrote in a fan-out tree.
func TestNotes(t *testing.T) {
	t.Parallel()
	dir, repo, c := signRepo(t)
	const ref = "refs/notes/aos"
	target := c.Parents[0]
	who := Ident{Name: "git-aos", Email: "git-aos@localhost", When: time.Unix(1700000000, 0)}
	if _, ok, err := repo.Note(ref, target); ok || err != nil {
		t.Fatalf("no notes yet: %v %v", ok, err)
	}
	if err := repo.SetNote(ref, target, who, "note", func(old string) string { return old + "first\n" }); err != nil {
		t.Fatal(err)
	}
	if err := repo.SetNote(ref, target, who, "note", func(old string) string { return old + "second\n" }); err != nil {
		t.Fatal(err)
	}
	if got := run(t, dir, nil, "", "notes", "--ref=aos", "show", target); got != "first\nsecond" {
		t.Errorf("git notes show: %q", got)
	}
	// Concurrent writers each land their line: writers are processes of
	// their own, each with its own Repo (a Repo is not shared between
	// goroutines that write).
	other := run(t, dir, []string{"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@x"}, "", "commit-tree", "-p", target, "-m", "two", c.Tree)
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			r, err := Open(dir)
			if err != nil {
				errs <- err
				return
			}
			errs <- r.SetNote(ref, other, who, "note", func(old string) string { return old + "line\n" })
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got, _, _ := repo.Note(ref, other); got != strings.Repeat("line\n", 8) {
		t.Errorf("concurrent notes: %q", got)
	}
	// A note git wrote with fan-out is read, and replaced flat.
	many := run(t, dir, []string{"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@x"}, "", "commit-tree", "-p", other, "-m", "three", c.Tree)
	run(t, dir, []string{"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@x"}, "", "notes", "--ref=aos", "add", "-m", "by git", many)
	fanned := run(t, dir, nil, "", "ls-tree", "-r", "--name-only", ref)
	if got, ok, err := repo.Note(ref, many); !ok || err != nil || got != "by git\n" {
		t.Errorf("note by git: %q %v %v (tree %s)", got, ok, err, fanned)
	}
	if err := repo.SetNote(ref, many, who, "note", func(old string) string { return old + "and git-aos\n" }); err != nil {
		t.Fatal(err)
	}
	if got := run(t, dir, nil, "", "notes", "--ref=aos", "show", many); got != "by git\n\nand git-aos" && got != "by git\nand git-aos" {
		t.Errorf("git notes show after SetNote: %q", got)
	}
	if n := strings.Count(run(t, dir, nil, "", "ls-tree", "-r", "--name-only", ref), many[2:]); n != 1 {
		t.Errorf("the commit has %d notes", n)
	}
	run(t, dir, nil, "", "fsck", "--strict")
}
