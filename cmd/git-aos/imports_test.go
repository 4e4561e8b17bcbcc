package main

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps the command line a thin front end: besides external
// libraries (cobra), it imports only the use-case packages, report and the
// root package. The sandbox, the validators, wasm and gitops are wired
// below it (workflow.NewRuntime), so that every front end gets the same.
func TestImports(t *testing.T) {
	allowed := map[string]bool{
		"github.com/architectos/aos":          true,
		"github.com/architectos/aos/workflow": true,
		"github.com/architectos/aos/hooks":    true,
		"github.com/architectos/aos/demo":     true,
		"github.com/architectos/aos/report":   true,
	}
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range append(pkg.Imports, pkg.TestImports...) {
		if strings.HasPrefix(imp, "github.com/architectos/aos") && !allowed[imp] {
			t.Errorf("cmd/git-aos imports %s; call a use case in workflow or hooks instead", imp)
		}
	}
}
