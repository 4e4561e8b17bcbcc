package hooks

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/hooks/signers"
	"github.com/architectos/aos/workflow"
)

// installSigners checks and installs the allowed signers and the
// revocation file of opts into gitDir, with the runner key's public key
// as RunnerPrincipal, and records what it installed in out. Files are
// written to a temporary file renamed into place: a push reads the old
// file or the new one.
func installSigners(gitDir string, opts InstallOptions, runnerKey string, out *Installed) error {
	allowedPath := filepath.Join(gitDir, workflow.AllowedSignersFile)
	revokedPath := filepath.Join(gitDir, workflow.RevokedSignersFile)
	var src []byte
	srcName := opts.AllowedSigners
	if srcName != "" {
		b, err := os.ReadFile(srcName)
		if err != nil {
			return fmt.Errorf("allowed signers: %w", err)
		}
		src = b
	} else if b, err := os.ReadFile(allowedPath); err == nil {
		src, srcName = b, allowedPath
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("allowed signers: %w", err)
	}
	entries, errs := signers.ParseAllowed(src)
	if len(errs) > 0 {
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, fmt.Sprintf("%s:%d: %s", srcName, e.Line, e.Msg))
		}
		return aos.WithHint(&aos.ListError{Msg: "allowed signers: ssh-keygen would skip these lines, and their keys would not be trusted", Items: msgs},
			`each line is "principals [options] keytype base64-key [comment]"; see ssh-keygen(1), "ALLOWED SIGNERS"`)
	}
	// The runner's line is git-aos's own: dropped from an installed
	// file, refused in the operator's.
	owned := map[int]bool{}
	for _, e := range entries {
		if e.Principals != RunnerPrincipal {
			continue
		}
		if opts.AllowedSigners != "" {
			return fmt.Errorf("allowed signers: %s:%d: principal %s is the post-receive runner's, which hook install writes itself (--runner-key)", srcName, e.Line, RunnerPrincipal)
		}
		owned[e.Line] = true
	}
	var keep []string
	if len(src) > 0 {
		for i, line := range strings.Split(strings.TrimSuffix(string(src), "\n"), "\n") {
			if !owned[i+1] {
				keep = append(keep, line)
			}
		}
	}
	for _, e := range entries {
		if e.Principals != RunnerPrincipal {
			out.SignerKeys = append(out.SignerKeys, SignerKey{Principals: e.Principals, Fingerprint: e.Key.Fingerprint()})
		}
	}
	text := strings.Join(keep, "\n")
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	if runnerKey != "" {
		pub, err := runnerPublicKey(runnerKey)
		if err != nil {
			return err
		}
		text += RunnerPrincipal + ` namespaces="git" ` + pub.String() + " git-aos post-receive runner\n"
		out.Runner = &SignerKey{Principals: RunnerPrincipal, Fingerprint: pub.Fingerprint()}
	}
	if text != "" || opts.AllowedSigners != "" {
		if err := writeFileAtomic(allowedPath, []byte(text)); err != nil {
			return err
		}
		out.Signers = allowedPath
	} else if _, err := os.Stat(allowedPath); err == nil {
		out.Signers = allowedPath
	}
	if opts.RevokedSigners != "" {
		b, err := os.ReadFile(opts.RevokedSigners)
		if err != nil {
			return fmt.Errorf("revoked signers: %w", err)
		}
		if !signers.IsKRL(b) {
			if _, errs := signers.ParseKeys(b); len(errs) > 0 {
				return aos.WithHint(fmt.Errorf("revoked signers: %s:%d: %s", opts.RevokedSigners, errs[0].Line, errs[0].Msg),
					"list one public key per line (as in a .pub file), or give a KRL made with ssh-keygen -k")
			}
		}
		if err := writeFileAtomic(revokedPath, b); err != nil {
			return err
		}
	}
	if _, err := os.Stat(revokedPath); err == nil {
		out.Revoked = revokedPath
	}
	return nil
}

// keyOutside refuses a runner key inside the repository's git directory:
// jobs with environment.git see that directory, and a job's output is
// recorded.
func keyOutside(key, gitDir string) error {
	k, err := filepath.EvalSymlinks(key)
	if err != nil {
		k = key
	}
	g, err := filepath.EvalSymlinks(gitDir)
	if err != nil {
		g = gitDir
	}
	if rel, err := filepath.Rel(g, k); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		return aos.WithHint(fmt.Errorf("runner key %s is inside the repository's git directory %s, which jobs with environment.git see", key, gitDir),
			"keep the key outside the repository, readable by the user the hooks run as only")
	}
	return nil
}

// runnerPublicKey derives the public key of the runner's private key
// with ssh-keygen -y, which also checks that it opens without a
// passphrase, as the runner must sign unattended.
func runnerPublicKey(key string) (signers.Key, error) {
	cmd := exec.Command("ssh-keygen", "-y", "-P", "", "-f", key)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return signers.Key{}, aos.WithHint(fmt.Errorf("runner key %s: ssh-keygen cannot read it: %s", key, strings.TrimSpace(stderr.String())),
			"give an SSH private key without a passphrase, made with ssh-keygen -t ed25519 -N ''")
	}
	keys, errs := signers.ParseKeys(b)
	if len(errs) > 0 || len(keys) != 1 {
		return signers.Key{}, fmt.Errorf("runner key %s: ssh-keygen -y printed %q", key, b)
	}
	return keys[0], nil
}

// writeFileAtomic writes a file through a temporary file renamed into
// place, creating its directory.
func writeFileAtomic(p string, data []byte) error {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(p)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}
