package aos

// DirectiveType names a directive of the plan format (docs/spec.md).
type DirectiveType string

// The directive types of whitepaper section 6.2.
const (
	FileRead           DirectiveType = "FILE_READ"
	LS                 DirectiveType = "LS"
	Stat               DirectiveType = "STAT"
	FileWrite          DirectiveType = "FILE_WRITE"
	FileAppend         DirectiveType = "FILE_APPEND"
	FileDelete         DirectiveType = "FILE_DELETE"
	Diff               DirectiveType = "DIFF"
	Search             DirectiveType = "SEARCH"
	ApplyPatch         DirectiveType = "APPLY_PATCH"
	Quarantine         DirectiveType = "QUARANTINE"
	RunTests           DirectiveType = "RUN_TESTS"
	BuildTarget        DirectiveType = "BUILD"
	SandboxExec        DirectiveType = "SANDBOX_EXEC"
	GetManifest        DirectiveType = "GET_MANIFEST"
	GetEnvironmentInfo DirectiveType = "GET_ENVIRONMENT_INFO"
	GetHistory         DirectiveType = "GET_HISTORY"
)

// DirectiveTypes lists every directive type in the order of the spec.
var DirectiveTypes = []DirectiveType{
	FileRead, LS, Stat, FileWrite, FileAppend, FileDelete, Diff, Search, ApplyPatch,
	Quarantine, RunTests, BuildTarget, SandboxExec, GetManifest, GetEnvironmentInfo, GetHistory,
}

// Writes reports whether directives of type t change the tree.
func (t DirectiveType) Writes() bool {
	switch t {
	case FileWrite, FileAppend, FileDelete, ApplyPatch, Quarantine:
		return true
	}
	return false
}

// IsJob reports whether directives of type t run a sandboxed job.
func (t DirectiveType) IsJob() bool {
	return t == RunTests || t == BuildTarget || t == SandboxExec
}

// PlanVersion is the only plan format version.
const PlanVersion = 1

// Plan is an agent's request: a goal and the directives that reach it.
type Plan struct {
	Version    int         `json:"version"`
	ID         string      `json:"id"`
	Goal       string      `json:"goal"`
	Base       string      `json:"base,omitempty"`
	Directives []Directive `json:"directives"`

	// File is the name the plan was read from, for positions.
	File string `json:"-"`
	// FieldPos is the position of each top-level field's value, by key
	// ("id", "goal", ...), for messages about it.
	FieldPos map[string]Position `json:"-"`
	// Format is "yaml" or "json".
	Format string `json:"-"`
}

// Directive is one step of a plan. Only the fields of its type are set;
// docs/spec.md lists them.
type Directive struct {
	Index int           `json:"-"`
	Type  DirectiveType `json:"type"`
	// Pos is the position of the directive (its first key); FieldPos
	// that of each parameter's value, by key ("path", "patch", ...), so
	// that a message about a parameter points at it.
	Pos      Position            `json:"-"`
	FieldPos map[string]Position `json:"-"`

	Path    string `json:"path,omitempty"`
	Against string `json:"against,omitempty"`
	// Content is the decoded content of FILE_WRITE and FILE_APPEND, from
	// either content or content_base64. It is never changed in place: it
	// may share the memory of a string (the parser's), and the staged
	// tree holds it as a file's content.
	Content    []byte   `json:"-"`
	Executable bool     `json:"executable,omitempty"`
	Patch      string   `json:"patch,omitempty"`
	Suite      string   `json:"suite,omitempty"`
	Target     string   `json:"target,omitempty"`
	Tool       string   `json:"tool,omitempty"`
	Args       []string `json:"args,omitempty"`
	// Reason is why QUARANTINE moves its file, for the record.
	Reason string `json:"reason,omitempty"`
	// Pattern and Glob are SEARCH's regular expression and file glob.
	Pattern string `json:"pattern,omitempty"`
	Glob    string `json:"glob,omitempty"`
}
