package policy

import (
	"strings"
	"testing"

	"github.com/architectos/aos"
)

// TestCheckPath covers every rule of docs/spec.md 4.1.
func TestCheckPath(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a/", MaxPathLen/2-1) + "bc" // exactly MaxPathLen bytes
	tests := []struct {
		name string
		path string
		rule aos.Rule // "" when the path is accepted
	}{
		{"plain file", "a.txt", ""},
		{"nested", "src/app/main.go", ""},
		{"dotfile", ".env", ""},
		{"dot in name", "a/.b/c..d", ""},
		{"gitignore is fine", ".gitignore", ""},
		{"git prefix is fine", ".gitx", ""},
		{"git without dot", "git", ""},
		{"github dir", ".github/workflows/ci.yml", ""},
		{"git~2 is another name", "git~2", ""},
		{"non-ASCII NFC", "caf\u00e9.txt", ""},
		{"space inside", "my file.txt", ""},
		{"colon inside", "notes/a:b", ""},
		{"4096 bytes", long, ""},

		{"empty", "", "path.empty"},
		{"4097 bytes", long + "x", "path.too_long"},
		{"absolute", "/etc/passwd", "path.absolute"},
		{"root", "/", "path.absolute"},
		{"drive letter", "C:/Windows", "path.absolute"},
		{"drive letter lower", "c:x", "path.absolute"},
		{"backslash", `a\b`, "path.backslash"},
		{"backslash dotdot", `..\x`, "path.backslash"},
		{"NUL", "a\x00b", "path.control"},
		{"newline", "a\nb", "path.control"},
		{"tab", "a\tb", "path.control"},
		{"escape", "a\x1b[31m", "path.control"},
		{"DEL", "a\x7f", "path.control"},
		{"C1 control", "a\u0085b", "path.control"},
		{"invalid UTF-8", "a\xffb", "path.utf8"},
		{"truncated UTF-8", "caf\xc3", "path.utf8"},
		{"NFD", "cafe\u0301.txt", "path.nfc"},
		{"trailing slash", "src/", "path.trailing_slash"},
		{"only slash pair", "a//b", "path.empty_segment"},
		{"dot", ".", "path.dot_segment"},
		{"dotdot", "..", "path.dot_segment"},
		{"leading dot", "./a", "path.dot_segment"},
		{"inner dot", "a/./b", "path.dot_segment"},
		{"escape with dotdot", "../etc/passwd", "path.dot_segment"},
		{"git dotdot is not cleaned", "a/.git/../b", "path.git"},
		{"dotdot after safe dir", "a/b/../c", "path.dot_segment"},

		{".git", ".git", "path.git"},
		{".git/config", ".git/config", "path.git"},
		{"nested .git", "vendor/lib/.git/hooks/post-checkout", "path.git"},
		{".GIT", ".GIT/config", "path.git"},
		{".Git", "a/.Git", "path.git"},
		{"trailing dot", ".git./config", "path.git"},
		{"trailing dots", ".git.../x", "path.git"},
		{"trailing space", ".git /config", "path.git"},
		{"trailing dot and space", ".git . /x", "path.git"},
		{"8.3 name", "git~1/config", "path.git"},
		{"8.3 name upper", "GIT~1/config", "path.git"},
		{"NTFS stream", ".git::$INDEX_ALLOCATION/config", "path.git"},
		{"NTFS data stream", ".git:$DATA", "path.git"},
		{"ZWNJ", ".g\u200cit/config", "path.git"},
		{"ZWJ", ".\u200dgit/x", "path.git"},
		{"LRM", ".git\u200e", "path.git"},
		{"RLM", "\u200f.git", "path.git"},
		{"LRE", ".gi\u202at/x", "path.git"},
		{"RLO", ".gi\u202et/x", "path.git"},
		{"inhibit swapping", ".g\u206ait/x", "path.git"},
		{"nominal digit shapes", ".g\u206fit/x", "path.git"},
		{"BOM", "\ufeff.git/x", "path.git"},
		{"several ignorables and case", ".\u200cG\u200dI\ufeffT. /x", "path.git"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := CheckPath(tc.path)
			switch {
			case tc.rule == "" && err != nil:
				t.Fatalf("CheckPath(%q) = %v [%s], want nil", tc.path, err, err.Rule)
			case tc.rule != "" && err == nil:
				t.Fatalf("CheckPath(%q) = nil, want rule %s", tc.path, tc.rule)
			case tc.rule != "" && err.Rule != tc.rule:
				t.Fatalf("CheckPath(%q) rule = %s (%v), want %s", tc.path, err.Rule, err, tc.rule)
			}
			if err != nil && (err.Path != tc.path || err.Msg == "" || err.Error() != err.Msg) {
				t.Errorf("CheckPath(%q) error %+v lacks its path or message", tc.path, err)
			}
		})
	}
}

func TestCheckPathNFCHint(t *testing.T) {
	t.Parallel()
	err := CheckPath("cafe\u0301")
	if err == nil || !strings.Contains(err.Msg, "caf\u00e9") {
		t.Fatalf("CheckPath of NFD = %v, want a message naming the NFC form", err)
	}
}

func TestIsDotGit(t *testing.T) {
	t.Parallel()
	for _, seg := range []string{".git", ".GIT", ".gIt", ".git.", ".git ", ".git. .", "git~1", "GIT~1", ".git::$INDEX_ALLOCATION", ".git:", ".g\u200cit", "\ufeff.git"} {
		if !IsDotGit(seg) {
			t.Errorf("IsDotGit(%q) = false, want true", seg)
		}
	}
	for _, seg := range []string{"git", ".gitx", ".gi", "x.git", ".git~1", "git~10", ".gitignore", "..git", " .git", "git~1x"} {
		if IsDotGit(seg) {
			t.Errorf("IsDotGit(%q) = true, want false", seg)
		}
	}
}

func TestIsGitmodulesAndAttributes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		seg         string
		mods, attrs bool
	}{
		{".gitmodules", true, false},
		{".GITMODULES", true, false},
		{".gitmodules.", true, false},
		{".gitmodules ", true, false},
		{".gitmodules::$DATA", true, false},
		{".git\u200cmodules", true, false},
		{"gitmod~1", true, false},
		{"GITMOD~4", true, false},
		{"gi7eba~1", true, false},
		{"gitmod~5", false, false},
		{".gitattributes", false, true},
		{"gitatt~1", false, true},
		{"gi7d29~2", false, true},
		{".GitAttributes. ", false, true},
		{"gitmodules", false, false},
		{".gitmodulesx", false, false},
		{"README", false, false},
	}
	for _, tc := range tests {
		if got := IsGitmodules(tc.seg); got != tc.mods {
			t.Errorf("IsGitmodules(%q) = %v, want %v", tc.seg, got, tc.mods)
		}
		if got := IsGitattributes(tc.seg); got != tc.attrs {
			t.Errorf("IsGitattributes(%q) = %v, want %v", tc.seg, got, tc.attrs)
		}
	}
}
