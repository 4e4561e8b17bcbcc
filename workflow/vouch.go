package workflow

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/architectos/aos/gitops"
)

// Where the server keeps what it trusts, in a repository's git directory,
// and the notes ref it writes (docs/spec.md 11.1, 11.3).
const (
	AllowedSignersFile = "aos/allowed_signers"
	RevokedSignersFile = "aos/revoked_signers"
	NotesRef           = "refs/notes/aos"
)

// Who vouches for the job records of a run (docs/spec.md 9): Vouch.By.
const (
	VouchNoneNeeded  = "none-needed"
	VouchSignature   = "signature"
	VouchRunnerLogin = "runner-login"
	VouchServerRerun = "server-rerun"
	VouchUnverified  = "unverified"
	vouchNoteTrailer = "Aos-Vouched-By"
)

// Vouch says who vouches for the job records of a run.
type Vouch struct {
	By string `json:"by"`
	// Signer and Key are the allowed signer's principal and the key's
	// fingerprint of a signature; Key is also the key of a signature
	// that does not vouch, when git names it.
	Signer string `json:"signer,omitempty"`
	Key    string `json:"key,omitempty"`
	// Login is the runner login the server noted.
	Login string `json:"login,omitempty"`
	// Reason says why a run is unverified.
	Reason string `json:"reason,omitempty"`
}

// SignerFiles returns the allowed signers and revocations that signatures
// of repo are checked against: allowed and revoked when given, else the
// ones hook install put in its git directory, else git's
// gpg.ssh.allowedSignersFile and gpg.ssh.revocationFile.
func SignerFiles(repo *gitops.Repo, allowed, revoked string) (gitops.SignerFiles, error) {
	if allowed != "" {
		a, err := filepath.Abs(allowed)
		if err != nil {
			return gitops.SignerFiles{}, err
		}
		if _, err := os.Stat(a); err != nil {
			return gitops.SignerFiles{}, fmt.Errorf("allowed signers: %w", err)
		}
		f := gitops.SignerFiles{Allowed: a}
		if revoked != "" {
			if f.Revoked, err = filepath.Abs(revoked); err != nil {
				return gitops.SignerFiles{}, err
			}
			if _, err := os.Stat(f.Revoked); err != nil {
				return gitops.SignerFiles{}, fmt.Errorf("revoked signers: %w", err)
			}
		}
		return f, nil
	}
	if p := filepath.Join(repo.GitDir, AllowedSignersFile); regular(p) {
		f := gitops.SignerFiles{Allowed: p}
		if r := filepath.Join(repo.GitDir, RevokedSignersFile); regular(r) {
			f.Revoked = r
		}
		return f, nil
	}
	a, err := repo.ConfigPath("gpg.ssh.allowedSignersFile")
	if err != nil || a == "" || !regular(a) {
		return gitops.SignerFiles{}, err
	}
	f := gitops.SignerFiles{Allowed: a}
	if r, err := repo.ConfigPath("gpg.ssh.revocationFile"); err == nil && r != "" {
		f.Revoked = r
	}
	return f, nil
}

func regular(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// SignatureProblem says why a signature does not vouch for a run's jobs.
func SignatureProblem(s gitops.Signature, files gitops.SignerFiles) string {
	key := ""
	if s.Key != "" {
		key = " " + s.Key
	}
	switch {
	case s.Good():
		return ""
	case s.Format == "":
		return "the commit is not signed"
	case s.Format != "ssh":
		return fmt.Sprintf("the commit is signed with %s; only SSH keys of the allowed signers vouch", s.Format)
	case files.Allowed == "":
		return "the commit is signed, and no allowed signers are configured to check it against"
	case s.Status == 'R':
		return "the commit is signed by revoked key" + key
	case s.Status == 'U':
		return "the commit is signed by key" + key + ", which no allowed signer lists"
	case s.Status == 'B':
		return "the commit's signature does not verify (the commit was changed after signing, or the key is revoked)"
	}
	return fmt.Sprintf("git cannot check the commit's signature (status %c)", s.Status)
}

// VouchNote returns the runner login or server re-run that a server note
// (refs/notes/aos) records for a result commit, as a Vouch, or nil.
func VouchNote(note string) *Vouch {
	var v *Vouch
	for _, line := range strings.Split(note, "\n") {
		val, ok := strings.CutPrefix(line, vouchNoteTrailer+": ")
		if !ok {
			continue
		}
		kind, arg, _ := strings.Cut(strings.TrimSpace(val), " ")
		switch {
		case kind == VouchRunnerLogin && arg != "":
			return &Vouch{By: VouchRunnerLogin, Login: arg}
		case kind == VouchServerRerun && v == nil:
			v = &Vouch{By: VouchServerRerun}
		}
	}
	return v
}

// VouchNoteLine is the line of a server note recording who vouched.
func VouchNoteLine(v Vouch) string {
	if v.By == VouchRunnerLogin {
		return vouchNoteTrailer + ": " + VouchRunnerLogin + " " + v.Login
	}
	return vouchNoteTrailer + ": " + VouchServerRerun
}

// vouches fills in who vouches for each run of entries.
func vouches(repo *gitops.Repo, entries []LogEntry, files gitops.SignerFiles) error {
	var ids []string
	for _, e := range entries {
		if len(e.Jobs) > 0 {
			ids = append(ids, e.Commit)
		}
	}
	if len(ids) == 0 {
		for i := range entries {
			entries[i].Vouch = &Vouch{By: VouchNoneNeeded}
		}
		return nil
	}
	sigs, err := repo.Signatures(ids, files)
	if err != nil {
		return err
	}
	notes, err := repo.Notes(NotesRef)
	if err != nil {
		return err
	}
	for i := range entries {
		e := &entries[i]
		if len(e.Jobs) == 0 {
			e.Vouch = &Vouch{By: VouchNoneNeeded}
			continue
		}
		s := sigs[e.Commit]
		if s.Good() {
			e.Vouch = &Vouch{By: VouchSignature, Signer: s.Principal, Key: s.Key}
			continue
		}
		if h, ok := notes[e.Commit]; ok {
			b, err := repo.ReadBlob(h)
			if err != nil {
				return err
			}
			if v := VouchNote(string(b)); v != nil {
				e.Vouch = v
				continue
			}
		}
		e.Vouch = &Vouch{By: VouchUnverified, Key: s.Key, Reason: SignatureProblem(s, files) + "; no runner login or server re-run is noted"}
	}
	return nil
}
