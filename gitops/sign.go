package gitops

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// SignOptions say how [Repo.WriteSignedCommit] signs a commit, in the
// terms of git commit -S.
type SignOptions struct {
	// Key is the signing key as -S<key> takes it: an OpenPGP key id, or
	// for gpg.format ssh a key file or a "key::" literal. "" is git's
	// user.signingKey (for OpenPGP without one, the committer's
	// identity; for SSH, gpg.ssh.defaultKeyCommand).
	Key string
	// Format, when set, is gpg.format for this commit ("openpgp", "ssh",
	// "x509"); "" is git's configuration.
	Format string
}

// ErrSign means git could not sign a commit.
var ErrSign = errors.New("git could not sign the commit")

// WriteSignedCommit writes commit c signed, and returns its id. The
// commit is made by git commit-tree --gpg-sign, so the signature is what
// git commit -S makes, with git's own configuration and programs (gpg,
// gpgsm, ssh-keygen -Y sign): nothing here touches cryptography. The
// tree and parents must be in the repository already.
func (r *Repo) WriteSignedCommit(c NewCommit, s SignOptions) (string, error) {
	for _, x := range []struct {
		kind string
		id   Ident
	}{{"author", c.Author}, {"committer", c.Committer}} {
		if strings.ContainsAny(x.id.Name+x.id.Email, "<>\n\x00") {
			return "", fmt.Errorf("%s identity %q <%s> holds a character git does not allow", x.kind, x.id.Name, x.id.Email)
		}
	}
	if strings.HasPrefix(s.Key, "-") || strings.ContainsAny(s.Format, "\n\x00") {
		return "", fmt.Errorf("signing key %q: %w", s.Key, ErrSign)
	}
	var args []string
	if s.Format != "" {
		args = append(args, "-c", "gpg.format="+s.Format)
	}
	args = append(args, "commit-tree", c.Tree)
	for _, p := range c.Parents {
		args = append(args, "-p", p)
	}
	if s.Key != "" {
		args = append(args, "--gpg-sign="+s.Key)
	} else {
		args = append(args, "--gpg-sign")
	}
	msg := c.Message
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	cmd := exec.Command("git", args...)
	// git commit runs its signing program from the top of the working
	// tree, where relative key paths of its configuration resolve.
	cmd.Dir = r.GitDir
	if r.WorkTree != "" {
		cmd.Dir = r.WorkTree
	}
	cmd.Env = append(gitEnv(),
		"GIT_AUTHOR_NAME="+c.Author.Name, "GIT_AUTHOR_EMAIL="+c.Author.Email, "GIT_AUTHOR_DATE="+gitDate(c.Author),
		"GIT_COMMITTER_NAME="+c.Committer.Name, "GIT_COMMITTER_EMAIL="+c.Committer.Email, "GIT_COMMITTER_DATE="+gitDate(c.Committer))
	cmd.Stdin = strings.NewReader(msg)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		text := strings.TrimSpace(stderr.String())
		if text == "" {
			text = err.Error()
		}
		return "", fmt.Errorf("%w: %s", ErrSign, strings.Join(strings.Fields(text), " "))
	}
	id := strings.TrimSpace(stdout.String())
	if !isHexID(id) {
		return "", fmt.Errorf("git commit-tree printed %q, not a commit id", id)
	}
	return id, nil
}

// gitDate is an identity's time in git's raw format, which
// GIT_AUTHOR_DATE and GIT_COMMITTER_DATE take exactly.
func gitDate(id Ident) string {
	return fmt.Sprintf("@%d %s", id.When.Unix(), id.When.Format("-0700"))
}

func isHexID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Signature is git's verdict on the signature of a commit.
type Signature struct {
	// Format is what signed it: "ssh", "openpgp", "x509", "unknown" for a
	// signature header git-aos does not recognise, or "" when the commit
	// is not signed.
	Format string
	// Status is git's %G?: G good, B bad, U good with unknown validity
	// (for SSH: a key no allowed signer lists), X or Y expired, R made by
	// a revoked key, E cannot be checked, N no signature.
	Status byte
	// Principal is, for a good SSH signature, the principal the allowed
	// signers file names for the key (%GS).
	Principal string
	// Key is the fingerprint of the signing key (%GF), when git knows it.
	Key string
}

// Good reports whether git verified the signature against the allowed
// signers: an SSH signature, status G, with a principal.
func (s Signature) Good() bool { return s.Format == "ssh" && s.Status == 'G' && s.Principal != "" }

// SignerFiles name the files SSH signatures are checked against, as git's
// gpg.ssh.allowedSignersFile and gpg.ssh.revocationFile.
type SignerFiles struct {
	Allowed string // OpenSSH allowed_signers; "" checks nothing
	Revoked string // public keys or a KRL; "" revokes nothing
}

// Signatures returns git's verdict on the signature of each commit of
// ids, checked by git log (%G?) against files. Only SSH signatures are
// checked: git's OpenPGP and X.509 programs are replaced by one that
// fails, since a keyring says nothing about who may sign for a
// repository. Without an allowed signers file no signature is checked,
// and a signed commit has status E. A bad signature whose key is in the
// revocation file, and that verifies without it, has status R.
func (r *Repo) Signatures(ids []string, files SignerFiles) (map[string]Signature, error) {
	out := make(map[string]Signature, len(ids))
	var check []string
	for _, id := range ids {
		c, err := r.readCommit(id)
		if err != nil {
			return nil, err
		}
		s := Signature{Format: signatureFormat(c.signature), Status: 'N'}
		if s.Format != "" {
			s.Status = 'E'
			if s.Format == "ssh" && files.Allowed != "" {
				check = append(check, id)
			}
		}
		out[id] = s
	}
	if len(check) == 0 {
		return out, nil
	}
	got, err := r.logSignatures(check, files)
	if err != nil {
		return nil, err
	}
	var bad []string
	for id, s := range got {
		s.Format = "ssh"
		out[id] = s
		if s.Status == 'B' && files.Revoked != "" {
			bad = append(bad, id)
		}
	}
	if len(bad) > 0 {
		again, err := r.logSignatures(bad, SignerFiles{Allowed: files.Allowed})
		if err != nil {
			return nil, err
		}
		for id, s := range again {
			if s.Status == 'G' {
				out[id] = Signature{Format: "ssh", Status: 'R', Key: s.Key}
			}
		}
	}
	return out, nil
}

// logSignatures runs git log over ids with the signer files and reads %G?,
// %GS and %GF of each.
func (r *Repo) logSignatures(ids []string, files SignerFiles) (map[string]Signature, error) {
	args := []string{"-c", "gpg.ssh.allowedSignersFile=" + files.Allowed,
		"-c", "gpg.openpgp.program=false", "-c", "gpg.x509.program=false", "-c", "log.showSignature=false"}
	if files.Revoked != "" {
		args = append(args, "-c", "gpg.ssh.revocationFile="+files.Revoked)
	}
	args = append(args, "log", "--no-walk=unsorted", "--no-notes", "--format=%H%x00%G?%x00%GS%x00%GF%x1e")
	args = append(args, ids...)
	args = append(args, "--")
	cmd := exec.Command("git", args...)
	cmd.Dir = r.GitDir
	cmd.Env = gitEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git log (signatures): %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	out := make(map[string]Signature, len(ids))
	for _, rec := range strings.Split(string(b), "\x1e") {
		rec = strings.TrimLeft(rec, "\n")
		if rec == "" {
			continue
		}
		f := strings.Split(rec, "\x00")
		if len(f) != 4 || len(f[1]) != 1 {
			return nil, fmt.Errorf("git log (signatures): unexpected record %q", rec)
		}
		out[f[0]] = Signature{Status: f[1][0], Principal: f[2], Key: f[3]}
	}
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			return nil, fmt.Errorf("git log (signatures): no record for commit %s", id)
		}
	}
	return out, nil
}

// signatureFormat names the kind of signature in a commit's signature
// header, by its armor, as git tells them apart.
func signatureFormat(sig string) string {
	switch {
	case sig == "":
		return ""
	case strings.HasPrefix(sig, "-----BEGIN SSH SIGNATURE-----"):
		return "ssh"
	case strings.HasPrefix(sig, "-----BEGIN PGP SIGNATURE-----"), strings.HasPrefix(sig, "-----BEGIN PGP MESSAGE-----"):
		return "openpgp"
	case strings.HasPrefix(sig, "-----BEGIN SIGNED MESSAGE-----"):
		return "x509"
	}
	return "unknown"
}
