package phpscan

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestMalwareSamples scans the sample sets of testdata/malware, one
// txtar archive per class of backdoor, modeled on the public families
// (China Chopper, c99, r57, WSO, b374k, Behinder, Godzilla) and on the
// tricks that hide them (callbacks, names built at run time, packed
// payloads): every sample must be reported. The archives are data, never
// PHP files, so nothing runs them.
func TestMalwareSamples(t *testing.T) {
	archives, err := filepath.Glob("testdata/malware/*.txtar")
	if err != nil || len(archives) == 0 {
		t.Fatalf("no sample sets: %v", err)
	}
	total, caught := 0, 0
	for _, path := range archives {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		class := strings.TrimSuffix(filepath.Base(path), ".txtar")
		n := 0
		for _, f := range ar.Files {
			fs := Scan(f.Data, Options{ShortTags: true})
			if len(fs) == 0 {
				t.Errorf("%s/%s: not reported", class, f.Name)
				continue
			}
			n++
		}
		if len(ar.Files) < 20 {
			t.Errorf("%s: only %d samples", class, len(ar.Files))
		}
		total += len(ar.Files)
		caught += n
		t.Logf("%-10s %d/%d reported", class, n, len(ar.Files))
	}
	t.Logf("all: %d/%d reported", caught, total)
}

// TestCleanSamples scans the code of testdata/clean, which looks like a
// backdoor to a pattern (eval, system, base64_decode, callbacks, request
// data) but is not one: nothing may be reported.
func TestCleanSamples(t *testing.T) {
	archives, err := filepath.Glob("testdata/clean/*.txtar")
	if err != nil || len(archives) == 0 {
		t.Fatalf("no clean samples: %v", err)
	}
	for _, path := range archives {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			for _, fd := range Scan(f.Data, Options{ShortTags: true}) {
				t.Errorf("%s/%s:%d:%d: %s: %s", filepath.Base(path), f.Name, fd.Line, fd.Column, fd.Rule, fd.Message)
			}
		}
	}
}

// FuzzScan reads any input to its end without a panic, with findings
// at positions inside it.
func FuzzScan(f *testing.F) {
	archives, _ := filepath.Glob("testdata/*/*.txtar")
	for _, path := range archives {
		if ar, err := txtar.ParseFile(path); err == nil {
			for _, file := range ar.Files {
				f.Add(file.Data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		lines := 1 + strings.Count(string(src), "\n")
		for _, fd := range Scan(src, Options{ShortTags: true}) {
			if fd.Line < 1 || fd.Line > lines || fd.Column < 1 || fd.Rule == "" {
				t.Fatalf("finding out of the input: %+v (%d lines)", fd, lines)
			}
		}
	})
}
