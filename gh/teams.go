package gh

import (
	"context"
	"errors"
	"fmt"
	"github.com/architectos/aos"
)

// Viewer returns the login of the token's account. An installation token
// (GITHUB_TOKEN) has no user: GitHub answers 403.
func (c *Client) Viewer(ctx context.Context) (string, error) {
	if c.viewerDone {
		return c.viewer, c.viewerErr
	}
	u, _, err := c.api.Users.Get(ctx, "")
	c.viewer, c.viewerErr = u.GetLogin(), wrap("read the token's user", "", err)
	if err == nil || errors.Is(c.viewerErr, ErrReadOnly) || errors.Is(c.viewerErr, ErrForbidden) {
		c.viewerDone = true // the answer does not change
	}
	return c.viewer, c.viewerErr
}

// TeamMember reports whether login is an active member of team slug of
// org (a pending invitation is not membership). A team the token cannot
// see is an error, not a "no": GitHub answers 404 for both.
func (c *Client) TeamMember(ctx context.Context, org, slug, login string) (bool, error) {
	op := fmt.Sprintf("read the membership of %s in team %s/%s", login, org, slug)
	m, _, err := c.api.Teams.GetTeamMembershipBySlug(ctx, org, slug, login)
	if err == nil {
		return m.GetState() == "active", nil
	}
	werr := wrap(op, "members: read", err)
	if !errors.Is(werr, ErrNotFound) {
		return false, werr
	}
	if _, _, err := c.api.Teams.GetTeamBySlug(ctx, org, slug); err != nil {
		terr := wrap(fmt.Sprintf("read team %s/%s", org, slug), "members: read", err)
		if errors.Is(terr, ErrNotFound) {
			return false, &aos.HintError{Err: terr, Hints: []string{fmt.Sprintf("team %s/%s does not exist, or the token cannot see it: "+
				"a workflow's GITHUB_TOKEN cannot read teams, so pass a token that can (a GitHub App with members: read, or a token with read:org) as github-token", org, slug)}}
		}
		return false, terr
	}
	return false, nil
}

// Permission returns login's permission on the repository: admin,
// write, read or none.
func (c *Client) Permission(ctx context.Context, login string) (string, error) {
	p, _, err := c.api.Repositories.GetPermissionLevel(ctx, c.Repo.Owner, c.Repo.Name, login)
	if err != nil {
		werr := wrap(fmt.Sprintf("read the permission of %s", login), "", err)
		if errors.Is(werr, ErrNotFound) {
			return "none", nil // not a collaborator
		}
		return "", werr
	}
	return p.GetPermission(), nil
}
