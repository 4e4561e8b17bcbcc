package planfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// planSeeds returns the plans of the plan vectors and of testdata/plans.
func planSeeds(f *testing.F) map[string][]byte {
	out := map[string][]byte{}
	vectors, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "plans", "vectors", "*.txtar"))
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
	plans, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "plans", "*.yaml"))
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
// must never panic, an error is a *Error whose every violation has a
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
		plan, err := Parse(context.Background(), name, doc, Limits{MaxBytes: 1 << 20, MaxDirectives: 1000})
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || len(pe.Violations) == 0 {
				t.Fatalf("error %T %v is not a *Error with violations", err, err)
			}
			for _, v := range pe.Violations {
				if v.Rule == "" || v.Message == "" || v.Pos.File != name || v.Pos.Line < 1 {
					t.Fatalf("violation without rule, message or position: %+v", v)
				}
			}
			return
		}
		if plan.Version != 1 || !IDPattern.MatchString(plan.ID) || len(plan.Directives) == 0 {
			t.Fatalf("accepted plan %+v", plan)
		}
		for i, d := range plan.Directives {
			if _, ok := DirectiveParams(d.Type); !ok || d.Index != i {
				t.Fatalf("directive %d: %+v", i, d)
			}
		}
	})
}
