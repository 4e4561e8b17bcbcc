package policy

import (
	"path"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/architectos/aos"
	"golang.org/x/text/unicode/norm"
)

// pathSeeds are the paths of the path-rule tables, plus the .git aliases
// of docs/spec.md 4.1.
var pathSeeds = []string{
	"src/main.go", "a", "", "/etc/passwd", "C:/x", `a\b`, "a\x00b", "a\u0085b",
	"cafe\u0301", "src/", "a//b", "a/.git/../b", "./a", "a/..", ".git", ".GIT",
	"x/.git./config", "x/.git /config", ".git::$INDEX_ALLOCATION/config",
	".g\u200cit/config", "git~1/config", "GIT~1", ".gitmodules", "a/.Gitmodules.",
	".gitattributes", "\xff", strings.Repeat("a/", 2049) + "b",
}

// FuzzCheckPath checks that any path CheckPath accepts is canonical and
// safe: path.Clean leaves it unchanged, it is relative, valid UTF-8 in NFC,
// without control characters or backslashes, and no segment is .git in
// any spelling.
func FuzzCheckPath(f *testing.F) {
	if len(pathSeeds) == 0 {
		f.Fatal("no seeds")
	}
	for _, p := range pathSeeds {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		err := CheckPath(p)
		if err != nil {
			if err.Rule == "" || !strings.HasPrefix(string(err.Rule), "path.") || err.Msg == "" {
				t.Fatalf("CheckPath(%q) = %+v: no rule or message", p, err)
			}
			return
		}
		switch {
		case path.Clean(p) != p:
			t.Fatalf("CheckPath accepted %q, which cleans to %q", p, path.Clean(p))
		case path.IsAbs(p) || hasDriveLetter(p):
			t.Fatalf("CheckPath accepted absolute %q", p)
		case !utf8.ValidString(p) || !norm.NFC.IsNormalString(p):
			t.Fatalf("CheckPath accepted %q: not UTF-8 NFC", p)
		case strings.ContainsAny(p, "\\\x00\x7f") || len(p) > MaxPathLen:
			t.Fatalf("CheckPath accepted %q", p)
		}
		for _, r := range p {
			if r < 0x20 || (r >= 0x80 && r <= 0x9f) {
				t.Fatalf("CheckPath accepted %q with control character %U", p, r)
			}
		}
		for seg := range strings.SplitSeq(p, "/") {
			if IsDotGit(seg) || seg == "." || seg == ".." || seg == "" {
				t.Fatalf("CheckPath accepted %q with segment %q", p, seg)
			}
			// What a case-insensitive file system, HFS+ or NTFS would
			// make of the segment must not be .git either.
			folded := strings.TrimRight(strings.ToLower(strings.Map(func(r rune) rune {
				if r == '\u200c' || r == '\u200d' || r == '\u200e' || r == '\u200f' || r == '\ufeff' {
					return -1
				}
				return r
			}, seg)), ". ")
			if before, _, ok := strings.Cut(folded, ":"); ok {
				folded = strings.TrimRight(before, ". ")
			}
			if folded == ".git" || folded == "git~1" {
				t.Fatalf("CheckPath accepted %q: segment %q folds to .git", p, seg)
			}
		}
	})
}

// FuzzGlobs checks that compiling a glob never panics, that an accepted
// glob compiles and matches without panicking, and that a rejected one
// is never half-compiled.
func FuzzGlobs(f *testing.F) {
	seeds := [][2]string{
		{"src/**", "src/a/b.go"}, {"**/*.pem", "a/b.pem"}, {"vendor/**", "vendor"},
		{"[a", "a"}, {"a/{b,c}/*.go", "a/c/x.go"}, {"/abs", "abs"}, {"a/", "a"},
		{"a//b", "a/b"}, {"a/../b", "b"}, {"**", ".git/config"}, {"{a,{b,c}}", "c"},
		{"\\", "\\"}, {"a/[^b]", "a/c"}, {"*{*,**}*", "xyz"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, glob, p string) {
		err := CheckGlob(glob)
		set, cerr := CompileGlobs([]string{glob})
		if (err == nil) != (cerr == nil) {
			t.Fatalf("CheckGlob(%q) = %v but CompileGlobs = %v", glob, err, cerr)
		}
		if cerr != nil {
			if set != nil {
				t.Fatalf("CompileGlobs(%q) returned a set with error %v", glob, cerr)
			}
			return
		}
		if g, ok := set.Match(p); ok && g != glob {
			t.Fatalf("Match(%q) = %q, want %q", p, g, glob)
		}
		set.Covers(p)
		if CheckPath(p) == nil {
			r, err := NewRules(aos.Workspace{Writable: []string{glob}, Ignored: []string{glob + "/x"}}, "aos.yaml")
			if err != nil {
				t.Fatal(err)
			}
			r.Visible(p)
			if d := r.CanWrite(p); d == nil && r.Protected(p) != "" {
				t.Fatalf("CanWrite(%q) allowed a protected path", p)
			}
		}
	})
}
