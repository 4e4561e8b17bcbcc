package aos

import "encoding/json"

// Manifest is a project's manifest after schema validation, defaults and
// policy unification: what the project is and what may change. Its fields
// mirror the CUE schema in cue/schema.cue; docs/spec.md describes each one.
type Manifest struct {
	Project     Project                  `json:"project"`
	Workspace   Workspace                `json:"workspace"`
	Environment Environment              `json:"environment"`
	Tools       map[string]Tool          `json:"tools,omitempty"`
	Tests       map[string]Job           `json:"tests,omitempty"`
	Build       Build                    `json:"build"`
	Policies    Policies                 `json:"policies"`
	Validators  map[string]ValidatorSpec `json:"validators,omitempty"`
	Protect     Protect                  `json:"protect"`

	// Source is the repository path (or file path) the manifest was read
	// from; it is always protected from writes.
	Source string `json:"-"`
	// Digest is the sha256 of the manifest's source bytes, hex encoded,
	// followed by the policy file's when one was unified with it.
	Digest string `json:"-"`
}

// Project names the project.
type Project struct {
	Name        string `json:"name"`
	Version     string `json:"version,omitempty"`
	Description string `json:"description,omitempty"`
}

// Workspace says which paths are visible and which may change. Globs use
// doublestar syntax and match a path or any of its parent directories.
type Workspace struct {
	Root     string   `json:"root"`
	ReadOnly []string `json:"read_only"`
	Writable []string `json:"writable"`
	Ignored  []string `json:"ignored"`

	// Mount is the absolute path where the tree appears inside a job's
	// sandbox: Root, or the schema's mount point for root "." (set by
	// the manifest loader; docs/spec.md 2.3).
	Mount string `json:"-"`
}

// Environment says how jobs are sandboxed.
type Environment struct {
	Type      string            `json:"type"`             // container, docker, podman, bwrap, host, nix
	Engine    string            `json:"engine,omitempty"` // docker or podman, for type container
	Image     string            `json:"image,omitempty"`
	Network   bool              `json:"network"`
	Variables map[string]string `json:"variables,omitempty"`
	Limits    Limits            `json:"limits"`
	// Git mounts a read-only copy of the repository's .git in job
	// workspaces.
	Git bool `json:"git"`
}

// Limits bound a job's resources; zero means the backend's default.
type Limits struct {
	CPUs     float64 `json:"cpus,omitempty"`
	MemoryMB int     `json:"memory_mb,omitempty"`
	Pids     int     `json:"pids,omitempty"`
}

// Tool is a named command an agent may run with SANDBOX_EXEC.
type Tool struct {
	Command string `json:"command"`
	// ArgsPattern, when set, is a regular expression that every argument
	// must match in full.
	ArgsPattern    string `json:"args_pattern,omitempty"`
	Description    string `json:"description,omitempty"`
	TimeoutSeconds int    `json:"timeout_seconds,omitempty"`
	// Sockets are unix sockets of the host granted to the job, each at
	// the same path in its sandbox (docs/spec.md 10.6).
	Sockets []string `json:"sockets,omitempty"`
	// Export, when set, takes the files the job leaves out of the
	// sandbox into a host directory (docs/spec.md 10.6).
	Export *Export `json:"export,omitempty"`
}

// Export says where the files a tool leaves go (docs/spec.md 10.6): the
// job writes them under Mount in its sandbox, and they are moved into a
// new directory under To on the host.
type Export struct {
	To    string `json:"to"`
	Mount string `json:"mount"`
}

// Job is a test suite or build target: a command run by the shell of the
// sandbox, after template expansion.
type Job struct {
	Command        string `json:"command"`
	WorkingDir     string `json:"working_dir"`
	TimeoutSeconds int    `json:"timeout_seconds"`
	// Outputs are globs of files a build target produces that are staged
	// back into the tree (build targets only).
	Outputs []string `json:"outputs,omitempty"`
	// Sockets are unix sockets of the host granted to the job (docs/spec.md
	// 10.6).
	Sockets []string `json:"sockets,omitempty"`
}

// Build holds the named build targets.
type Build struct {
	Targets map[string]Job `json:"targets,omitempty"`
}

// Policies are the project's rules for changes.
type Policies struct {
	MaxFileSizeKB       int  `json:"max_file_size_kb,omitempty"` // 0: no limit
	AllowDelete         bool `json:"allow_delete"`
	RequireTestsOnWrite bool `json:"require_tests_on_write"`
	// RequiredSuites are the suites require_tests_on_write asks for; empty
	// means every suite under tests.
	RequiredSuites     []string `json:"required_suites,omitempty"`
	AllowExecutable    bool     `json:"allow_executable"`
	AllowSymlinks      bool     `json:"allow_symlinks"`
	AllowSubmodules    bool     `json:"allow_submodules"`
	AllowModeChanges   bool     `json:"allow_mode_changes"`
	AllowBinaryPatches bool     `json:"allow_binary_patches"`
	MaxParallelJobs    int      `json:"max_parallel_jobs"`
	MaxOutputKB        int      `json:"max_output_kb"`
	MaxDirectives      int      `json:"max_directives"`
	MaxPlanKB          int      `json:"max_plan_kb"`
	// DeniedDirectives are directive types this project never accepts.
	DeniedDirectives []DirectiveType `json:"denied_directives,omitempty"`
	RequireApproval  []ApprovalRule  `json:"require_approval,omitempty"`
}

// ApprovalRule asks for human review of changes to matching paths, of
// matching directive types, or of changes larger than a size
// (docs/spec.md 4.7).
type ApprovalRule struct {
	Name       string          `json:"name,omitempty"`
	Paths      []string        `json:"paths,omitempty"`
	Directives []DirectiveType `json:"directives,omitempty"`
	// LargerThan, when set, makes the rule match on the size of the
	// plan's whole change rather than on each directive.
	LargerThan *ChangeSize `json:"larger_than,omitempty"`
	Reviewers  []string    `json:"reviewers,omitempty"`
	Reason     string      `json:"reason,omitempty"`
}

// ChangeSize is a size threshold of a change: a change is larger when it
// has more changed lines than Lines or more changed files than Files; a
// zero field is no threshold.
type ChangeSize struct {
	Lines int `json:"lines,omitempty"`
	Files int `json:"files,omitempty"`
}

// ValidatorSpec configures one validator: a built-in or a WASM module
// committed in the repository, pinned by its sha256. See docs/validators.md.
type ValidatorSpec struct {
	Builtin     string          `json:"builtin,omitempty"`
	Module      string          `json:"module,omitempty"`
	SHA256      string          `json:"sha256,omitempty"`
	Paths       []string        `json:"paths"`
	Config      json.RawMessage `json:"config,omitempty"`
	TimeoutMs   int             `json:"timeout_ms"`
	MemoryMB    int             `json:"memory_mb"`
	MaxOutputKB int             `json:"max_output_kb"`
}

// Protect configures the pre-receive gatekeeper. See docs/hooks.md.
type Protect struct {
	Branches      []string `json:"branches,omitempty"`
	AgentBranches []string `json:"agent_branches"`
	Agents        []string `json:"agents,omitempty"`
	// Runners are the logins whose result commits' job records are
	// trusted (docs/spec.md 11.1).
	Runners []string `json:"runners,omitempty"`
	Humans  string   `json:"humans"` // allow, workspace or deny
}

// UnmarshalJSON accepts a tool written as a plain command string, as the
// whitepaper's manifests do, or as a mapping.
func (t *Tool) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = Tool{Command: s}
		return nil
	}
	type plain Tool
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*t = Tool(p)
	return nil
}
