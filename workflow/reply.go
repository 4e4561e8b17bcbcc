package workflow

import (
	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
)

// Reply is what one directive answers its author, labelled with its place
// in the plan and its type (docs/spec.md 6.5, 14.2). Front ends that show
// directives' answers (the MCP tools, plan check's replies) render it.
type Reply struct {
	Directive int               `json:"directive"`
	Type      aos.DirectiveType `json:"type"`
	Status    aos.OutcomeStatus `json:"status"`
	// Violations say why a directive was refused.
	Violations []aos.Violation `json:"violations,omitempty"`
	// Reply is what a read returns, by type: an [engine.FileReply],
	// [engine.StatReply], []engine.LSEntry, the DIFF text, an
	// [engine.SearchReply], an [engine.ManifestView], an [EnvInfo] or
	// the []LogEntry of GET_HISTORY.
	Reply any `json:"reply,omitempty"`
	// Changes are the paths a write, a patch or a build changed, against
	// the staged tree before it.
	Changes []engine.PathChange `json:"changes,omitempty"`
	// Job is the record of the job a RUN_TESTS, BUILD or SANDBOX_EXEC
	// ran (docs/spec.md 10.4), passed or failed.
	Job *aos.JobRecord `json:"job,omitempty"`
	// Findings are the validators' findings on the state a job was to
	// run on; those of severity error kept it from running.
	Findings []aos.Finding `json:"findings,omitempty"`
	// Approvals are the reviews its changes ask for (docs/spec.md 4.7).
	Approvals []aos.Approval `json:"approvals,omitempty"`
	// Note says why a job has no record: plan check runs none, and a
	// rejected plan skips the jobs after its first violation.
	Note string `json:"note,omitempty"`
}

// OK reports whether the directive passed.
func (r *Reply) OK() bool { return len(r.Violations) == 0 }

// Replies labels the replies of a run: one [Reply] per directive, in
// order.
func Replies(res *engine.Result) []Reply {
	out := make([]Reply, len(res.Outcomes))
	for i, o := range res.Outcomes {
		r := Reply{Directive: i, Type: o.Type, Status: o.Status, Reply: res.Replies[i], Changes: res.Changed(i)}
		for _, v := range res.Violations {
			if v.Directive == i {
				r.Violations = append(r.Violations, v)
			}
		}
		for _, a := range res.Approvals {
			if a.Directive == i {
				r.Approvals = append(r.Approvals, a)
			}
		}
		if o.Job > 0 && o.Job <= len(res.Jobs) {
			j := res.Jobs[o.Job-1]
			r.Job = &j
		} else if o.Type.IsJob() && o.Status == aos.OutcomeSkipped {
			r.Note = "not run: the plan was already rejected"
		}
		out[i] = r
	}
	return out
}

// stepReply labels the step of a session.
func stepReply(st engine.Step) *Reply {
	r := &Reply{Directive: st.Outcome.Index, Type: st.Outcome.Type, Status: st.Outcome.Status, Reply: st.Reply,
		Changes: st.Changed, Violations: st.Violations, Findings: st.Findings, Approvals: st.Approvals}
	if len(st.Jobs) > 0 {
		j := st.Jobs[len(st.Jobs)-1]
		r.Job = &j
	}
	return r
}
