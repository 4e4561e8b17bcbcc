package rules

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestParseChecksums reads both shapes the WordPress.org API answers in
// and refuses everything else, with the offset of what is wrong.
func TestParseChecksums(t *testing.T) {
	t.Parallel()
	a, b := md5hex("a"), md5hex("b")
	for _, tc := range []struct {
		name, in string
		want     map[string]map[string]string
		err      string
	}{
		{"flat", `{"checksums":{"index.php":"` + a + `","wp-includes/x.php":"` + strings.ToUpper(b) + `"}}`,
			map[string]map[string]string{"": {"index.php": a, "wp-includes/x.php": b}}, ""},
		{"versions", `{"checksums":{"6.1.9":{"index.php":"` + a + `"},"6.2":{"index.php":"` + b + `"}}}`,
			map[string]map[string]string{"6.1.9": {"index.php": a}, "6.2": {"index.php": b}}, ""},
		{"unknown version", `{"checksums":false}`, nil, "does not know"},
		{"not json", `checksums`, nil, "invalid"},
		{"empty", `{}`, nil, "no \"checksums\""},
		{"empty sums", `{"checksums":{}}`, nil, "empty"},
		{"empty version", `{"checksums":{"6.1":{}}}`, nil, "no sums"},
		{"other key", `{"checksums":{"a":"` + a + `"},"extra":1}`, nil, "unexpected key"},
		{"key twice", `{"checksums":{"a":"` + a + `"},"checksums":{"a":"` + a + `"}}`, nil, "unexpected key"},
		{"path twice", `{"checksums":{"a":"` + a + `","a":"` + b + `"}}`, nil, "twice"},
		{"path twice in a version", `{"checksums":{"6":{"a":"` + a + `","a":"` + b + `"}}}`, nil, "twice"},
		{"version twice", `{"checksums":{"6":{"a":"` + a + `"},"6":{"a":"` + b + `"}}}`, nil, "twice"},
		{"mixed shapes", `{"checksums":{"a":"` + a + `","6":{"a":"` + b + `"}}}`, nil, "not a version's sums"},
		{"mixed shapes the other way", `{"checksums":{"6":{"a":"` + a + `"},"a":"` + b + `"}}`, nil, "among versions"},
		{"bad sum", `{"checksums":{"a":"xyz"}}`, nil, "not an MD5"},
		{"short sum", `{"checksums":{"a":"` + a[:30] + `"}}`, nil, "not an MD5"},
		{"sha1 sum", `{"checksums":{"a":"` + a + `abcdefgh"}}`, nil, "not an MD5"},
		{"absolute path", `{"checksums":{"/etc/passwd":"` + a + `"}}`, nil, "not a relative path"},
		{"dot dot", `{"checksums":{"wp-admin/../x":"` + a + `"}}`, nil, "not a relative path"},
		{"backslash", `{"checksums":{"wp-admin\\x":"` + a + `"}}`, nil, "not a relative path"},
		{"dot", `{"checksums":{".":"` + a + `"}}`, nil, "not a relative path"},
		{"bad version", `{"checksums":{"6 1":{"a":"` + a + `"}}}`, nil, "not a version"},
		{"number sum", `{"checksums":{"a":1}}`, nil, "not a sum"},
		{"two values", `{"checksums":{"a":"` + a + `"}} {}`, nil, "more than one"},
		{"array", `[]`, nil, "expected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseChecksums([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got.Versions); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// What Encode writes reads back the same.
			enc, err := got.Encode()
			if err != nil {
				t.Fatal(err)
			}
			again, err := ParseChecksums(enc)
			if err != nil {
				t.Fatalf("reading back %s: %v", enc, err)
			}
			if diff := cmp.Diff(got.Versions, again.Versions); diff != "" {
				t.Errorf("encoded and read back (-first +again):\n%s", diff)
			}
		})
	}
}

// TestChecksumsFor picks a version's sums, or the only sums of a file that
// names no version.
func TestChecksumsFor(t *testing.T) {
	t.Parallel()
	flat := &Checksums{Versions: map[string]map[string]string{"": {"a": "1"}}}
	if s, err := flat.For("6.1.9"); err != nil || s["a"] != "1" {
		t.Errorf("flat: %v, %v", s, err)
	}
	v := &Checksums{Versions: map[string]map[string]string{"6.1.9": {"a": "1"}, "6.2": {"a": "2"}}}
	if s, err := v.For("6.2"); err != nil || s["a"] != "2" {
		t.Errorf("6.2: %v, %v", s, err)
	}
	if _, err := v.For("6.4"); err == nil || !strings.Contains(err.Error(), "6.1.9, 6.2") {
		t.Errorf("6.4: %v, want an error naming the versions there are", err)
	}
	if _, err := v.For(""); err == nil {
		t.Error("no version: no error")
	}
}

// TestWordPressVersion reads $wp_version as PHP would set it.
func TestWordPressVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, want, err string
	}{
		{"debian", "<?php\n/**\n * @global string $wp_version\n */\n$wp_version = '6.1.9';\n$wp_db_version = 53496;\n", "6.1.9", ""},
		{"double quotes", "<?php $wp_version = \"6.2-beta1\";", "6.2-beta1", ""},
		{"comments between", "<?php $wp_version /* x */ = // y\n '6.3' ;", "6.3", ""},
		{"in a comment", "<?php // $wp_version = '9.9';\n$wp_version = '6.1';", "6.1", ""},
		{"in a string", "<?php $x = '$wp_version = 9.9;'; $wp_version = '6.1';", "6.1", ""},
		{"last wins", "<?php $wp_version = '6.1'; $wp_version = '6.4';", "6.4", ""},
		{"in a function", "<?php function f() { $wp_version = '9.9'; } $wp_version = '6.1';", "6.1", ""},
		{"only in a function", "<?php function f() { $wp_version = '9.9'; }", "", "no version"},
		{"computed", "<?php $wp_version = '6.' . '1';", "", "not assigned a plain string"},
		{"from a variable", "<?php $wp_version = $v;", "", "not assigned a plain string"},
		{"interpolated", "<?php $wp_version = \"6.$x\";", "", "not assigned a plain string"},
		{"not a version", "<?php $wp_version = '6.1; rm -rf';", "", "not a version"},
		{"empty", "<?php $wp_version = '';", "", "not a version"},
		{"none", "<?php echo 1;", "", "no version"},
		{"html only", "$wp_version = '6.1';", "", "no version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := WordPressVersion([]byte(tc.src))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %q, %v; want an error saying %q", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestCheckCore judges paths the way wp-cli's verify-checksums does:
// core files by their sums, wp-admin/, wp-includes/ and the top's wp-*
// files as holding nothing else, wp-content left to the other checks.
func TestCheckCore(t *testing.T) {
	t.Parallel()
	sums := map[string]string{
		"index.php":                       md5hex("index"),
		"wp-includes/load.php":            md5hex("load"),
		"wp-admin/about.php":              md5hex("about"),
		"wp-content/plugins/hello.php":    md5hex("hello"),
		"wp-content/themes/x/style.css":   md5hex("css"),
		"wp-config-sample.php":            md5hex("sample"),
		"wp-includes/js/jquery/jquery.js": md5hex("jq"),
	}
	file := func(s string) CoreFile { return CoreFile{Kind: "file", Data: []byte(s)} }
	for _, tc := range []struct {
		path string
		f    CoreFile
		want string // rule/severity, "" for nothing
	}{
		{"index.php", file("index"), ""},
		{"index.php", file("index\n"), "modified/error"},
		{"wp-includes/load.php", file("load<?php eval($_POST[x]);"), "modified/error"},
		{"wp-includes/load.php", CoreFile{}, "missing/warning"},
		{"wp-includes/load.php", CoreFile{Kind: "symlink"}, "modified/error"},
		{"wp-admin/about.php", CoreFile{Kind: "submodule"}, "modified/error"},
		{"wp-includes/wp-vcd.php", file("<?php"), "unexpected/error"},
		{"wp-admin/css/colors/x.php", file("x"), "unexpected/error"},
		{"wp-admin/error_log", file("x"), "unexpected/error"},
		{"WP-INCLUDES/load.php", file("load"), "unexpected/error"},
		{"Wp-Admin/x.php", file("x"), "unexpected/error"},
		{"wp-includes/Load.php", file("load"), "unexpected/error"},
		{"wp-includes/load.php/x", file("x"), "unexpected/error"},
		{"wp-includes/evil", CoreFile{Kind: "symlink"}, "unexpected/error"},
		{"wp-tmp.php", file("x"), "unexpected/error"},
		{"WP-LOGIN2.PHP", file("x"), "unexpected/error"},
		{"wp-config.php", file("define('DB_NAME', 'x');"), ""},
		{"wp-config-sample.php", file("sample"), ""},
		{"wp-config-sample.php", file("changed"), "modified/error"},
		{"wp-content/plugins/hello.php", file("changed"), ""},
		{"wp-content/plugins/hello.php", CoreFile{}, ""},
		{"wp-content/plugins/new/new.php", file("x"), ""},
		{"wp-content/themes/x/style.css", CoreFile{}, ""},
		{"readme.txt", file("x"), ""},
		{".htaccess", file("x"), ""},
		{"wp-includes/gone.php", CoreFile{}, ""},
	} {
		got := ""
		fs := CheckCore(tc.path, tc.f, "6.1.9", sums)
		if len(fs) > 1 {
			t.Errorf("%s: %d findings", tc.path, len(fs))
		}
		for _, f := range fs {
			got = f.Rule + "/" + f.Severity
			if f.Path != tc.path || !strings.Contains(f.Message, "WordPress 6.1.9") {
				t.Errorf("%s: finding %+v", tc.path, f)
			}
		}
		if got != tc.want {
			t.Errorf("%s (%q): got %q, want %q", tc.path, tc.f.Kind, got, tc.want)
		}
	}
	if got := CoreFiles(sums); len(got) != 5 || got[0] != "index.php" {
		t.Errorf("CoreFiles = %v, want the 5 outside wp-content, sorted", got)
	}
}

// FuzzParseChecksums: a checksums file is read to its end or refused,
// never crashes, and what it reads encodes and reads back the same.
func FuzzParseChecksums(f *testing.F) {
	a := md5hex("a")
	for _, s := range []string{
		`{"checksums":{"index.php":"` + a + `"}}`,
		`{"checksums":{"6.1.9":{"index.php":"` + a + `","wp-admin/x.php":"` + a + `"}}}`,
		`{"checksums":false}`,
		`{"checksums":{"a":"` + a + `","a":"` + a + `"}}`,
		`{"checksums":{"6":{}}}`,
		`[1,2]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseChecksums(data)
		if err != nil {
			return
		}
		enc, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseChecksums(enc)
		if err != nil {
			t.Fatalf("%s reads back as an error: %v", enc, err)
		}
		if !cmp.Equal(c.Versions, again.Versions) {
			t.Fatalf("%q reads back differently", data)
		}
	})
}
