package cue

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/architectos/aos"

	cuelang "cuelang.org/go/cue"
	"cuelang.org/go/cue/token"
	"github.com/architectos/aos/policy"
)

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
		checkSockets(c, "tools."+quoteSel(name), t.Sockets, m.Workspace.Mount)
		if t.Export != nil {
			field := "tools." + quoteSel(name) + ".export"
			if !cleanAbs(t.Export.To) {
				c.add(field+".to", "%q is not a clean absolute path", t.Export.To)
			}
			if err := grantable(t.Export.Mount, m.Workspace.Mount); err != nil {
				c.add(field+".mount", "%v", err)
			}
		}
	}
	checkJob := func(field string, j aos.Job) {
		if _, err := aos.ExpandTemplates(j.Command, m.Tools); err != nil {
			c.add(field+".command", "%v", err)
		}
		if err := checkWorkingDir(j.WorkingDir, m.Workspace.Mount); err != nil {
			c.add(field+".working_dir", "%v", err)
		}
		checkSockets(c, field, j.Sockets, m.Workspace.Mount)
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
	if m.Environment.Image != "" {
		if err := policy.CheckImage(m.Environment.Image); err != nil {
			c.add("environment.image", "%v", err)
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
		// An absent paths is the schema's default; an empty one would
		// select no file, and the validator would pass every plan.
		if vs.Paths != nil && len(vs.Paths) == 0 {
			c.add(field+".paths", "an empty list selects no file, and the validator would pass every plan; leave paths out to check every changed file")
		}
	}
	for _, field := range []string{"protect.branches", "protect.agent_branches", "protect.agents", "protect.runners"} {
		var list []string
		switch field {
		case "protect.branches":
			list = m.Protect.Branches
		case "protect.agent_branches":
			list = m.Protect.AgentBranches
		case "protect.agents":
			list = m.Protect.Agents
		default:
			list = m.Protect.Runners
		}
		for i, p := range list {
			if err := policy.CheckPattern(p); err != nil {
				c.add(fmt.Sprintf("%s[%d]", field, i), "%v", err)
			}
		}
	}
	return c.errs
}

// checkWorkingDir checks a job's working_dir against the workspace's
// mount point inside the sandbox.
func checkWorkingDir(dir, mount string) error {
	if strings.HasPrefix(dir, "/") {
		r := mount
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

// checkSockets checks the sockets a job is granted (docs/spec.md 10.6).
func checkSockets(c *checker, field string, sockets []string, mount string) {
	for i, s := range sockets {
		if err := grantable(s, mount); err != nil {
			c.add(fmt.Sprintf("%s.sockets[%d]", field, i), "%v", err)
		}
	}
}

// cleanAbs reports whether p is an absolute path with no ".", ".." or
// empty segment, and not the root.
func cleanAbs(p string) bool {
	return strings.HasPrefix(p, "/") && p != "/" && path.Clean(p) == p
}

// sandboxOwn are the places of a sandbox that the sandbox itself makes;
// a grant may not sit at or under one (docs/spec.md 2.5).
var sandboxOwn = []string{"/proc", "/dev", "/sys", "/tmp", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/aos"}

// grantable reports why p cannot be where a grant appears in a sandbox
// whose workspace is at mount: not a clean absolute path, or at or under
// the workspace or a place the sandbox makes itself.
func grantable(p, mount string) error {
	if !cleanAbs(p) {
		return fmt.Errorf("%q is not a clean absolute path", p)
	}
	under := func(dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") || dir == "/" }
	if under(mount) {
		return fmt.Errorf("%q is in the workspace (%s)", p, mount)
	}
	for _, d := range sandboxOwn {
		if under(d) {
			return fmt.Errorf("%q is under %s, which the sandbox provides", p, d)
		}
	}
	return nil
}
