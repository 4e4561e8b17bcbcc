package cue

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	cuelang "cuelang.org/go/cue"
)

// closureSamples holds, for every field of the schema below a section,
// a manifest that sets it (after "project: {name: x}"), with whatever
// else it needs to be valid. NAME entries are named v.
var closureSamples = map[string]string{
	"project.name":        "",
	"project.version":     "project: {name: x, version: '1.0'}",
	"project.description": "project: {name: x, description: d}",

	"workspace.root":      "workspace: {root: /srv}",
	"workspace.read_only": "workspace: {read_only: [vendor/**]}",
	"workspace.writable":  "workspace: {writable: [src/**]}",
	"workspace.ignored":   "workspace: {ignored: [secret/**]}",

	"environment.type":             "environment: {type: host}",
	"environment.engine":           "environment: {type: container, engine: podman, image: img}",
	"environment.image":            "environment: {type: container, image: img}",
	"environment.network":          "environment: {network: true}",
	"environment.variables":        "environment: {variables: {A: b}}",
	"environment.limits":           "environment: {type: container, image: img, limits: {cpus: 2}}",
	"environment.limits.cpus":      "environment: {type: container, image: img, limits: {cpus: 2, pids: 10}}",
	"environment.limits.memory_mb": "environment: {type: container, image: img, limits: {memory_mb: 64, pids: 10}}",
	"environment.limits.pids":      "environment: {type: container, image: img, limits: {pids: 10, cpus: 1}}",
	"environment.git":              "environment: {git: true}",

	"tools.v.command":         "tools: {v: {command: lint, description: d}}",
	"tools.v.args_pattern":    "tools: {v: {command: lint, args_pattern: '^a$'}}",
	"tools.v.description":     "tools: {v: {command: lint, description: d}}",
	"tools.v.timeout_seconds": "tools: {v: {command: lint, timeout_seconds: 9}}",
	"tools.v.sockets":         "tools: {v: {command: dump, sockets: [/run/db.sock]}}",
	"tools.v.export":          "tools: {v: {command: dump, export: {to: /var/backups/x}}}",
	"tools.v.export.to":       "tools: {v: {command: dump, export: {to: /var/backups/x, mount: /out}}}",
	"tools.v.export.mount":    "tools: {v: {command: dump, export: {to: /var/backups/y, mount: /out}}}",

	"tests.v.command":         "tests: {v: {command: make, working_dir: src}}",
	"tests.v.working_dir":     "tests: {v: {command: make, working_dir: src}}",
	"tests.v.timeout_seconds": "tests: {v: {command: make, timeout_seconds: 9}}",
	"tests.v.sockets":         "tests: {v: {command: make, sockets: [/run/db.sock]}}",

	"build.targets":                   "build: {targets: {v: {command: make}}}",
	"build.targets.v.command":         "build: {targets: {v: {command: make, outputs: [dist/**]}}}",
	"build.targets.v.outputs":         "build: {targets: {v: {command: make, outputs: [dist/**]}}}",
	"build.targets.v.working_dir":     "build: {targets: {v: {command: make, working_dir: web}}}",
	"build.targets.v.timeout_seconds": "build: {targets: {v: {command: make, timeout_seconds: 9}}}",
	"build.targets.v.sockets":         "build: {targets: {v: {command: make, sockets: [/run/db.sock]}}}",

	"policies.max_file_size_kb":       "policies: {max_file_size_kb: 9}",
	"policies.allow_delete":           "policies: {allow_delete: true}",
	"policies.require_tests_on_write": "tests: {unit: {command: make}}\npolicies: {require_tests_on_write: true}",
	"policies.required_suites":        "tests: {unit: {command: make}}\npolicies: {required_suites: [unit]}",
	"policies.allow_executable":       "policies: {allow_executable: true}",
	"policies.allow_symlinks":         "policies: {allow_symlinks: true}",
	"policies.allow_submodules":       "policies: {allow_submodules: true}",
	"policies.allow_mode_changes":     "policies: {allow_mode_changes: true}",
	"policies.allow_binary_patches":   "policies: {allow_binary_patches: true}",
	"policies.max_parallel_jobs":      "policies: {max_parallel_jobs: 1}",
	"policies.max_output_kb":          "policies: {max_output_kb: 1}",
	"policies.max_directives":         "policies: {max_directives: 1}",
	"policies.max_plan_kb":            "policies: {max_plan_kb: 1}",
	"policies.denied_directives":      "policies: {denied_directives: [FILE_DELETE]}",
	"policies.require_approval":       "policies: {require_approval: [{paths: [db/**]}]}",

	"policies.require_approval[0].name":              "policies: {require_approval: [{name: dba, paths: [db/**]}]}",
	"policies.require_approval[0].paths":             "policies: {require_approval: [{name: dba, paths: [db/**]}]}",
	"policies.require_approval[0].directives":        "policies: {require_approval: [{paths: [db/**], directives: [FILE_WRITE]}]}",
	"policies.require_approval[0].larger_than":       "policies: {require_approval: [{larger_than: {lines: 9}, reason: r}]}",
	"policies.require_approval[0].larger_than.lines": "policies: {require_approval: [{larger_than: {lines: 9, files: 9}}]}",
	"policies.require_approval[0].larger_than.files": "policies: {require_approval: [{larger_than: {lines: 9, files: 9}}]}",
	"policies.require_approval[0].reviewers":         "policies: {require_approval: [{paths: [db/**], reviewers: [alice]}]}",
	"policies.require_approval[0].reason":            "policies: {require_approval: [{paths: [db/**], reason: r}]}",

	"validators.v.builtin":       "validators: {v: {builtin: secrets, paths: [src/**]}}",
	"validators.v.module":        "validators: {v: {module: m.wasm, sha256: '" + strings.Repeat("a", 64) + "'}}",
	"validators.v.sha256":        "validators: {v: {module: m.wasm, sha256: '" + strings.Repeat("a", 64) + "'}}",
	"validators.v.paths":         "validators: {v: {builtin: secrets, paths: [nothing/**]}}",
	"validators.v.config":        "validators: {v: {builtin: secrets, config: {allow: [x]}}}",
	"validators.v.timeout_ms":    "validators: {v: {builtin: secrets, timeout_ms: 1}}",
	"validators.v.memory_mb":     "validators: {v: {builtin: secrets, memory_mb: 1}}",
	"validators.v.max_output_kb": "validators: {v: {builtin: secrets, max_output_kb: 1}}",

	"protect.branches":       "protect: {branches: [nothing]}",
	"protect.agent_branches": "protect: {agent_branches: [nothing]}",
	"protect.agents":         "protect: {agents: [nobody]}",
	"protect.humans":         "protect: {humans: allow}",
	"protect.runners":        "protect: {runners: [nobody]}",
}

// schemaFields lists every field path of the schema below the top level,
// an entry of a map of names as v and a list element as [0].
func schemaFields(t *testing.T) []string {
	t.Helper()
	c, sch, err := schema()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(v cuelang.Value, path string)
	walk = func(v cuelang.Value, path string) {
		if path != "" {
			out = append(out, path)
		}
		prefix := path
		if prefix != "" {
			prefix += "."
		}
		if namedMaps[path] {
			if path != "environment.variables" {
				walk(v.Unify(c.CompileString("{v: {}}")).LookupPath(cuelang.ParsePath("v")), prefix+"v")
			}
			return
		}
		if v.IncompleteKind()&cuelang.ListKind != 0 {
			if e := v.LookupPath(cuelang.MakePath(cuelang.Index(0))); e.Exists() {
				walk(e, path+"[0]")
			} else if e := v.Unify(c.CompileString("[{}]")).LookupPath(cuelang.MakePath(cuelang.Index(0))); e.Exists() && e.IncompleteKind() == cuelang.StructKind {
				walk(e, path+"[0]")
			}
			return
		}
		it, err := v.Fields(cuelang.Optional(true))
		if err != nil {
			return
		}
		for it.Next() {
			walk(it.Value(), prefix+it.Selector().Unquoted())
		}
	}
	walk(sch, "")
	return out
}

// policyNaming returns a CUE policy that names every field the manifest
// src sets in section (its first segment's struct), each leaf open (_),
// except the field at skip, which it leaves out.
func policyNaming(t *testing.T, src []byte, section, skip string) string {
	t.Helper()
	c, _, _ := schema()
	ctxMu.Lock()
	defer ctxMu.Unlock()
	v, err := compile(c, Source{"m.yaml", src})
	if err != nil {
		t.Fatalf("%s", err)
	}
	var emit func(v cuelang.Value, path string) string
	emit = func(v cuelang.Value, path string) string {
		switch v.IncompleteKind() {
		case cuelang.StructKind:
			var parts []string
			it, _ := v.Fields()
			for it.Next() {
				sub := path + "." + it.Selector().Unquoted()
				if sub == skip {
					continue
				}
				parts = append(parts, strconv.Quote(it.Selector().Unquoted())+": "+emit(it.Value(), sub))
			}
			return "{" + strings.Join(parts, ", ") + "}"
		case cuelang.ListKind:
			it, _ := v.List()
			var parts []string
			for i := 0; it.Next(); i++ {
				if it.Value().IncompleteKind() != cuelang.StructKind {
					return "_"
				}
				parts = append(parts, emit(it.Value(), fmt.Sprintf("%s[%d]", path, i)))
			}
			return "[" + strings.Join(append(parts, "..."), ", ") + "]"
		}
		return "_"
	}
	return strconv.Quote(section) + ": " + emit(v.LookupPath(cuelang.ParsePath(section)), section) + "\n"
}

// manifestFields returns the fields the manifest sets in the struct at
// path.
func manifestFields(t *testing.T, src []byte, path string) []string {
	t.Helper()
	c, _, _ := schema()
	ctxMu.Lock()
	defer ctxMu.Unlock()
	v, err := compile(c, Source{"m.yaml", src})
	if err != nil {
		t.Fatalf("%s", err)
	}
	it, err := v.LookupPath(cuelang.ParsePath(path)).Fields()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []string
	for it.Next() {
		out = append(out, it.Selector().Unquoted())
	}
	return out
}

// TestPolicyClosesWhatItNames tests each field of the schema: under a
// policy that names the struct holding it, a manifest may set the field
// only when the policy names it too (with _ or any constraint). Each
// field is refused alone, naming it and the struct the policy names.
func TestPolicyClosesWhatItNames(t *testing.T) {
	t.Parallel()
	fields := schemaFields(t)
	var want []string
	for _, f := range fields {
		// Sections are the repository's unless named, entries of maps
		// of names and list elements are not fields.
		i := strings.LastIndex(f, ".")
		if i < 0 || namedMaps[f[:i]] || strings.HasSuffix(f, "[0]") {
			continue
		}
		want = append(want, f)
	}
	var have []string
	for f := range closureSamples {
		have = append(have, f)
	}
	sort.Strings(want)
	sort.Strings(have)
	if !slices.Equal(want, have) {
		t.Fatalf("the samples do not cover the schema's fields:\nschema  %q\nsamples %q", want, have)
	}
	for _, f := range want {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			sample := closureSamples[f]
			if !strings.HasPrefix(sample, "project:") {
				sample = "project: {name: x}\n" + sample
			}
			src := []byte(sample + "\n")
			i := strings.LastIndex(f, ".")
			parent, field := f[:i], f[i+1:]
			set := manifestFields(t, src, parent)
			if !slices.Contains(set, field) {
				t.Fatalf("the sample does not set %s (it sets %q)", f, set)
			}
			section, _, _ := strings.Cut(f, ".")
			open := policyNaming(t, src, section, "")
			if _, err := LoadManifest(Source{"m.yaml", src}, "m.yaml", &Source{"org.cue", []byte(open)}); err != nil {
				t.Fatalf("with the policy naming every field it sets (%s): %v", strings.TrimSpace(open), err)
			}
			closed := policyNaming(t, src, section, f)
			_, err := LoadManifest(Source{"m.yaml", src}, "m.yaml", &Source{"org.cue", []byte(closed)})
			me, ok := err.(*ManifestError)
			if !ok {
				t.Fatalf("with the policy %s: error %v, want the field refused", strings.TrimSpace(closed), err)
			}
			var got []string
			for _, e := range me.Errors {
				got = append(got, e.Error())
			}
			wantMsg := fmt.Sprintf("%s: the policy names %s and leaves %s out", joinFieldPath(strings.Split(strings.ReplaceAll(f, "[0]", ".0"), ".")), joinFieldPath(strings.Split(strings.ReplaceAll(parent, "[0]", ".0"), ".")), field)
			if len(got) != 1 || !strings.Contains(got[0], wantMsg) {
				t.Fatalf("with the policy %s: errors %q, want one saying %q", strings.TrimSpace(closed), got, wantMsg)
			}
		})
	}
}

// TestPolicyOpenParts: what a policy does not name stays the
// repository's: sections it leaves out, entries of a map of names it does
// not list (a repository adds validators), elements after those it lists;
// close() closes a map.
func TestPolicyOpenParts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, manifest, policy, err string
	}{
		{"another section", "project: {name: x}\nworkspace: {writable: [src/**]}\nprotect: {humans: allow}\n", "policies: max_file_size_kb: 512\n", ""},
		{"another section, set", "project: {name: x}\nworkspace: {writable: [src/**]}\npolicies: {max_file_size_kb: 512}\n", "policies: max_file_size_kb: <=512\n", ""},
		{"an added validator", "project: {name: x}\nvalidators: {secrets: {builtin: secrets}, mine: {builtin: text, paths: [docs/**]}}\n", `validators: secrets: builtin: "secrets"` + "\n", ""},
		{"the review's repro", "project: {name: x}\nvalidators: {secrets: {builtin: secrets, paths: [nothing/**]}}\n", `validators: secrets: builtin: "secrets"` + "\n", "validators.secrets.paths: the policy names validators.secrets and leaves paths out"},
		{"a closed map", "project: {name: x}\ntools: {sh: sh}\n", `tools: close({lint: "php -l"})` + "\n", "tools.sh: field not allowed"},
		{"an element after the policy's", "project: {name: x}\npolicies: {require_approval: [{name: dba, paths: [db/**]}, {name: mine, paths: [x/**], directives: [FILE_DELETE]}]}\n",
			`policies: require_approval: [{name: "dba", paths: ["db/**"]}, ...]` + "\n", ""},
		{"the policy's element narrowed", "project: {name: x}\npolicies: {require_approval: [{name: dba, paths: [db/**], directives: [FILE_DELETE]}]}\n",
			`policies: require_approval: [{name: "dba", paths: ["db/**"]}, ...]` + "\n", "policies.require_approval[0].directives: the policy names policies.require_approval[0] and leaves directives out"},
		{"a constraint opens", "project: {name: x}\nprotect: {humans: deny, branches: [main, release/*]}\n", `protect: {humans: "deny", branches: ["main", ...string]}` + "\n", ""},
		{"a constraint still binds", "project: {name: x}\nprotect: {humans: deny, branches: [release/*]}\n", `protect: {humans: "deny", branches: ["main", ...string]}` + "\n", "protect.branches[0]: conflicting values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadManifest(Source{"m.yaml", []byte(tc.manifest)}, "m.yaml", &Source{"org.cue", []byte(tc.policy)})
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(fmt.Sprint(err.(*ManifestError).Errors), tc.err)):
				t.Errorf("error %v, want %q", err, tc.err)
			}
		})
	}
}
