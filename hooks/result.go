package hooks

import (
	"fmt"

	"github.com/architectos/aos"
	"github.com/architectos/aos/policy"
	"github.com/architectos/aos/workflow"
)

// Rejection is one reason a push is rejected.
type Rejection struct {
	Ref    string
	Commit string // "" when the reason concerns the ref update
	Path   string
	Rule   aos.Rule
	Msg    string
	// Hint, when set, says how to fix it.
	Hint string
}

// String formats r as one line, "<ref>: commit <id>: <path>: <message>
// [<rule>]": the ref and path quoted as git quotes paths and the message
// sanitized (aos.Quote, aos.Sanitize), since pushed names may hold any
// byte but NUL and git shows the pusher each line as "remote: ...".
func (r Rejection) String() string {
	s := aos.Quote(r.Ref) + ": "
	if r.Commit != "" {
		s += fmt.Sprintf("commit %.12s: ", aos.Sanitize(r.Commit))
	}
	if r.Path != "" {
		s += aos.Quote(r.Path) + ": "
	}
	return s + aos.Sanitize(r.Msg) + " [" + aos.Sanitize(string(r.Rule)) + "]"
}

// printable quotes s as git quotes paths when it holds anything to
// escape.
func printable(s string) string { return aos.Quote(s) }

// Result is the verdict on a push.
type Result struct {
	// Rejections lists every reason; the push is accepted when it is
	// empty.
	Rejections []Rejection
	// Log holds informational lines: the pusher, push options.
	Log []string
	// User is the pusher's login ("" when unknown); Agent says whether
	// the pusher is treated as an agent.
	User  string
	Agent bool
	// Commits are the verdicts on each commit, in the order judged.
	Commits []CommitVerdict
	// Manifest is the trusted manifest of JudgeRange.
	Manifest *workflow.LoadedManifest
	// handoff is what the post-receive hook of an accepted push does
	// (handoff.go); nil when the rules were not read.
	handoff *handoff
}

// IsAgentBranch reports whether branch (a short name) matches
// protect.agent_branches of lm.
func IsAgentBranch(lm *workflow.LoadedManifest, branch string) bool {
	return lm != nil && policy.MatchNameFolded(lm.Protect.AgentBranches, branch)
}

// IsAgentLogin reports whether login matches protect.agents of lm.
func IsAgentLogin(lm *workflow.LoadedManifest, login string) bool {
	return lm != nil && login != "" && policy.MatchNameFolded(lm.Protect.Agents, login)
}

// OK reports whether the push is accepted.
func (r *Result) OK() bool { return len(r.Rejections) == 0 }

// CommitKind is what a judged commit claims to be.
type CommitKind string

const (
	PlanCommit   CommitKind = "plan"
	ResultCommit CommitKind = "result"
	OtherCommit  CommitKind = "other"
)

// CommitVerdict is the judgement of one commit.
type CommitVerdict struct {
	ID   string
	Kind CommitKind
	// PlanID and PlanFile name the plan of a plan or result commit.
	PlanID, PlanFile string
	// Report is the plan check of a plan commit or the verification of a
	// result commit: violations, findings and the approvals its plan
	// needs. It is nil for other commits, and for a plan commit whose
	// result commit verified (VerifiedBy).
	Report     *aos.Report
	VerifiedBy string
	// Vouch says who vouches for a result commit's job records, when it
	// has any and was judged for a protected or agent branch.
	Vouch *workflow.Vouch
}
