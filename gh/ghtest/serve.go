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
	"time"
)

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
