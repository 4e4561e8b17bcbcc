// Package cue loads and checks ArchitectOS manifests and plans. It owns the
// embedded CUE schema (schema.cue) and is the only importer of cuelang.org
// and of the YAML parser.
//
// # Manifests
//
// [LoadManifest] validates a CUE or YAML manifest against the schema,
// unifies it with an optional organisation policy, applies defaults, runs
// the semantic checks of docs/spec.md 2.5 and decodes the result into an
// [aos.Manifest]. Every error is reported, each with its position.
//
// # Plans
//
// [ParsePlan] decodes a plan document strictly (docs/spec.md 3).
package cue

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/architectos/aos"
	"github.com/architectos/aos/policy"

	cuelang "cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"
	cueyaml "cuelang.org/go/encoding/yaml"
	"go.yaml.in/yaml/v3"
)

//go:embed schema.cue
var schemaSource []byte

// SchemaSource returns the embedded CUE schema of manifests.
func SchemaSource() []byte { return schemaSource }

// Source is one input file.
type Source struct {
	Name string // file name used in positions
	Data []byte
}

// Error is one manifest error at a position.
type Error struct {
	Pos   aos.Position
	Path  string // the field, e.g. "policies.allow_delete"
	Msg   string
	Other []aos.Position // other positions involved, e.g. the policy's
}

func (e Error) Error() string {
	s := ""
	if p := e.Pos.String(); p != "" {
		s = p + ": "
	}
	if e.Path != "" {
		s += e.Path + ": "
	}
	s += e.Msg
	if len(e.Other) > 0 {
		var o []string
		for _, p := range e.Other {
			o = append(o, p.String())
		}
		s += " (see also " + strings.Join(o, ", ") + ")"
	}
	return s
}

// ManifestError lists every error of a manifest. It wraps
// [aos.ErrRejected].
type ManifestError struct {
	Errors []Error
}

func (e *ManifestError) Error() string {
	if len(e.Errors) == 1 {
		return "invalid manifest: " + e.Errors[0].Error()
	}
	return fmt.Sprintf("invalid manifest: %d errors, first: %s", len(e.Errors), e.Errors[0].Error())
}

// Unwrap makes errors.Is(err, aos.ErrRejected) true.
func (e *ManifestError) Unwrap() error { return aos.ErrRejected }

var (
	ctxOnce   sync.Once
	schemaVal cuelang.Value
	schemaErr error
	ctxMu     sync.Mutex // a cue.Context is not safe for concurrent use
	ctx       *cuelang.Context
)

func schema() (*cuelang.Context, cuelang.Value, error) {
	ctxOnce.Do(func() {
		ctx = cuecontext.New()
		v := ctx.CompileBytes(schemaSource, cuelang.Filename("schema.cue"))
		if err := v.Err(); err != nil {
			schemaErr = fmt.Errorf("compile embedded schema: %w", err)
			return
		}
		schemaVal = v.LookupPath(cuelang.MakePath(cuelang.Def("Manifest")))
	})
	return ctx, schemaVal, schemaErr
}

// compile turns a CUE, YAML or JSON source into a CUE value.
func compile(c *cuelang.Context, src Source) (cuelang.Value, error) {
	if strings.HasSuffix(src.Name, ".cue") {
		v := c.CompileBytes(src.Data, cuelang.Filename(src.Name))
		return v, v.Err()
	}
	f, err := cueyaml.Extract(src.Name, src.Data)
	if err != nil {
		// CUE's YAML errors may lack a line; the YAML parser's have one.
		var n yaml.Node
		if yerr := yaml.Unmarshal(src.Data, &n); yerr != nil {
			se := yamlErr(src.Name, src.Data, yerr).(*syntaxError)
			return cuelang.Value{}, Error{Pos: se.pos, Msg: se.msg}
		}
		return cuelang.Value{}, err
	}
	v := c.BuildFile(f)
	return v, v.Err()
}

// MaxManifestBytes bounds a manifest and a policy file (docs/spec.md 2.1):
// checking grows faster than linearly with the size of CUE values, so a
// huge document is refused before it is parsed.
const MaxManifestBytes = 512 << 10

// LoadManifest validates src, unified with the optional policy, and decodes
// it. repoPath is the manifest's path in the repository, protected from
// writes. A manifest that is not valid yields a [*ManifestError].
func LoadManifest(src Source, repoPath string, pol *Source) (*aos.Manifest, error) {
	for _, s := range []*Source{&src, pol} {
		if s != nil && len(s.Data) > MaxManifestBytes {
			return nil, &ManifestError{Errors: []Error{{Pos: aos.Position{File: s.Name, Line: 1, Col: 1},
				Msg: fmt.Sprintf("file is %d bytes, over the limit of %d", len(s.Data), MaxManifestBytes)}}}
		}
	}
	c, sch, err := schema()
	if err != nil {
		return nil, err
	}
	ctxMu.Lock()
	defer ctxMu.Unlock()

	data, err := compile(c, src)
	if err != nil {
		return nil, &ManifestError{Errors: convertErrors(err, src.Name)}
	}
	if data.IncompleteKind() != cuelang.StructKind {
		return nil, &ManifestError{Errors: []Error{{Pos: aos.Position{File: src.Name, Line: 1, Col: 1}, Msg: "a manifest must be a mapping of sections"}}}
	}
	srcs := []cuelang.Value{data}
	v := sch.Unify(data)
	digest := sha256.Sum256(src.Data)
	m := &aos.Manifest{Source: repoPath, Digest: "sha256:" + hex.EncodeToString(digest[:])}
	if pol != nil {
		pv, err := compile(c, *pol)
		if err != nil {
			return nil, &ManifestError{Errors: convertErrors(err, pol.Name)}
		}
		v = v.Unify(pv)
		srcs = append(srcs, pv)
		pd := sha256.Sum256(pol.Data)
		m.Digest += "+sha256:" + hex.EncodeToString(pd[:])
	}
	var errs []Error
	if err := v.Validate(cuelang.Concrete(true), cuelang.Final()); err != nil {
		errs = convertErrors(err, src.Name)
		// Decode what can be decoded, so the semantic checks still report
		// their errors alongside the schema's.
		if b, err := data.MarshalJSON(); err == nil {
			_ = json.Unmarshal(b, m)
		}
		fillDefaults(m)
	} else if err := v.Decode(m); err != nil {
		return nil, &ManifestError{Errors: convertErrors(err, src.Name)}
	}
	errs = append(errs, semanticChecks(srcs, m)...)
	if len(errs) > 0 {
		return nil, &ManifestError{Errors: dedupSort(errs)}
	}
	return m, nil
}

// convertErrors flattens CUE errors into positioned [Error]s. When an error
// has positions in several files, the one in primary comes first. An error
// with no position in the input names primary.
func convertErrors(err error, primary string) []Error {
	var out []Error
	var plain Error
	if errors.As(err, &plain) {
		return []Error{plain}
	}
	// conflicts holds the two values of "conflicting values A and B"
	// errors, by index in out; disjunction summaries are dropped below.
	conflicts := map[int][2]string{}
	summary := map[int]bool{}
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		if len(args) == 0 && format == "%s" {
			format = strings.ReplaceAll(e.Error(), "%", "%%")
		}
		p := e.Path()
		if len(p) > 0 && p[0] == "#Manifest" {
			p = p[1:]
		}
		ce := Error{Path: joinPath(p), Msg: fmt.Sprintf(format, args...)}
		if strings.HasPrefix(format, "conflicting values %s and %s") && len(args) >= 2 {
			conflicts[len(out)] = [2]string{fmt.Sprint(args[0]), fmt.Sprint(args[1])}
		}
		if strings.HasSuffix(format, "errors in empty disjunction:") {
			summary[len(out)] = true
		}
		var poss []token.Pos
		if p := e.Position(); p.IsValid() {
			poss = append(poss, p)
		}
		poss = append(poss, e.InputPositions()...)
		for _, p := range poss {
			ap := toPos(p)
			if ap.File == "schema.cue" || ap.File == "" {
				continue
			}
			if ce.Pos.File == "" {
				ce.Pos = ap
			} else if ap != ce.Pos && !containsPos(ce.Other, ap) {
				ce.Other = append(ce.Other, ap)
			}
		}
		if ce.Pos.File != primary {
			for i, o := range ce.Other {
				if o.File == primary {
					ce.Pos, ce.Other[i] = o, ce.Pos
					break
				}
			}
		}
		sort.Slice(ce.Other, func(i, j int) bool { return lessPos(ce.Other[i], ce.Other[j]) })
		out = append(out, ce)
	}
	if len(out) == 0 {
		out = append(out, Error{Msg: err.Error()})
	}
	out = mergeDisjunctions(out, conflicts, summary)
	for i := range out {
		if out[i].Pos.File == "" {
			out[i].Pos.File = primary
			if strings.HasPrefix(out[i].Msg, "incomplete value") {
				// No position in the input: the field is not there.
				out[i].Msg = "required field is missing (" + out[i].Msg + ")"
			}
		}
	}
	return dedupSort(out)
}

// mergeDisjunctions turns the errors of a value that matches no branch of
// a disjunction ("N errors in empty disjunction", then one "conflicting
// values" error per branch) into one error listing the allowed values.
func mergeDisjunctions(errs []Error, conflicts map[int][2]string, summary map[int]bool) []Error {
	type key struct {
		pos  aos.Position
		path string
	}
	groups := map[key][]int{}
	paths := map[string]bool{}
	for i, e := range errs {
		if _, ok := conflicts[i]; ok {
			k := key{e.Pos, e.Path}
			groups[k] = append(groups[k], i)
		}
		if !summary[i] {
			paths[e.Path] = true
		}
	}
	drop := map[int]bool{}
	for i := range summary {
		if paths[errs[i].Path] {
			drop[i] = true // the branch errors say more
		}
	}
	for _, idx := range groups {
		if len(idx) < 2 {
			continue
		}
		// The value given is the one common to every conflict.
		first := conflicts[idx[0]]
		for _, given := range first {
			var want []string
			for _, i := range idx {
				c := conflicts[i]
				switch given {
				case c[1]:
					want = append(want, c[0])
				case c[0]:
					want = append(want, c[1])
				default:
					want = nil
				}
				if want == nil {
					break
				}
			}
			if len(want) == len(idx) {
				errs[idx[0]].Msg = fmt.Sprintf("invalid value %s (want one of %s)", given, strings.Join(want, ", "))
				for _, i := range idx[1:] {
					drop[i] = true
				}
				break
			}
		}
	}
	out := errs[:0]
	for i, e := range errs {
		if !drop[i] {
			out = append(out, e)
		}
	}
	return out
}

// joinPath writes a CUE path as the manifest's field path: list indexes
// in brackets (workspace.writable[1]).
func joinPath(p []string) string {
	var b strings.Builder
	for _, sel := range p {
		if _, err := strconv.Atoi(sel); err == nil {
			b.WriteString("[" + sel + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(sel)
	}
	return b.String()
}

// dedupSort sorts errors by position and drops repeats.
func dedupSort(errs []Error) []Error {
	sort.SliceStable(errs, func(i, j int) bool { return lessPos(errs[i].Pos, errs[j].Pos) })
	seen := map[string]bool{}
	out := errs[:0]
	for _, e := range errs {
		if k := e.Error(); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

func containsPos(ps []aos.Position, p aos.Position) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

func lessPos(a, b aos.Position) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Col < b.Col
}

func toPos(p token.Pos) aos.Position {
	if !p.IsValid() {
		return aos.Position{}
	}
	return aos.Position{File: p.Filename(), Line: p.Line(), Col: p.Column()}
}

// checker collects semantic errors with the positions of the fields they
// concern.
type checker struct {
	srcs []cuelang.Value // the manifest, then the policy
	errs []Error
}

func (c *checker) add(fieldPath string, format string, args ...any) {
	e := Error{Path: fieldPath, Msg: fmt.Sprintf(format, args...)}
	for _, v := range c.srcs {
		if p := v.LookupPath(cuelang.ParsePath(fieldPath)); p.Exists() {
			if pos := valuePos(p); pos.IsValid() {
				e.Pos = toPos(pos)
				break
			}
		}
	}
	c.errs = append(c.errs, e)
}

// valuePos finds the source position of a value, looking through its
// conjuncts for one that is not in the schema.
func valuePos(v cuelang.Value) token.Pos {
	if p := v.Pos(); p.IsValid() && p.Filename() != "schema.cue" {
		return p
	}
	op, args := v.Expr()
	if op == cuelang.AndOp {
		for _, a := range args {
			if p := valuePos(a); p.IsValid() && p.Filename() != "schema.cue" {
				return p
			}
		}
	}
	return token.NoPos
}

func quoteSel(name string) string {
	return cuelang.MakePath(cuelang.Str(name)).String()
}

// semanticChecks runs the checks of docs/spec.md 2.5.
func semanticChecks(srcs []cuelang.Value, m *aos.Manifest) []Error {
	c := &checker{srcs: srcs}
	globLists := map[string][]string{
		"workspace.read_only": m.Workspace.ReadOnly,
		"workspace.writable":  m.Workspace.Writable,
		"workspace.ignored":   m.Workspace.Ignored,
	}
	for _, name := range slices.Sorted(maps.Keys(m.Build.Targets)) {
		globLists["build.targets."+quoteSel(name)+".outputs"] = m.Build.Targets[name].Outputs
	}
	for i, a := range m.Policies.RequireApproval {
		globLists[fmt.Sprintf("policies.require_approval[%d].paths", i)] = a.Paths
	}
	for _, name := range slices.Sorted(maps.Keys(m.Validators)) {
		globLists["validators."+quoteSel(name)+".paths"] = m.Validators[name].Paths
	}
	for _, field := range slices.Sorted(maps.Keys(globLists)) {
		for i, g := range globLists[field] {
			if err := policy.CheckGlob(g); err != nil {
				c.add(fmt.Sprintf("%s[%d]", field, i), "%v", err)
			}
		}
	}
	for _, we := range policy.CheckWorkspace(m.Workspace) {
		c.add(fmt.Sprintf("workspace.writable[%d]", we.Writable), "%v", we.Err)
	}

	root := m.Workspace.Root
	switch {
	case root == ".":
	case strings.HasPrefix(root, "/") && path.Clean(root) == root && root != "/":
	default:
		c.add("workspace.root", "root %q must be \".\" or a clean absolute path inside the sandbox", root)
	}

	for _, name := range slices.Sorted(maps.Keys(m.Tools)) {
		t := m.Tools[name]
		if t.ArgsPattern != "" {
			if _, err := regexp.Compile(t.ArgsPattern); err != nil {
				c.add("tools."+quoteSel(name)+".args_pattern", "invalid regular expression: %v", err)
			}
		}
		if strings.Contains(t.Command, "{{") {
			c.add("tools."+quoteSel(name), "tool commands are not templates; write the command itself")
		}
	}
	checkJob := func(field string, j aos.Job) {
		if _, err := aos.ExpandTemplates(j.Command, m.Tools); err != nil {
			c.add(field+".command", "%v", err)
		}
		if err := checkWorkingDir(j.WorkingDir, root); err != nil {
			c.add(field+".working_dir", "%v", err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.Tests)) {
		checkJob("tests."+quoteSel(name), m.Tests[name])
	}
	for _, name := range slices.Sorted(maps.Keys(m.Build.Targets)) {
		checkJob("build.targets."+quoteSel(name), m.Build.Targets[name])
	}
	for i, s := range m.Policies.RequiredSuites {
		if _, ok := m.Tests[s]; !ok {
			c.add(fmt.Sprintf("policies.required_suites[%d]", i), "unknown suite %q (not under tests)", s)
		}
	}
	for i, a := range m.Policies.RequireApproval {
		if a.LargerThan != nil && a.LargerThan.Lines == 0 && a.LargerThan.Files == 0 {
			c.add(fmt.Sprintf("policies.require_approval[%d].larger_than", i), "a size rule needs lines, files or both")
		}
	}
	if m.Policies.RequireTestsOnWrite && len(m.Tests) == 0 {
		c.add("policies.require_tests_on_write", "tests are required on write, but the manifest defines no tests")
	}

	switch m.Environment.Type {
	case "container", "docker", "podman":
		if m.Environment.Image == "" {
			c.add("environment", "environment type %q needs an image", m.Environment.Type)
		}
	}
	if m.Environment.Engine != "" && m.Environment.Type != "container" {
		c.add("environment.engine", "engine is only for type container")
	}

	for _, name := range slices.Sorted(maps.Keys(m.Validators)) {
		vs := m.Validators[name]
		field := "validators." + quoteSel(name)
		switch {
		case vs.Builtin != "" && vs.Module != "":
			c.add(field, "a validator is either builtin or module, not both")
		case vs.Builtin == "" && vs.Module == "":
			c.add(field, "a validator needs builtin or module")
		case vs.Module != "" && vs.SHA256 == "":
			c.add(field, "module %q needs its sha256", vs.Module)
		case vs.Module != "":
			if perr := policy.CheckPath(vs.Module); perr != nil {
				c.add(field+".module", "%s [%s]", perr.Msg, perr.Rule)
			}
		case vs.Builtin != "" && vs.SHA256 != "":
			c.add(field+".sha256", "sha256 pins modules; built-ins are pinned by the binary")
		}
	}
	for _, field := range []string{"protect.branches", "protect.agent_branches", "protect.agents"} {
		var list []string
		switch field {
		case "protect.branches":
			list = m.Protect.Branches
		case "protect.agent_branches":
			list = m.Protect.AgentBranches
		default:
			list = m.Protect.Agents
		}
		for i, p := range list {
			if _, err := path.Match(p, ""); err != nil {
				c.add(fmt.Sprintf("%s[%d]", field, i), "malformed pattern %q", p)
			}
		}
	}
	return c.errs
}

// fillDefaults sets the schema's defaults that semantic checks rely on,
// for manifests that failed the schema and were decoded without it.
func fillDefaults(m *aos.Manifest) {
	if m.Workspace.Root == "" {
		m.Workspace.Root = "."
	}
	for _, jobs := range []map[string]aos.Job{m.Tests, m.Build.Targets} {
		for name, j := range jobs {
			if j.WorkingDir == "" {
				j.WorkingDir = "."
				jobs[name] = j
			}
		}
	}
}

func checkWorkingDir(dir, root string) error {
	if strings.HasPrefix(dir, "/") {
		r := root
		if r == "." {
			r = "/workspace"
		}
		if path.Clean(dir) != dir || (dir != r && !strings.HasPrefix(dir, r+"/")) {
			return fmt.Errorf("working_dir %q is not inside the workspace root %q", dir, r)
		}
		return nil
	}
	if dir == "." {
		return nil
	}
	if perr := policy.CheckPath(dir); perr != nil {
		return fmt.Errorf("working_dir %q: %s", dir, perr.Msg)
	}
	return nil
}

// JSONSchema returns the manifest schema as a JSON Schema document
// (draft 2020-12).
func JSONSchema() ([]byte, error) {
	_, sch, err := schema()
	if err != nil {
		return nil, err
	}
	ctxMu.Lock()
	defer ctxMu.Unlock()
	expr, err := generateJSONSchema(sch)
	if err != nil {
		return nil, err
	}
	out, err := ctx.BuildExpr(expr).MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode json schema: %w", err)
	}
	var pretty any
	if err := json.Unmarshal(out, &pretty); err != nil {
		return nil, err
	}
	return json.MarshalIndent(pretty, "", "  ")
}
