package cue

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// manifestErrors loads src (with an optional policy) and returns every
// error line, or nil when the manifest is valid.
func manifestErrors(t *testing.T, src Source, pol *Source) []string {
	t.Helper()
	_, err := LoadManifest(src, src.Name, pol)
	if err == nil {
		return nil
	}
	var me *ManifestError
	if !errors.As(err, &me) {
		t.Fatalf("LoadManifest(%s) = %v, want a *ManifestError", src.Name, err)
	}
	if !errors.Is(err, aos.ErrRejected) {
		t.Errorf("LoadManifest(%s) error does not wrap aos.ErrRejected", src.Name)
	}
	var out []string
	for _, e := range me.Errors {
		out = append(out, e.Error())
	}
	return out
}

// TestWhitepaperManifests checks that the manifests of whitepaper sections
// 7.1 and 10.2 validate exactly as printed (docs/spec.md 2.2).
func TestWhitepaperManifests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want func(*testing.T, *aos.Manifest)
	}{
		{"whitepaper-7.1.yaml", func(t *testing.T, m *aos.Manifest) {
			if m.Project.Name != "example_project" || m.Environment.Type != "docker" || m.Environment.Image != "example/aos-env:latest" {
				t.Errorf("project or environment = %+v %+v", m.Project, m.Environment)
			}
			if got := m.Tools["php_lint"].Command; got != "php -l" {
				t.Errorf("tools.php_lint = %q", got)
			}
			if got := m.Tests["default"]; got.Command != "{{ tools.test_command }}" || got.TimeoutSeconds != 600 || got.WorkingDir != "." {
				t.Errorf("tests.default = %+v", got)
			}
			if got := m.Build.Targets["web_assets"]; got.WorkingDir != "web" || got.TimeoutSeconds != 600 {
				t.Errorf("build.targets.web_assets = %+v (default timeout 600)", got)
			}
			if !cmp.Equal(m.Workspace.ReadOnly, []string{"vendor/**", ".git/**"}) || len(m.Workspace.Writable) != 3 {
				t.Errorf("workspace = %+v", m.Workspace)
			}
			p := m.Policies
			if p.MaxFileSizeKB != 256 || p.AllowDelete || !p.RequireTestsOnWrite || p.MaxParallelJobs != 2 || p.MaxDirectives != 100000 {
				t.Errorf("policies = %+v", p)
			}
		}},
		{"whitepaper-10.2.yaml", func(t *testing.T, m *aos.Manifest) {
			if m.Project.Name != "rescuewp_site" || m.Workspace.Root != "/workspace/site" {
				t.Errorf("project or root = %+v %q", m.Project, m.Workspace.Root)
			}
			if got := m.Tests["basic_php_syntax"]; got.WorkingDir != "/workspace/site" || !strings.HasPrefix(got.Command, "find . -name") {
				t.Errorf("tests.basic_php_syntax = %+v", got)
			}
			if m.Environment.Variables["WP_ENV"] != "rescue" || m.Tools["wp_cli"].Command != "wp" {
				t.Errorf("environment or tools = %+v %+v", m.Environment, m.Tools)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("..", "testdata", "manifests", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			m, err := LoadManifest(Source{Name: tc.file, Data: data}, "project.yml", nil)
			if err != nil {
				t.Fatalf("LoadManifest: %v", err)
			}
			if m.Source != "project.yml" || !strings.HasPrefix(m.Digest, "sha256:") {
				t.Errorf("Source %q, Digest %q", m.Source, m.Digest)
			}
			tc.want(t, m)
		})
	}
}

func TestManifestDefaults(t *testing.T) {
	t.Parallel()
	m, err := LoadManifest(Source{Name: "aos.cue", Data: []byte(`project: name: "x"`)}, "aos.cue", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := aos.Manifest{
		Project:     aos.Project{Name: "x"},
		Workspace:   aos.Workspace{Root: ".", ReadOnly: []string{}, Writable: []string{}, Ignored: []string{}, Mount: "/workspace"},
		Environment: aos.Environment{Type: "bwrap"},
		Policies:    aos.Policies{MaxParallelJobs: 2, MaxOutputKB: 1024, MaxDirectives: 100000, MaxPlanKB: 65536},
		Protect:     aos.Protect{AgentBranches: []string{"aos/*"}, Humans: "workspace"},
	}
	if diff := cmp.Diff(want, *m, cmpopts.IgnoreFields(aos.Manifest{}, "Source", "Digest"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

// TestManifestValidatorDefaults checks that a validator setting nothing
// gets the schema's paths and limits (docs/validators.md 1): the loader is
// where they come from, as packages below take what they are given.
func TestManifestValidatorDefaults(t *testing.T) {
	t.Parallel()
	m, err := LoadManifest(Source{Name: "project.yml", Data: []byte("project: {name: x}\nvalidators:\n  s: {builtin: secrets}\n  t: {builtin: text, paths: [src/**], timeout_ms: 100}\n")}, "project.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]aos.ValidatorSpec{
		"s": {Builtin: "secrets", Paths: []string{"**"}, TimeoutMs: 5000, MemoryMB: 128, MaxOutputKB: 1024},
		"t": {Builtin: "text", Paths: []string{"src/**"}, TimeoutMs: 100, MemoryMB: 128, MaxOutputKB: 1024},
	}
	if diff := cmp.Diff(want, m.Validators); diff != "" {
		t.Errorf("validators (-want +got):\n%s", diff)
	}
}

// TestManifestJobDefaults checks the defaults the loader fills in beyond
// unification (docs/spec.md 2.2, 2.3, 10.1): every job and tool has a
// deadline, 600 s unless given, whether the tool is a plain command or a
// mapping, and the mount point follows the root.
func TestManifestJobDefaults(t *testing.T) {
	t.Parallel()
	m, err := LoadManifest(Source{Name: "project.yml", Data: []byte(`project: {name: x}
workspace: {root: /srv/site}
tools:
  plain: "php -l"
  mapped: {command: wp}
  timed: {command: wp, timeout_seconds: 60}
tests:
  default: {command: make test}
build:
  targets:
    web: {command: make web, timeout_seconds: 30}
`)}, "project.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{"tests.default": m.Tests["default"].TimeoutSeconds, "build.web": m.Build.Targets["web"].TimeoutSeconds}
	for name, tool := range m.Tools {
		got["tools."+name] = tool.TimeoutSeconds
	}
	want := map[string]int{"tests.default": 600, "build.web": 30, "tools.plain": 600, "tools.mapped": 600, "tools.timed": 60}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("timeouts (-want +got):\n%s", diff)
	}
	if m.Workspace.Mount != "/srv/site" {
		t.Errorf("Mount = %q, want the absolute root", m.Workspace.Mount)
	}
}

// TestManifestErrors lists every error of each manifest, with
// file:line:col (docs/spec.md 2.5-2.7).
func TestManifestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		src    Source
		policy *Source
		want   []string
	}{
		{
			name: "unknown field writeable",
			src:  Source{"m.yaml", []byte("project: {name: x}\nworkspace:\n  writeable: [src/**]\n")},
			want: []string{"m.yaml:3:3: workspace.writeable: field not allowed (did you mean writable?)"},
		},
		{
			name: "grants that pass the schema",
			src:  Source{"m.yaml", []byte("project: {name: x}\nworkspace: {root: /workspace/site}\ntools:\n  dump:\n    command: mysqldump\n    sockets: [/tmp/db.sock, /run/../etc/x, /workspace/site/db.sock]\n    export: {to: /var/backups/, mount: /proc/x}\ntests:\n  t:\n    command: \"true\"\n    sockets: [/usr/db.sock]\n")},
			want: []string{
				`m.yaml:6:15: tools.dump.sockets[0]: "/tmp/db.sock" is under /tmp, which the sandbox provides`,
				`m.yaml:6:29: tools.dump.sockets[1]: "/run/../etc/x" is not a clean absolute path`,
				`m.yaml:6:44: tools.dump.sockets[2]: "/workspace/site/db.sock" is in the workspace (/workspace/site)`,
				`m.yaml:7:14: tools.dump.export.to: "/var/backups/" is not a clean absolute path`,
				`m.yaml:7:33: tools.dump.export.mount: "/proc/x" is under /proc, which the sandbox provides`,
				`m.yaml:11:15: tests.t.sockets[0]: "/usr/db.sock" is under /usr, which the sandbox provides`,
			},
		},
		{
			name: "unknown top-level section",
			src:  Source{"m.yaml", []byte("project: {name: x}\npolicy:\n  allow_delete: true\n")},
			want: []string{"m.yaml:2:1: policy: field not allowed"},
		},
		{
			name: "unknown tool in a template",
			src:  Source{"m.yaml", []byte("project: {name: x}\ntools: {lint: eslint}\ntests:\n  unit:\n    command: \"{{ tools.lnt }} .\"\n")},
			want: []string{`m.yaml:5:5: tests.unit.command: template {{ tools.lnt }} names unknown tool "lnt"`},
		},
		{
			name: "template that is not a tool",
			src:  Source{"m.yaml", []byte("project: {name: x}\nbuild:\n  targets:\n    web:\n      command: \"{{ env.HOME }}\"\n")},
			want: []string{`m.yaml:5:7: build.targets.web.command: template {{ env.HOME }} is not of the form {{ tools.NAME }}`},
		},
		{
			name: "read_only and writable",
			src:  Source{"m.yaml", []byte("project: {name: x}\nworkspace:\n  read_only: [vendor/**]\n  writable: [src/**, vendor/**]\n")},
			want: []string{`m.yaml:4:22: workspace.writable[1]: pattern "vendor/**" is both read_only and writable`},
		},
		{
			name: "writable inside ignored",
			src:  Source{"m.yaml", []byte("project: {name: x}\nworkspace:\n  ignored: [cache/**]\n  writable: [cache/pages/**]\n")},
			want: []string{`m.yaml:4:14: workspace.writable[0]: writable pattern "cache/pages/**" lies inside ignored pattern "cache/**"`},
		},
		{
			name: "malformed globs",
			src:  Source{"m.yaml", []byte("project: {name: x}\nworkspace:\n  ignored: [\"[a\"]\n  read_only: [/etc/**]\n  writable: [src/../x, src/]\n")},
			want: []string{
				`m.yaml:3:13: workspace.ignored[0]: glob "[a" is malformed`,
				`m.yaml:4:15: workspace.read_only[0]: glob "/etc/**" is absolute; globs are relative to the repository root`,
				`m.yaml:5:14: workspace.writable[0]: glob "src/../x" has a ".." segment`,
				`m.yaml:5:24: workspace.writable[1]: glob "src/" ends with /; write "src/**" to cover the directory`,
			},
		},
		{
			name: "every error listed",
			src: Source{"m.yaml", []byte(`project:
  name: ""
workspace:
  writeable: [src/**]
  writable: ["[a"]
environment:
  type: docker
tools:
  lint:
    command: eslint
    args_pattern: "(("
tests:
  unit:
    command: "{{ tools.nope }}"
    working_dir: ../up
policies:
  max_file_size_kb: 0
  required_suites: [e2e]
  denied_directives: [RM_RF]
`)},
			want: []string{
				`m.yaml:2:9: project.name: invalid value "" (out of bound !="")`,
				`m.yaml:4:3: workspace.writeable: field not allowed (did you mean writable?)`,
				`m.yaml:5:14: workspace.writable[0]: glob "[a" is malformed`,
				`m.yaml:6:1: environment: environment type "docker" needs an image`,
				"m.yaml:11:5: tools.lint.args_pattern: invalid regular expression: error parsing regexp: missing closing ): `((`",
				`m.yaml:14:5: tests.unit.command: template {{ tools.nope }} names unknown tool "nope"`,
				`m.yaml:15:5: tests.unit.working_dir: working_dir "../up": path has a ".." segment; paths must be canonical`,
				`m.yaml:17:21: policies.max_file_size_kb: invalid value 0 (out of bound >0)`,
				`m.yaml:18:21: policies.required_suites[0]: unknown suite "e2e" (not under tests)`,
				`m.yaml:19:23: policies.denied_directives[0]: invalid value "RM_RF" (want one of "APPLY_PATCH", "BUILD", "DIFF", "FILE_APPEND", "FILE_DELETE", "FILE_READ", "FILE_WRITE", "GET_ENVIRONMENT_INFO", "GET_HISTORY", "GET_MANIFEST", "LS", "QUARANTINE", "RUN_TESTS", "SANDBOX_EXEC", "SEARCH", "STAT")`,
			},
		},
		{
			name: "image transports read the host",
			src:  Source{"aos.yaml", []byte("project: {name: x}\nenvironment:\n  type: podman\n  image: docker-archive:/srv/evil.tar\n")},
			want: []string{`aos.yaml:4:3: environment.image: image "docker-archive:/srv/evil.tar" names the docker-archive: transport, which reads the host, not an image; name the image (with its registry, as in docker.io/library/docker-archive, when its name is a transport's)`},
		},
		{
			name: "a transport that reads as a name and tag",
			src:  Source{"aos.yaml", []byte("project: {name: x}\nenvironment:\n  type: container\n  image: dir:env\n")},
			want: []string{`aos.yaml:4:3: environment.image: image "dir:env" names the dir: transport, which reads the host, not an image; name the image (with its registry, as in docker.io/library/dir, when its name is a transport's)`},
		},
		{
			name: "image that is not a reference",
			src:  Source{"aos.yaml", []byte("project: {name: x}\nenvironment:\n  type: docker\n  image: \"--privileged\"\n")},
			want: []string{`aos.yaml:4:3: environment.image: image "--privileged" is not an image reference (name[:tag][@sha256:digest], as in example/env:1)`},
		},
		{
			name:   "policy pins allow_delete",
			src:    Source{"aos.yaml", []byte("project: {name: x}\npolicies:\n  allow_delete: true\n")},
			policy: &Source{"org.cue", []byte("// org policy\npolicies: allow_delete: false\n")},
			want:   []string{"aos.yaml:3:17: policies.allow_delete: conflicting values false and true (see also org.cue:2:25)"},
		},
		{
			name:   "policy bound",
			src:    Source{"aos.cue", []byte("project: name: \"x\"\npolicies: max_file_size_kb: 2048\n")},
			policy: &Source{"org.cue", []byte("policies: max_file_size_kb: <=512\n")},
			want:   []string{"aos.cue:2:29: policies.max_file_size_kb: invalid value 2048 (out of bound <=512) (see also org.cue:1:29)"},
		},
		{
			name:   "policy unknown field is an error in the policy",
			src:    Source{"aos.cue", []byte("project: name: \"x\"\n")},
			policy: &Source{"org.cue", []byte("policies: allow_deletes: false\n")},
			want:   []string{"org.cue:1:11: policies.allow_deletes: field not allowed (did you mean allow_delete?)"},
		},
		{
			name: "tool of the wrong type",
			src:  Source{"m.yaml", []byte("project: {name: x}\ntools:\n  lint: 5\n")},
			want: []string{`m.yaml:3:9: tools.lint: invalid value 5 (want one of string, {command:(string & !=""),args_pattern?:string,description?:string,timeout_seconds?:(int & >0),sockets?:[...#HostPath],export?:{to:#HostPath,mount:(*"/export"|#HostPath)}})`},
		},
		{
			name: "not a mapping",
			src:  Source{"m.yaml", []byte("- a\n- b\n")},
			want: []string{"m.yaml:1:1: a manifest must be a mapping of sections"},
		},
		{
			name: "empty",
			src:  Source{"m.yaml", nil},
			want: []string{"m.yaml:1:1: a manifest must be a mapping of sections"},
		},
		{
			name: "missing project",
			src:  Source{"m.yaml", []byte("workspace: {writable: [src/**]}\n")},
			want: []string{`m.yaml: project.name: required field is missing (incomplete value !="")`},
		},
		{
			name: "YAML syntax error",
			src:  Source{"m.yaml", []byte("project:\n  name: x\nworkspace: [a, b\n")},
			want: []string{"m.yaml:3: YAML: did not find expected ',' or ']'"},
		},
		{
			name: "CUE syntax error",
			src:  Source{"aos.cue", []byte("project: {\n  name: \"x\"\n")},
			want: []string{"aos.cue:2:13: expected '}', found 'EOF'"},
		},
		{
			name: "huge manifest",
			src:  Source{"m.yaml", []byte("project: {name: x}\n# " + strings.Repeat("x", MaxManifestBytes) + "\n")},
			want: []string{fmt.Sprintf("m.yaml:1:1: file is %d bytes, over the limit of %d", MaxManifestBytes+22, MaxManifestBytes)},
		},
		{
			name:   "huge policy",
			src:    Source{"m.yaml", []byte("project: {name: x}\n")},
			policy: &Source{"org.cue", []byte("// " + strings.Repeat("x", MaxManifestBytes) + "\n")},
			want:   []string{fmt.Sprintf("org.cue:1:1: file is %d bytes, over the limit of %d", MaxManifestBytes+4, MaxManifestBytes)},
		},
		{
			name: "deeply nested YAML",
			src:  Source{"m.yaml", []byte("project: {name: x}\nworkspace: {writable: " + strings.Repeat("[", 100000) + "\n")},
			want: []string{"m.yaml:2: YAML: exceeded max depth of 10000"},
		},
		{
			name: "deeply nested CUE",
			src:  Source{"aos.cue", []byte("project: {name: \"x\"}\nx: " + strings.Repeat("{a: ", 100000) + "\n")},
			want: []string{"aos.cue:2:40001: expression exceeds maximum nesting depth of 10000"},
		},
		{
			name: "size rule without a threshold, reviewer that is neither login nor team",
			src: Source{"m.yaml", []byte("project: {name: x}\npolicies:\n  require_approval:\n" +
				"    - {name: big, larger_than: {}}\n    - {name: r, reviewers: [\"@org/team/sub\"]}\n    - {name: ok, larger_than: {files: 3}, reviewers: [alice, \"@Bob\", org/dba, \"@org/sec-team\"]}\n")},
			want: []string{
				"m.yaml:4:19: policies.require_approval[0].larger_than: a size rule needs lines, files or both",
				`m.yaml:5:29: policies.require_approval[1].reviewers[0]: invalid value "@org/team/sub" (out of bound =~"^@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9_.-]{1,100})?$")`,
			},
		},
		{
			name: "size threshold that is not positive",
			src:  Source{"m.yaml", []byte("project: {name: x}\npolicies:\n  require_approval: [{larger_than: {lines: 0}}]\n")},
			want: []string{
				"m.yaml:3:23: policies.require_approval[0].larger_than: a size rule needs lines, files or both",
				"m.yaml:3:44: policies.require_approval[0].larger_than.lines: invalid value 0 (out of bound >0)",
			},
		},
		{
			name: "validator paths empty",
			src:  Source{"m.yaml", []byte("project: {name: x}\nvalidators:\n  s:\n    builtin: secrets\n    paths: []\n")},
			want: []string{"m.yaml:5:5: validators.s.paths: an empty list selects no file, and the validator would pass every plan; leave paths out to check every changed file"},
		},
		{
			name: "validator paths empty in CUE, beside a schema error",
			src:  Source{"aos.cue", []byte("project: name: \"x\"\nvalidators: s: {builtin: \"secrets\", paths: [], pathz: 1}\n")},
			want: []string{
				"aos.cue:2:37: validators.s.paths: an empty list selects no file, and the validator would pass every plan; leave paths out to check every changed file",
				"aos.cue:2:48: validators.s.pathz: field not allowed (did you mean paths?)",
			},
		},
		{
			name: "CUE tool package import",
			src:  Source{"aos.cue", []byte("import \"tool/exec\"\nproject: name: exec.Run\n")},
			want: []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := manifestErrors(t, tc.src, tc.policy)
			if len(tc.want) == 0 {
				// Only that it is rejected.
				if got == nil {
					t.Fatal("manifest accepted")
				}
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestYAMLAndCUEAgree loads the same manifest written in YAML and in CUE:
// the results, and the errors of a bad one, are the same.
func TestYAMLAndCUEAgree(t *testing.T) {
	t.Parallel()
	yamlSrc := `project:
  name: site
workspace:
  read_only: [vendor/**]
  writable: [src/**]
  ignored: [cache/**]
environment:
  type: podman
  image: example/env:1
  limits: {cpus: 1.5, memory_mb: 512}
tools:
  lint: eslint
  wp:
    command: wp
    args_pattern: "^[a-z:]+$"
tests:
  default:
    command: "{{ tools.lint }} ."
build:
  targets:
    web:
      command: make
      outputs: [web/dist/**]
policies:
  allow_delete: true
  denied_directives: [SANDBOX_EXEC]
  require_approval:
    - name: db
      paths: [db/**]
      reviewers: ["@dba"]
`
	cueSrc := `project: name: "site"
workspace: {
	read_only: ["vendor/**"]
	writable: ["src/**"]
	ignored: ["cache/**"]
}
environment: {
	type:  "podman"
	image: "example/env:1"
	limits: {cpus: 1.5, memory_mb: 512}
}
tools: {
	lint: "eslint"
	wp: {command: "wp", args_pattern: "^[a-z:]+$"}
}
tests: default: command: "{{ tools.lint }} ."
build: targets: web: {command: "make", outputs: ["web/dist/**"]}
policies: {
	allow_delete: true
	denied_directives: ["SANDBOX_EXEC"]
	require_approval: [{name: "db", paths: ["db/**"], reviewers: ["@dba"]}]
}
`
	my, err := LoadManifest(Source{"aos.yaml", []byte(yamlSrc)}, "aos.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := LoadManifest(Source{"aos.cue", []byte(cueSrc)}, "aos.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(my, mc, cmpopts.IgnoreFields(aos.Manifest{}, "Digest")); diff != "" {
		t.Errorf("YAML and CUE differ (-yaml +cue):\n%s", diff)
	}

	badYAML := "project: {name: x}\nworkspace:\n  writeable: [a]\n  writable: [\"[a\", vendor/**]\n  read_only: [vendor/**]\ntests: {t: {command: \"{{ tools.x }}\"}}\n"
	badCUE := "project: name: \"x\"\nworkspace: {\n\twriteable: [\"a\"]\n\twritable: [\"[a\", \"vendor/**\"]\n\tread_only: [\"vendor/**\"]\n}\ntests: t: command: \"{{ tools.x }}\"\n"
	strip := func(errs []string) []string {
		var out []string
		for _, e := range errs {
			// Drop "file:line:col: "; columns differ between syntaxes.
			parts := strings.SplitN(e, ": ", 2)
			out = append(out, parts[1])
		}
		return out
	}
	ey := strip(manifestErrors(t, Source{"aos.yaml", []byte(badYAML)}, nil))
	ec := strip(manifestErrors(t, Source{"aos.cue", []byte(badCUE)}, nil))
	if len(ey) != 4 {
		t.Errorf("YAML errors = %q, want 4", ey)
	}
	if diff := cmp.Diff(ey, ec); diff != "" {
		t.Errorf("YAML and CUE errors differ (-yaml +cue):\n%s", diff)
	}
}

func TestManifestPolicyDigest(t *testing.T) {
	t.Parallel()
	src := Source{"aos.cue", []byte(`project: name: "x"`)}
	a, err := LoadManifest(src, "aos.cue", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadManifest(src, "aos.cue", &Source{"org.cue", []byte("policies: allow_delete: false\n")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.Digest, a.Digest+"+sha256:") {
		t.Errorf("digest with policy %q does not extend %q", b.Digest, a.Digest)
	}
}

func TestJSONSchema(t *testing.T) {
	t.Parallel()
	b, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"$defs"`, `"additionalProperties": false`, `"writable"`, `"allow_delete"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON schema lacks %s", want)
		}
	}
}

// TestMaxPlanLimits: planfile.MaxLimits, which bound a plan read before
// its manifest is known, are the schema's bounds of the plan limits a
// manifest may set: the largest is accepted, one more refused.
func TestMaxPlanLimits(t *testing.T) {
	t.Parallel()
	max := planfile.MaxLimits
	for _, tc := range []struct {
		kb, directives int
		ok             bool
	}{
		{max.MaxBytes >> 10, max.MaxDirectives, true},
		{max.MaxBytes>>10 + 1, max.MaxDirectives, false},
		{max.MaxBytes >> 10, max.MaxDirectives + 1, false},
	} {
		doc := fmt.Sprintf("project: {name: x}\npolicies: {max_plan_kb: %d, max_directives: %d}\n", tc.kb, tc.directives)
		m, err := LoadManifest(Source{Name: "aos.yaml", Data: []byte(doc)}, "aos.yaml", nil)
		if (err == nil) != tc.ok {
			t.Fatalf("%s: err = %v, want ok %v", doc, err, tc.ok)
		}
		if tc.ok && planfile.LimitsFrom(m.Policies) != max {
			t.Errorf("LimitsFrom(%+v) = %+v, want %+v", m.Policies, planfile.LimitsFrom(m.Policies), max)
		}
	}
}
