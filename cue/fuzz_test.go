package cue

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/architectos/aos"
)

// FuzzLoadManifest loads arbitrary documents as YAML and CUE manifests,
// with and without a policy: it must never panic, and an error is a
// *ManifestError wrapping aos.ErrRejected, or the schema's.
func FuzzLoadManifest(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "manifests", "*.yaml"))
	if len(files) == 0 {
		f.Fatal("no manifests in testdata/manifests")
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false, false)
		f.Add(b, false, true)
	}
	f.Add([]byte("project: name: \"x\"\nworkspace: writable: [\"src/**\"]\npolicies: allow_delete: true\n"), true, false)
	f.Add([]byte("import \"strings\"\nproject: name: strings.ToLower(\"X\")\n"), true, true)
	f.Add([]byte(benchManifest(40)), false, false)
	pol := &Source{Name: "org.cue", Data: []byte("policies: allow_delete: false\npolicies: max_file_size_kb: <=512\n")}
	f.Fuzz(func(t *testing.T, doc []byte, asCUE, withPolicy bool) {
		name := "aos.yaml"
		if asCUE {
			name = "aos.cue"
		}
		var p *Source
		if withPolicy {
			p = pol
		}
		m, err := LoadManifest(Source{Name: name, Data: doc}, name, p)
		if err != nil {
			if !errors.Is(err, aos.ErrRejected) {
				t.Fatalf("error %T %v does not wrap aos.ErrRejected", err, err)
			}
			return
		}
		if m.Project.Name == "" {
			t.Fatalf("accepted a manifest without a project name")
		}
	})
}
