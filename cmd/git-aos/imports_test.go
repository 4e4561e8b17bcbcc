package main

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps the command line a thin front end: besides external
// libraries (cobra), it imports only the use-case packages, report and the
// root package. The sandbox, the validators, wasm, gitops and the GitHub
// client are wired below it (workflow.NewRuntime, github), so that every
// front end gets the same. Its tests may also use the GitHub API double.
func TestImports(t *testing.T) {
	allowed := map[string]bool{
		"github.com/architectos/aos":          true,
		"github.com/architectos/aos/workflow": true,
		"github.com/architectos/aos/hooks":    true,
		"github.com/architectos/aos/github":   true,
		"github.com/architectos/aos/mcp":      true,
		"github.com/architectos/aos/demo":     true,
		"github.com/architectos/aos/report":   true,
	}
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "github.com/architectos/aos") && !allowed[imp] {
			t.Errorf("cmd/git-aos imports %s; call a use case in workflow, hooks or github instead", imp)
		}
	}
	allowed["github.com/architectos/aos/gh/ghtest"] = true
	for _, imp := range pkg.TestImports {
		if strings.HasPrefix(imp, "github.com/architectos/aos") && !allowed[imp] {
			t.Errorf("the tests of cmd/git-aos import %s; test the use case in its own package", imp)
		}
	}
}
