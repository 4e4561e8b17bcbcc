package mcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/github"
	"github.com/architectos/aos/workflow"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// SubmitInput is submit's arguments.
type SubmitInput struct {
	ID     string `json:"id"`
	Goal   string `json:"goal"`
	OpenPR bool   `json:"open_pr,omitempty"`
}

// The plan tools' input schemas.
var (
	emptySchema  = map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{}}
	submitSchema = map[string]any{
		"type": "object", "additionalProperties": false, "required": []string{"id", "goal"},
		"properties": map[string]any{
			"id": map[string]any{"type": "string", "pattern": `^[a-z0-9][a-z0-9._-]{0,63}$`,
				"description": "the plan's id, unique in the repository's history: the branch is aos/<id>"},
			"goal":    map[string]any{"type": "string", "description": "what the change is for; its first line is the commit subject"},
			"open_pr": map[string]any{"type": "boolean", "description": "then open or update the pull request of aos/<id> on GitHub (default false)"},
		},
	}
)

func (s *server) addPlanTools() {
	sdk.AddTool(s.sdk, &sdk.Tool{Name: "plan_status", Title: "Show the plan",
		Description: "Show the session's plan: its directives, the diff of the staged changes against the base, the approvals they need, and what would refuse submit now (ok says whether it would pass). Records nothing.",
		InputSchema: emptySchema,
		Annotations: &sdk.ToolAnnotations{Title: "Show the plan", ReadOnlyHint: true, IdempotentHint: true, DestructiveHint: ptr(false), OpenWorldHint: ptr(false)},
	}, func(ctx context.Context, _ *sdk.CallToolRequest, _ map[string]any) (*sdk.CallToolResult, *workflow.SessionStatus, error) {
		sess, err := s.sessionOf(ctx)
		if err != nil {
			return nil, nil, errorText(err)
		}
		st, err := sess.Status(ctx)
		if err != nil {
			return nil, nil, errorText(err)
		}
		return nil, st, nil
	})
	sdk.AddTool(s.sdk, &sdk.Tool{Name: "submit", Title: "Submit the plan",
		Description: "Commit the session's plan, the directives that passed, as a plan commit on the base and its result commit on branch aos/<id>, as git aos run does; jobs are not run again. The session then starts again, empty. With open_pr, also open or update the branch's pull request.",
		InputSchema: submitSchema,
		Annotations: &sdk.ToolAnnotations{Title: "Submit the plan", DestructiveHint: ptr(false), OpenWorldHint: ptr(true)},
	}, s.submit)
	sdk.AddTool(s.sdk, &sdk.Tool{Name: "discard", Title: "Discard the plan",
		Description: "Forget every directive and staged change of the session; it starts again, empty, on the same base.",
		InputSchema: emptySchema,
		Annotations: &sdk.ToolAnnotations{Title: "Discard the plan", DestructiveHint: ptr(true), IdempotentHint: true, OpenWorldHint: ptr(false)},
	}, func(ctx context.Context, _ *sdk.CallToolRequest, _ map[string]any) (*sdk.CallToolResult, *DiscardOutput, error) {
		sess, err := s.sessionOf(ctx)
		if err != nil {
			return nil, nil, errorText(err)
		}
		n, err := sess.Discard(ctx)
		if err != nil {
			return nil, nil, errorText(err)
		}
		return nil, &DiscardOutput{Discarded: n, Base: sess.Base()}, nil
	})
}

func (s *server) submit(ctx context.Context, _ *sdk.CallToolRequest, in SubmitInput) (*sdk.CallToolResult, *SubmitOutput, error) {
	sess, err := s.sessionOf(ctx)
	if err != nil {
		return nil, nil, errorText(err)
	}
	res, err := sess.Submit(ctx, workflow.SubmitOptions{ID: in.ID, Goal: in.Goal})
	if err != nil {
		return nil, nil, errorText(err)
	}
	if !res.OK() {
		var b strings.Builder
		b.WriteString("the plan is rejected; the session is kept as it was:\n")
		for _, v := range res.Report.Violations {
			b.WriteString(v.String() + "\n")
		}
		return nil, nil, &toolError{strings.TrimRight(b.String(), "\n")}
	}
	out := &SubmitOutput{Branch: strings.TrimPrefix(res.Branch, "refs/heads/"), PlanCommit: res.PlanCommit, ResultCommit: res.ResultCommit,
		PlanFile: res.PlanFile, Summary: res.Summary, Approvals: res.Report.Approvals}
	if out.Approvals == nil {
		out.Approvals = []aos.Approval{}
	}
	if in.OpenPR {
		// As git aos pr aos/<id> does: push the branch, open or update
		// its pull request.
		pr, err := github.PR(ctx, github.PROptions{Dir: s.opts.Dir, Branch: out.Branch})
		if err != nil {
			out.Warning = fmt.Sprintf("the branch %s is made, and its pull request is not: %s", out.Branch, errorText(err))
		} else {
			out.PullRequest = &PullRequest{Number: pr.PR.Number, URL: pr.PR.URL, Created: pr.Created}
			if len(pr.Warnings) > 0 {
				out.Warning = strings.Join(pr.Warnings, "; ")
			}
		}
	}
	return nil, out, nil
}
