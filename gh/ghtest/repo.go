package ghtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Repo is a model of one repository on GitHub. [Server.Serve] answers
// its API from it and keeps what is written to it: pull requests, labels,
// review requests, reviews, comments, check runs and SARIF uploads, with
// GitHub's validations (422 for a second pull request of a branch, for
// more than 50 annotations a request, for a review asked of the author).
type Repo struct {
	Owner, Name   string
	DefaultBranch string
	// Viewer is the login GET /user answers; "" answers 403, as for the
	// installation token a workflow gets.
	Viewer string
	// ReadOnly makes every write answer 403 "Resource not accessible by
	// integration", as for the token of a pull request from a fork.
	ReadOnly bool
	// NoCodeScanning makes SARIF uploads answer 403, as without GitHub
	// Advanced Security.
	NoCodeScanning bool
	// Teams are the active members of each team, by "org/slug";
	// Pending those invited and not yet members.
	Teams, Pending map[string][]string
	// Permissions are the collaborators' permissions (admin, write,
	// read); anyone else has none.
	Permissions map[string]string

	mu        sync.Mutex
	PRs       []*PR
	CheckRuns []*CheckRun
	SARIF     []SARIF
	nextID    int64
}

// PR is a pull request of the model.
type PR struct {
	Number              int
	Title, Body         string
	Draft               bool
	State               string // open, closed
	Author              string
	Head, Base          string // branch names
	HeadSHA, BaseSHA    string
	HeadRepo            string // OWNER/NAME of a fork; "" for the repository itself
	Labels              []string
	Reviewers, TeamRevs []string
	Reviews             []Review
	Comments            []Comment
}

// Review is a review of the model.
type Review struct {
	ID          int64
	User        string
	Bot         bool
	State       string
	CommitID    string
	SubmittedAt time.Time
}

// Comment is a comment of the model.
type Comment struct {
	ID   int64
	User string
	Bot  bool
	Body string
}

// CheckRun is a check run as the requests made it.
type CheckRun struct {
	ID                     int64
	Name, HeadSHA, Status  string
	Conclusion, DetailsURL string
	Title, Summary, Text   string
	Annotations            []map[string]any
	Requests               int
	// CompletedEarly is set when a request came after the run was
	// completed: annotations must never arrive after the conclusion.
	CompletedEarly bool
}

// SARIF is an upload to code scanning, decoded.
type SARIF struct {
	CommitSHA, Ref, ToolName string
	Log                      map[string]any
}

func (r *Repo) id() int64 {
	r.nextID++
	return r.nextID
}

// PR returns pull request number, or nil.
func (r *Repo) PR(number int) *PR {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pr(number)
}

func (r *Repo) pr(number int) *PR {
	for _, p := range r.PRs {
		if p.Number == number {
			return p
		}
	}
	return nil
}

// Check returns the latest check run named name, or nil.
func (r *Repo) Check(name string) *CheckRun {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.CheckRuns) - 1; i >= 0; i-- {
		if r.CheckRuns[i].Name == name {
			return r.CheckRuns[i]
		}
	}
	return nil
}

// AddReview adds a review to pull request number as GitHub would when
// someone submits one.
func (r *Repo) AddReview(number int, user, state, commit string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.pr(number)
	p.Reviews = append(p.Reviews, Review{ID: r.id(), User: user, State: state, CommitID: commit,
		SubmittedAt: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC).Add(time.Duration(len(p.Reviews)) * time.Minute)})
}

func (r *Repo) full() string { return r.Owner + "/" + r.Name }

func user(login string, bot bool) map[string]any {
	t := "User"
	if bot {
		t = "Bot"
	}
	return map[string]any{"login": login, "id": 1, "node_id": "MDQ6VXNlcjE=", "type": t, "site_admin": false,
		"url": "https://api.github.com/users/" + login, "html_url": "https://github.com/" + login}
}

func (r *Repo) repoJSON(full string) map[string]any {
	owner, name, _ := strings.Cut(full, "/")
	return map[string]any{"id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": name, "full_name": full,
		"owner": user(owner, false), "private": false, "fork": full != r.full(), "default_branch": r.DefaultBranch,
		"html_url": "https://github.com/" + full, "url": "https://api.github.com/repos/" + full}
}

func (r *Repo) prJSON(p *PR) map[string]any {
	head := p.HeadRepo
	if head == "" {
		head = r.full()
	}
	hOwner, _, _ := strings.Cut(head, "/")
	labels := []any{}
	for _, l := range p.Labels {
		labels = append(labels, map[string]any{"id": 1, "name": l, "color": "f29513", "default": false})
	}
	var reqs, teams []any
	for _, u := range p.Reviewers {
		reqs = append(reqs, user(u, false))
	}
	for _, t := range p.TeamRevs {
		teams = append(teams, map[string]any{"id": 1, "slug": t, "name": t})
	}
	return map[string]any{
		"url": fmt.Sprintf("https://api.github.com/repos/%s/pulls/%d", r.full(), p.Number), "id": p.Number, "node_id": fmt.Sprintf("PR_node_%d", p.Number),
		"html_url": fmt.Sprintf("https://github.com/%s/pull/%d", r.full(), p.Number), "number": p.Number, "state": p.State, "locked": false,
		"title": p.Title, "body": p.Body, "draft": p.Draft, "user": user(p.Author, false), "labels": labels,
		"requested_reviewers": reqs, "requested_teams": teams, "author_association": "CONTRIBUTOR",
		"head": map[string]any{"label": hOwner + ":" + p.Head, "ref": p.Head, "sha": p.HeadSHA, "user": user(hOwner, false), "repo": r.repoJSON(head)},
		"base": map[string]any{"label": r.Owner + ":" + p.Base, "ref": p.Base, "sha": p.BaseSHA, "user": user(r.Owner, false), "repo": r.repoJSON(r.full())},
	}
}

func (r *Repo) checkJSON(c *CheckRun) map[string]any {
	return map[string]any{"id": c.ID, "name": c.Name, "head_sha": c.HeadSHA, "status": c.Status, "conclusion": nilIfEmpty(c.Conclusion),
		"node_id": "CR_1", "url": fmt.Sprintf("https://api.github.com/repos/%s/check-runs/%d", r.full(), c.ID),
		"html_url": fmt.Sprintf("https://github.com/%s/runs/%d", r.full(), c.ID), "details_url": c.DetailsURL,
		"output": map[string]any{"title": c.Title, "summary": c.Summary, "text": c.Text, "annotations_count": len(c.Annotations)},
		"app":    map[string]any{"id": 15368, "slug": "github-actions", "name": "GitHub Actions"}}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (r *Repo) commentJSON(number int, c Comment) map[string]any {
	return map[string]any{"id": c.ID, "node_id": "IC_1", "body": c.Body, "user": user(c.User, c.Bot),
		"url":        fmt.Sprintf("https://api.github.com/repos/%s/issues/comments/%d", r.full(), c.ID),
		"html_url":   fmt.Sprintf("https://github.com/%s/pull/%d#issuecomment-%d", r.full(), number, c.ID),
		"created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z", "author_association": "NONE"}
}

// page cuts a listing into GitHub's pages, with a Link header.
func (s *Server) page(w http.ResponseWriter, req *http.Request, items []any) {
	per, _ := strconv.Atoi(req.URL.Query().Get("per_page"))
	if per <= 0 || per > 100 {
		per = 30
	}
	n, _ := strconv.Atoi(req.URL.Query().Get("page"))
	n = max(n, 1)
	start := min((n-1)*per, len(items))
	end := min(start+per, len(items))
	last := max((len(items)+per-1)/per, 1)
	if n < last {
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?page=%d&per_page=%d>; rel="next", <%s%s?page=%d&per_page=%d>; rel="last"`,
			s.URL, req.URL.Path, n+1, per, s.URL, req.URL.Path, last, per))
	}
	out := items[start:end]
	if out == nil {
		out = []any{}
	}
	ReplyJSON(w, http.StatusOK, out)
}

var (
	readOnly = []byte(`{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest"}`)
	notFound = []byte(`{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`)
)

func invalid(w http.ResponseWriter, resource, field, code, msg string) {
	e := map[string]any{"resource": resource, "field": field, "code": code}
	if msg != "" {
		e["message"] = msg
	}
	ReplyJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": []any{e},
		"documentation_url": "https://docs.github.com/rest"})
}
