package trailer

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// trailerLines are the kinds of line git's trailer parser tells apart.
var trailerLines = []string{
	"", " ", "\t", "---", "--- x", "---x", "---\t", "-- -",
	"#comment", "# " + strings.TrimSuffix(cutLine, "\n"), "#" + strings.TrimSuffix(cutLine, "\n"),
	"Key: value", "Key : value", "Key:value", "Key\t: v", "K-e-y: v", "Key x: v", "K:", "K: ", ":nokey", "-K: v",
	"Aos-Run: .aos/runs/x.json", "aos-run: y", "Aos-Plan-Id: p", "AOS-RESULT : pass",
	" continuation", "\tcont tab", "  Aos-Run: indented",
	"Signed-off-by: A <a@x>", "(cherry picked from commit abc)",
	"plain text", "Conflicts:", "\tpath/conflict", "K: v\r", "\r", "https://example.com: x",
}

func randomMessage(rng *rand.Rand) string {
	n := 1 + rng.Intn(12)
	lines := make([]string, n)
	for i := range lines {
		lines[i] = trailerLines[rng.Intn(len(trailerLines))]
	}
	if rng.Intn(2) == 0 {
		lines[0] = "subject"
	}
	msg := strings.Join(lines, "\n")
	if rng.Intn(4) != 0 {
		msg += "\n"
	}
	return msg
}

func run(t *testing.T, dir string, env []string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// randomBlock is a subject and a last paragraph mixing trailers, git's
// own trailers, continuation lines and other lines in proportions around
// the quarter that decides whether it is a trailer block.
func randomBlock(rng *rand.Rand) string {
	kinds := []string{"Key: v", "Signed-off-by: a", "other line", " continued", "Aos-Run: x"}
	var b strings.Builder
	b.WriteString("subject\n\nbody\n\n")
	for i, n := 0, 1+rng.Intn(9); i < n; i++ {
		b.WriteString(kinds[rng.Intn(len(kinds))] + "\n")
	}
	return b.String()
}

// gitTrailers runs git interpret-trailers --parse on msg.
func gitTrailers(t *testing.T, msg string, divider bool) ([]Trailer, bool) {
	t.Helper()
	args := []string{"interpret-trailers", "--parse"}
	if !divider {
		args = append(args, "--no-divider")
	}
	// git 2.39 loops forever on some messages. A loop is told by the CPU
	// time git burns, not by the wall clock, which a busy machine
	// stretches: a message takes git a few milliseconds of CPU time.
	cmd := exec.Command("git", args...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	cmd.Stdin = strings.NewReader(msg)
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("git interpret-trailers: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Minute)
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-tick.C:
			if cpuTime(cmd.Process.Pid) >= time.Second {
				cmd.Process.Kill()
				<-done
				return nil, false
			}
		case <-deadline:
			cmd.Process.Kill()
			<-done
			t.Fatalf("git interpret-trailers neither finished nor used a second of CPU time in 5 minutes on %q", msg)
		}
	}
	if err != nil {
		t.Fatalf("git interpret-trailers: %v", err)
	}
	out := stdout.String()
	var ts []Trailer
	for _, l := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		if l == "" {
			continue
		}
		k, v, _ := strings.Cut(l, ":")
		ts = append(ts, Trailer{Key: k, Value: strings.TrimPrefix(v, " ")})
	}
	return ts, true
}

// cpuTime is the CPU time a running process has used, from
// /proc/PID/stat (utime and stime, fields 14 and 15, in clock ticks of
// 1/100 s on Linux); 0 once it is gone.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	var ticks int64
	for _, s := range f[11:13] {
		var n int64
		fmt.Sscan(s, &n)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// TestAgainstGit compares Read with git interpret-trailers
// --parse, with and without --no-divider, on random messages made of the
// lines git's parser tells apart: "---" lines, continuation lines,
// comments, scissors, non-trailer lines in the last paragraph, git's own
// trailers.
func TestAgainstGit(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(11))
	fixed := []string{
		"subject\n\nAos-Run: x\n",
		"subject\n\nbody\n---\n\nAos-Run: x\nK: v\n",
		"subject\n\nK: v\n continued\n  and more\n",
		"subject\n\nSigned-off-by: a\nnot a trailer\nK: v\n",
		"subject\n\nK: v\n# comment\nL: w\n\n# trailing comment\n",
		"subject\n\nK: v\n# " + cutLine + "L: w\n",
		"subject\n\nK: v\nConflicts:\n\ta.txt\n",
	}
	for i := 0; i < 300; i++ {
		fixed = append(fixed, randomMessage(rng), randomBlock(rng))
	}
	for _, msg := range fixed {
		for _, divider := range []bool{true, false} {
			got, ok := Read(msg, divider)
			if !ok {
				// git loops forever on these; check one in ten.
				if rng.Intn(10) == 0 {
					if _, gitOK := gitTrailers(t, msg, divider); gitOK {
						t.Errorf("Read(%q, %v) has no reading; git reads it", msg, divider)
					}
				}
				continue
			}
			want, gitOK := gitTrailers(t, msg, divider)
			if !gitOK {
				t.Errorf("git never finishes reading %q (divider %v); ReadTrailers reads %q", msg, divider, got)
				continue
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
				t.Errorf("Read(%q, divider %v) = %q, git reads %q", msg, divider, got, want)
			}
		}
	}
}

// TestGitLog: without the divider, the reading is that of git
// log --format=%(trailers), which ignores "---" lines.
func TestGitLog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run(t, dir, nil, "", "init", "-q")
	msg := "subject\n\nbody\n---\n\nAos-Run: x\nK: v\n"
	env := []string{"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@x"}
	tree := run(t, dir, nil, "", "hash-object", "-t", "tree", "-w", "--stdin")
	c := run(t, dir, env, msg, "commit-tree", tree)
	log := run(t, dir, nil, "", "log", "-1", "--format=%(trailers:unfold,only)", c)
	got, _ := Read(msg, false)
	var want []string
	for _, tr := range got {
		want = append(want, tr.Key+": "+tr.Value)
	}
	if log != strings.Join(want, "\n") {
		t.Errorf("git log reads %q, ReadTrailers without divider %q", log, want)
	}
	if with, _ := Read(msg, true); len(with) != 0 {
		t.Errorf("with the divider: %q, want none (git interpret-trailers stops at ---)", with)
	}
}

// FuzzRead: any message is read without a panic, in both
// modes, each trailer's key a token git accepts and its value trimmed
// and unfolded.
func FuzzRead(f *testing.F) {
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 20; i++ {
		f.Add(randomMessage(rng))
	}
	f.Fuzz(func(t *testing.T, msg string) {
		for _, divider := range []bool{true, false} {
			ts, _ := Read(msg, divider)
			for _, tr := range ts {
				if tr.Key == "" || findSeparator(tr.Key+":") != len(tr.Key) || trim(tr.Value) != tr.Value || strings.Contains(tr.Value, "\n") {
					t.Fatalf("trailer %q of %q", tr, msg)
				}
			}
		}
		for _, tr := range Lines(msg) {
			if tr.Key == "" || strings.Contains(tr.Value, "\n") {
				t.Fatalf("line %q of %q", tr, msg)
			}
		}
	})
}

// FuzzReadClaim: commit messages come from anyone who can push. Reading
// their claim never fails but with a MessageError, and a claim that is
// accepted has one reading: git interpret-trailers, git log's and the
// lines' give the same Aos- trailers, all of a plan or result commit.
func FuzzReadClaim(f *testing.F) {
	msg, err := os.ReadFile(filepath.Join("..", "..", "workflow", "testdata", "golden", "rescue-1.message.txt"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(msg))
	f.Add("subject only")
	f.Add("subject\n\nAos-Run: x\nnot a trailer")
	f.Add("subject\n\n---\n\nAos-Plan-Id: p\nAos-Plan-Digest: d\n")
	f.Add("subject\n\nAos-Plan-Id: p\n continued\nAos-Plan-Digest: d\n")
	f.Fuzz(func(t *testing.T, m string) {
		claim, tr, err := ReadClaim(m)
		if err != nil {
			var me *Error
			if !errors.As(err, &me) {
				t.Fatalf("error %v is not an Error", err)
			}
			return
		}
		want := map[Claim]int{NoClaim: 0, PlanClaim: len(PlanKeys), ResultClaim: len(ResultKeys)}[claim]
		if len(tr) != want {
			t.Fatalf("claim %d with trailers %v", claim, tr)
		}
		strict, _ := Read(m, true)
		if a, c := aosOnly(strict), aosOnly(Lines(m)); !slices.Equal(a, c) || len(a) != want {
			t.Fatalf("accepted with readings %q and %q", a, c)
		}
	})
}
