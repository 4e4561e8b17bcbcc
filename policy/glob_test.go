package policy

import (
	"strings"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
)

func TestCheckGlob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		err     string // substring of the error; "" when valid
	}{
		{"src/**", ""},
		{"**", ""},
		{"*.go", ""},
		{"**/*.php", ""},
		{"wp-config.php", ""},
		{"{src,lib}/**", ""},
		{"a/[abc]/b", ""},
		{"a/?.txt", ""},
		{".github/**", ""},
		{"", "empty glob"},
		{"/src/**", "is absolute"},
		{"[a", "is malformed"},
		{"src/[", "is malformed"},
		{"{a,b", "is malformed"},
		{"a//b", "empty segment"},
		{"./src", `"." segment`},
		{"src/../etc", `".." segment`},
		{"..", `".." segment`},
		{"src/", "ends with /"},
		{"a\\*", ""}, // an escaped star
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			t.Parallel()
			err := CheckGlob(tc.pattern)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("CheckGlob(%q) = %v, want nil", tc.pattern, err)
			case tc.err != "" && err == nil:
				t.Fatalf("CheckGlob(%q) = nil, want an error with %q", tc.pattern, tc.err)
			case tc.err != "" && !strings.Contains(err.Error(), tc.err):
				t.Fatalf("CheckGlob(%q) = %v, want an error with %q", tc.pattern, err, tc.err)
			}
		})
	}
}

func TestCompileGlobsRejectsMalformed(t *testing.T) {
	t.Parallel()
	if _, err := CompileGlobs([]string{"src/**", "[a"}); err == nil || !strings.Contains(err.Error(), `"[a"`) {
		t.Fatalf("CompileGlobs with a malformed glob = %v, want an error naming it", err)
	}
}

func TestGlobSetMatch(t *testing.T) {
	t.Parallel()
	set, err := CompileGlobs([]string{"vendor/**", "*.lock", "docs", "src/**/*.go", "{a,b}/x", "web/dist/**", "**/secret.txt"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want string // want "" when nothing matches
	}{
		{"vendor/lib/a.php", "vendor/**"},
		{"vendor", "vendor/**"},
		{"vendorx/a", ""},
		{"go.lock", "*.lock"},
		{"sub/go.lock", ""},
		{"docs", "docs"},
		{"docs/a/b.md", "docs"}, // a glob covers everything beneath what it matches
		{"docsx", ""},
		{"src/main.go", "src/**/*.go"},
		{"src/a/b/main.go", "src/**/*.go"},
		{"src/main.c", ""},
		{"a/x", "{a,b}/x"},
		{"b/x/y", "{a,b}/x"},
		{"c/x", ""},
		{"web/dist/app.js", "web/dist/**"},
		{"web/src/app.js", ""},
		{"deep/down/secret.txt", "**/secret.txt"},
		{"secret.txt", "**/secret.txt"},
		{"secret.txt/inner", "**/secret.txt"},
		{".hidden/a", ""},
	}
	esc, err := CompileGlobs([]string{`a\*`})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := esc.Match("a*"); !ok {
		t.Error(`a\* does not match the literal name a*`)
	}
	if _, ok := esc.Match("ab"); ok {
		t.Error(`a\* matches ab`)
	}
	for _, tc := range tests {
		got, ok := set.Match(tc.path)
		if ok != (tc.want != "") || got != tc.want {
			t.Errorf("Match(%q) = %q, %v; want %q", tc.path, got, ok, tc.want)
		}
	}
}

func TestGlobSetMatchOrder(t *testing.T) {
	t.Parallel()
	// The first glob in manifest order wins, whether it is indexed by its
	// first segment or has wildcards there.
	set, err := CompileGlobs([]string{"**/*.go", "src/**", "src/main.go"})
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := set.Match("src/main.go"); g != "**/*.go" {
		t.Errorf("Match = %q, want the first glob **/*.go", g)
	}
	set, _ = CompileGlobs([]string{"src/**", "**/*.go"})
	if g, _ := set.Match("src/main.go"); g != "src/**" {
		t.Errorf("Match = %q, want the first glob src/**", g)
	}
}

func TestGlobSetEmpty(t *testing.T) {
	t.Parallel()
	var nilSet *GlobSet
	if _, ok := nilSet.Match("a"); ok || nilSet.Len() != 0 {
		t.Error("a nil GlobSet matches")
	}
	set, err := CompileGlobs(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := set.Match("a"); ok {
		t.Error("an empty GlobSet matches")
	}
}

func TestGlobSetCovers(t *testing.T) {
	t.Parallel()
	set, _ := CompileGlobs([]string{"cache/**", "vendor"})
	tests := []struct {
		inner, want string
	}{
		{"cache/x/**", "cache/**"},
		{"cache/**", "cache/**"},
		{"cache", "cache/**"},
		{"vendor/**", "vendor"},
		{"src/**", ""},
		{"**", ""},
		{"*/x", ""},
	}
	for _, tc := range tests {
		got, ok := set.Covers(tc.inner)
		if ok != (tc.want != "") || got != tc.want {
			t.Errorf("Covers(%q) = %q, %v; want %q", tc.inner, got, ok, tc.want)
		}
	}
}

// TestGlobSetAgreesWithDoublestar checks the prefiltered, memoised
// matcher against a plain loop over doublestar.Match for every pattern,
// path and parent.
func TestGlobSetAgreesWithDoublestar(t *testing.T) {
	t.Parallel()
	patterns := []string{"**/secret.txt", "src/**/*.go", "a/**/b", "**/*.log", "docs/*.md", "x/{a,b}/y", "[ab]*/z", "vendor/**", "**", "a/b/c", "*/mid/*", "k/**/m/*.txt"}
	paths := []string{"secret.txt", "a/secret.txt", "src/x.go", "src/a/b/x.go", "src/x.go/inner", "a/b", "a/x/y/b", "b", "x.log", "d/x.log",
		"docs/a.md", "docs/a/b.md", "x/a/y", "x/c/y", "az/z", "cz/z", "vendor", "vendor/a", "a/b/c", "a/b/c/d", "q/mid/r", "k/m/a.txt", "k/1/m/a.txt", "k/m/a.txt/b"}
	for n := 1; n <= len(patterns); n++ {
		for start := 0; start+n <= len(patterns); start++ {
			ps := patterns[start : start+n]
			gs, err := CompileGlobs(ps)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range paths {
				want, wantOK := "", false
			outer:
				for _, pat := range ps {
					for q := p; ; {
						if ok, _ := doublestar.Match(pat, q); ok {
							want, wantOK = pat, true
							break outer
						}
						i := strings.LastIndexByte(q, '/')
						if i < 0 {
							break
						}
						q = q[:i]
					}
				}
				// Twice: the second answer comes from the memo.
				for range 2 {
					if got, ok := gs.Match(p); got != want || ok != wantOK {
						t.Errorf("patterns %q: Match(%q) = %q, %v; want %q, %v", ps, p, got, ok, want, wantOK)
					}
				}
			}
		}
	}
}

func TestCouldMatchBeneath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		glob, dir string
		want      bool
	}{
		{"**/*.key", "src", true},
		{"secrets/**", "secrets", true},
		{"secrets/**", "src", false},
		{"secrets/**", "secrets/a/b", true},
		{"src/cache", "src", true},
		{"src/cache", "src/cache", true},
		{"src/cache", "srcx", false},
		{"src/*/x.pem", "src/a", true},
		{"src/*/x.pem", "lib/a", false},
		{"src/*/x.pem", "src/a/b", false},
		{"a/**/b", "a/x/y", true},
		{"{a,b/c}", "b", true}, // braces may hold a /: erring towards true
		{"v?n/*.txt", "ven", true},
		{"v?n/*.txt", "vn", false},
	} {
		set, err := CompileGlobs([]string{tc.glob})
		if err != nil {
			t.Fatal(err)
		}
		if got := set.CouldMatchBeneath(tc.dir); got != tc.want {
			t.Errorf("CouldMatchBeneath(%q, %q) = %v, want %v", tc.glob, tc.dir, got, tc.want)
		}
	}
}

// TestMatchName: name patterns (protected branches, agents, outputs) use
// the workspace rules' glob syntax, on whole names.
func TestMatchName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		glob, s string
		want    bool
	}{
		{"main", "main", true},
		{"main", "main2", false},
		{"main", "main/x", false}, // a name, not a directory: nothing beneath
		{"release/*", "release/1.0", true},
		{"release/*", "release/1.0/hotfix", false},
		{"release/**", "release/1.0/hotfix", true},
		{"release/**", "release", true},
		{"aos/*", "aos/fix-1", true},
		{"*-bot", "deploy-bot", true},
		{"agent-*", "agent-7", true},
		{"agent-*", "human", false},
		{"{main,trunk}", "trunk", true},
		{"dist/**/*.js", "dist/lib/util.js", true},
		{"dist/*.js", "dist/lib/util.js", false},
	}
	for _, c := range cases {
		if got := MatchName([]string{c.glob}, c.s); got != c.want {
			t.Errorf("MatchName(%q, %q) = %v, want %v", c.glob, c.s, got, c.want)
		}
	}
	for _, bad := range []string{"", "[a", "a/[", "{a,b"} {
		if CheckPattern(bad) == nil {
			t.Errorf("CheckPattern(%q) = nil, want an error", bad)
		}
	}
	if err := CheckPattern("release/{a,b}/**"); err != nil {
		t.Errorf("CheckPattern: %v", err)
	}
}
