//go:build gitleaks

package rules

// The gitleaks comparison: go test -tags gitleaks -run TestGitleaksCases -v ./validators/rules
//
// It downloads gitleaks v8.30.1 through the module proxy, copies it, and
// replaces the function its rule generators call to check their own
// samples (utils.Validate) with one that records them: every rule's true
// positives ("tps") and false positives ("fps"). A generated program runs
// every generator, then gitleaks's own detector with its default config on
// each sample. The test runs the secrets built-in on the same samples and
// reports, for each family both tools cover, the true positives each
// finds and the false positives each flags.

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const gitleaksVersion = "v8.30.1"

type gitleaksCase struct {
	Rule  string `json:"rule"`
	TP    bool   `json:"tp"`
	Text  string `json:"text"`
	Path  string `json:"path"`
	Found bool   `json:"found"` // by gitleaks: the same rule for a tp, any rule for an fp
}

// family maps gitleaks's rule ids to the secrets built-in's rule families.
// A rule that maps to "" is one the built-in does not claim.
func family(gitleaksRule string) string {
	r := gitleaksRule
	switch {
	case strings.HasPrefix(r, "aws-"):
		return "aws"
	case strings.HasPrefix(r, "gcp-"):
		return "gcp"
	case strings.HasPrefix(r, "azure-"):
		return "azure"
	case r == "private-key":
		return "private-key"
	case strings.HasPrefix(r, "github-"):
		return "github"
	case strings.HasPrefix(r, "gitlab-"):
		return "gitlab"
	case strings.HasPrefix(r, "slack-"):
		return "slack"
	case strings.HasPrefix(r, "stripe-"):
		return "stripe"
	case strings.HasPrefix(r, "openai-"):
		return "openai"
	case strings.HasPrefix(r, "anthropic-"):
		return "anthropic"
	case strings.HasPrefix(r, "npm-"):
		return "npm"
	case strings.HasPrefix(r, "pypi-"):
		return "pypi"
	case strings.HasPrefix(r, "sendgrid-"):
		return "sendgrid"
	case strings.HasPrefix(r, "digitalocean-"):
		return "digitalocean"
	case strings.HasPrefix(r, "shopify-"):
		return "shopify"
	case strings.HasPrefix(r, "vault-") || strings.HasPrefix(r, "hashicorp-"):
		return "vault"
	case strings.HasPrefix(r, "jwt"):
		return "jwt"
	case r == "generic-api-key":
		return "generic"
	}
	return ""
}

func gitleaksCases(t *testing.T) []gitleaksCase {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/zricethezav/gitleaks/v8@"+gitleaksVersion).Output()
	if err != nil {
		t.Fatalf("go mod download gitleaks: %v", err)
	}
	var mod struct{ Dir, GoMod string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		t.Fatalf("go mod download gitleaks: %v: %s", err, out)
	}
	work := t.TempDir()
	src := filepath.Join(work, "gitleaks")
	if out, err := exec.Command("cp", "-r", mod.Dir, src).CombinedOutput(); err != nil {
		t.Fatalf("copy gitleaks: %v: %s", err, out)
	}
	exec.Command("chmod", "-R", "u+w", src).Run()
	recorder := `package utils

import "github.com/zricethezav/gitleaks/v8/config"

type Case struct {
	Rule, Text, Path string
	TP               bool
}

var Cases []Case

func Validate(rule config.Rule, tps []string, fps []string) *config.Rule {
	for _, s := range tps {
		Cases = append(Cases, Case{Rule: rule.RuleID, Text: s, TP: true})
	}
	for _, s := range fps {
		Cases = append(Cases, Case{Rule: rule.RuleID, Text: s})
	}
	return &rule
}

func ValidateWithPaths(rule config.Rule, tps map[string]string, fps map[string]string) *config.Rule {
	for p, s := range tps {
		Cases = append(Cases, Case{Rule: rule.RuleID, Text: s, Path: p, TP: true})
	}
	for p, s := range fps {
		Cases = append(Cases, Case{Rule: rule.RuleID, Text: s, Path: p})
	}
	return &rule
}
`
	if err := os.WriteFile(filepath.Join(src, "cmd/generate/config/utils/validate.go"), []byte(recorder), 0o644); err != nil {
		t.Fatal(err)
	}
	// Every exported generator of package rules.
	rulesDir := filepath.Join(src, "cmd/generate/config/rules")
	pkgs, err := parser.ParseDir(token.NewFileSet(), rulesDir, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var gens []string
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Recv != nil || !fd.Name.IsExported() || fd.Type.Params.NumFields() != 0 || fd.Type.Results.NumFields() != 1 {
					continue
				}
				if star, ok := fd.Type.Results.List[0].Type.(*ast.StarExpr); ok {
					if sel, ok := star.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "Rule" {
						gens = append(gens, fd.Name.Name)
					}
				}
			}
		}
	}
	sort.Strings(gens)
	if len(gens) < 100 {
		t.Fatalf("only %d rule generators in gitleaks", len(gens))
	}
	var calls strings.Builder
	for _, g := range gens {
		fmt.Fprintf(&calls, "\trules.%s()\n", g)
	}
	main := `package main

import (
	"encoding/json"
	"os"

	"github.com/zricethezav/gitleaks/v8/cmd/generate/config/rules"
	"github.com/zricethezav/gitleaks/v8/cmd/generate/config/utils"
	"github.com/zricethezav/gitleaks/v8/detect"
)

func main() {
` + calls.String() + `
	d, err := detect.NewDetectorDefaultConfig()
	if err != nil {
		panic(err)
	}
	type out struct {
		Rule  string ` + "`json:\"rule\"`" + `
		TP    bool   ` + "`json:\"tp\"`" + `
		Text  string ` + "`json:\"text\"`" + `
		Path  string ` + "`json:\"path\"`" + `
		Found bool   ` + "`json:\"found\"`" + `
	}
	var all []out
	for _, c := range utils.Cases {
		found := false
		for _, f := range d.DetectString(c.Text) {
			if !c.TP || f.RuleID == c.Rule {
				found = true
			}
		}
		all = append(all, out{c.Rule, c.TP, c.Text, c.Path, found})
	}
	json.NewEncoder(os.Stdout).Encode(all)
}
`
	prog := filepath.Join(work, "prog")
	os.MkdirAll(prog, 0o755)
	os.WriteFile(filepath.Join(prog, "main.go"), []byte(main), 0o644)
	gomod := "module gitleakscases\n\ngo 1.24\n\nrequire github.com/zricethezav/gitleaks/v8 " + gitleaksVersion + "\n\nreplace github.com/zricethezav/gitleaks/v8 => ../gitleaks\n"
	os.WriteFile(filepath.Join(prog, "go.mod"), []byte(gomod), 0o644)
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = prog
	if out, err := tidy.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy: %v: %s", err, out)
	}
	run := exec.Command("go", "run", ".")
	run.Dir = prog
	run.Stderr = os.Stderr
	res, err := run.Output()
	if err != nil {
		t.Fatalf("run the gitleaks cases: %v", err)
	}
	var cases []gitleaksCase
	if err := json.Unmarshal(res, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestGitleaksCases reports recall and false positives per family on
// gitleaks's own rule samples, for gitleaks and for the secrets built-in,
// and fails where the built-in does worse than gitleaks.
func TestGitleaksCases(t *testing.T) {
	cases := gitleaksCases(t)
	c, err := NewChecker("secrets", nil, nil, Parsers{})
	if err != nil {
		t.Fatal(err)
	}
	type tally struct{ tp, tpOurs, tpTheirs, fp, fpOurs, fpTheirs int }
	fams := map[string]*tally{}
	var all tally
	for _, k := range cases {
		fam := family(k.Rule)
		if fam == "" {
			continue
		}
		path := k.Path
		if path == "" {
			path = "sample.txt"
		}
		ours := len(c.Check(path, []byte(k.Text))) > 0
		f := fams[fam]
		if f == nil {
			f = &tally{}
			fams[fam] = f
		}
		for _, tl := range []*tally{f, &all} {
			if k.TP {
				tl.tp++
				if ours {
					tl.tpOurs++
				}
				if k.Found {
					tl.tpTheirs++
				}
			} else {
				tl.fp++
				if ours {
					tl.fpOurs++
				}
				if k.Found {
					tl.fpTheirs++
				}
			}
		}
		switch {
		case k.TP && !ours && k.Found:
			t.Errorf("%s: gitleaks finds this true positive, the built-in does not: %q", k.Rule, clipSample(k.Text))
		case !k.TP && ours && !k.Found:
			t.Errorf("%s: the built-in flags this false positive, gitleaks does not: %q", k.Rule, clipSample(k.Text))
		}
	}
	names := make([]string, 0, len(fams))
	for n := range fams {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("%-13s %17s %17s %12s %12s", "family", "recall (built-in)", "recall (gitleaks)", "fp built-in", "fp gitleaks")
	line := func(n string, f *tally) {
		t.Logf("%-13s %9d/%-7d %9d/%-7d %6d/%-5d %6d/%-5d", n, f.tpOurs, f.tp, f.tpTheirs, f.tp, f.fpOurs, f.fp, f.fpTheirs, f.fp)
	}
	for _, n := range names {
		line(n, fams[n])
	}
	line("all", &all)
}

func clipSample(s string) string {
	if len(s) > 160 {
		return s[:160] + "..."
	}
	return s
}
