package aos

import (
	"strings"
	"testing"
)

func TestQuarantinePath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"wp-content/uploads/2024/05/thumb.php", "aos-rescue/quarantine/wp-content/uploads/2024/05/thumb%2Ephp"},
		{"x.php.txt", "aos-rescue/quarantine/x%2Ephp%2Etxt"},
		{"wp-content/uploads/.htaccess", "aos-rescue/quarantine/wp-content/uploads/%2Ehtaccess"},
		{"a.b/.user.ini", "aos-rescue/quarantine/a.b/%2Euser%2Eini"},
		{"100%.php", "aos-rescue/quarantine/100%25%2Ephp"},
		{"%2E", "aos-rescue/quarantine/%252E"},
		{"noext", "aos-rescue/quarantine/noext"},
	} {
		got := QuarantinePath(tc.in)
		if got != tc.want {
			t.Errorf("QuarantinePath(%q) = %q, want %q", tc.in, got, tc.want)
		}
		base := got[strings.LastIndexByte(got, '/')+1:]
		if strings.Contains(base, ".") {
			t.Errorf("%q: the name %q has an extension", tc.in, base)
		}
		if back, ok := QuarantineOrigin(got); !ok || back != tc.in {
			t.Errorf("QuarantineOrigin(%q) = %q, %v; want %q", got, back, ok, tc.in)
		}
	}
	for _, q := range []string{"aos-rescue/quarantine/", "aos-rescue/quarantine/x.php", "aos-rescue/quarantine/x%2e", "aos-rescue/quarantine/x%", "aos-rescue/quarantine/x%41", "aos-rescue/other/x", "aos-rescue/quarantine"} {
		if o, ok := QuarantineOrigin(q); ok {
			t.Errorf("QuarantineOrigin(%q) = %q, true; want none", q, o)
		}
	}
}

func FuzzQuarantinePath(f *testing.F) {
	for _, s := range []string{"a/b.php", "%2E.%25", "x", ".htaccess"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if p == "" || strings.HasSuffix(p, "/") {
			return // not a file's path: path.empty, path.trailing_slash
		}
		q := QuarantinePath(p)
		if o, ok := QuarantineOrigin(q); !ok || o != p {
			t.Fatalf("QuarantineOrigin(QuarantinePath(%q)) = %q, %v", p, o, ok)
		}
		if o, ok := QuarantineOrigin(p); ok && QuarantinePath(o) != p {
			t.Fatalf("QuarantinePath(QuarantineOrigin(%q)) = %q", p, QuarantinePath(o))
		}
	})
}
