package workflow

import (
	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
)

// Reply is what one directive of a plan returned to its author
// (docs/spec.md 6.5): its index and type, its status, the answer of a
// read, the outcome of a job, what a write changed, and the violations it
// caused. plan check, propose, apply, run and the MCP tools return the
// same replies.
type Reply struct {
	Index  int               `json:"index"`
	Type   aos.DirectiveType `json:"type"`
	Status aos.OutcomeStatus `json:"status"`
	Path   string            `json:"path,omitempty"`
	Name   string            `json:"name,omitempty"` // suite, target or tool
	// Result is the answer of a read: a [engine.FileReply], a
	// [engine.StatReply], the [engine.LSEntry] list, a diff, the
	// redacted manifest, the environment, the audit log.
	Result any `json:"result,omitempty"`
	// Job is what RUN_TESTS, BUILD or SANDBOX_EXEC did, when it ran.
	Job *JobReply `json:"job,omitempty"`
	// Changes are the paths the directive changed, each as it stands
	// against the base once the plan has run.
	Changes []ReplyChange `json:"changes,omitempty"`
	// Note says why a job has no outcome (plan check runs none, a
	// rejected plan skips the rest).
	Note       string          `json:"note,omitempty"`
	Violations []aos.Violation `json:"violations,omitempty"`
}

// JobReply is the outcome of a job: its exit code, whether it timed out,
// how long it took, and the end of its output.
type JobReply struct {
	Kind        aos.JobKind `json:"kind"`
	Name        string      `json:"name"`
	ExitCode    int         `json:"exit_code"`
	TimedOut    bool        `json:"timed_out,omitempty"`
	DurationMs  int64       `json:"duration_ms"`
	OutputBytes int64       `json:"output_bytes"`
	Truncated   bool        `json:"truncated,omitempty"`
	Tail        []string    `json:"tail"`
}

// ReplyChange is a path a directive changed: added, modified or deleted
// against the base, or unchanged when the plan left it as the base has
// it; its size and blob id when it exists.
type ReplyChange struct {
	Path   string           `json:"path"`
	Status aos.ChangeStatus `json:"status"`
	Size   int64            `json:"size,omitempty"`
	Blob   string           `json:"blob,omitempty"`
}

// StatusUnchanged is a path a plan wrote back as the base has it.
const StatusUnchanged aos.ChangeStatus = "unchanged"

// replies builds the replies of an engine run; ranJobs says whether jobs
// ran (apply, run) or not (plan check).
func replies(res *engine.Result, ranJobs bool) ([]Reply, error) {
	if res == nil {
		return nil, nil
	}
	changes, err := res.State.Changes()
	if err != nil {
		return nil, err
	}
	byPath := map[string]engine.Change{}
	for _, c := range changes {
		byPath[c.Path] = c
	}
	out := make([]Reply, len(res.Outcomes))
	for i, o := range res.Outcomes {
		r := Reply{Index: o.Index, Type: o.Type, Status: o.Status, Path: o.Path, Name: o.Name}
		if i < len(res.Replies) {
			r.Result = res.Replies[i]
		}
		if o.Type.IsJob() {
			switch {
			case o.Job > 0 && o.Job <= len(res.Jobs):
				j := res.Jobs[o.Job-1]
				r.Job = &JobReply{Kind: j.Kind, Name: j.Name, ExitCode: j.ExitCode, TimedOut: j.TimedOut,
					DurationMs: j.DurationMs, OutputBytes: j.OutputBytes, Truncated: j.Truncated, Tail: j.Tail}
				if r.Job.Tail == nil {
					r.Job.Tail = []string{}
				}
			case !ranJobs && o.Status == aos.OutcomeOK:
				r.Note = "not run: plan check runs no job; run or apply runs it in the sandbox"
			case o.Status == aos.OutcomeSkipped:
				r.Note = "not run: the plan was already rejected"
			}
		}
		for _, p := range o.Paths {
			c, ok := byPath[p]
			if !ok {
				r.Changes = append(r.Changes, ReplyChange{Path: p, Status: StatusUnchanged})
				continue
			}
			rc := ReplyChange{Path: p, Status: c.Status}
			if c.Status != aos.StatusDeleted {
				if c.Data != nil {
					rc.Size, rc.Blob = int64(len(c.Data)), engine.BlobID(c.Data)
				} else if blob, err := res.State.BlobOf(p); err == nil {
					rc.Blob = blob
					rc.Size, _ = res.State.Size(p)
				}
			}
			r.Changes = append(r.Changes, rc)
		}
		for _, v := range res.Violations {
			if v.Directive == o.Index {
				r.Violations = append(r.Violations, v)
			}
		}
		out[i] = r
	}
	return out, nil
}
