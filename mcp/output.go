package mcp

import (
	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/workflow"
)

// The structured answers of the tools (docs/spec.md 14.2). Their JSON
// Schemas, inferred from these types, are the tools' output schemas.

// ReadFileOutput is what read_file shows of a file.
type ReadFileOutput struct {
	Path string `json:"path" jsonschema:"the file's path"`
	Mode string `json:"mode" jsonschema:"the file's mode, as git writes it (100644)"`
	Size int64  `json:"size" jsonschema:"the whole file's size in bytes"`
	Blob string `json:"blob" jsonschema:"the whole file's git blob id"`
	// Content is set for text (valid UTF-8 without NUL bytes).
	Content *string `json:"content,omitempty" jsonschema:"the lines shown, for a text file"`
	// ContentBase64 is set for other files.
	ContentBase64 string `json:"content_base64,omitempty" jsonschema:"the bytes shown, base64-encoded, for a file that is not text"`
	FirstLine     int    `json:"first_line,omitempty" jsonschema:"text: the number of the first line shown, 1-based"`
	Lines         int    `json:"lines,omitempty" jsonschema:"text: how many lines are shown"`
	TotalLines    int    `json:"total_lines,omitempty" jsonschema:"text: how many lines the file has"`
	Offset        int    `json:"offset,omitempty" jsonschema:"other content: the first byte shown, 0-based"`
	Length        int    `json:"length,omitempty" jsonschema:"other content: how many bytes are shown"`
	Truncated     bool   `json:"truncated" jsonschema:"whether the file goes on after what is shown"`
}

// DiffOutput is what diff shows of a unified diff.
type DiffOutput struct {
	Diff       string `json:"diff" jsonschema:"the lines of the unified diff shown"`
	FirstLine  int    `json:"first_line" jsonschema:"the number of the first line shown, 1-based"`
	Lines      int    `json:"lines" jsonschema:"how many lines are shown"`
	TotalLines int    `json:"total_lines" jsonschema:"how many lines the whole diff has"`
	Truncated  bool   `json:"truncated" jsonschema:"whether the diff goes on after what is shown"`
}

// ListOutput is what list_directory shows.
type ListOutput struct {
	Entries   []engine.LSEntry `json:"entries" jsonschema:"the visible entries shown, by name"`
	Total     int              `json:"total" jsonschema:"how many entries the directory has"`
	Offset    int              `json:"offset" jsonschema:"the index of the first entry shown"`
	Truncated bool             `json:"truncated" jsonschema:"whether entries after the ones shown were left out"`
}

// SearchOutput is what search shows.
type SearchOutput struct {
	Matches   []engine.SearchMatch `json:"matches" jsonschema:"the matching lines shown, in path order"`
	Total     int                  `json:"total" jsonschema:"how many matching lines the reply holds"`
	Offset    int                  `json:"offset" jsonschema:"the index of the first match shown"`
	Files     int                  `json:"files" jsonschema:"how many files were searched"`
	Truncated bool                 `json:"truncated" jsonschema:"whether matches after the ones shown were left out"`
	Capped    bool                 `json:"capped" jsonschema:"whether the search stopped at 1,000 matching lines: narrow it with path or glob"`
}

// HistoryOutput is what get_history shows.
type HistoryOutput struct {
	Runs []workflow.LogEntry `json:"runs" jsonschema:"the latest runs of the base's audit log, newest first"`
}

// ChangeOutput is what a write, a delete or a patch changed.
type ChangeOutput struct {
	Directive int                 `json:"directive" jsonschema:"the directive's index in the session's plan"`
	Changes   []engine.PathChange `json:"changes" jsonschema:"the paths it changed, against the staged tree before it"`
	Approvals []aos.Approval      `json:"approvals,omitempty" jsonschema:"reviews its changes will need"`
}

// JobOutput is what a job did.
type JobOutput struct {
	Directive int                 `json:"directive" jsonschema:"the directive's index in the session's plan"`
	Job       aos.JobRecord       `json:"job" jsonschema:"the job's record: exit code, duration and the last lines of its output"`
	Changes   []engine.PathChange `json:"changes,omitempty" jsonschema:"the files a build staged"`
	Findings  []aos.Finding       `json:"findings,omitempty" jsonschema:"the validators' warnings on the state the job ran on"`
	Approvals []aos.Approval      `json:"approvals,omitempty" jsonschema:"reviews its changes will need"`
}

// SubmitOutput is what submit made.
type SubmitOutput struct {
	Branch       string         `json:"branch" jsonschema:"the branch made, aos/<id>"`
	PlanCommit   string         `json:"plan_commit" jsonschema:"the plan commit"`
	ResultCommit string         `json:"result_commit" jsonschema:"the result commit at the tip of the branch"`
	PlanFile     string         `json:"plan_file" jsonschema:"the plan file in the plan commit"`
	Summary      string         `json:"summary" jsonschema:"the result commit's message: the run's summary"`
	Approvals    []aos.Approval `json:"approvals" jsonschema:"reviews the changes need before they merge"`
	PullRequest  *PullRequest   `json:"pull_request,omitempty" jsonschema:"the pull request opened or updated, with open_pr"`
	Warning      string         `json:"warning,omitempty" jsonschema:"what could not be done after the commits were made"`
}

// DiscardOutput is what discard forgot.
type DiscardOutput struct {
	Discarded int    `json:"discarded" jsonschema:"how many directives were forgotten"`
	Base      string `json:"base" jsonschema:"the base commit the empty session stages on"`
}
