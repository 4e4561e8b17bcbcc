package patch

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestCountLines(t *testing.T) {
	tests := []struct {
		name           string
		old, new       string
		added, deleted int
	}{
		{"same", "a\nb\n", "a\nb\n", 0, 0},
		{"both empty", "", "", 0, 0},
		{"created", "", "a\nb\n", 2, 0},
		{"emptied", "a\nb\nc\n", "", 0, 3},
		{"one line changed", "a\nb\nc\n", "a\nB\nc\n", 1, 1},
		{"newline added at the end", "a\nb", "a\nb\n", 1, 1},
		{"line appended without newline", "a\n", "a\nb", 1, 0},
		{"inserted among repeats", "}\n}\n}\n}\n", "}\n}\nx\n}\n}\n", 1, 0},
		{"moved line", "a\nb\nc\n", "c\na\nb\n", 1, 1},
		{"no unique lines", "x\nx\nx\n", "x\ny\nx\n", 1, 1},
		{"crlf", "a\r\nb\r\n", "a\nb\n", 2, 2},
		{"binary old", "a\x00b\n", "text\n", 0, 0},
		{"binary new", "text\n", "\x00", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, d := CountLines([]byte(tt.old), []byte(tt.new))
			if a != tt.added || d != tt.deleted {
				t.Errorf("CountLines = +%d -%d, want +%d -%d", a, d, tt.added, tt.deleted)
			}
		})
	}
}

func TestIsBinary(t *testing.T) {
	late := append(bytes.Repeat([]byte("a"), binaryProbe), 0)
	if IsBinary(late) {
		t.Error("a NUL after the first 8,000 bytes made the file binary; git looks at the first 8,000 only")
	}
	if !IsBinary(late[binaryProbe-1:]) {
		t.Error("a NUL in the first bytes did not make the file binary")
	}
}

// TestCountLinesAgainstGit compares the count with git's minimal diff on
// random files made of few distinct lines (many repeats, the hard case for
// an anchored diff): it is never below git's and always a valid edit
// script's count.
func TestCountLinesAgainstGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed as the oracle: ", err)
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func() []byte {
		var b strings.Builder
		n := rng.IntN(30)
		for range n {
			fmt.Fprintf(&b, "line %d\n", rng.IntN(6))
		}
		if rng.IntN(5) == 0 {
			b.WriteString("tail")
		}
		return []byte(b.String())
	}
	equal := 0
	const cases = 150
	for i := range cases {
		old := gen()
		// Mostly edits of old, sometimes an unrelated file.
		new := gen()
		if rng.IntN(4) > 0 {
			l := lines(old)
			for range 1 + rng.IntN(3) {
				if len(l) == 0 {
					break
				}
				j := rng.IntN(len(l))
				switch rng.IntN(3) {
				case 0:
					l = append(l[:j], l[j+1:]...)
				case 1:
					l[j] = "changed\n"
				default:
					l = append(l[:j], append([]string{"inserted\n"}, l[j:]...)...)
				}
			}
			new = []byte(strings.ReplaceAll(strings.Join(l, ""), "\n\\ No newline at end of file\n", ""))
		}
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		if err := os.WriteFile(a, old, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(b, new, 0o644); err != nil {
			t.Fatal(err)
		}
		out, _ := exec.Command("git", "diff", "--no-index", "--minimal", "--numstat", a, b).Output()
		ga, gd := 0, 0
		if f := strings.Fields(string(out)); len(f) >= 2 {
			ga, _ = strconv.Atoi(f[0])
			gd, _ = strconv.Atoi(f[1])
		}
		ca, cd := CountLines(old, new)
		if ca-cd != len(lines(new))-len(lines(old)) {
			t.Fatalf("case %d: +%d -%d does not turn %d lines into %d", i, ca, cd, len(lines(old)), len(lines(new)))
		}
		if ca+cd < ga+gd {
			t.Fatalf("case %d: +%d -%d is below git's minimal diff +%d -%d\nold:\n%s\nnew:\n%s", i, ca, cd, ga, gd, old, new)
		}
		if ca == ga && cd == gd {
			equal++
		}
	}
	// Edits of a few lines are where the counts should agree.
	if equal < cases/2 {
		t.Errorf("the count agrees with git's on %d of %d files, want most", equal, cases)
	}
}

// FuzzCountLines checks that any pair of files gives the count of an edit
// script from one to the other.
func FuzzCountLines(f *testing.F) {
	f.Add([]byte("a\nb\nc\n"), []byte("a\nB\nc\n"))
	f.Add([]byte("}\n}\n"), []byte("}\nx\n}"))
	f.Add([]byte(""), []byte("x"))
	f.Fuzz(func(t *testing.T, old, new []byte) {
		a, d := CountLines(old, new)
		if IsBinary(old) || IsBinary(new) {
			if a != 0 || d != 0 {
				t.Fatalf("binary: +%d -%d", a, d)
			}
			return
		}
		nx, ny := len(lines(old)), len(lines(new))
		if a < 0 || d < 0 || a > ny || d > nx || a-d != ny-nx {
			t.Fatalf("+%d -%d is no edit script from %d lines to %d", a, d, nx, ny)
		}
		if bytes.Equal(old, new) != (a == 0 && d == 0) {
			t.Fatalf("+%d -%d for files that are equal: %v", a, d, bytes.Equal(old, new))
		}
	})
}

// BenchmarkCountLines measures the worst inputs for minimal diffs: large
// files of repeated lines with scattered changes, where the anchored diff
// stays O(n log n).
func BenchmarkCountLines(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		var x, y strings.Builder
		for i := range n {
			x.WriteString("}\n")
			if i%97 == 0 {
				y.WriteString("changed\n")
			} else {
				y.WriteString("}\n")
			}
			fmt.Fprintf(&x, "line %d\n", i)
			fmt.Fprintf(&y, "line %d\n", (i*7919)%n)
		}
		old, new := []byte(x.String()), []byte(y.String())
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(old) + len(new)))
			for b.Loop() {
				CountLines(old, new)
			}
		})
	}
}
