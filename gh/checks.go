package gh

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
)

// Limits of the Checks API (GitHub REST docs, "Create a check run").
const (
	// AnnotationsPerRequest is the most annotations one request may
	// carry; more are appended by further updates.
	AnnotationsPerRequest = 50
	// MaxAnnotations bounds the annotations git-aos posts on one check
	// run (20 requests); the rest are counted in the summary.
	MaxAnnotations = 1000
	maxOutputText  = 65535 // summary and text, in characters
	maxTitle       = 255
	maxMessage     = 64 * 1024
)

// Annotation levels.
const (
	LevelNotice  = "notice"
	LevelWarning = "warning"
	LevelFailure = "failure"
)

// Conclusions of a completed check run.
const (
	ConclusionSuccess        = "success"
	ConclusionFailure        = "failure"
	ConclusionNeutral        = "neutral"
	ConclusionActionRequired = "action_required"
)

// Annotation marks a line range of a file in a check run.
type Annotation struct {
	Path                   string
	StartLine, EndLine     int // 1-based; 0 is line 1
	StartColumn, EndColumn int // only when the range is one line
	Level                  string
	Title, Message         string
	RawDetails             string
}

// CheckRun is a check run's content.
type CheckRun struct {
	Name, HeadSHA string
	DetailsURL    string
	ExternalID    string
	// Conclusion of the completed run: success, failure, neutral,
	// action_required...
	Conclusion           string
	Title, Summary, Text string
	Annotations          []Annotation
}

// truncate cuts s to n characters, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func (a Annotation) api() *github.CheckRunAnnotation {
	start, end := max(a.StartLine, 1), a.EndLine
	if end < start {
		end = start
	}
	level := a.Level
	if level != LevelNotice && level != LevelWarning {
		level = LevelFailure
	}
	out := &github.CheckRunAnnotation{Path: github.String(a.Path), StartLine: github.Int(start), EndLine: github.Int(end),
		AnnotationLevel: github.String(level), Message: github.String(truncate(a.Message, maxMessage))}
	if start == end && a.StartColumn > 0 {
		out.StartColumn = github.Int(a.StartColumn)
		out.EndColumn = github.Int(max(a.EndColumn, a.StartColumn))
	}
	if a.Title != "" {
		out.Title = github.String(truncate(a.Title, maxTitle))
	}
	if a.RawDetails != "" {
		out.RawDetails = github.String(truncate(a.RawDetails, maxMessage))
	}
	return out
}

// output builds a check run's output with some of its annotations.
func (r *CheckRun) output(anns []Annotation, dropped int) *github.CheckRunOutput {
	summary := r.Summary
	if dropped > 0 {
		summary += fmt.Sprintf("\n\n%d more annotations are not shown here (at most %d a check run); the job summary and the SARIF upload list them all.", dropped, MaxAnnotations)
	}
	out := &github.CheckRunOutput{Title: github.String(truncate(r.Title, maxTitle)), Summary: github.String(truncate(summary, maxOutputText))}
	if r.Text != "" {
		out.Text = github.String(truncate(r.Text, maxOutputText))
	}
	for _, a := range anns {
		out.Annotations = append(out.Annotations, a.api())
	}
	return out
}

// StartCheckRun creates check run name on headSHA, in progress, and
// returns its id.
func (c *Client) StartCheckRun(ctx context.Context, name, headSHA, title, summary, detailsURL string) (int64, error) {
	opts := github.CreateCheckRunOptions{Name: name, HeadSHA: headSHA, Status: github.String("in_progress"),
		StartedAt: &github.Timestamp{Time: time.Now()},
		Output:    &github.CheckRunOutput{Title: github.String(truncate(title, maxTitle)), Summary: github.String(truncate(summary, maxOutputText))}}
	if detailsURL != "" {
		opts.DetailsURL = github.String(detailsURL)
	}
	cr, _, err := c.api.Checks.CreateCheckRun(ctx, c.Repo.Owner, c.Repo.Name, opts)
	if err != nil {
		return 0, wrap("create check run "+name, "checks: write", err)
	}
	return cr.GetID(), nil
}

// capped returns at most MaxAnnotations of anns, and how many were left
// out.
func capped(anns []Annotation) ([]Annotation, int) {
	if len(anns) > MaxAnnotations {
		return anns[:MaxAnnotations], len(anns) - MaxAnnotations
	}
	return anns, 0
}

// FinishCheckRun completes check run id with run: annotations go in
// requests of [AnnotationsPerRequest], which GitHub appends, and the
// conclusion comes with the last request, so that the run is never
// complete with part of its annotations.
func (c *Client) FinishCheckRun(ctx context.Context, id int64, run CheckRun) error {
	anns, dropped := capped(run.Annotations)
	return c.finish(ctx, id, run, anns, dropped)
}

func (c *Client) finish(ctx context.Context, id int64, run CheckRun, anns []Annotation, dropped int) error {
	for i := 0; ; i += AnnotationsPerRequest {
		end := min(i+AnnotationsPerRequest, len(anns))
		// Name has no omitempty in go-github: always send it.
		opts := github.UpdateCheckRunOptions{Name: run.Name, Output: run.output(anns[i:end], dropped)}
		if run.DetailsURL != "" {
			opts.DetailsURL = github.String(run.DetailsURL)
		}
		last := end == len(anns)
		if last {
			opts.Status, opts.Conclusion = github.String("completed"), github.String(run.Conclusion)
			opts.CompletedAt = &github.Timestamp{Time: time.Now()}
		}
		if _, _, err := c.api.Checks.UpdateCheckRun(ctx, c.Repo.Owner, c.Repo.Name, id, opts); err != nil {
			return wrap("update check run "+run.Name, "checks: write", err)
		}
		if last {
			return nil
		}
	}
}

// PostCheckRun creates check run run.Name, completed: in one request
// when it has at most [AnnotationsPerRequest] annotations, else created
// in progress with the first ones and completed as [Client.FinishCheckRun]
// does.
func (c *Client) PostCheckRun(ctx context.Context, run CheckRun) (int64, error) {
	anns, dropped := capped(run.Annotations)
	first := min(len(anns), AnnotationsPerRequest)
	opts := github.CreateCheckRunOptions{Name: run.Name, HeadSHA: run.HeadSHA, Output: run.output(anns[:first], dropped)}
	if run.DetailsURL != "" {
		opts.DetailsURL = github.String(run.DetailsURL)
	}
	if run.ExternalID != "" {
		opts.ExternalID = github.String(run.ExternalID)
	}
	one := first == len(anns)
	if one {
		opts.Status, opts.Conclusion = github.String("completed"), github.String(run.Conclusion)
		opts.CompletedAt = &github.Timestamp{Time: time.Now()}
	} else {
		opts.Status = github.String("in_progress")
	}
	cr, _, err := c.api.Checks.CreateCheckRun(ctx, c.Repo.Owner, c.Repo.Name, opts)
	if err != nil {
		return 0, wrap("create check run "+run.Name, "checks: write", err)
	}
	if one {
		return cr.GetID(), nil
	}
	return cr.GetID(), c.finish(ctx, cr.GetID(), run, anns[first:], dropped)
}
