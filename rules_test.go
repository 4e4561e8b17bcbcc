package aos_test

import (
	"go/ast"
	"go/build"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/architectos/aos"
)

const module = "github.com/architectos/aos"

// registered is one constant of the registry in rules.go.
type registered struct {
	name, value, meaning string
}

// registry reads the constants of type typeName declared in rules.go,
// with the trailing comment that gives each its meaning.
func registry(t *testing.T, typeName string) []registered {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "rules.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var out []registered
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != typeName {
				continue
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if len(vs.Names) != 1 || len(vs.Values) != 1 || !ok || lit.Kind != token.STRING {
				t.Fatalf("%s: a %s constant is one name and one string literal", fset.Position(vs.Pos()), typeName)
			}
			meaning := ""
			if vs.Comment != nil {
				meaning = strings.TrimSpace(vs.Comment.Text())
			}
			out = append(out, registered{vs.Names[0].Name, constant.StringVal(constant.MakeFromLiteral(lit.Value, lit.Kind, 0)), meaning})
		}
	}
	return out
}

var ruleShape = regexp.MustCompile(`^[a-z]+\.[a-z][a-z0-9_]*$`)

// TestRuleRegistry checks the registry itself: every rule is named
// namespace.rule, once, with a one-line meaning.
func TestRuleRegistry(t *testing.T) {
	t.Parallel()
	rules := registry(t, "Rule")
	if len(rules) < 60 {
		t.Fatalf("registry holds %d rules; rules.go lost its constants", len(rules))
	}
	seen := map[string]string{}
	for _, r := range rules {
		if !ruleShape.MatchString(r.value) {
			t.Errorf("%s = %q is not of the form namespace.rule", r.name, r.value)
		}
		if prev, dup := seen[r.value]; dup {
			t.Errorf("%s and %s are both %q", prev, r.name, r.value)
		}
		seen[r.value] = r.name
		if r.meaning == "" || strings.Contains(r.meaning, "\n") {
			t.Errorf("%s has no one-line meaning", r.name)
		}
	}
	if kinds := registry(t, "JobKind"); len(kinds) != 3 {
		t.Errorf("job kinds = %v, want tests, build and exec", kinds)
	}
}

// specRules returns the rules docs/spec.md section 12 lists, with their
// meanings.
func specRules(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("docs/spec.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "\n## 12. Rules by name\n")
	if !ok {
		t.Fatal("docs/spec.md has no section 12. Rules by name")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\| (.+) \\|$")
	out := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(sec, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// TestRulesDocumented checks that docs/spec.md section 12 lists exactly
// the registered rules, each with the meaning the registry gives it.
func TestRulesDocumented(t *testing.T) {
	t.Parallel()
	doc := specRules(t)
	for _, r := range registry(t, "Rule") {
		switch got, ok := doc[r.value]; {
		case !ok:
			t.Errorf("rule %s (%s) is not in docs/spec.md section 12", r.value, r.name)
		case got != r.meaning:
			t.Errorf("rule %s: docs/spec.md says %q, rules.go %q", r.value, got, r.meaning)
		}
		delete(doc, r.value)
	}
	// The one rule family made by a function: a validator's findings.
	if _, ok := doc["validators.NAME/RULE"]; !ok {
		t.Error("docs/spec.md section 12 does not list validators.NAME/RULE")
	}
	delete(doc, "validators.NAME/RULE")
	for name := range doc {
		t.Errorf("docs/spec.md section 12 lists %s, which is not registered", name)
	}
}

// TestNoUnregisteredRules checks that no code outside rules.go makes a
// Rule or a JobKind of its own: every constant of those types is one of
// the registry's, and nothing converts a string into one. Together with
// the types of the fields and parameters that carry rules, this means
// every rule emitted is registered.
func TestNoUnregisteredRules(t *testing.T) {
	t.Parallel()
	im := newLenientImporter(t)
	for _, dir := range packageDirs(t) {
		rel, _ := filepath.Rel(".", dir)
		p := module
		if rel != "." {
			p += "/" + filepath.ToSlash(rel)
		}
		im.Import(p)
	}
	if len(im.checked) < 10 {
		t.Fatalf("checked only %d packages", len(im.checked))
	}
	for _, bad := range misuses(im) {
		t.Error(bad)
	}
}

// TestNoUnregisteredRulesSeesMisuse proves that the check above can fail:
// a package that writes its own rule in each way is caught each time.
func TestNoUnregisteredRulesSeesMisuse(t *testing.T) {
	t.Parallel()
	im := newLenientImporter(t)
	src := `package bad

import "github.com/architectos/aos"

const mine = "bad.const"

func f(r aos.Rule) {}

func g(s string) []aos.Violation {
	f("bad.literal")
	f(mine)
	f(aos.Rule(s))
	var k aos.JobKind = "shell"
	_ = k
	return []aos.Violation{{Rule: "bad.field"}, {Rule: aos.RulePlanSize}}
}
`
	f, err := parser.ParseFile(im.fset, "bad/bad.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	im.check("example.com/bad", []*ast.File{f})
	got := misuses(im)
	if len(got) != 5 {
		t.Fatalf("found %d misuses, want 5:\n%s", len(got), strings.Join(got, "\n"))
	}
}

// lenientImporter type-checks this module's packages from source, and
// stands in an empty package for any other import: only the types of this
// module matter here, and the errors that the missing packages cause are
// ignored.
type lenientImporter struct {
	t       *testing.T
	fset    *token.FileSet
	info    *types.Info
	pkgs    map[string]*types.Package
	checked []string
}

func newLenientImporter(t *testing.T) *lenientImporter {
	return &lenientImporter{t: t, fset: token.NewFileSet(), pkgs: map[string]*types.Package{},
		info: &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}}}
}

func (im *lenientImporter) Import(p string) (*types.Package, error) {
	if pkg, ok := im.pkgs[p]; ok {
		return pkg, nil
	}
	rel, ours := strings.CutPrefix(p, module)
	if !ours || (rel != "" && rel[0] != '/') {
		pkg := types.NewPackage(p, path.Base(p))
		pkg.MarkComplete()
		im.pkgs[p] = pkg
		return pkg, nil
	}
	dir := "." + rel
	entries, err := os.ReadDir(dir)
	if err != nil {
		im.t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if ok, err := build.Default.MatchFile(dir, name); err != nil || !ok {
			continue
		}
		f, err := parser.ParseFile(im.fset, filepath.Join(dir, name), nil, 0)
		if err != nil {
			im.t.Fatal(err)
		}
		files = append(files, f)
	}
	return im.check(p, files), nil
}

func (im *lenientImporter) check(p string, files []*ast.File) *types.Package {
	conf := types.Config{Importer: im, Error: func(error) {}}
	pkg, _ := conf.Check(p, im.fset, files, im.info)
	im.pkgs[p] = pkg
	im.checked = append(im.checked, p)
	return pkg
}

// misuses returns where code outside rules.go makes a Rule or JobKind: a
// constant of either type that is not a registered one, or a conversion
// to either type.
func misuses(im *lenientImporter) []string {
	aosPkg := im.pkgs[module]
	if aosPkg == nil {
		im.t.Fatal("package aos was not checked")
	}
	registry := func(o types.Object) bool {
		c, ok := o.(*types.Const)
		return ok && c.Pkg() == aosPkg && filepath.Base(im.fset.Position(c.Pos()).Filename) == "rules.go"
	}
	guarded := func(t types.Type) bool {
		n, ok := t.(*types.Named)
		return ok && n.Obj().Pkg() == aosPkg && (n.Obj().Name() == "Rule" || n.Obj().Name() == "JobKind")
	}
	var out []string
	for e, tv := range im.info.Types {
		pos := im.fset.Position(e.Pos())
		if filepath.Base(pos.Filename) == "rules.go" && filepath.Dir(pos.Filename) == "." {
			continue
		}
		if tv.IsType() || !guarded(tv.Type) {
			continue
		}
		switch e := ast.Unparen(e).(type) {
		case *ast.Ident:
			if tv.Value != nil && !registry(im.info.Uses[e]) {
				out = append(out, pos.String()+": "+e.Name+" is not a registered constant")
			}
		case *ast.SelectorExpr:
			if tv.Value != nil && !registry(im.info.Uses[e.Sel]) {
				out = append(out, pos.String()+": "+e.Sel.Name+" is not a registered constant")
			}
		case *ast.BasicLit:
			out = append(out, pos.String()+": "+e.Value+" is not a registered constant")
		case *ast.CallExpr:
			if ftv, ok := im.info.Types[e.Fun]; ok && ftv.IsType() {
				out = append(out, pos.String()+": conversion to "+tv.Type.String())
			}
		}
	}
	slices.Sort(out)
	return out
}

// packageDirs returns the directories of this module that hold Go files,
// testdata and hidden directories left out.
func packageDirs(t *testing.T) []string {
	var dirs []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			if dir := filepath.Dir(p); !slices.Contains(dirs, dir) {
				dirs = append(dirs, dir)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// TestRuleMeaning checks that Rule.Meaning, which SARIF rule descriptions
// are made of, gives each registered rule the meaning of its comment.
func TestRuleMeaning(t *testing.T) {
	t.Parallel()
	for _, r := range registry(t, "Rule") {
		if got := aos.Rule(r.value).Meaning(); got != r.meaning {
			t.Errorf("%s.Meaning() = %q, want %q", r.name, got, r.meaning)
		}
	}
	if got := aos.ValidatorFinding("secrets", "aws-access-key-id").Meaning(); got != "" {
		t.Errorf("a validator's rule has meaning %q, want none", got)
	}
}
