package aos

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuoteAsGit compares Quote with git's own quoting of paths (git
// ls-files, core.quotePath on) on names holding every byte git escapes.
func TestQuoteAsGit(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed: ", err)
	}
	dir := t.TempDir()
	names := []string{"plain.txt", "with space", "tab\there", "new\nline", "cr\rx", "esc\x1b[2Jx", "bell\ax",
		"back\\slash", `dq"x`, "del\x7fx", "caf\u00e9", "bidi\u202eexe.txt", "ls\u2028x", "\x01\x02\x1f",
		"a:b", "x,y=z", "%0A"}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	git("init", "-q")
	git("add", "-A")
	listed := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSuffix(git("-c", "core.quotePath=true", "ls-files"), "\n"), "\n") {
		listed[l] = true
	}
	for _, n := range names {
		if q := Quote(n); !listed[q] {
			t.Errorf("Quote(%q) = %s, which git does not print (it prints %v)", n, q, listed)
		}
	}
}

// TestOutputIsInert checks that no quoted or sanitized string can start
// a line, hold a terminal escape, or a workflow command of either syntax.
func TestOutputIsInert(t *testing.T) {
	t.Parallel()
	hostile := []string{
		"x\n::add-mask::secret", "x\r::error file=a::boom", "\n::error::x", "::warning::x", "  ::notice::x",
		"\t::group::x", "a##[error]b", "###[stop-commands]tok", "##[add-mask]s", "x\x1b]8;;http://e\x07y",
		"x\u0085::error::y", "x\u2028::error::y", "x\u2029y", "rtl\u202ecod.exe", "x\x9b31m", "\xff\xfe::x",
		"# #[x", "#\n#[x",
	}
	for _, s := range hostile {
		for name, out := range map[string]string{"Quote": Quote(s), "Sanitize": Sanitize(s)} {
			if strings.ContainsAny(out, "\n\r\x1b\x07\x85") || strings.Contains(out, "##[") ||
				strings.ContainsRune(out, 0x2028) || strings.ContainsRune(out, 0x2029) || strings.ContainsRune(out, 0x202e) ||
				strings.ContainsRune(out, 0x9b) || strings.ContainsRune(out, 0x85) {
				t.Errorf("%s(%q) = %q holds a character a terminal or runner acts on", name, s, out)
			}
			if strings.HasPrefix(strings.TrimLeft(out, " \t"), "::") && name == "Quote" {
				t.Errorf("%s(%q) = %q starts a workflow command", name, s, out)
			}
		}
	}
	for _, s := range []string{"src/a.go", "docs/naïve.md", "a b", "x::y"} {
		if Sanitize(s) != s {
			t.Errorf("Sanitize(%q) = %q, want it unchanged", s, Sanitize(s))
		}
	}
}

// FuzzQuote checks on any string that Quote and Sanitize leave nothing a
// terminal or CI runner acts on, that Quote changes only what needs it,
// and that a quoted path reads back (as git's unquote_c_style does) to
// the path.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"src/a.go", "x\n::add-mask::y", "##[error]x", "caf\u00e9", "\x1b[2J", "a\"b\\c", " ::x", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, z := Quote(s), Sanitize(s)
		for _, out := range []string{q, z} {
			if strings.ContainsAny(out, "\n\r\x1b\x07") || strings.Contains(out, "##[") {
				t.Fatalf("%q -> %q", s, out)
			}
		}
		if strings.HasPrefix(strings.TrimLeft(q, " "), "::") {
			t.Fatalf("Quote(%q) = %q starts a workflow command", s, q)
		}
		if q == s {
			return
		}
		if got, ok := unquoteC(q); !ok || got != s {
			t.Fatalf("Quote(%q) = %s reads back as %q", s, q, got)
		}
	})
}

// unquoteC reads a C-quoted string as git's unquote_c_style does.
func unquoteC(q string) (string, bool) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(q)-1; i++ {
		c := q[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		switch q[i] {
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'v':
			b.WriteByte('\v')
		case 'f':
			b.WriteByte('\f')
		case 'r':
			b.WriteByte('\r')
		case '"', '\\':
			b.WriteByte(q[i])
		default:
			if i+2 >= len(q) {
				return "", false
			}
			n := 0
			for _, d := range q[i : i+3] {
				if d < '0' || d > '7' {
					return "", false
				}
				n = n*8 + int(d-'0')
			}
			b.WriteByte(byte(n))
			i += 2
		}
	}
	return b.String(), true
}
