package workflow

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/internal/sshtest"
)

const testsManifest = `project: name: "signed"
workspace: writable: ["src/**"]
environment: type: "bwrap"
tests: default: command: "grep -q ok src/a.txt"
`

func testsPlan(id, content string) string {
	return "version: 1\nid: " + id + "\ngoal: Change a\ndirectives:\n  - type: FILE_WRITE\n    path: src/a.txt\n    content: \"" + content + "\\n\"\n  - type: RUN_TESTS\n"
}

// TestSignedResults signs result commits as git commit -S does, with
// git's configuration (run --sign) and with a named key (apply
// --sign=KEY): git verify-commit and git log --show-signature accept
// them, verify passes, and the audit log says who vouches for each run.
func TestSignedResults(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, map[string]string{"aos.cue": testsManifest, "src/a.txt": "a\n"})
	key, pub := sshtest.Key(t, "", "runner")
	other, _ := sshtest.Key(t, "", "other")
	allowed := filepath.Join(t.TempDir(), "allowed_signers")
	os.WriteFile(allowed, []byte(`runner@example.com namespaces="git" `+pub+"\n"), 0o644)
	git(t, dir, "config", "gpg.format", "ssh")
	git(t, dir, "config", "user.signingkey", key)

	// run --sign: the key of git's configuration.
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, testsPlan("signed-1", "ok"))}, Runtime: bwrapRuntime, Sign: &Signing{}})
	if err != nil || !res.OK() {
		t.Fatalf("run --sign: %v %+v", err, res)
	}
	git(t, dir, "-c", "gpg.ssh.allowedSignersFile="+allowed, "verify-commit", res.ResultCommit)
	if out := git(t, dir, "-c", "gpg.ssh.allowedSignersFile="+allowed, "log", "-1", "--show-signature", "aos/signed-1"); !strings.Contains(out, `Good "git" signature for runner@example.com`) {
		t.Errorf("git log --show-signature:\n%s", out)
	}
	if v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: "aos/signed-1"}); err != nil || !v.Report.OK || len(v.Jobs) != 1 || v.Rerun {
		t.Fatalf("verify: %v %+v", err, v)
	}
	if v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: "aos/signed-1", Runtime: bwrapRuntime, RerunJobs: true}); err != nil || !v.Report.OK || !v.Rerun {
		t.Fatalf("verify --rerun-jobs: %v %+v", err, v)
	}

	// apply --sign=KEY, the key named; and an unsigned run.
	if _, err := Propose(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, testsPlan("signed-2", "ok too"))}}); err != nil {
		t.Fatal(err)
	}
	res, err = Apply(ctx(), RunOptions{Dir: dir, Rev: "aos/signed-2", Runtime: bwrapRuntime, Sign: &Signing{Key: other, Format: "ssh"}})
	if err != nil || !res.OK() {
		t.Fatalf("apply --sign=KEY: %v %+v", err, res)
	}
	if out := git(t, dir, "-c", "gpg.ssh.allowedSignersFile="+allowed, "log", "-1", "--format=%G? %GF", "aos/signed-2"); !strings.HasPrefix(out, "U SHA256:") {
		t.Errorf("signed by the other key: %q", out)
	}
	if res, err = Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, testsPlan("unsigned", "ok"))}, Runtime: bwrapRuntime}); err != nil || !res.OK() {
		t.Fatalf("unsigned run: %v %+v", err, res)
	}

	// Who vouches, against the allowed signers given.
	all := "aos/signed-1 aos/signed-2 aos/unsigned"
	entries, err := Log(ctx(), LogOptions{Dir: dir, Range: all, AllowedSigners: allowed})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]*Vouch{}
	for _, e := range entries {
		by[e.PlanID] = e.Vouch
	}
	if v := by["signed-1"]; v == nil || v.By != VouchSignature || v.Signer != "runner@example.com" || !strings.HasPrefix(v.Key, "SHA256:") {
		t.Errorf("signed-1: %+v", v)
	}
	if v := by["signed-2"]; v == nil || v.By != VouchUnverified || !strings.Contains(v.Reason, "which no allowed signer lists") {
		t.Errorf("signed-2: %+v", v)
	}
	if v := by["unsigned"]; v == nil || v.By != VouchUnverified || !strings.Contains(v.Reason, "not signed") {
		t.Errorf("unsigned: %+v", v)
	}
	// git's own gpg.ssh.allowedSignersFile is the default.
	git(t, dir, "config", "gpg.ssh.allowedSignersFile", allowed)
	if entries, err = Log(ctx(), LogOptions{Dir: dir, Range: all}); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.PlanID == "signed-1" && (e.Vouch == nil || e.Vouch.By != VouchSignature) {
			t.Errorf("with gpg.ssh.allowedSignersFile: %+v", e.Vouch)
		}
	}
	// A server note vouches for the unsigned run.
	repo := openRepo(t, dir)
	defer repo.Close()
	who := gitops.Ident{Name: "git-aos", Email: "git-aos@localhost"}
	unsignedID := git(t, dir, "rev-parse", "aos/unsigned")
	if err := repo.SetNote(NotesRef, unsignedID, who, "vouch", func(string) string {
		return VouchNoteLine(Vouch{By: VouchRunnerLogin, Login: "ci-runner"}) + "\n"
	}); err != nil {
		t.Fatal(err)
	}
	if entries, err = Log(ctx(), LogOptions{Dir: dir, Range: all}); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.PlanID == "unsigned" && (e.Vouch == nil || e.Vouch.By != VouchRunnerLogin || e.Vouch.Login != "ci-runner") {
			t.Errorf("noted runner login: %+v", e.Vouch)
		}
	}
}

// TestSignFailureMovesNothing: a key git cannot sign with is an error
// with a hint, and neither run nor apply moves a ref.
func TestSignFailureMovesNothing(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, map[string]string{"aos.cue": testsManifest, "src/a.txt": "a\n"})
	before := takeSnapshot(t, dir)
	missing := &Signing{Key: filepath.Join(t.TempDir(), "no-such-key"), Format: "ssh"}
	_, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, testsPlan("s-1", "ok"))}, Runtime: bwrapRuntime, Sign: missing})
	if !errors.Is(err, gitops.ErrSign) || !strings.Contains(strings.Join(aos.Hints(err), "\n"), "--sign=KEY") {
		t.Fatalf("run with a missing key: %v", err)
	}
	if after := takeSnapshot(t, dir); after != before {
		t.Errorf("a failed signature changed the repository:\n%+v\n%+v", before, after)
	}
	if _, err := Propose(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, testsPlan("s-2", "ok"))}}); err != nil {
		t.Fatal(err)
	}
	tip := git(t, dir, "rev-parse", "aos/s-2")
	if _, err := Apply(ctx(), RunOptions{Dir: dir, Rev: "aos/s-2", Runtime: bwrapRuntime, Sign: missing}); !errors.Is(err, gitops.ErrSign) {
		t.Fatalf("apply with a missing key: %v", err)
	}
	if got := git(t, dir, "rev-parse", "aos/s-2"); got != tip {
		t.Errorf("the branch moved to %s", got)
	}
}
