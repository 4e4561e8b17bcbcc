package gh

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/architectos/aos"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"
)

func pullRequest(p *github.PullRequest) *PullRequest {
	if p == nil {
		return nil
	}
	out := &PullRequest{
		Number: p.GetNumber(), NodeID: p.GetNodeID(), URL: p.GetHTMLURL(), Title: p.GetTitle(), Body: p.GetBody(),
		State: p.GetState(), Draft: p.GetDraft(), Author: p.GetUser().GetLogin(),
		HeadRef: p.GetHead().GetRef(), HeadSHA: p.GetHead().GetSHA(), HeadRepo: p.GetHead().GetRepo().GetFullName(),
		BaseRef: p.GetBase().GetRef(), BaseSHA: p.GetBase().GetSHA(), BaseRepo: p.GetBase().GetRepo().GetFullName(),
	}
	for _, l := range p.Labels {
		out.Labels = append(out.Labels, l.GetName())
	}
	return out
}

// maxPages bounds every paginated listing (100 items a page).
const maxPages = 100

// paginate calls list for pages 1, 2, ... while GitHub's Link header
// names a next page.
func paginate(op, perm string, list func(opts github.ListOptions) (*github.Response, error)) error {
	page := 1
	for n := 0; ; n++ {
		if n == maxPages {
			return &APIError{Op: op, Message: fmt.Sprintf("more than %d pages of results", maxPages)}
		}
		resp, err := list(github.ListOptions{Page: page, PerPage: 100})
		if err != nil {
			return wrap(op, perm, err)
		}
		if resp == nil || resp.NextPage == 0 {
			return nil
		}
		if resp.NextPage <= page {
			return &APIError{Op: op, Message: fmt.Sprintf("the next page (%d) does not follow page %d", resp.NextPage, page)}
		}
		page = resp.NextPage
	}
}

// FindPullRequest returns the open pull request whose head is branch of
// headOwner's repository ("" for the client's), or nil.
func (c *Client) FindPullRequest(ctx context.Context, headOwner, branch string) (*PullRequest, error) {
	if headOwner == "" {
		headOwner = c.Repo.Owner
	}
	op := "find the pull request of branch " + branch
	prs, _, err := c.api.PullRequests.List(ctx, c.Repo.Owner, c.Repo.Name, &github.PullRequestListOptions{
		State: "open", Head: headOwner + ":" + branch, ListOptions: github.ListOptions{PerPage: 100}})
	if err != nil {
		return nil, wrap(op, "pull-requests: read", err)
	}
	for _, p := range prs {
		if p.GetHead().GetRef() == branch {
			return pullRequest(p), nil
		}
	}
	return nil, nil
}

// GetPullRequest reads pull request number.
func (c *Client) GetPullRequest(ctx context.Context, number int) (*PullRequest, error) {
	p, _, err := c.api.PullRequests.Get(ctx, c.Repo.Owner, c.Repo.Name, number)
	if err != nil {
		return nil, wrap(fmt.Sprintf("read pull request #%d", number), "pull-requests: read", err)
	}
	return pullRequest(p), nil
}

// NewPullRequest is a pull request to open.
type NewPullRequest struct {
	Title, Body string
	Head, Base  string // branch names ("owner:branch" for a fork's head)
	Draft       bool
}

// CreatePullRequest opens a pull request.
func (c *Client) CreatePullRequest(ctx context.Context, n NewPullRequest) (*PullRequest, error) {
	p, _, err := c.api.PullRequests.Create(ctx, c.Repo.Owner, c.Repo.Name, &github.NewPullRequest{
		Title: &n.Title, Body: &n.Body, Head: &n.Head, Base: &n.Base, Draft: &n.Draft})
	if err != nil {
		return nil, wrap("open a pull request from "+n.Head+" into "+n.Base, "pull-requests: write", err)
	}
	return pullRequest(p), nil
}

// EditPullRequest sets the title and body of pull request number.
func (c *Client) EditPullRequest(ctx context.Context, number int, title, body string) (*PullRequest, error) {
	p, _, err := c.api.PullRequests.Edit(ctx, c.Repo.Owner, c.Repo.Name, number, &github.PullRequest{Title: &title, Body: &body})
	if err != nil {
		return nil, wrap(fmt.Sprintf("update pull request #%d", number), "pull-requests: write", err)
	}
	return pullRequest(p), nil
}

// MarkReadyForReview turns a draft pull request into one ready for
// review. The REST API cannot; GraphQL's markPullRequestReadyForReview
// does.
func (c *Client) MarkReadyForReview(ctx context.Context, pr *PullRequest) error {
	op := fmt.Sprintf("mark pull request #%d ready for review", pr.Number)
	body, err := json.Marshal(map[string]any{
		"query":     "mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id}) { pullRequest { isDraft } } }",
		"variables": map[string]string{"id": pr.NodeID},
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.graphql, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	var out struct {
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if _, err := c.api.Do(ctx, req, &out); err != nil {
		return wrap(op, "pull-requests: write", err)
	}
	if len(out.Errors) > 0 {
		var msgs []string
		for _, e := range out.Errors {
			msgs = append(msgs, e.Message)
		}
		e := &APIError{Op: op, Perm: "pull-requests: write", Method: http.MethodPost, Path: req.URL.Path, Kind: KindInvalid, Message: strings.Join(msgs, "; ")}
		return aos.WithHint(e, e.Hint())
	}
	return nil
}

// AddLabels adds labels to pull request number; GitHub creates the ones
// the repository does not have.
func (c *Client) AddLabels(ctx context.Context, number int, labels []string) error {
	if len(labels) == 0 {
		return nil
	}
	_, _, err := c.api.Issues.AddLabelsToIssue(ctx, c.Repo.Owner, c.Repo.Name, number, labels)
	return wrap(fmt.Sprintf("label pull request #%d", number), "pull-requests: write", err)
}

// RequestReviewers asks users (logins) and teams (slugs of teams of the
// repository's organisation) to review pull request number.
func (c *Client) RequestReviewers(ctx context.Context, number int, users, teams []string) error {
	if len(users)+len(teams) == 0 {
		return nil
	}
	_, _, err := c.api.PullRequests.RequestReviewers(ctx, c.Repo.Owner, c.Repo.Name, number, github.ReviewersRequest{Reviewers: users, TeamReviewers: teams})
	return wrap(fmt.Sprintf("request reviews of pull request #%d", number), "pull-requests: write", err)
}

// File is a file a pull request changes.
type File struct {
	Path, PreviousPath   string
	Status               string // added, removed, modified, renamed, copied, changed, unchanged
	Additions, Deletions int
}

// ListFiles lists the files pull request number changes (GitHub lists at
// most 3,000).
func (c *Client) ListFiles(ctx context.Context, number int) ([]File, error) {
	var out []File
	err := paginate(fmt.Sprintf("list the files of pull request #%d", number), "pull-requests: read", func(o github.ListOptions) (*github.Response, error) {
		fs, resp, err := c.api.PullRequests.ListFiles(ctx, c.Repo.Owner, c.Repo.Name, number, &o)
		for _, f := range fs {
			out = append(out, File{Path: f.GetFilename(), PreviousPath: f.GetPreviousFilename(), Status: f.GetStatus(), Additions: f.GetAdditions(), Deletions: f.GetDeletions()})
		}
		return resp, err
	})
	return out, err
}

func review(r *github.PullRequestReview) Review {
	return Review{ID: r.GetID(), User: r.GetUser().GetLogin(), UserType: r.GetUser().GetType(), State: r.GetState(),
		CommitID: r.GetCommitID(), SubmittedAt: r.GetSubmittedAt().Time, Association: r.GetAuthorAssociation()}
}

// ListReviews lists the reviews of pull request number, oldest first.
func (c *Client) ListReviews(ctx context.Context, number int) ([]Review, error) {
	var out []Review
	err := paginate(fmt.Sprintf("list the reviews of pull request #%d", number), "pull-requests: read", func(o github.ListOptions) (*github.Response, error) {
		rs, resp, err := c.api.PullRequests.ListReviews(ctx, c.Repo.Owner, c.Repo.Name, number, &o)
		for _, r := range rs {
			out = append(out, review(r))
		}
		return resp, err
	})
	return out, err
}

// DefaultBranch returns the repository's default branch.
func (c *Client) DefaultBranch(ctx context.Context) (string, error) {
	r, _, err := c.api.Repositories.Get(ctx, c.Repo.Owner, c.Repo.Name)
	if err != nil {
		return "", wrap("read repository "+c.Repo.String(), "contents: read", err)
	}
	return r.GetDefaultBranch(), nil
}
