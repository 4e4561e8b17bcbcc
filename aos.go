// Package aos holds the domain types of ArchitectOS: plans and their
// directives, manifests, violations, findings, the verdict of a check
// ([Report]), errors with hints ([HintError]) and the exit codes of the
// git-aos command. It imports only the standard library, so that every
// other package can share its types.
//
// # Flow
//
// A plan file is parsed and checked against a manifest ([Plan],
// [Manifest]), staged against a base commit, validated, tested, and
// committed together with its run record. Each stage lives in its own
// package; package workflow sequences them into the use cases that every
// front end calls; package workflow/record holds the run record's format
// (docs/spec.md 7.2).
package aos

import (
	"errors"
	"fmt"
	"syscall"
)

// Exit codes of git-aos. They are stable and documented in docs/spec.md.
const (
	ExitOK        = 0   // the command did what it was asked
	ExitError     = 1   // an internal or environment error
	ExitUsage     = 2   // bad flags or arguments
	ExitRejected  = 3   // rejected by policy: a manifest, plan or commit is not allowed
	ExitCancelled = 130 // interrupted
)

// ErrRejected is wrapped by errors that mean "rejected by policy" (exit 3).
var ErrRejected = errors.New("rejected by policy")

// ErrUsage is wrapped by errors that mean the command line is wrong (exit
// 2): an argument names nothing the command can take, such as a plan file
// that does not exist, a revision that does not resolve, or a commit that
// is not what the command works on (docs/spec.md section 1).
var ErrUsage = errors.New("usage")

// ErrDamaged is matched by errors about an object of the repository that
// is missing or damaged. Such an error is the repository's state, never a
// verdict on what is judged: it ends a command with exit 1, naming the
// object, and a server rejects the push as it does for any error.
var ErrDamaged = errors.New("the repository is damaged")

// MachineFault reports whether err is the machine's or the repository's
// failure rather than anything about what is judged: a damaged object
// ([ErrDamaged]), a full disk or quota, an I/O error, a read-only file
// system, no memory for a process. Such an error ends a command with exit
// 1; it is never reported as a rejection.
func MachineFault(err error) bool {
	if errors.Is(err, ErrDamaged) {
		return true
	}
	for _, e := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EIO, syscall.EROFS, syscall.ENOMEM} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Position is a place in an input file. Line and Col are 1-based; zero means
// unknown.
type Position struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"column,omitempty"`
}

// String formats p as file:line:col, leaving out what is unknown.
func (p Position) String() string {
	switch {
	case p.File == "" && p.Line == 0:
		return ""
	case p.Line == 0:
		return Quote(p.File)
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", Quote(p.File), p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", Quote(p.File), p.Line, p.Col)
}

// Violation is one reason a plan, manifest or commit is not allowed.
//
// Directive is the 0-based index of the directive in the plan, or -1 when
// the violation concerns the whole document.
type Violation struct {
	Directive int           `json:"directive"`
	Type      DirectiveType `json:"type,omitempty"`
	Path      string        `json:"path,omitempty"`
	Rule      Rule          `json:"rule"`
	Message   string        `json:"message"`
	Pos       Position      `json:"position"`
}

// String formats v as "file:line:col: directive N (TYPE) path: message [rule]",
// with the file and path quoted ([Quote]) and the message sanitized
// ([Sanitize]): one line that says nothing a plan chose to a terminal or
// a CI runner.
func (v Violation) String() string {
	s := ""
	if p := v.Pos.String(); p != "" {
		s = p + ": "
	}
	if v.Directive >= 0 {
		s += fmt.Sprintf("directive %d", v.Directive)
		if v.Type != "" {
			s += fmt.Sprintf(" (%s)", v.Type)
		}
		s += ": "
	}
	if v.Path != "" {
		s += Quote(v.Path) + ": "
	}
	return s + Sanitize(v.Message) + " [" + Sanitize(string(v.Rule)) + "]"
}

// Severity of a [Finding].
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityNote    Severity = "note"
)

// Finding is one result of a validator: a place in a file and what is wrong
// there. Findings of severity error reject a plan.
type Finding struct {
	Validator string   `json:"validator"`
	Path      string   `json:"path"`
	Line      int      `json:"line"`
	Column    int      `json:"column"`
	Rule      string   `json:"rule"`
	Severity  Severity `json:"severity"`
	Message   string   `json:"message"`
}

// ChangeStatus says how a file changed between two trees.
type ChangeStatus string

const (
	StatusAdded    ChangeStatus = "added"
	StatusModified ChangeStatus = "modified"
	StatusDeleted  ChangeStatus = "deleted"
)

// File modes as git stores them.
const (
	ModeFile       uint32 = 0o100644
	ModeExecutable uint32 = 0o100755
	ModeSymlink    uint32 = 0o120000
	ModeGitlink    uint32 = 0o160000
	ModeDir        uint32 = 0o040000
)

// ChangedFile is one path that a plan changed, as validators see it.
type ChangedFile struct {
	Path   string       `json:"path"`
	Status ChangeStatus `json:"status"`
	Size   int64        `json:"size"`
	Mode   string       `json:"mode"` // octal, as git prints it: "100644"
}
