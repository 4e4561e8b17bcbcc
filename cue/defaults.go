package cue

import (
	"fmt"

	"github.com/architectos/aos"

	cuelang "cuelang.org/go/cue"
)

// schemaDefaults are the defaults of schema.cue that Go code needs, read
// from the schema so that it stays their only definition: the values the
// loader fills in where unification cannot (a tool written as a plain
// command, the mount point of root ".", a manifest that failed the schema
// and was decoded without it).
type schemaDefaults struct {
	root       string // #Workspace.root
	workingDir string // #Job.working_dir
	mount      string // #RootMount
	timeout    int    // #TimeoutSeconds
}

var defaults schemaDefaults

// readDefaults reads [schemaDefaults] from the compiled schema file.
func readDefaults(file cuelang.Value) (schemaDefaults, error) {
	var d schemaDefaults
	for _, f := range []struct {
		path string
		dst  any
	}{
		{"#Workspace.root", &d.root},
		{"#Job.working_dir", &d.workingDir},
		{"#RootMount", &d.mount},
		{"#TimeoutSeconds", &d.timeout},
	} {
		v := file.LookupPath(cuelang.ParsePath(f.path))
		if !v.Exists() {
			return d, fmt.Errorf("schema has no %s", f.path)
		}
		// A field with a default is a disjunction; a plain value is its
		// own default.
		v, _ = v.Default()
		if err := v.Decode(f.dst); err != nil {
			return d, fmt.Errorf("schema default of %s: %w", f.path, err)
		}
	}
	return d, nil
}

// fillDefaults sets the schema's defaults that semantic checks rely on,
// for manifests that failed the schema and were decoded without it.
func fillDefaults(m *aos.Manifest) {
	if m.Workspace.Root == "" {
		m.Workspace.Root = defaults.root
	}
	for _, jobs := range []map[string]aos.Job{m.Tests, m.Build.Targets} {
		for name, j := range jobs {
			if j.WorkingDir == "" {
				j.WorkingDir = defaults.workingDir
				jobs[name] = j
			}
		}
	}
}

// resolve fills in what the schema defines but unification cannot: the
// defaults of a tool written as a plain command, and the mount point of
// the workspace inside a sandbox.
func resolve(m *aos.Manifest) {
	for name, t := range m.Tools {
		if t.TimeoutSeconds == 0 {
			t.TimeoutSeconds = defaults.timeout
			m.Tools[name] = t
		}
	}
	m.Workspace.Mount = mountPoint(m.Workspace.Root)
}

// mountPoint returns where a workspace with the given root appears inside
// a sandbox (docs/spec.md 2.3): an absolute root is its own mount point,
// and "." is the schema's #RootMount.
func mountPoint(root string) string {
	if root == "." {
		return defaults.mount
	}
	return root
}
