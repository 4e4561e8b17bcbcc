package policy

import (
	"strings"
	"testing"

	"github.com/architectos/aos"
)

func mustRules(t *testing.T, ws aos.Workspace, manifest string) *Rules {
	t.Helper()
	r, err := NewRules(ws, manifest)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCanWrite covers docs/spec.md 4.2 and 4.3.
func TestCanWrite(t *testing.T) {
	t.Parallel()
	r := mustRules(t, aos.Workspace{
		ReadOnly: []string{"vendor/**", "src/generated/**"},
		Writable: []string{"src/**", "vendor/**", "**", "config/app.yml"},
		Ignored:  []string{"node_modules/**", "src/secret.txt"},
	}, "project.yml")
	tests := []struct {
		path string
		rule aos.Rule // "" when writable
	}{
		{"src/main.go", ""},
		{"README.md", ""},
		{"config/app.yml", ""},
		{"vendor/lib/a.go", "workspace.read_only"},
		{"src/generated/x.go", "workspace.read_only"},
		{"node_modules/x/index.js", "workspace.not_writable"},
		{"src/secret.txt", "workspace.not_writable"},

		// Always protected, whatever the globs say.
		{"project.yml", "workspace.protected"},
		{"aos.cue", "workspace.protected"},
		{"aos.yaml", "workspace.protected"},
		{"aos.yml", "workspace.protected"},
		{"project.yaml", "workspace.protected"},
		{"AOS.CUE", "workspace.protected"},
		{"project.yml.", "workspace.protected"},
		{"sub/aos.cue", ""}, // manifest names are protected at the root only
		{".aos/plans/p.yaml", "workspace.protected"},
		{".aos", "workspace.protected"},
		{".AOS/runs/x.json", "workspace.protected"},
		{".aos./x", "workspace.protected"},
		{"a/.aos/x", ""}, // .aos/ is protected at the root
		{".gitmodules", "workspace.protected"},
		{"lib/.gitmodules", "workspace.protected"},
		{"lib/.GITMODULES", "workspace.protected"},
		{"gitmod~1", "workspace.protected"},
		{".gitattributes", "workspace.protected"},
		{"a/b/.gitattributes", "workspace.protected"},
		{".git/config", "workspace.protected"},
		{"a/.GIT/hooks/pre-commit", "workspace.protected"},
		{"git~1/config", "workspace.protected"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			d := r.CanWrite(tc.path)
			switch {
			case tc.rule == "" && d != nil:
				t.Fatalf("CanWrite(%q) = %+v, want allowed", tc.path, d)
			case tc.rule != "" && d == nil:
				t.Fatalf("CanWrite(%q) allowed, want %s", tc.path, tc.rule)
			case tc.rule != "" && d.Rule != tc.rule:
				t.Fatalf("CanWrite(%q) = %+v, want %s", tc.path, d, tc.rule)
			}
		})
	}
}

func TestCanWriteDefaultDeny(t *testing.T) {
	t.Parallel()
	r := mustRules(t, aos.Workspace{}, "aos.cue")
	for _, p := range []string{"a", "src/main.go", "README.md"} {
		if d := r.CanWrite(p); d == nil || d.Rule != "workspace.not_writable" {
			t.Errorf("CanWrite(%q) with no writable globs = %+v, want workspace.not_writable", p, d)
		}
	}
	r = mustRules(t, aos.Workspace{Writable: []string{"src/**"}}, "aos.cue")
	if d := r.CanWrite("srcx/a"); d == nil || d.Rule != "workspace.not_writable" {
		t.Errorf("CanWrite(srcx/a) = %+v, want workspace.not_writable", d)
	}
}

func TestCanWriteMessages(t *testing.T) {
	t.Parallel()
	r := mustRules(t, aos.Workspace{ReadOnly: []string{"vendor/**"}, Writable: []string{"**"}, Ignored: []string{"secrets/**"}}, "aos.cue")
	if d := r.CanWrite("vendor/a"); !strings.Contains(d.Msg, `"vendor/**"`) {
		t.Errorf("read-only denial %q does not name the glob", d.Msg)
	}
	// An ignored path is refused without revealing that it is ignored.
	d := r.CanWrite("secrets/key")
	if strings.Contains(d.Msg, "ignored") || strings.Contains(d.Msg, "secrets") {
		t.Errorf("denial of an ignored path reveals it: %q", d.Msg)
	}
	if d2 := r.CanWrite("nowhere/x"); d2 != nil {
		t.Errorf("CanWrite(nowhere/x) = %+v with writable **", d2)
	}
}

func TestManifestFromFlagIsProtected(t *testing.T) {
	t.Parallel()
	r := mustRules(t, aos.Workspace{Writable: []string{"**"}}, "conf/aos-site.yaml")
	if d := r.CanWrite("conf/aos-site.yaml"); d == nil || d.Rule != "workspace.protected" {
		t.Errorf("CanWrite of the manifest = %+v, want workspace.protected", d)
	}
}

func TestVisible(t *testing.T) {
	t.Parallel()
	r := mustRules(t, aos.Workspace{Ignored: []string{"cache/**", "*.key"}}, "aos.cue")
	for p, want := range map[string]bool{"cache": false, "cache/a/b": false, "id.key": false, "a/id.key": true, "src/a": true, "cachex": true} {
		if got := r.Visible(p); got != want {
			t.Errorf("Visible(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestNewRulesMalformedGlob(t *testing.T) {
	t.Parallel()
	for _, ws := range []aos.Workspace{
		{ReadOnly: []string{"[a"}},
		{Writable: []string{"/abs"}},
		{Ignored: []string{"a/../b"}},
	} {
		if _, err := NewRules(ws, "aos.cue"); err == nil {
			t.Errorf("NewRules(%+v) = nil error", ws)
		}
	}
}

func TestCheckWorkspace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ws   aos.Workspace
		want []string // error substrings, in order
	}{
		{"clean", aos.Workspace{ReadOnly: []string{"vendor/**"}, Writable: []string{"src/**"}, Ignored: []string{"cache/**"}}, nil},
		{"both", aos.Workspace{ReadOnly: []string{"vendor/**"}, Writable: []string{"src/**", "vendor/**"}},
			[]string{`pattern "vendor/**" is both read_only and writable`}},
		{"inside read_only", aos.Workspace{ReadOnly: []string{"vendor/**"}, Writable: []string{"vendor/a/**"}},
			[]string{`writable pattern "vendor/a/**" lies inside read_only pattern "vendor/**"`}},
		{"inside ignored", aos.Workspace{Ignored: []string{"cache/**"}, Writable: []string{"cache/x/**"}},
			[]string{`writable pattern "cache/x/**" lies inside ignored pattern "cache/**"`}},
		{"overlap is fine", aos.Workspace{ReadOnly: []string{"src/generated/**"}, Writable: []string{"src/**"}}, nil},
		{"both kinds", aos.Workspace{ReadOnly: []string{"a/**"}, Ignored: []string{"a/**"}, Writable: []string{"a/b"}},
			[]string{`lies inside read_only pattern "a/**"`, `lies inside ignored pattern "a/**"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			errs := CheckWorkspace(tc.ws)
			if len(errs) != len(tc.want) {
				t.Fatalf("CheckWorkspace = %v, want %d errors", errs, len(tc.want))
			}
			for i, e := range errs {
				if !strings.Contains(e.Err.Error(), tc.want[i]) {
					t.Errorf("error %d = %v, want %q", i, e.Err, tc.want[i])
				}
			}
		})
	}
}
