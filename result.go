package aos

import (
	"fmt"
	"regexp"
)

// OutcomeStatus is what became of one directive.
type OutcomeStatus string

const (
	OutcomeOK       OutcomeStatus = "ok"
	OutcomeRejected OutcomeStatus = "rejected" // broke a rule
	OutcomeFailed   OutcomeStatus = "failed"   // a job that ran and failed
	OutcomeSkipped  OutcomeStatus = "skipped"  // a job not run because the plan was already rejected
)

// Outcome records one directive of a run: for reads, sizes and digests,
// never contents (docs/spec.md 6).
type Outcome struct {
	Index  int           `json:"index"`
	Type   DirectiveType `json:"type"`
	Path   string        `json:"path,omitempty"`
	Name   string        `json:"name,omitempty"` // suite, target or tool
	Status OutcomeStatus `json:"status"`
	Size   int64         `json:"size,omitempty"`
	Digest string        `json:"digest,omitempty"`
	Mode   string        `json:"mode,omitempty"`
	// Paths are the paths the directive changed.
	Paths []string `json:"paths,omitempty"`
	// Job is the 1-based index of the directive's job in the run record.
	Job int `json:"job,omitempty"`
}

// JobRecord records a sandboxed job.
type JobRecord struct {
	Directive    int      `json:"directive"`
	Kind         JobKind  `json:"kind"`
	Name         string   `json:"name"`
	Command      string   `json:"command"`
	Args         []string `json:"args,omitempty"`
	Backend      string   `json:"backend"`
	ExitCode     int      `json:"exit_code"`
	TimedOut     bool     `json:"timed_out,omitempty"`
	DurationMs   int64    `json:"duration_ms"`
	OutputBytes  int64    `json:"output_bytes"`
	OutputDigest string   `json:"output_digest"`
	Truncated    bool     `json:"truncated,omitempty"`
	Tail         []string `json:"tail,omitempty"`
}

// ValidatorRecord records one validator's run.
type ValidatorRecord struct {
	Name     string `json:"name"`
	Builtin  string `json:"builtin,omitempty"`
	Module   string `json:"module,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Files    int    `json:"files"`
	Findings int    `json:"findings"`
	Error    string `json:"error,omitempty"`
}

// Approval is a human review that a policy requires before a change may
// land. A size rule's approval concerns the whole plan: Directive is -1,
// Path is empty, and Lines and Files are what was counted.
type Approval struct {
	Rule      string   `json:"rule"`
	Directive int      `json:"directive"`
	Path      string   `json:"path,omitempty"`
	Reviewers []string `json:"reviewers,omitempty"`
	Reason    string   `json:"reason,omitempty"`
	Lines     int      `json:"lines,omitempty"`
	Files     int      `json:"files,omitempty"`
}

// Subject is what an approval concerns, for messages: the size of the
// change for a size rule, else the path ("" for a rule on directive types
// alone).
func (a Approval) Subject() string {
	if a.Directive < 0 {
		return fmt.Sprintf("%d changed lines in %d files", a.Lines, a.Files)
	}
	return a.Path
}

var templateRe = regexp.MustCompile(`\{\{(.*?)\}\}`)
var toolRefRe = regexp.MustCompile(`^\s*tools\.([A-Za-z_][A-Za-z0-9_.-]*)\s*$`)

// ExpandTemplates replaces each {{ tools.NAME }} in cmd with the command of
// tool NAME (docs/spec.md 2.4).
func ExpandTemplates(cmd string, tools map[string]Tool) (string, error) {
	var err error
	out := templateRe.ReplaceAllStringFunc(cmd, func(t string) string {
		inner := templateRe.FindStringSubmatch(t)[1]
		m := toolRefRe.FindStringSubmatch(inner)
		if m == nil {
			if err == nil {
				err = fmt.Errorf("template %s is not of the form {{ tools.NAME }}", t)
			}
			return t
		}
		tool, ok := tools[m[1]]
		if !ok {
			if err == nil {
				err = fmt.Errorf("template %s names unknown tool %q", t, m[1])
			}
			return t
		}
		return tool.Command
	})
	return out, err
}
