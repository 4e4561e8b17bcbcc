package engine

import (
	"sort"

	"github.com/architectos/aos"
)

// ManifestView is the manifest as GET_MANIFEST shows it: ignored patterns
// are redacted, so a plan's author learns nothing of what is hidden.
type ManifestView struct {
	Project     aos.Project         `json:"project"`
	Workspace   WorkspaceView       `json:"workspace"`
	Environment aos.Environment     `json:"environment"`
	Tools       map[string]aos.Tool `json:"tools,omitempty"`
	Tests       map[string]aos.Job  `json:"tests,omitempty"`
	Build       aos.Build           `json:"build"`
	Policies    aos.Policies        `json:"policies"`
	Validators  []string            `json:"validators,omitempty"`
}

// WorkspaceView is the workspace section without its ignored globs.
type WorkspaceView struct {
	Root     string   `json:"root"`
	ReadOnly []string `json:"read_only"`
	Writable []string `json:"writable"`
	// IgnoredRedacted says that some paths are invisible, without naming
	// them.
	IgnoredRedacted bool `json:"ignored_redacted"`
}

// RedactedManifest returns the view of m that GET_MANIFEST returns.
func RedactedManifest(m *aos.Manifest) ManifestView {
	v := ManifestView{
		Project:     m.Project,
		Workspace:   WorkspaceView{Root: m.Workspace.Root, ReadOnly: m.Workspace.ReadOnly, Writable: m.Workspace.Writable, IgnoredRedacted: len(m.Workspace.Ignored) > 0},
		Environment: m.Environment,
		Tools:       m.Tools,
		Tests:       m.Tests,
		Build:       m.Build,
		Policies:    m.Policies,
	}
	for name := range m.Validators {
		v.Validators = append(v.Validators, name)
	}
	sort.Strings(v.Validators)
	return v
}
