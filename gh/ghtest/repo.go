package ghtest

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
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

// Serve answers the API of r, besides the routes set with Handle.
func (s *Server) Serve(r *Repo) {
	if r.DefaultBranch == "" {
		r.DefaultBranch = "main"
	}
	s.mu.Lock()
	if s.model == nil {
		s.model = http.NewServeMux()
	}
	mux := s.model
	s.mu.Unlock()
	base := "/api/v3/repos/" + r.full()
	// write wraps a handler of a write: read-only tokens are refused.
	write := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, req *http.Request) {
			if r.ReadOnly {
				Reply(w, http.StatusForbidden, readOnly)
				return
			}
			r.mu.Lock()
			defer r.mu.Unlock()
			h(w, req)
		}
	}
	read := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, req *http.Request) {
			r.mu.Lock()
			defer r.mu.Unlock()
			h(w, req)
		}
	}
	body := func(req *http.Request, v any) error {
		b, _ := io.ReadAll(req.Body)
		return json.Unmarshal(b, v)
	}
	prOf := func(w http.ResponseWriter, req *http.Request) *PR {
		n, _ := strconv.Atoi(req.PathValue("n"))
		p := r.pr(n)
		if p == nil {
			Reply(w, http.StatusNotFound, notFound)
		}
		return p
	}
	mux.HandleFunc("GET "+base, read(func(w http.ResponseWriter, req *http.Request) {
		ReplyJSON(w, 200, r.repoJSON(r.full()))
	}))
	mux.HandleFunc("GET "+base+"/pulls", read(func(w http.ResponseWriter, req *http.Request) {
		q := req.URL.Query()
		var out []any
		for _, p := range r.PRs {
			head := p.HeadRepo
			if head == "" {
				head = r.full()
			}
			owner, _, _ := strings.Cut(head, "/")
			if q.Get("state") != "all" && p.State != cmpOr(q.Get("state"), "open") {
				continue
			}
			if h := q.Get("head"); h != "" && h != owner+":"+p.Head {
				continue
			}
			out = append(out, r.prJSON(p))
		}
		s.page(w, req, out)
	}))
	mux.HandleFunc("GET "+base+"/pulls/{n}", read(func(w http.ResponseWriter, req *http.Request) {
		if p := prOf(w, req); p != nil {
			ReplyJSON(w, 200, r.prJSON(p))
		}
	}))
	mux.HandleFunc("POST "+base+"/pulls", write(func(w http.ResponseWriter, req *http.Request) {
		var in struct {
			Title, Head, Base, Body string
			Draft                   bool
		}
		if err := body(req, &in); err != nil || in.Title == "" || in.Head == "" || in.Base == "" {
			invalid(w, "PullRequest", "title", "missing_field", "")
			return
		}
		if in.Head == in.Base {
			invalid(w, "PullRequest", "base", "invalid", "")
			return
		}
		for _, p := range r.PRs {
			if p.State == "open" && p.Head == in.Head {
				invalid(w, "PullRequest", "", "custom", fmt.Sprintf("A pull request already exists for %s:%s.", r.Owner, in.Head))
				return
			}
		}
		author := cmpOr(r.Viewer, "github-actions[bot]")
		p := &PR{Number: len(r.PRs) + 1, Title: in.Title, Body: in.Body, Draft: in.Draft, State: "open", Author: author,
			Head: in.Head, Base: in.Base, HeadSHA: strings.Repeat("a", 40), BaseSHA: strings.Repeat("b", 40)}
		r.PRs = append(r.PRs, p)
		ReplyJSON(w, http.StatusCreated, r.prJSON(p))
	}))
	mux.HandleFunc("PATCH "+base+"/pulls/{n}", write(func(w http.ResponseWriter, req *http.Request) {
		p := prOf(w, req)
		if p == nil {
			return
		}
		var in struct{ Title, Body *string }
		if err := body(req, &in); err != nil {
			invalid(w, "PullRequest", "", "invalid", "")
			return
		}
		if in.Title != nil {
			p.Title = *in.Title
		}
		if in.Body != nil {
			p.Body = *in.Body
		}
		ReplyJSON(w, 200, r.prJSON(p))
	}))
	mux.HandleFunc("POST "+base+"/pulls/{n}/requested_reviewers", write(func(w http.ResponseWriter, req *http.Request) {
		p := prOf(w, req)
		if p == nil {
			return
		}
		var in struct {
			Reviewers     []string `json:"reviewers"`
			TeamReviewers []string `json:"team_reviewers"`
		}
		if err := body(req, &in); err != nil {
			invalid(w, "PullRequest", "", "invalid", "")
			return
		}
		for _, u := range in.Reviewers {
			if strings.EqualFold(u, p.Author) {
				invalid(w, "PullRequest", "", "custom", "Review cannot be requested from pull request author.")
				return
			}
		}
		for _, u := range in.Reviewers {
			if !slices.Contains(p.Reviewers, u) {
				p.Reviewers = append(p.Reviewers, u)
			}
		}
		for _, t := range in.TeamReviewers {
			if !slices.Contains(p.TeamRevs, t) {
				p.TeamRevs = append(p.TeamRevs, t)
			}
		}
		ReplyJSON(w, http.StatusCreated, r.prJSON(p))
	}))
	mux.HandleFunc("GET "+base+"/pulls/{n}/reviews", read(func(w http.ResponseWriter, req *http.Request) {
		p := prOf(w, req)
		if p == nil {
			return
		}
		var out []any
		for _, rv := range p.Reviews {
			out = append(out, map[string]any{"id": rv.ID, "node_id": "PRR_1", "user": user(rv.User, rv.Bot), "body": "",
				"state": rv.State, "commit_id": rv.CommitID, "submitted_at": rv.SubmittedAt.Format(time.RFC3339),
				"author_association": "MEMBER", "html_url": fmt.Sprintf("https://github.com/%s/pull/%d#pullrequestreview-%d", r.full(), p.Number, rv.ID)})
		}
		s.page(w, req, out)
	}))
	mux.HandleFunc("POST "+base+"/issues/{n}/labels", write(func(w http.ResponseWriter, req *http.Request) {
		p := prOf(w, req)
		if p == nil {
			return
		}
		var in []string
		if err := body(req, &in); err != nil {
			invalid(w, "Label", "", "invalid", "")
			return
		}
		var out []any
		for _, l := range in {
			if !slices.Contains(p.Labels, l) {
				p.Labels = append(p.Labels, l)
			}
		}
		for _, l := range p.Labels {
			out = append(out, map[string]any{"id": 1, "name": l, "color": "f29513"})
		}
		ReplyJSON(w, 200, out)
	}))
	mux.HandleFunc("GET "+base+"/issues/{n}/comments", read(func(w http.ResponseWriter, req *http.Request) {
		p := prOf(w, req)
		if p == nil {
			return
		}
		var out []any
		for _, c := range p.Comments {
			out = append(out, r.commentJSON(p.Number, c))
		}
		s.page(w, req, out)
	}))
	mux.HandleFunc("POST "+base+"/issues/{n}/comments", write(func(w http.ResponseWriter, req *http.Request) {
		p := prOf(w, req)
		if p == nil {
			return
		}
		var in struct{ Body string }
		if err := body(req, &in); err != nil || in.Body == "" {
			invalid(w, "IssueComment", "body", "missing_field", "")
			return
		}
		c := Comment{ID: r.id(), User: cmpOr(r.Viewer, "github-actions[bot]"), Bot: r.Viewer == "", Body: in.Body}
		p.Comments = append(p.Comments, c)
		ReplyJSON(w, http.StatusCreated, r.commentJSON(p.Number, c))
	}))
	mux.HandleFunc("PATCH "+base+"/issues/comments/{id}", write(func(w http.ResponseWriter, req *http.Request) {
		id, _ := strconv.ParseInt(req.PathValue("id"), 10, 64)
		var in struct{ Body string }
		if err := body(req, &in); err != nil || in.Body == "" {
			invalid(w, "IssueComment", "body", "missing_field", "")
			return
		}
		for _, p := range r.PRs {
			for i := range p.Comments {
				if p.Comments[i].ID == id {
					p.Comments[i].Body = in.Body
					ReplyJSON(w, 200, r.commentJSON(p.Number, p.Comments[i]))
					return
				}
			}
		}
		Reply(w, http.StatusNotFound, notFound)
	}))
	checkBody := func(w http.ResponseWriter, req *http.Request, c *CheckRun) bool {
		var in struct {
			Name       *string `json:"name"`
			HeadSHA    string  `json:"head_sha"`
			Status     string  `json:"status"`
			Conclusion string  `json:"conclusion"`
			DetailsURL string  `json:"details_url"`
			Output     *struct {
				Title, Summary, Text string
				Annotations          []map[string]any `json:"annotations"`
			} `json:"output"`
		}
		if err := body(req, &in); err != nil {
			invalid(w, "CheckRun", "", "invalid", err.Error())
			return false
		}
		if in.Name != nil {
			if *in.Name == "" {
				invalid(w, "CheckRun", "name", "missing_field", "")
				return false
			}
			c.Name = *in.Name
		}
		if in.Conclusion != "" && in.Status != "" && in.Status != "completed" {
			invalid(w, "CheckRun", "conclusion", "invalid", "a conclusion needs status completed")
			return false
		}
		if c.Status == "completed" {
			c.CompletedEarly = true
		}
		if in.HeadSHA != "" {
			c.HeadSHA = in.HeadSHA
		}
		if in.Status != "" {
			c.Status = in.Status
		}
		if in.Conclusion != "" {
			c.Conclusion, c.Status = in.Conclusion, "completed"
		}
		if in.DetailsURL != "" {
			c.DetailsURL = in.DetailsURL
		}
		if o := in.Output; o != nil {
			if o.Title == "" || o.Summary == "" {
				invalid(w, "CheckRun", "output", "missing_field", "output needs a title and a summary")
				return false
			}
			if len(o.Annotations) > 50 {
				invalid(w, "CheckRun", "output.annotations", "invalid", "Only 50 annotations may be sent at a time")
				return false
			}
			for _, a := range o.Annotations {
				for _, f := range []string{"path", "start_line", "end_line", "annotation_level", "message"} {
					if _, ok := a[f]; !ok {
						invalid(w, "CheckRun", "output.annotations."+f, "missing_field", "")
						return false
					}
				}
			}
			c.Title, c.Summary, c.Text = o.Title, o.Summary, o.Text
			c.Annotations = append(c.Annotations, o.Annotations...)
		}
		c.Requests++
		return true
	}
	mux.HandleFunc("POST "+base+"/check-runs", write(func(w http.ResponseWriter, req *http.Request) {
		c := &CheckRun{ID: r.id(), Status: "queued"}
		if !checkBody(w, req, c) {
			return
		}
		if c.Name == "" || c.HeadSHA == "" {
			invalid(w, "CheckRun", "head_sha", "missing_field", "")
			return
		}
		r.CheckRuns = append(r.CheckRuns, c)
		ReplyJSON(w, http.StatusCreated, r.checkJSON(c))
	}))
	mux.HandleFunc("PATCH "+base+"/check-runs/{id}", write(func(w http.ResponseWriter, req *http.Request) {
		id, _ := strconv.ParseInt(req.PathValue("id"), 10, 64)
		for _, c := range r.CheckRuns {
			if c.ID == id {
				if checkBody(w, req, c) {
					ReplyJSON(w, 200, r.checkJSON(c))
				}
				return
			}
		}
		Reply(w, http.StatusNotFound, notFound)
	}))
	mux.HandleFunc("POST "+base+"/code-scanning/sarifs", write(func(w http.ResponseWriter, req *http.Request) {
		if r.NoCodeScanning {
			Reply(w, http.StatusForbidden, []byte(`{"message":"Advanced Security must be enabled for this repository to use code scanning.","documentation_url":"https://docs.github.com/rest/code-scanning/code-scanning#upload-an-analysis-as-sarif-data"}`))
			return
		}
		var in struct {
			CommitSHA string `json:"commit_sha"`
			Ref       string `json:"ref"`
			Sarif     string `json:"sarif"`
			ToolName  string `json:"tool_name"`
		}
		if err := body(req, &in); err != nil || len(in.CommitSHA) != 40 || !strings.HasPrefix(in.Ref, "refs/") {
			invalid(w, "SarifUpload", "commit_sha", "invalid", "")
			return
		}
		gz, err := base64.StdEncoding.DecodeString(in.Sarif)
		var log map[string]any
		if err == nil {
			var zr *gzip.Reader
			if zr, err = gzip.NewReader(bytes.NewReader(gz)); err == nil {
				var plain []byte
				if plain, err = io.ReadAll(zr); err == nil {
					err = json.Unmarshal(plain, &log)
				}
			}
		}
		if err != nil {
			Reply(w, http.StatusBadRequest, []byte(`{"message":"Invalid request.\n\nThe sarif field is not gzip-compressed, base64-encoded SARIF."}`))
			return
		}
		r.SARIF = append(r.SARIF, SARIF{CommitSHA: in.CommitSHA, Ref: in.Ref, ToolName: in.ToolName, Log: log})
		ReplyJSON(w, http.StatusAccepted, map[string]any{"id": fmt.Sprintf("sarif-%d", len(r.SARIF)),
			"url": fmt.Sprintf("https://api.github.com/repos/%s/code-scanning/sarifs/sarif-%d", r.full(), len(r.SARIF))})
	}))
	mux.HandleFunc("GET "+base+"/collaborators/{login}/permission", read(func(w http.ResponseWriter, req *http.Request) {
		l := req.PathValue("login")
		ReplyJSON(w, 200, map[string]any{"permission": cmpOr(r.Permissions[l], "none"), "user": user(l, false)})
	}))
	mux.HandleFunc("GET /api/v3/orgs/{org}/teams/{slug}/memberships/{login}", read(func(w http.ResponseWriter, req *http.Request) {
		team := req.PathValue("org") + "/" + req.PathValue("slug")
		l := req.PathValue("login")
		switch {
		case slices.Contains(r.Teams[team], l):
			ReplyJSON(w, 200, map[string]any{"url": "https://api.github.com/teams/1/memberships/" + l, "role": "member", "state": "active"})
		case slices.Contains(r.Pending[team], l):
			ReplyJSON(w, 200, map[string]any{"url": "https://api.github.com/teams/1/memberships/" + l, "role": "member", "state": "pending"})
		default:
			Reply(w, http.StatusNotFound, notFound)
		}
	}))
	mux.HandleFunc("GET /api/v3/orgs/{org}/teams/{slug}", read(func(w http.ResponseWriter, req *http.Request) {
		team := req.PathValue("org") + "/" + req.PathValue("slug")
		if _, ok := r.Teams[team]; !ok {
			Reply(w, http.StatusNotFound, notFound)
			return
		}
		ReplyJSON(w, 200, map[string]any{"id": 1, "slug": req.PathValue("slug"), "name": req.PathValue("slug")})
	}))
	mux.HandleFunc("GET /api/v3/user", read(func(w http.ResponseWriter, req *http.Request) {
		if r.Viewer == "" {
			Reply(w, http.StatusForbidden, readOnly)
			return
		}
		ReplyJSON(w, 200, user(r.Viewer, false))
	}))
	mux.HandleFunc("POST /api/graphql", write(func(w http.ResponseWriter, req *http.Request) {
		var in struct {
			Query     string
			Variables map[string]string
		}
		if err := body(req, &in); err != nil || !strings.Contains(in.Query, "markPullRequestReadyForReview") {
			ReplyJSON(w, 200, map[string]any{"errors": []any{map[string]any{"message": "unexpected query"}}})
			return
		}
		for _, p := range r.PRs {
			if fmt.Sprintf("PR_node_%d", p.Number) == in.Variables["id"] {
				p.Draft = false
				ReplyJSON(w, 200, map[string]any{"data": map[string]any{"markPullRequestReadyForReview": map[string]any{"pullRequest": map[string]any{"isDraft": false}}}})
				return
			}
		}
		ReplyJSON(w, 200, map[string]any{"errors": []any{map[string]any{"type": "NOT_FOUND", "message": "Could not resolve to a node"}}})
	}))
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
