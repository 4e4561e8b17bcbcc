// Package ghtypes holds what git-aos reads of GitHub without calling its
// API: repository names and remote URLs, and the payloads of the events
// that start a workflow, decoded into the pull requests and reviews the
// client of package gh returns too. It links only the standard library,
// so that its parsers fuzz fast.
package ghtypes

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/architectos/aos"
)

// Repo names a repository on GitHub.
type Repo struct {
	Owner, Name string
}

func (r Repo) String() string { return r.Owner + "/" + r.Name }

var (
	ownerRe = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	nameRe  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// ParseRepo parses OWNER/NAME.
func ParseRepo(s string) (Repo, error) {
	owner, name, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok || !ownerRe.MatchString(owner) || !nameRe.MatchString(name) || name == "." || name == ".." {
		return Repo{}, fmt.Errorf("repository %q is not of the form OWNER/NAME", s)
	}
	return Repo{Owner: owner, Name: name}, nil
}

// RepoFromRemote reads the repository from a git remote's URL, in the
// forms GitHub and GitHub Enterprise Server give: https://HOST/OWNER/NAME
// (with or without .git), git@HOST:OWNER/NAME.git and
// ssh://git@HOST[:PORT]/OWNER/NAME.git. It returns the host too.
func RepoFromRemote(remote string) (Repo, string, error) {
	remote = strings.TrimSpace(remote)
	var host, p string
	switch {
	case strings.Contains(remote, "://"):
		u, err := url.Parse(remote)
		if err != nil {
			return Repo{}, "", fmt.Errorf("remote URL %q: %w", remote, err)
		}
		switch u.Scheme {
		case "https", "http", "ssh", "git":
		default:
			return Repo{}, "", fmt.Errorf("remote URL %q is not a GitHub URL (scheme %s)", remote, u.Scheme)
		}
		host, p = u.Hostname(), strings.TrimPrefix(u.Path, "/")
	default:
		// scp-like: [user@]host:owner/name
		at := strings.LastIndex(remote, "@")
		hp := remote[at+1:]
		h, rest, ok := strings.Cut(hp, ":")
		if !ok || h == "" || strings.Contains(h, "/") {
			return Repo{}, "", fmt.Errorf("remote URL %q is neither https://HOST/OWNER/NAME nor git@HOST:OWNER/NAME", remote)
		}
		host, p = h, rest
	}
	p = strings.TrimSuffix(strings.TrimSuffix(p, "/"), ".git")
	r, err := ParseRepo(p)
	if err != nil {
		return Repo{}, "", fmt.Errorf("remote URL %q: %w", remote, err)
	}
	return r, host, nil
}

// PullRequest is a pull request as git-aos uses it.
type PullRequest struct {
	Number int
	NodeID string
	URL    string // the web page
	Title  string
	Body   string
	State  string // open or closed
	Draft  bool
	Author string
	// HeadRepo and BaseRepo are OWNER/NAME; they differ for a pull
	// request from a fork.
	HeadRef, HeadSHA, HeadRepo string
	BaseRef, BaseSHA, BaseRepo string
	Labels                     []string
}

// Fork reports whether the pull request comes from another repository.
func (p *PullRequest) Fork() bool {
	return p.HeadRepo != "" && !strings.EqualFold(p.HeadRepo, p.BaseRepo)
}

// Review is a review of a pull request.
type Review struct {
	ID          int64
	User        string
	UserType    string // User or Bot
	State       string // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
	CommitID    string // the head the review was made on
	SubmittedAt time.Time
	// Association is the reviewer's relation to the repository (OWNER,
	// MEMBER, COLLABORATOR, CONTRIBUTOR, NONE, ...).
	Association string
}

// Events that git aos ci reads.
const (
	EventPullRequest       = "pull_request"
	EventPullRequestTarget = "pull_request_target"
	EventPullRequestReview = "pull_request_review"
	EventPush              = "push"
)

// Event is the payload of the event that started a workflow
// (GITHUB_EVENT_PATH), the parts git-aos uses.
type Event struct {
	Name   string // GITHUB_EVENT_NAME
	Action string
	// Repo is the repository the workflow runs in, OWNER/NAME.
	Repo          string
	DefaultBranch string
	// Sender is the login that caused the event.
	Sender string
	// PR is the pull request of pull_request, pull_request_target and
	// pull_request_review events.
	PR *PullRequest
	// Review is the review of a pull_request_review event.
	Review *Review
	// Ref, Before and After describe a push: the ref, its old and new
	// commit (all zeros when created or deleted).
	Ref, Before, After string
	Created, Deleted   bool
}

// ZeroSHA is the commit id GitHub gives a ref that does not exist.
const ZeroSHA = "0000000000000000000000000000000000000000"

var shaRe = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)

// The payload of a webhook event, the fields git-aos reads (GitHub's
// REST documentation, "Webhook events and payloads").
type (
	userJSON struct {
		Login string `json:"login"`
		Type  string `json:"type"`
	}
	repoJSON struct {
		FullName      string `json:"full_name"`
		DefaultBranch string `json:"default_branch"`
	}
	branchJSON struct {
		Ref  string    `json:"ref"`
		SHA  string    `json:"sha"`
		Repo *repoJSON `json:"repo"`
	}
	pullJSON struct {
		Number  int        `json:"number"`
		NodeID  string     `json:"node_id"`
		HTMLURL string     `json:"html_url"`
		Title   string     `json:"title"`
		Body    string     `json:"body"`
		State   string     `json:"state"`
		Draft   bool       `json:"draft"`
		User    userJSON   `json:"user"`
		Head    branchJSON `json:"head"`
		Base    branchJSON `json:"base"`
		Labels  []struct {
			Name string `json:"name"`
		} `json:"labels"`
	}
	reviewJSON struct {
		ID                int64     `json:"id"`
		User              userJSON  `json:"user"`
		State             string    `json:"state"`
		CommitID          string    `json:"commit_id"`
		SubmittedAt       time.Time `json:"submitted_at"`
		AuthorAssociation string    `json:"author_association"`
	}
	payloadJSON struct {
		Action      string      `json:"action"`
		PullRequest *pullJSON   `json:"pull_request"`
		Review      *reviewJSON `json:"review"`
		Repository  repoJSON    `json:"repository"`
		Sender      userJSON    `json:"sender"`
		Ref         string      `json:"ref"`
		Before      string      `json:"before"`
		After       string      `json:"after"`
		Created     bool        `json:"created"`
		Deleted     bool        `json:"deleted"`
	}
)

func (b branchJSON) repo() string {
	if b.Repo == nil {
		return ""
	}
	return b.Repo.FullName
}

func (p *pullJSON) pullRequest() *PullRequest {
	if p == nil {
		return nil
	}
	out := &PullRequest{Number: p.Number, NodeID: p.NodeID, URL: p.HTMLURL, Title: p.Title, Body: p.Body, State: p.State,
		Draft: p.Draft, Author: p.User.Login, HeadRef: p.Head.Ref, HeadSHA: p.Head.SHA, HeadRepo: p.Head.repo(),
		BaseRef: p.Base.Ref, BaseSHA: p.Base.SHA, BaseRepo: p.Base.repo()}
	for _, l := range p.Labels {
		out.Labels = append(out.Labels, l.Name)
	}
	return out
}

// ParseEvent decodes the payload of event name.
func ParseEvent(name string, data []byte) (*Event, error) {
	bad := func(format string, args ...any) (*Event, error) {
		return nil, fmt.Errorf("%s event: %s", name, fmt.Sprintf(format, args...))
	}
	switch name {
	case EventPullRequest, EventPullRequestTarget, EventPullRequestReview, EventPush:
	default:
		return nil, &aos.HintError{Err: fmt.Errorf("event %q is not one git aos ci judges", name),
			Hints: []string{"run it on pull_request, pull_request_target, pull_request_review or push (docs/github.md)"}}
	}
	var p payloadJSON
	if err := json.Unmarshal(data, &p); err != nil {
		return bad("%v", err)
	}
	ev := &Event{Name: name, Action: p.Action, Repo: p.Repository.FullName, DefaultBranch: p.Repository.DefaultBranch, Sender: p.Sender.Login}
	if name == EventPush {
		ev.Ref, ev.Before, ev.After, ev.Created, ev.Deleted = p.Ref, p.Before, p.After, p.Created, p.Deleted
		if !strings.HasPrefix(ev.Ref, "refs/") {
			return bad("ref %q is not a full ref name", ev.Ref)
		}
		if !IsSHA(ev.Before) || !IsSHA(ev.After) {
			return bad("before %q or after %q is not a commit id", ev.Before, ev.After)
		}
		return ev, nil
	}
	ev.PR = p.PullRequest.pullRequest()
	if name == EventPullRequestReview && p.Review != nil {
		r := p.Review
		ev.Review = &Review{ID: r.ID, User: r.User.Login, UserType: r.User.Type, State: r.State, CommitID: r.CommitID,
			SubmittedAt: r.SubmittedAt, Association: r.AuthorAssociation}
	}
	if ev.PR == nil || ev.PR.Number == 0 {
		return bad("no pull_request")
	}
	if !IsSHA(ev.PR.BaseSHA) || !IsSHA(ev.PR.HeadSHA) {
		return bad("pull_request.base.sha %q or pull_request.head.sha %q is not a commit id", ev.PR.BaseSHA, ev.PR.HeadSHA)
	}
	if ev.PR.BaseRef == "" || ev.PR.HeadRef == "" {
		return bad("pull_request.base.ref or head.ref is empty")
	}
	if ev.Repo == "" {
		ev.Repo = ev.PR.BaseRepo
	}
	return ev, nil
}

// IsSHA reports whether s is a full commit id, SHA-1 or SHA-256.
func IsSHA(s string) bool { return shaRe.MatchString(s) }

// Fork reports whether the event is a pull request from a fork.
func (e *Event) Fork() bool { return e.PR != nil && e.PR.Fork() }

// ReadOnlyToken reports whether GitHub gives the workflow a read-only
// token for this event, whatever its permissions block says: a
// pull_request or pull_request_review event of a pull request from a
// fork. pull_request_target runs with the base repository's token.
func (e *Event) ReadOnlyToken() bool {
	return e.Fork() && (e.Name == EventPullRequest || e.Name == EventPullRequestReview)
}
