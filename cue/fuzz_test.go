package cue

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/rogpeppe/go-internal/txtar"
)

// planSeeds returns the plans of the plan vectors and of testdata/plans.
func planSeeds(f *testing.F) map[string][]byte {
	out := map[string][]byte{}
	vectors, _ := filepath.Glob(filepath.Join("..", "testdata", "plans", "vectors", "*.txtar"))
	for _, file := range vectors {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range ar.Files {
			if af.Name == "plan.yaml" || af.Name == "plan.json" {
				out[filepath.Base(file)+"/"+af.Name] = af.Data
			}
		}
	}
	plans, _ := filepath.Glob(filepath.Join("..", "testdata", "plans", "*.yaml"))
	for _, file := range plans {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		out[file] = b
	}
	if len(out) == 0 {
		f.Fatal("no plans in testdata/plans")
	}
	return out
}

// FuzzParsePlan parses arbitrary documents as YAML and as JSON plans: it
// must never panic, an error is a *PlanError whose every violation has a
// rule, a message and a position in the file, and a plan it accepts has
// only known directive types and a valid id.
func FuzzParsePlan(f *testing.F) {
	for name, b := range planSeeds(f) {
		f.Add(b, strings.HasSuffix(name, ".json"))
	}
	f.Fuzz(func(t *testing.T, doc []byte, asJSON bool) {
		name := "plan.yaml"
		if asJSON {
			name = "plan.json"
		}
		plan, err := ParsePlan(name, doc, PlanLimits{MaxBytes: 1 << 20, MaxDirectives: 1000})
		if err != nil {
			var pe *PlanError
			if !errors.As(err, &pe) || len(pe.Violations) == 0 {
				t.Fatalf("error %T %v is not a *PlanError with violations", err, err)
			}
			for _, v := range pe.Violations {
				if v.Rule == "" || v.Message == "" || v.Pos.File != name || v.Pos.Line < 1 {
					t.Fatalf("violation without rule, message or position: %+v", v)
				}
			}
			return
		}
		if plan.Version != 1 || !PlanIDPattern.MatchString(plan.ID) || len(plan.Directives) == 0 {
			t.Fatalf("accepted plan %+v", plan)
		}
		for i, d := range plan.Directives {
			if _, ok := DirectiveParams(d.Type); !ok || d.Index != i {
				t.Fatalf("directive %d: %+v", i, d)
			}
		}
	})
}

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
