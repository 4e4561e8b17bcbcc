package signers

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sshKey makes a key with ssh-keygen, and a signature of a file by it in
// the namespace git, and returns the public key line and the signature.
func sshKey(t testing.TB, keygen ...string) (pub, sig string) {
	t.Helper()
	dir := t.TempDir()
	k := filepath.Join(dir, "k")
	if len(keygen) == 0 {
		keygen = []string{"-t", "ed25519"}
	}
	if out, err := exec.Command("ssh-keygen", append(keygen, "-q", "-N", "", "-C", "a comment", "-f", k)...).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	msg := filepath.Join(dir, "msg")
	os.WriteFile(msg, []byte("signed\n"), 0o644)
	if out, err := exec.Command("ssh-keygen", "-q", "-Y", "sign", "-n", "git", "-f", k, msg).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen -Y sign: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(k + ".pub")
	return strings.TrimSpace(string(b)), msg + ".sig"
}

// oracle asks ssh-keygen whether it reads the one line of an allowed
// signers file: it prints "FILE:1: ..." for a line it skips.
func oracle(t *testing.T, line, sig string) (valid bool, principals string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "allowed")
	os.WriteFile(f, []byte(line+"\n"), 0o644)
	out, _ := exec.Command("ssh-keygen", "-Y", "find-principals", "-s", sig, "-f", f).CombinedOutput()
	s := string(out)
	if strings.Contains(s, f+":1:") {
		return false, ""
	}
	if strings.Contains(s, "No principal matched") {
		return true, ""
	}
	return true, strings.Join(strings.Split(strings.TrimSpace(s), "\n"), ",")
}

// TestParseAllowedAgainstSSHKeygen: for each line, ParseAllowed accepts
// it exactly when ssh-keygen reads it, and finds the principals
// ssh-keygen finds.
func TestParseAllowedAgainstSSHKeygen(t *testing.T) {
	t.Parallel()
	pub, sig := sshKey(t)
	typ, rest, _ := strings.Cut(pub, " ")
	b64, _, _ := strings.Cut(rest, " ")
	for _, line := range []string{
		"a@b " + pub,
		`"a@b" ` + pub,
		`"a b" ` + pub,
		"a@b,c@d " + pub,
		"*@example.com " + pub,
		`a@b namespaces="git" ` + pub,
		`a@b namespaces="git,file" ` + pub,
		`a@b namespaces="git",valid-after="20200101" ` + pub,
		`a@b valid-before="20991231235959Z" ` + pub,
		`a@b VALID-AFTER="20200101" ` + pub,
		`a@b Namespaces="git" ` + pub,
		"a@b\t" + pub,
		"   a@b    " + typ + "   " + b64 + "   trailing comment",
		"a@b " + typ + " " + b64,
		`a@b cert-authority ` + pub,
		`a@b cert-authority,namespaces="git" ` + pub,
		// Lines ssh-keygen skips.
		"a@b badopt " + pub,
		`a@b valid-after="2020" ` + pub,
		`a@b valid-after="20201301" ` + pub,
		`a@b NAMESPACES=git ` + pub,
		`a@b namespaces="g"it" ` + pub,
		`a@b namespaces="git ` + pub,
		pub,
		"a@b " + typ + " " + b64[:len(b64)-8],
		"a@b ssh-rsa " + b64,
		"a@b " + typ,
		`a@b namespaces="git"`,
		"a@b",
		`"a@b ` + pub,
		"a@b " + typ + " !!!!",
	} {
		valid, principals := oracle(t, line, sig)
		entries, errs := ParseAllowed([]byte(line + "\n"))
		if got := len(errs) == 0; got != valid {
			t.Errorf("%q: ssh-keygen reads it: %v; ParseAllowed: entries %+v, errors %v", line, valid, entries, errs)
			continue
		}
		if !valid {
			continue
		}
		if len(entries) != 1 {
			t.Fatalf("%q: %d entries", line, len(entries))
		}
		e := entries[0]
		if principals != "" && e.Principals != principals {
			t.Errorf("%q: principals %q, ssh-keygen found %q", line, e.Principals, principals)
		}
		if e.Key.String() != typ+" "+b64 {
			t.Errorf("%q: key %q", line, e.Key.String())
		}
	}
}

// TestKeyTypesAgainstSSHKeygen: keys of each type, whole and cut short,
// are read as ssh-keygen reads them.
func TestKeyTypesAgainstSSHKeygen(t *testing.T) {
	t.Parallel()
	for _, keygen := range [][]string{{"-t", "ecdsa", "-b", "256"}, {"-t", "ecdsa", "-b", "521"}, {"-t", "rsa", "-b", "2048"}} {
		pub, sig := sshKey(t, keygen...)
		typ, rest, _ := strings.Cut(pub, " ")
		b64, _, _ := strings.Cut(rest, " ")
		blob, _ := base64.StdEncoding.DecodeString(b64)
		short := base64.StdEncoding.EncodeToString(blob[:len(blob)-3])
		long := base64.StdEncoding.EncodeToString(append(blob, 0, 0, 0, 0))
		for _, line := range []string{"a@b " + pub, "a@b " + typ + " " + short, "a@b " + typ + " " + long} {
			valid, _ := oracle(t, line, sig)
			if _, errs := ParseAllowed([]byte(line)); (len(errs) == 0) != valid {
				t.Errorf("%s %q: ssh-keygen reads it: %v; errors %v", keygen, line, valid, errs)
			}
		}
	}
}

// TestFingerprint: the fingerprint is ssh-keygen -l's.
func TestFingerprint(t *testing.T) {
	t.Parallel()
	pub, _ := sshKey(t)
	f := filepath.Join(t.TempDir(), "k.pub")
	os.WriteFile(f, []byte(pub+"\n"), 0o644)
	out, err := exec.Command("ssh-keygen", "-l", "-E", "sha256", "-f", f).Output()
	if err != nil {
		t.Fatal(err)
	}
	keys, errs := ParseKeys([]byte("# revoked\n\n" + pub + "\n"))
	if len(errs) != 0 || len(keys) != 1 {
		t.Fatalf("%v %v", keys, errs)
	}
	if fp := strings.Fields(string(out))[1]; keys[0].Fingerprint() != fp {
		t.Errorf("fingerprint %s, ssh-keygen says %s", keys[0].Fingerprint(), fp)
	}
	if keys[0].Comment != "a comment" {
		t.Errorf("comment %q", keys[0].Comment)
	}
}

// TestParseAllowedReportsEveryLine: every bad line is named, comments and
// blank lines are passed over.
func TestParseAllowedReportsEveryLine(t *testing.T) {
	t.Parallel()
	pub, _ := sshKey(t)
	data := "# runners\n\na@b " + pub + "\nbroken line\n  # indented comment\nc@d badopt " + pub + "\nlast@x " + pub
	entries, errs := ParseAllowed([]byte(data))
	if len(entries) != 2 || entries[0].Line != 3 || entries[1].Line != 7 || entries[1].Principals != "last@x" {
		t.Errorf("entries %+v", entries)
	}
	if len(errs) != 2 || errs[0].Line != 4 || errs[1].Line != 6 || !strings.Contains(errs[1].Error(), "unknown key option badopt") {
		t.Errorf("errors %v", errs)
	}
	if IsKRL([]byte(data)) || !IsKRL([]byte("SSHKRL\n\x00\x00\x00\x01")) {
		t.Error("IsKRL")
	}
}

// FuzzParseAllowed: any input parses without panicking, an accepted
// entry's key re-parses to itself, and every error names a line of the
// input.
func FuzzParseAllowed(f *testing.F) {
	const pub = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDW72VbjTf6fyX/dIu/9r1atXuORc7uJHHNAWZ5aqny3 k"
	for _, s := range []string{
		"a@b " + pub, `"a b" namespaces="git",valid-after="20200101" ` + pub, "# c\n\n", "a@b badopt " + pub,
		`a@b cert-authority ` + pub, "x", `"`, `a@b namespaces="` + "\n" + pub,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, errs := ParseAllowed(data)
		n := len(lines(data))
		for _, e := range errs {
			if e.Line < 1 || e.Line > n {
				t.Fatalf("error at line %d of %d", e.Line, n)
			}
		}
		for _, e := range entries {
			k, _, msg := parseKey(e.Key.String())
			if msg != "" || k.String() != e.Key.String() || !strings.HasPrefix(e.Key.Fingerprint(), "SHA256:") {
				t.Fatalf("entry %+v does not round-trip: %s", e, msg)
			}
			if e.Principals == "" || e.Line < 1 || e.Line > n {
				t.Fatalf("entry %+v", e)
			}
		}
		ParseKeys(data)
	})
}
