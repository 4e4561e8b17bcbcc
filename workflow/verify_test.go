package workflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/internal/benchplan"
	"github.com/architectos/aos/internal/objdamage"
	"github.com/architectos/aos/internal/procgroup"
)

// tamper makes a commit with the result commit's message and parent and
// a tree changed by edit in a worktree.
func tamper(t *testing.T, dir, rev string, edit func(wt string)) string {
	t.Helper()
	wt := filepath.Join(t.TempDir(), "wt")
	git(t, dir, "worktree", "add", "-q", "--detach", wt, rev)
	edit(wt)
	git(t, wt, "add", "-A")
	git(t, wt, "commit", "-q", "--amend", "--no-edit", "--allow-empty")
	id := git(t, wt, "rev-parse", "HEAD")
	git(t, dir, "worktree", "remove", "--force", wt)
	return id
}

func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, siteFiles)
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, rescuePlan)}})
	if err != nil || !res.OK() {
		t.Fatalf("run: %v %+v", err, res)
	}
	ok, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: res.ResultCommit})
	if err != nil || !ok.Report.OK {
		t.Fatalf("verify of an honest result: %v %+v", err, ok.Report)
	}
	cases := []struct {
		name string
		edit func(wt string)
		want string
	}{
		{"one more file", func(wt string) {
			os.WriteFile(filepath.Join(wt, "wp-content", "backdoor.php"), []byte("<?php eval($_GET['x']);\n"), 0o644)
		}, "wp-content/backdoor.php: extra file"},
		{"one changed byte", func(wt string) {
			p := filepath.Join(wt, "wp-config.php")
			b, _ := os.ReadFile(p)
			b[len(b)-3] ^= 1
			os.WriteFile(p, b, 0o644)
		}, "wp-config.php: expected blob"},
		{"a file removed", func(wt string) {
			os.Remove(filepath.Join(wt, "notes", "quarantine", "hello.php.txt"))
		}, "notes/quarantine/hello.php.txt: missing"},
		{"a read-only file changed", func(wt string) {
			os.WriteFile(filepath.Join(wt, "wp-includes", "load.php"), []byte("<?php // owned\n"), 0o644)
		}, "wp-includes/load.php: expected blob"},
		{"the run record edited", func(wt string) {
			p := filepath.Join(wt, ".aos", "runs", "rescue-1.json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(b), `"status": "ok"`, `"status": "skipped"`, 1)), 0o644)
		}, ".aos/runs/rescue-1.json: the run record differs: line"},
		{"the mode changed", func(wt string) {
			os.Chmod(filepath.Join(wt, "wp-config.php"), 0o755)
		}, "mode 100755"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := tamper(t, dir, res.ResultCommit, c.edit)
			v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: bad})
			if err != nil {
				t.Fatal(err)
			}
			if v.Report.OK {
				t.Fatal("verify accepted a tampered commit")
			}
			msg := v.Report.Violations[0].Message
			if !strings.Contains(msg, c.want) {
				t.Errorf("message %q, want it to contain %q", msg, c.want)
			}
		})
	}
	t.Run("message trailers edited", func(t *testing.T) {
		wt := filepath.Join(t.TempDir(), "wt")
		git(t, dir, "worktree", "add", "-q", "--detach", wt, res.ResultCommit)
		msg := git(t, wt, "log", "-1", "--format=%B")
		msg = strings.Replace(msg, "Aos-Result: pass", "Aos-Result: fail", 1)
		git(t, wt, "commit", "-q", "--amend", "--allow-empty", "-m", msg)
		bad := git(t, wt, "rev-parse", "HEAD")
		v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: bad})
		if err != nil {
			t.Fatal(err)
		}
		if v.Report.OK || !strings.Contains(v.Report.Violations[0].Message, "Aos-Result") {
			t.Errorf("%+v", v.Report)
		}
	})
	t.Run("a plain commit", func(t *testing.T) {
		// It makes no claim to be a result commit: a usage error.
		if _, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: "main"}); !errors.Is(err, aos.ErrUsage) || !strings.Contains(err.Error(), "not a result commit") {
			t.Errorf("%v", err)
		}
	})
	t.Run("the manifest loosened in the base", func(t *testing.T) {
		// A result made under one manifest does not verify against
		// another that the caller trusts.
		lm, err := loadManifest(srcOf("project.yml", strings.Replace(siteManifest, "allow_delete: true", "allow_delete: false", 1)), "project.yml", "")
		if err != nil {
			t.Fatal(err)
		}
		repo := openRepo(t, dir)
		v, err := VerifyCommit(ctx(), repo, res.ResultCommit, VerifyOptions{Manifest: lm})
		if err != nil {
			t.Fatal(err)
		}
		if v.Report.OK || !strings.Contains(v.Report.Violations[0].Message, "judged by manifest") {
			t.Errorf("%+v", v.Report)
		}
	})
}

// TestKilledApply kills apply at many moments and checks that the branch
// is always either at the plan commit or at a result commit that
// verifies: never half-written. Each kill lands in a fresh copy of the
// repository, so that a result found after a kill is made only of objects
// that its own run wrote. Once what the killed process left running has
// exited, no lock file may be left to block the next apply, and the
// repository must pass git fsck.
func TestKilledApply(t *testing.T) {
	t.Parallel()
	files := map[string]string{"project.yml": siteManifest}
	for i := 0; i < 300; i++ {
		files[fmt.Sprintf("wp-content/f%03d.txt", i)] = strings.Repeat("x", 100)
	}
	pristine := newRepo(t, files)
	var plan strings.Builder
	plan.WriteString("version: 1\nid: big-1\ngoal: many writes\ndirectives:\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&plan, "  - type: FILE_WRITE\n    path: wp-content/new/%04d.txt\n    content: \"%d\"\n", i, i)
	}
	res, err := Propose(ctx(), RunOptions{Dir: pristine, Plan: PlanSource{File: writePlan(t, plan.String())}})
	if err != nil || !res.OK() {
		t.Fatalf("propose: %v %+v", err, res)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// child starts apply in a process group of its own, in a fresh copy
	// of the proposed repository.
	child := func() (*exec.Cmd, string) {
		dir := filepath.Join(t.TempDir(), "repo")
		if out, err := exec.Command("cp", "-a", pristine, dir).CombinedOutput(); err != nil {
			t.Fatalf("copy the repository: %v\n%s", err, out)
		}
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), "AOS_TEST_CHILD=apply", "AOS_TEST_DIR="+dir, "AOS_TEST_ARG=aos/big-1")
		// Its own process group, so that the git processes it started,
		// which outlive it, can be waited for.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		return cmd, dir
	}
	// Unkilled, the child applies the plan; its duration spaces the kills.
	cmd, dir := child()
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("apply in a child: %v\n%s", err, out)
	}
	full := time.Since(start)
	done := git(t, dir, "rev-parse", "aos/big-1")
	if done == res.PlanCommit {
		t.Fatal("the child did not apply the plan")
	}
	if v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: "aos/big-1"}); err != nil || !v.Report.OK {
		t.Fatalf("the unkilled result does not verify: %v %+v", err, v)
	}
	outcomes := map[string]int{}
	// Thirteen kills spread over the unkilled run's duration, the last
	// where the ref moves, and up to three well after it until both
	// outcomes are seen, so that a slower machine still sees them.
	const rounds = 16
	for i := 0; i < rounds; i++ {
		if i >= 13 && outcomes["before"] > 0 && outcomes["after"] > 0 {
			break
		}
		delay := full * time.Duration(i) / 12
		if i >= 13 {
			delay = full * time.Duration(2*(i-12)+1) // 3, 5 and 7 times
		}
		cmd, dir := child()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		select {
		case <-time.After(delay):
			cmd.Process.Signal(syscall.SIGKILL)
			<-exited
		case <-exited: // finished before its kill
		}
		// The git commands the killed process started run on, reading
		// the end of their input; they are what could leave a lock.
		waitGroupGone(t, cmd.Process.Pid)
		switch tip := git(t, dir, "rev-parse", "aos/big-1"); tip {
		case res.PlanCommit:
			outcomes["before"]++
		case done:
			// The same commit as the unkilled run's, which verified; its
			// objects are all in this copy if fsck passes below.
			outcomes["after"]++
		default:
			outcomes["after"]++
			if got := git(t, dir, "rev-parse", "aos/big-1^"); got != res.PlanCommit {
				t.Fatalf("after a kill at %v the branch is at %s, whose parent is not the plan commit", delay, tip)
			}
			v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: "aos/big-1"})
			if err != nil || !v.Report.OK {
				t.Fatalf("after a kill at %v the result does not verify: %v %+v", delay, err, v)
			}
		}
		filepath.WalkDir(filepath.Join(dir, ".git"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.HasSuffix(p, ".lock") {
				t.Errorf("after a kill at %v, %s is left", delay, p)
			}
			return nil
		})
		git(t, dir, "fsck", "--strict", "--no-dangling")
	}
	t.Logf("apply takes %v unkilled; outcomes: %v", full, outcomes)
	if outcomes["before"] == 0 || outcomes["after"] == 0 {
		t.Error("the kills did not land both before and after the ref moved; the test proves less than it should")
	}
}

// waitGroupGone waits until no live process is left in process group
// pgid: killed processes may take a moment to exit, and their children run
// on until they see their input end.
func waitGroupGone(t *testing.T, pgid int) {
	t.Helper()
	if !procgroup.WaitGone(pgid, 5*time.Minute) {
		t.Fatalf("processes of group %d are still alive 5 minutes after the kill", pgid)
	}
}

func TestLog(t *testing.T) {
	t.Parallel()
	dir := newRepo(t, siteFiles)
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, rescuePlan)}})
	if err != nil || !res.OK() {
		t.Fatal(err)
	}
	git(t, dir, "merge", "-q", "--ff-only", "aos/rescue-1")
	second := `version: 1
id: notes-2
goal: Write a note
directives:
  - type: FILE_WRITE
    path: notes/readme.md
    content: "# Notes\n"
  - type: GET_HISTORY
`
	res2, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, second)}})
	if err != nil || !res2.OK() {
		t.Fatal(err)
	}
	// GET_HISTORY of the second plan answers from the audit log of its
	// base: the first run.
	hist, ok := res2.Answers[1].([]LogEntry)
	if !ok || len(hist) != 1 || hist[0].PlanID != "rescue-1" {
		t.Fatalf("GET_HISTORY: %#v", res2.Answers[1])
	}
	entries, err := Log(ctx(), LogOptions{Dir: dir, Range: "aos/notes-2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].PlanID != "notes-2" || entries[1].PlanID != "rescue-1" {
		t.Fatalf("log: %+v", entries)
	}
	b, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	// report's golden text of the log is rendered from this file.
	golden(t, "log.json", append(b, '\n'))
	// A range excludes what it should.
	only, err := Log(ctx(), LogOptions{Dir: dir, Range: "main..aos/notes-2"})
	if err != nil || len(only) != 1 || only[0].PlanID != "notes-2" {
		t.Errorf("range log: %v %+v", err, only)
	}
	if _, err := Log(ctx(), LogOptions{Dir: dir, Range: "--output=/tmp/x"}); err == nil {
		t.Error("an option passed as a range was accepted")
	}
}

func TestEnvironmentInfoHidesValues(t *testing.T) {
	t.Setenv("AOS_TEST_SECRET", "hunter2-value")
	dir := newRepo(t, map[string]string{"project.yml": siteManifest + "environment:\n  type: bwrap\n  variables:\n    API_TOKEN: hunter3-value\n", "wp-content/a.txt": "a"})
	plan := "version: 1\nid: env-1\ngoal: look\ndirectives:\n  - type: GET_ENVIRONMENT_INFO\n  - type: FILE_WRITE\n    path: wp-content/b.txt\n    content: b\n"
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, plan)}, Runtime: &Runtime{Version: "v9.9.9"}})
	if err != nil || !res.OK() {
		t.Fatalf("%v %+v", err, res)
	}
	b, _ := json.Marshal(res.Answers[0])
	s := string(b)
	for _, want := range []string{`"os":"linux"`, `"aos_version":"v9.9.9"`, `"sandbox":"bwrap"`, `"git_version":"git version`, `"variables":["API_TOKEN"]`} {
		if !strings.Contains(s, want) {
			t.Errorf("environment info lacks %s: %s", want, s)
		}
	}
	for _, secret := range []string{"hunter2", "hunter3"} {
		if strings.Contains(s, secret) {
			t.Errorf("environment info reveals a value: %s", s)
		}
	}
	// The record keeps no digest of a host-dependent reply.
	if res.Record.Directives[0].ReplyDigest != "" {
		t.Errorf("GET_ENVIRONMENT_INFO has a reply digest")
	}
	if v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: res.ResultCommit}); err != nil || !v.Report.OK {
		t.Errorf("verify: %v %+v", err, v)
	}
}

// TestVerifyUnderPolicy: a result made under the repository's manifest
// alone verifies against a server's manifest-with-policy when its plan
// passes that too, and is refused when it does not.
func TestVerifyUnderPolicy(t *testing.T) {
	t.Parallel()
	pol := filepath.Join(t.TempDir(), "org.cue")
	if err := os.WriteFile(pol, []byte("policies: {allow_delete: false, require_approval: _}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The site manifest says allow_delete: true; unified with a policy
	// pinning false it is an error, so the policy here tightens a field
	// the manifest leaves open instead, and leaves require_approval to
	// the repository (a policy closes the fields of policies it does not
	// name, docs/spec.md 2.6).
	strictSrc := strings.Replace(siteManifest, "  allow_delete: true\n", "", 1)
	dir2 := newRepo(t, map[string]string{"project.yml": strictSrc, "wp-content/a.txt": "a\n", "wp-content/b.txt": "b\n"})
	plain2, err := loadManifest(srcOf("project.yml", strictSrc), "project.yml", "")
	if err != nil {
		t.Fatal(err)
	}
	strict2, err := loadManifest(srcOf("project.yml", strictSrc), "project.yml", pol)
	if err != nil {
		t.Fatal(err)
	}
	repo := openRepo(t, dir2)
	ok := "version: 1\nid: ok-1\ngoal: write\ndirectives:\n  - type: FILE_WRITE\n    path: wp-content/c.txt\n    content: c\n"
	res, err := Run(ctx(), RunOptions{Dir: dir2, Plan: PlanSource{File: writePlan(t, ok)}})
	if err != nil || !res.OK() {
		t.Fatalf("%v %+v", err, res)
	}
	v, err := VerifyCommit(ctx(), repo, res.ResultCommit, VerifyOptions{Manifest: strict2, Plain: plain2})
	if err != nil || !v.Report.OK {
		t.Fatalf("a plan that passes the policy: %v %+v", err, v.Report)
	}
	// Without Plain, the digests differ: refused, naming both.
	v, err = VerifyCommit(ctx(), repo, res.ResultCommit, VerifyOptions{Manifest: strict2})
	if err != nil || v.Report.OK || !strings.Contains(v.Report.Violations[0].Message, "judged by manifest") {
		t.Fatalf("without the plain manifest: %v %+v", err, v.Report)
	}
	// A plan that writes a file larger than the policy allows: it passes
	// the repository's manifest, and verify under the policy refuses it.
	tight := filepath.Join(t.TempDir(), "tight.cue")
	if err := os.WriteFile(tight, []byte("policies: {max_file_size_kb: 1, require_approval: _}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	strict3, err := loadManifest(srcOf("project.yml", strictSrc), "project.yml", tight)
	if err != nil {
		t.Fatal(err)
	}
	big := "version: 1\nid: big-2\ngoal: write\ndirectives:\n  - type: FILE_WRITE\n    path: wp-content/big.txt\n    content: \"" + strings.Repeat("x", 2048) + "\"\n"
	res, err = Run(ctx(), RunOptions{Dir: dir2, Plan: PlanSource{File: writePlan(t, big)}})
	if err != nil || !res.OK() {
		t.Fatalf("%v %+v", err, res)
	}
	v, err = VerifyCommit(ctx(), repo, res.ResultCommit, VerifyOptions{Manifest: strict3, Plain: plain2})
	if err != nil {
		t.Fatal(err)
	}
	if v.Report.OK || v.Report.Violations[0].Rule != "verify.policy" {
		t.Fatalf("a plan over the policy's size limit: %+v", v.Report)
	}
	found := false
	for _, x := range v.Report.Violations {
		found = found || x.Rule == "policies.max_file_size_kb"
	}
	if !found {
		t.Errorf("the policy's rule is not named: %+v", v.Report.Violations)
	}
}

// TestVerifyLargePlans runs and verifies plans large enough that git
// streams them while they are parsed and digested (gitops.StreamBlob,
// planfile.ParseSource), in both formats; a plan blob damaged on disk is
// then named as damaged, never judged.
func TestVerifyLargePlans(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"yaml", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			dir := newRepo(t, map[string]string{"project.yml": "project:\n  name: large\nworkspace:\n  writable: [\"src/**\"]\n", "src/readme.txt": "large\n"})
			p := filepath.Join(t.TempDir(), "plan."+format)
			if err := os.WriteFile(p, benchplan.Sized(format, 300, 10*1024), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: p}})
			if err != nil || !res.OK() {
				t.Fatalf("run: %v %+v", err, res.Report)
			}
			v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: res.ResultCommit})
			if err != nil || !v.Report.OK {
				t.Fatalf("verify of a large plan's result: %v %+v", err, v.Report)
			}
			plan := git(t, dir, "rev-parse", res.ResultCommit+"^:.aos/plans/bench."+format)
			if size := git(t, dir, "cat-file", "-s", plan); len(size) < 7 {
				t.Fatalf("the plan is %s bytes: too small to be streamed", size)
			}
			// The run wrote a pack: its objects are made loose, and the
			// plan's is damaged.
			packs, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.pack"))
			for _, pack := range packs {
				moved := filepath.Join(t.TempDir(), "p.pack")
				if err := os.Rename(pack, moved); err != nil {
					t.Fatal(err)
				}
				os.Remove(strings.TrimSuffix(pack, ".pack") + ".idx")
				f, err := os.Open(moved)
				if err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command("git", "unpack-objects", "-q")
				cmd.Dir, cmd.Stdin = dir, f
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git unpack-objects: %v\n%s", err, out)
				}
				f.Close()
			}
			objdamage.Loose(t, dir, plan, "swapped")
			_, err = Verify(ctx(), VerifyOptions{Dir: dir, Rev: res.ResultCommit})
			var de *gitops.DamagedError
			if !errors.As(err, &de) || de.ID != plan {
				t.Fatalf("verify with the plan blob swapped on disk: %v; want a DamagedError naming %s", err, plan)
			}
		})
	}
}

// TestVerifyWithPrefetch verifies result commits with their plan read
// ahead (PrefetchPlan) and without: the verdicts are the same for an
// honest result and a tampered one, whether the plan was read ahead under
// the limits verify reads it within or under others (then parsed again),
// and a prefetch of another commit is left alone.
func TestVerifyWithPrefetch(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"yaml", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			dir := newRepo(t, map[string]string{"project.yml": "project:\n  name: ahead\nworkspace:\n  writable: [\"src/**\"]\n", "src/readme.txt": "ahead\n"})
			p := filepath.Join(t.TempDir(), "plan."+format)
			if err := os.WriteFile(p, benchplan.Sized(format, 200, 10*1024), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: p}})
			if err != nil || !res.OK() {
				t.Fatalf("run: %v %+v", err, res.Report)
			}
			bad := tamper(t, dir, res.ResultCommit, func(wt string) {
				os.WriteFile(filepath.Join(wt, "src", "gen", "03", "f0003.txt"), []byte("changed\n"), 0o644)
			})
			lm, err := loadManifest(srcOf("project.yml", "project:\n  name: ahead\nworkspace:\n  writable: [\"src/**\"]\n"), "project.yml", "")
			if err != nil {
				t.Fatal(err)
			}
			lim := planfile.LimitsFrom(lm.Policies)
			verdict := func(id string, ahead func(repo *gitops.Repo) *Prefetch) string {
				repo := openRepo(t, dir)
				defer repo.Close()
				pf := ahead(repo)
				defer pf.Wait()
				v, err := VerifyCommit(ctx(), repo, id, VerifyOptions{Manifest: lm, Prefetch: pf})
				if err != nil {
					t.Fatal(err)
				}
				// The two results share their plan commit: its plan is
				// taken up for either, a record only for its commit.
				if pf != nil && (!pf.planTaken || pf.recordTaken != (pf.commit == id)) {
					t.Errorf("%.12s, read ahead for %.12s: plan taken %v, record taken %v", id, pf.commit, pf.planTaken, pf.recordTaken)
				}
				return fmt.Sprintf("%v %v", v.Report.OK, v.Report.Violations)
			}
			none := func(*gitops.Repo) *Prefetch { return nil }
			for _, id := range []string{res.ResultCommit, bad} {
				want := verdict(id, none)
				for name, ahead := range map[string]func(*gitops.Repo) *Prefetch{
					"read ahead": func(r *gitops.Repo) *Prefetch {
						pf := PrefetchPlan(ctx(), r, id, lim)
						if pf == nil {
							t.Fatalf("%.12s: nothing read ahead", id)
						}
						return pf
					},
					"other limits": func(r *gitops.Repo) *Prefetch {
						return PrefetchPlan(ctx(), r, id, planfile.Limits{MaxBytes: lim.MaxBytes, MaxDirectives: 100})
					},
					"another commit": func(r *gitops.Repo) *Prefetch {
						other := bad
						if id == bad {
							other = res.ResultCommit
						}
						return PrefetchPlan(ctx(), r, other, lim)
					},
				} {
					if got := verdict(id, ahead); got != want {
						t.Errorf("%.12s, %s: %s; without it: %s", id, name, got, want)
					}
				}
			}
			if !strings.HasPrefix(verdict(res.ResultCommit, none), "true") || strings.HasPrefix(verdict(bad, none), "true") {
				t.Fatal("the honest result does not verify, or the tampered one does")
			}
			// A plan over the limit is not read ahead; nor is a plan commit.
			repo := openRepo(t, dir)
			defer repo.Close()
			if pf := PrefetchPlan(ctx(), repo, res.ResultCommit, planfile.Limits{MaxBytes: 1000, MaxDirectives: 1000}); pf != nil {
				pf.Wait()
				t.Error("a plan over the limit was read ahead")
			}
			if pf := PrefetchPlan(ctx(), repo, res.PlanCommit, lim); pf != nil {
				pf.Wait()
				t.Error("a plan commit was taken for a result commit")
			}
		})
	}
}
