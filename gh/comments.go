package gh

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-github/v60/github"
)

// maxCommentBody is the longest comment GitHub takes, in characters.
const maxCommentBody = 65536

// Comment is a comment on a pull request.
type Comment struct {
	ID   int64
	URL  string
	Body string
	User string
	Bot  bool
}

func comment(c *github.IssueComment) Comment {
	return Comment{ID: c.GetID(), URL: c.GetHTMLURL(), Body: c.GetBody(), User: c.GetUser().GetLogin(), Bot: c.GetUser().GetType() == "Bot"}
}

// ListComments lists the comments of pull request number, oldest first.
func (c *Client) ListComments(ctx context.Context, number int) ([]Comment, error) {
	var out []Comment
	err := paginate(fmt.Sprintf("list the comments of pull request #%d", number), "pull-requests: read", func(o github.ListOptions) (*github.Response, error) {
		cs, resp, err := c.api.Issues.ListComments(ctx, c.Repo.Owner, c.Repo.Name, number, &github.IssueListCommentsOptions{ListOptions: o})
		for _, x := range cs {
			out = append(out, comment(x))
		}
		return resp, err
	})
	return out, err
}

// UpsertComment keeps one comment of git-aos on pull request number: the
// oldest comment that holds marker (a hidden HTML comment such as
// "<!-- git-aos -->") and was written by the token's own account is edited
// in place, else a comment is created. Only comments of bots, or of the
// token's user, are taken: anyone can write the marker into a comment of
// their own. It reports whether the comment was created.
func (c *Client) UpsertComment(ctx context.Context, number int, marker, body string) (Comment, bool, error) {
	if !strings.Contains(body, marker) {
		body = marker + "\n" + body
	}
	body = truncate(body, maxCommentBody)
	cs, err := c.ListComments(ctx, number)
	if err != nil {
		return Comment{}, false, err
	}
	var mine *Comment
	for i := range cs {
		if !strings.Contains(cs[i].Body, marker) {
			continue
		}
		own := cs[i].Bot
		if !own {
			// A person's token (git aos run with a personal token)
			// writes comments as that person.
			v, err := c.Viewer(ctx)
			if err != nil && !errors.Is(err, ErrReadOnly) && !errors.Is(err, ErrForbidden) {
				return Comment{}, false, err
			}
			own = v != "" && strings.EqualFold(v, cs[i].User)
		}
		if own {
			mine = &cs[i]
			break
		}
	}
	if mine != nil {
		if mine.Body == body {
			return *mine, false, nil
		}
		ic, _, err := c.api.Issues.EditComment(ctx, c.Repo.Owner, c.Repo.Name, mine.ID, &github.IssueComment{Body: &body})
		if err != nil {
			return Comment{}, false, wrap(fmt.Sprintf("edit comment %d of pull request #%d", mine.ID, number), "pull-requests: write", err)
		}
		return comment(ic), false, nil
	}
	ic, _, err := c.api.Issues.CreateComment(ctx, c.Repo.Owner, c.Repo.Name, number, &github.IssueComment{Body: &body})
	if err != nil {
		return Comment{}, false, wrap(fmt.Sprintf("comment on pull request #%d", number), "pull-requests: write", err)
	}
	return comment(ic), true, nil
}
