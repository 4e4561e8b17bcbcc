package rules

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// sampleFiles returns the files of the txtar archives matching glob, named
// by their path after the archive entry's first segment (a sample number or
// name), which is where the file sits in a site.
func sampleFiles(t testing.TB, glob string) map[string][]txtar.File {
	t.Helper()
	archives, err := filepath.Glob(glob)
	if err != nil || len(archives) == 0 {
		t.Fatalf("no archives %s: %v", glob, err)
	}
	out := map[string][]txtar.File{}
	for _, p := range archives {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(p), ".txtar")] = ar.Files
	}
	return out
}

func sitePath(name string) string {
	_, rest, _ := strings.Cut(name, "/")
	return rest
}

// TestSiteSamples runs the php-malware built-in over the injected files of
// testdata/malware (.htaccess injections, PHP in images and under
// uploads/): each must be reported as an error. The clean look-alikes of
// testdata/clean must not be.
func TestSiteSamples(t *testing.T) {
	c, err := NewChecker("php-malware", nil, nil, testParsers)
	if err != nil {
		t.Fatal(err)
	}
	for class, files := range sampleFiles(t, "testdata/malware/*.txtar") {
		n := 0
		for _, f := range files {
			errs := 0
			for _, fd := range c.Check(sitePath(f.Name), f.Data) {
				if fd.Severity == Error {
					errs++
				}
			}
			if errs == 0 {
				t.Errorf("%s/%s: not reported", class, f.Name)
				continue
			}
			n++
		}
		if len(files) < 20 {
			t.Errorf("%s: only %d samples", class, len(files))
		}
		t.Logf("%-9s %d/%d reported", class, n, len(files))
	}
	for class, files := range sampleFiles(t, "testdata/clean/*.txtar") {
		for _, f := range files {
			for _, fd := range c.Check(sitePath(f.Name), f.Data) {
				t.Errorf("%s/%s: %s:%d: %s: %s", class, f.Name, fd.Path, fd.Line, fd.Rule, fd.Message)
			}
		}
	}
}

// FuzzPHPMalware runs the php-malware built-in over any bytes under the
// names it treats differently (PHP, .htaccess, .user.ini, an image, a
// file under uploads/): no panic, and findings inside the input.
func FuzzPHPMalware(f *testing.F) {
	for _, files := range sampleFiles(f, "testdata/*/*.txtar") {
		for _, file := range files {
			f.Add(file.Data)
		}
	}
	c, err := NewChecker("php-malware", nil, nil, Parsers{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := 1 + strings.Count(string(data), "\n") + strings.Count(string(data), "\r")
		for _, path := range []string{"a.php", ".htaccess", "x/.user.ini", "logo.png", "wp-content/uploads/a.txt"} {
			for _, fd := range c.Check(path, data) {
				if fd.Line < 0 || fd.Line > lines || fd.Path != path || fd.Severity != Error {
					t.Fatalf("%s: finding out of the input: %+v", path, fd)
				}
			}
		}
	})
}
