package rules

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos/cue/planfile"
	"github.com/google/go-cmp/cmp"
)

// TestRuleSamples checks every pattern rule against its known-good and
// known-bad samples, through the checker of its built-in.
func TestRuleSamples(t *testing.T) {
	t.Parallel()
	sets := []struct {
		builtin string
		path    string
		set     *RuleSet
	}{
		{"secrets", "config/settings.txt", SecretsRules()},
	}
	for _, s := range sets {
		c, err := NewChecker(s.builtin, nil, nil, testParsers)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range s.set.Rules {
			t.Run(s.builtin+"/"+r.ID, func(t *testing.T) {
				t.Parallel()
				if len(r.Good) == 0 || len(r.Bad) == 0 {
					t.Fatal("rule has no known-good or no known-bad sample")
				}
				for _, good := range r.Good {
					for _, f := range c.Check(s.path, []byte(good)) {
						if f.Rule == r.ID {
							t.Errorf("good sample %q reported: %+v", good, f)
						}
					}
				}
				for _, bad := range r.Bad {
					found := false
					for _, f := range c.Check(s.path, []byte("first line\n"+bad+"\n")) {
						if f.Rule == r.ID {
							found = true
							if f.Line != 2 || f.Severity != Error {
								t.Errorf("bad sample %q: finding %+v, want line 2, error", bad, f)
							}
						}
					}
					if !found {
						t.Errorf("bad sample %q not reported", bad)
					}
				}
			})
		}
	}
}

func check(t *testing.T, builtin, config, path, data string) []Finding {
	t.Helper()
	var cfg []byte
	if config != "" {
		cfg = []byte(config)
	}
	c, err := NewChecker(builtin, cfg, nil, testParsers)
	if err != nil {
		t.Fatal(err)
	}
	return c.Check(path, []byte(data))
}

// TestChecks covers the checks that are not pattern rules, each with a
// known-good and a known-bad sample.
func TestChecks(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 1200)
	packed := "<?php $a='" + Fake(b64, 3000, 99) + "';"
	cases := []struct {
		name, builtin, config, path, data string
		want                              []Finding
	}{
		{"json ok", "syntax", "", "a.json", `{"a": [1, 2]}`, nil},
		{"json trailing comma", "syntax", "", "a.json", "{\n  \"a\": 1,\n}", []Finding{{Path: "a.json", Line: 3, Column: 1, Rule: "json", Severity: Error, Message: "invalid JSON: invalid character '}' looking for beginning of object key string"}}},
		{"json two values", "syntax", "", "a.json", "{}\n{}", []Finding{{Path: "a.json", Line: 2, Column: 1, Rule: "json", Severity: Error, Message: "invalid JSON: more than one value in the file"}}},
		{"json empty", "syntax", "", "a.json", "", []Finding{{Path: "a.json", Line: 1, Column: 1, Rule: "json", Severity: Error, Message: "invalid JSON: empty file"}}},
		{"yaml ok", "syntax", "", "a.yml", "a: [1, 2]\nb: c\n", nil},
		{"yaml bad", "syntax", "", "a.yaml", "a: b\n c: d\n", []Finding{{Path: "a.yaml", Line: 2, Rule: "yaml", Severity: Error, Message: "invalid YAML: mapping values are not allowed in this context"}}},
		{"toml ok", "syntax", "", "a.toml", "[x]\ny = 1\n", nil},
		{"toml bad", "syntax", "", "a.toml", "[x]\ny = \n", []Finding{{Path: "a.toml", Line: 2, Column: 5, Rule: "toml", Severity: Error, Message: "invalid TOML: unexpected character U+000A at start of value"}}},
		{"go ok", "syntax", "", "a.go", "package a\n\nfunc F() {}\n", nil},
		{"go bad", "syntax", "", "a.go", "package a\n\nfunc F( {}\n", []Finding{{Path: "a.go", Line: 3, Column: 9, Rule: "go", Severity: Error, Message: "invalid Go: expected ')', found '{'"}}},
		{"not checked", "syntax", "", "a.txt", "{", nil},
		{"text ok", "text", "", "a.txt", "one\ntwo\n", nil},
		{"binary", "text", "", "a.txt", "ab\x00c", []Finding{{Path: "a.txt", Line: 1, Column: 3, Rule: "binary", Severity: Error, Message: "NUL byte in a file that should hold text"}}},
		{"binary not text", "text", "", "a.png", "ab\x00c", nil},
		{"bom", "text", "", "a.txt", "\xef\xbb\xbfhi\n", []Finding{{Path: "a.txt", Line: 1, Column: 1, Rule: "bom", Severity: Warning, Message: "UTF-8 byte order mark at the start of the file"}}},
		{"bom allowed", "text", `{"bom": true}`, "a.txt", "\xef\xbb\xbfhi\n", nil},
		{"mixed eol", "text", "", "a.txt", "a\r\nb\nc\n", []Finding{{Path: "a.txt", Line: 2, Rule: "mixed-eol", Severity: Warning, Message: "mixed line endings: 1 CRLF and 2 LF"}}},
		{"crlf in lf project", "text", `{"eol": "lf"}`, "a.txt", "a\nb\r\n", []Finding{{Path: "a.txt", Line: 2, Rule: "crlf", Severity: Error, Message: "1 lines end in CRLF; this project uses LF"}}},
		{"crlf project", "text", `{"eol": "crlf"}`, "a.txt", "a\r\nb\r\n", nil},
		{"long line", "text", "", "a.md", "ok\n" + long + "\n", []Finding{{Path: "a.md", Line: 2, Column: 1001, Rule: "long-line", Severity: Warning, Message: "line of 1200 bytes is longer than 1000"}}},
		{"invalid utf8", "text", "", "a.txt", "ok\nab\xffc\n", []Finding{{Path: "a.txt", Line: 2, Column: 3, Rule: "invalid-utf8", Severity: Warning, Message: "text is not valid UTF-8"}}},
		{"php in uploads", "php-malware", "", "wp-content/uploads/2024/x.php", "<?php echo 1;", []Finding{{Path: "wp-content/uploads/2024/x.php", Rule: "php-in-uploads", Severity: Error, Message: "PHP file in an uploads directory (uploads/)"}}},
		{"php in other dir", "php-malware", "", "wp-content/plugins/x.php", "<?php echo 1;", nil},
		{"php upload dirs", "php-malware", `{"upload_dirs": ["files"]}`, "files/x.phtml", "<?php echo 1;", []Finding{{Path: "files/x.phtml", Rule: "php-in-uploads", Severity: Error, Message: "PHP file in an uploads directory (files/)"}}},
		{"packed literal alone", "php-malware", "", "x.php", packed, nil},
		{"padded eval", "php-malware", "", "x.php", "<?php" + strings.Repeat(" ", 300) + "eval(base64_decode($_COOKIE['x']));", []Finding{{Path: "x.php", Line: 1, Column: 306, Rule: "eval-request", Severity: Error, Message: "eval runs request data ($_COOKIE) as PHP"}}},
		{"htaccess prepend", "php-malware", "", "wp-content/.htaccess", "# BEGIN\nphp_value auto_prepend_file /tmp/x.jpg\n", []Finding{{Path: "wp-content/.htaccess", Line: 2, Column: 1, Rule: "htaccess-prepend", Severity: Error, Message: "php_value auto_prepend_file loads /tmp/x.jpg into every PHP script"}}},
		{"user.ini prepend", "php-malware", "", "a/.user.ini", "auto_prepend_file = \"/var/www/x.ico\"\n", []Finding{{Path: "a/.user.ini", Line: 1, Column: 1, Rule: "htaccess-prepend", Severity: Error, Message: "auto_prepend_file loads /var/www/x.ico into every PHP script"}}},
		{"htaccess handler", "php-malware", "", "wp-content/uploads/.htaccess", "AddType application/x-httpd-php .php .jpg\n", []Finding{{Path: "wp-content/uploads/.htaccess", Line: 1, Column: 1, Rule: "htaccess-handler", Severity: Error, Message: "addtype application/x-httpd-php runs .jpg files as programs"}}},
		{"htaccess files handler", "php-malware", "", ".htaccess", "<FilesMatch \"\\.(png|gif)$\">\n  SetHandler application/x-httpd-php\n</FilesMatch>\n", []Finding{{Path: ".htaccess", Line: 2, Column: 1, Rule: "htaccess-handler", Severity: Error, Message: "sethandler application/x-httpd-php runs .png files as programs"}}},
		{"htaccess php version", "php-malware", "", ".htaccess", "AddHandler application/x-httpd-php74 .php\n<FilesMatch \"\\.php$\">\nSetHandler application/x-httpd-php\n</FilesMatch>\n", nil},
		{"htaccess seo redirect", "php-malware", "", ".htaccess", "RewriteEngine On\nRewriteCond %{HTTP_REFERER} (google|yahoo|bing) [NC]\nRewriteRule ^(.*)$ http://spam.example/in.php [R=302,L]\n", []Finding{{Path: ".htaccess", Line: 3, Column: 1, Rule: "htaccess-redirect", Severity: Error, Message: "visitors from search engines (line 2) are sent to http://spam.example/in.php"}}},
		{"wordpress htaccess", "php-malware", "", ".htaccess", "# BEGIN WordPress\n<IfModule mod_rewrite.c>\nRewriteEngine On\nRewriteBase /\nRewriteRule ^index\\.php$ - [L]\nRewriteCond %{REQUEST_FILENAME} !-f\nRewriteCond %{REQUEST_FILENAME} !-d\nRewriteRule . /index.php [L]\n</IfModule>\n# END WordPress\n", nil},
		{"php in image", "php-malware", "", "wp-content/themes/t/logo.png", "\x89PNG\r\n\x1a\n\x00\x00<?php system($_GET['c']); ?>", []Finding{{Path: "wp-content/themes/t/logo.png", Rule: "exec-request", Severity: Error, Message: "system runs request data ($_GET) as a shell command"}, {Path: "wp-content/themes/t/logo.png", Line: 3, Column: 3, Rule: "php-in-image", Severity: Error, Message: "PHP code in an image file: a web server configured to run it, or an include, runs it"}}},
		{"xml in svg", "php-malware", "", "a/logo.svg", "<?xml version=\"1.0\"?><svg/>", nil},
		{"php in uploads text", "php-malware", "", "wp-content/uploads/2024/notes.txt", "hello <?= `id` ?>", []Finding{{Path: "wp-content/uploads/2024/notes.txt", Line: 1, Column: 7, Rule: "php-in-uploads", Severity: Error, Message: "PHP code in a file under an uploads directory (uploads/): a web server configured to run it, or an include, runs it"}}},
		{"long readable line", "php-malware", "", "x.php", "<?php $a = '" + strings.Repeat("word ", 600) + "';", nil},
		{"php not php", "php-malware", "", "x.txt", "eval(base64_decode('x'));", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := check(t, tc.builtin, tc.config, tc.path, tc.data)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBadConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ builtin, config string }{
		{"secrets", `{"unknown": 1}`},
		{"text", `{"eol": "cr"}`},
		{"php-malware", `{"max_line": "x"}`},
		{"nope", ``},
	} {
		if _, err := NewChecker(tc.builtin, []byte(tc.config), nil, testParsers); err == nil {
			t.Errorf("%s %s: no error", tc.builtin, tc.config)
		}
	}
}

// TestAllowMarker checks that aos:allow silences a secret on its line only.
func TestAllowMarker(t *testing.T) {
	t.Parallel()
	tok := "ghp_" + Fake(alnum, 36, 12)
	got := check(t, "secrets", "", "a.txt", "a = "+tok+" # aos:allow\nb = "+tok+"\n")
	if len(got) != 1 || got[0].Line != 2 {
		t.Errorf("findings %+v, want one on line 2", got)
	}
}

// TestWordPress scans the core files of Debian's WordPress package with
// the secrets and php-malware built-ins: none may be reported as an error.
// Under the race detector it runs itself again without it (see
// raceEnabled), so that every file is scanned in every run.
func TestWordPress(t *testing.T) {
	t.Parallel()
	const root = "/usr/share/wordpress"
	if _, err := os.Stat(root + "/wp-includes/version.php"); err != nil {
		t.Fatalf("WordPress is not installed (apt-get install wordpress): %v", err)
	}
	if raceEnabled {
		// The race detector makes the scan 15 times slower and has
		// nothing to find in this single-threaded code: scan the whole
		// tree with this test built without it.
		cmd := exec.Command("go", "test", "-count=1", "-run", "^TestWordPress$", ".")
		cmd.Env = append(os.Environ(), "GOFLAGS=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("the full scan failed: %v\n%s", err, out)
		}
		return
	}
	checkers := map[string]*Checker{}
	for _, b := range []string{"secrets", "php-malware"} {
		c, err := NewChecker(b, nil, nil, testParsers)
		if err != nil {
			t.Fatal(err)
		}
		checkers[b] = c
	}
	files, bytes := 0, 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		bytes += len(data)
		for b, c := range checkers {
			for _, f := range c.Check(filepath.ToSlash(rel), data) {
				if f.Severity == Error {
					t.Errorf("%s: %s:%d:%d: %s: %s", b, f.Path, f.Line, f.Column, f.Rule, f.Message)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 2000 || bytes < 40<<20 {
		t.Fatalf("only %d files, %d bytes scanned", files, bytes)
	}
	t.Logf("%d files, %d MB", files, bytes>>20)
}

// testParsers lends the syntax built-in the YAML parser of package cue,
// as the host does.
var testParsers = Parsers{YAML: planfile.CheckYAML}
