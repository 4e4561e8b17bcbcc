package gh

import (
	"context"
	"errors"
	"github.com/architectos/aos"
	"github.com/architectos/aos/gh/ghtest"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestNewClientTokenAndURL(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name    string
		opts    Options
		base    string
		graphql string
		err     error
	}{
		{name: "github.com by default", opts: Options{Getenv: env("GITHUB_TOKEN", "a")},
			base: "https://api.github.com/", graphql: "https://api.github.com/graphql"},
		{name: "GH_TOKEN when GITHUB_TOKEN is empty", opts: Options{Getenv: env("GH_TOKEN", "b")},
			base: "https://api.github.com/", graphql: "https://api.github.com/graphql"},
		{name: "no token", opts: Options{Getenv: env("GITHUB_API_URL", "https://ghe.example.com/api/v3")}, err: ErrNoToken},
		{name: "GITHUB_API_URL of GitHub Enterprise Server", opts: Options{Getenv: env("GITHUB_TOKEN", "a", "GITHUB_API_URL", "https://ghe.example.com/api/v3")},
			base: "https://ghe.example.com/api/v3/", graphql: "https://ghe.example.com/api/graphql"},
		{name: "a host name alone is GitHub Enterprise Server", opts: Options{Token: "a", URL: "https://ghe.example.com", Getenv: env()},
			base: "https://ghe.example.com/api/v3/", graphql: "https://ghe.example.com/api/graphql"},
		{name: "the flag wins over GITHUB_API_URL", opts: Options{Token: "a", URL: "https://api.github.com/", Getenv: env("GITHUB_API_URL", "https://ghe.example.com")},
			base: "https://api.github.com/", graphql: "https://api.github.com/graphql"},
		{name: "not a URL", opts: Options{Token: "a", URL: "ghe.example.com", Getenv: env()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(Repo{Owner: "o", Name: "r"}, tt.opts)
			switch {
			case tt.base == "" && err == nil:
				t.Fatalf("NewClient accepted %+v", tt.opts)
			case tt.base == "":
				if tt.err != nil && !errors.Is(err, tt.err) {
					t.Fatalf("error %v, want %v", err, tt.err)
				}
				if len(aos.Hints(err)) == 0 {
					t.Errorf("error %v has no hint", err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if c.BaseURL() != tt.base || c.graphql != tt.graphql {
				t.Errorf("base %s graphql %s, want %s %s", c.BaseURL(), c.graphql, tt.base, tt.graphql)
			}
		})
	}
}

func TestRepoFromRemote(t *testing.T) {
	t.Parallel()
	tests := []struct{ url, repo, host string }{
		{"https://github.com/octo-org/hello-world.git", "octo-org/hello-world", "github.com"},
		{"https://github.com/octo-org/hello-world", "octo-org/hello-world", "github.com"},
		{"https://x-access-token:abc@ghe.example.com/octo-org/hello.world/", "octo-org/hello.world", "ghe.example.com"},
		{"git@github.com:octo-org/hello-world.git", "octo-org/hello-world", "github.com"},
		{"ssh://git@ghe.example.com:2222/octo-org/hello-world.git", "octo-org/hello-world", "ghe.example.com"},
		{"org-1@ssh.ghe.example.com:octo-org/hello-world", "octo-org/hello-world", "ssh.ghe.example.com"},
		{"/srv/git/project.git", "", ""},
		{"file:///srv/git/o/r.git", "", ""},
		{"https://github.com/octo-org", "", ""},
		{"https://github.com/octo-org/hello-world/tree/main", "", ""},
		{"git@github.com:../../etc.git", "", ""},
	}
	for _, tt := range tests {
		r, host, err := RepoFromRemote(tt.url)
		if tt.repo == "" {
			if err == nil {
				t.Errorf("%s: accepted as %s", tt.url, r)
			}
			continue
		}
		if err != nil || r.String() != tt.repo || host != tt.host {
			t.Errorf("%s: %s %s %v, want %s %s", tt.url, r, host, err, tt.repo, tt.host)
		}
	}
	if _, err := ParseRepo("octo-org/hello-world/x"); err == nil {
		t.Error("ParseRepo accepted three parts")
	}
}

func TestPullRequests(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client()
	ctx := context.Background()
	const pulls = "/repos/octo-org/hello-world/pulls"
	f.Handle("GET "+pulls, 200, "[]")
	pr, err := c.FindPullRequest(ctx, "", "aos/fix-login")
	if err != nil || pr != nil {
		t.Fatalf("FindPullRequest = %+v, %v; want none", pr, err)
	}
	f.Expect("GET /api/v3" + pulls + "?head=octo-org%3Aaos%2Ffix-login&per_page=100&state=open")

	f.Handle("POST "+pulls, 201, "pull.json")
	pr, err = c.CreatePullRequest(ctx, NewPullRequest{Title: "Fix the login redirect (aos/fix-login)", Body: "summary", Head: "aos/fix-login", Base: "main", Draft: true})
	if err != nil {
		t.Fatal(err)
	}
	want := PullRequest{Number: 1347, NodeID: "MDExOlB1bGxSZXF1ZXN0MQ==", URL: "https://github.com/octo-org/hello-world/pull/1347",
		Title: "Fix the login redirect (aos/fix-login)", Body: "...", State: "open", Draft: true, Author: "agent-bot",
		HeadRef: "aos/fix-login", HeadSHA: "6dcb09b5b57875f334f61aebed695e2e4193db5e", HeadRepo: "octo-org/hello-world",
		BaseRef: "main", BaseSHA: "9049f1265b7d61be4a8904a9a27120d2064dab3b", BaseRepo: "octo-org/hello-world", Labels: []string{"aos"}}
	if !equalPR(*pr, want) || pr.Fork() {
		t.Errorf("created %+v", *pr)
	}
	got := f.Expect("POST /api/v3" + pulls)
	ghtest.JSONEqual(t, "create", got[0].Body, `{"title":"Fix the login redirect (aos/fix-login)","head":"aos/fix-login","base":"main","body":"summary","draft":true}`)

	f.Handle("GET "+pulls, 200, "pulls.json")
	if pr, err = c.FindPullRequest(ctx, "", "aos/fix-login"); err != nil || pr == nil || pr.Number != 1347 {
		t.Fatalf("FindPullRequest = %+v, %v", pr, err)
	}
	f.Took()

	f.Handle("PATCH "+pulls+"/1347", 200, "pull.json")
	if _, err := c.EditPullRequest(ctx, 1347, "New title", "new body"); err != nil {
		t.Fatal(err)
	}
	got = f.Expect("PATCH /api/v3" + pulls + "/1347")
	ghtest.JSONEqual(t, "edit", got[0].Body, `{"title":"New title","body":"new body"}`)

	f.Handle("POST /repos/octo-org/hello-world/issues/1347/labels", 200, `[{"id":208045946,"name":"aos"},{"id":208045947,"name":"needs-approval"}]`)
	if err := c.AddLabels(ctx, 1347, []string{"aos", "needs-approval"}); err != nil {
		t.Fatal(err)
	}
	got = f.Expect("POST /api/v3/repos/octo-org/hello-world/issues/1347/labels")
	ghtest.JSONEqual(t, "labels", got[0].Body, `["aos","needs-approval"]`)
	if err := c.AddLabels(ctx, 1347, nil); err != nil {
		t.Fatal(err)
	}
	f.Expect() // no labels, no call

	f.Handle("POST "+pulls+"/1347/requested_reviewers", 201, "pull.json")
	if err := c.RequestReviewers(ctx, 1347, []string{"carol"}, []string{"dba"}); err != nil {
		t.Fatal(err)
	}
	got = f.Expect("POST /api/v3" + pulls + "/1347/requested_reviewers")
	ghtest.JSONEqual(t, "reviewers", got[0].Body, `{"reviewers":["carol"],"team_reviewers":["dba"]}`)

	f.Route("POST /api/graphql", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"data":{"markPullRequestReadyForReview":{"pullRequest":{"isDraft":false}}}}`))
	})
	if err := c.MarkReadyForReview(ctx, pr); err != nil {
		t.Fatal(err)
	}
	got = f.Expect("POST /api/graphql")
	ghtest.JSONEqual(t, "ready", got[0].Body, `{"query":"mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id}) { pullRequest { isDraft } } }","variables":{"id":"MDExOlB1bGxSZXF1ZXN0MQ=="}}`)
}

func equalPR(a, b PullRequest) bool {
	return a.Number == b.Number && a.NodeID == b.NodeID && a.URL == b.URL && a.Title == b.Title && a.Body == b.Body &&
		a.State == b.State && a.Draft == b.Draft && a.Author == b.Author && a.HeadRef == b.HeadRef && a.HeadSHA == b.HeadSHA &&
		a.HeadRepo == b.HeadRepo && a.BaseRef == b.BaseRef && a.BaseSHA == b.BaseSHA && a.BaseRepo == b.BaseRepo &&
		strings.Join(a.Labels, ",") == strings.Join(b.Labels, ",")
}

func TestMarkReadyGraphQLError(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.Route("POST /api/graphql", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"data":null,"errors":[{"type":"FORBIDDEN","message":"Resource not accessible by integration"}]}`))
	})
	err := f.client().MarkReadyForReview(context.Background(), &PullRequest{Number: 3, NodeID: "X"})
	var ae *APIError
	if !errors.As(err, &ae) || !strings.Contains(ae.Message, "Resource not accessible by integration") {
		t.Fatalf("error %v", err)
	}
}

// TestPagination follows the Link header through every page of reviews,
// files and comments.
func TestPagination(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client()
	ctx := context.Background()
	pages := func(path string, files ...string) {
		f.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			page := r.URL.Query().Get("page")
			if page == "" {
				page = "1"
			}
			if r.URL.Query().Get("per_page") != "100" {
				t.Errorf("%s: per_page %q", path, r.URL.Query().Get("per_page"))
			}
			n := int(page[0] - '0')
			if n < len(files) {
				w.Header().Set("Link", f.Link(path, n+1, len(files)))
			}
			ghtest.Reply(w, 200, ghtest.Fixture(files[n-1]))
		})
	}
	const pr = "/repos/octo-org/hello-world/pulls/1347"
	pages(pr+"/reviews", "reviews-1.json", "reviews-2.json")
	rs, err := c.ListReviews(ctx, 1347)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[1].User != "carol" || rs[1].State != "APPROVED" || rs[1].CommitID != "ecdd80bb57125d7ba9641ffaa4d7d2c19d3f3091" ||
		rs[2].State != "CHANGES_REQUESTED" || rs[1].Association != "COLLABORATOR" || rs[0].SubmittedAt.IsZero() {
		t.Errorf("reviews %+v", rs)
	}
	f.Expect("GET /api/v3"+pr+"/reviews?page=1&per_page=100", "GET /api/v3"+pr+"/reviews?page=2&per_page=100")

	pages(pr+"/files", "files-1.json", "files-2.json")
	fs, err := c.ListFiles(ctx, 1347)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3 || fs[1] != (File{Path: "src/login.go", Status: "modified", Additions: 3, Deletions: 1}) || fs[2].PreviousPath != "src/old_auth.go" {
		t.Errorf("files %+v", fs)
	}
	f.Expect("GET /api/v3"+pr+"/files?page=1&per_page=100", "GET /api/v3"+pr+"/files?page=2&per_page=100")

	pages("/repos/octo-org/hello-world/issues/1347/comments", "comments-1.json", "comments-2.json")
	cs, err := c.ListComments(ctx, 1347)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 4 || !cs[2].Bot || cs[1].Bot || cs[3].ID != 4 {
		t.Errorf("comments %+v", cs)
	}
	f.Expect("GET /api/v3/repos/octo-org/hello-world/issues/1347/comments?page=1&per_page=100",
		"GET /api/v3/repos/octo-org/hello-world/issues/1347/comments?page=2&per_page=100")
}

// TestPaginationLoop: a Link header that does not move forward is an
// error, never an endless listing.
func TestPaginationLoop(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	const path = "/repos/octo-org/hello-world/pulls/1/reviews"
	f.Handle("GET "+path, 200, "reviews-1.json", "Link", f.Link(path, 1, 9))
	_, err := f.client().ListReviews(context.Background(), 1)
	if err == nil || !strings.Contains(err.Error(), "does not follow") {
		t.Fatalf("error %v", err)
	}
}

func TestTeamMember(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client()
	ctx := context.Background()
	const team = "/orgs/octo-org/teams/dba"
	f.Handle("GET "+team+"/memberships/erin", 200, "membership-active.json")
	f.Handle("GET "+team+"/memberships/frank", 200, "membership-pending.json")
	f.Handle("GET "+team+"/memberships/gina", 404, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/teams/members#get-team-membership-for-a-user"}`)
	f.Handle("GET "+team, 200, "team.json")
	for login, want := range map[string]bool{"erin": true, "frank": false, "gina": false} {
		got, err := c.TeamMember(ctx, "octo-org", "dba", login)
		if err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", login, got, err, want)
		}
	}
	f.Took()
	f.Handle("GET /orgs/octo-org/teams/hidden/memberships/erin", 404, `{"message":"Not Found"}`)
	f.Handle("GET /orgs/octo-org/teams/hidden", 404, `{"message":"Not Found"}`)
	_, err := c.TeamMember(ctx, "octo-org", "hidden", "erin")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(strings.Join(aos.Hints(err), " "), "cannot read teams") {
		t.Fatalf("invisible team: %v", err)
	}
	f.Expect("GET /api/v3/orgs/octo-org/teams/hidden/memberships/erin", "GET /api/v3/orgs/octo-org/teams/hidden")
}

func TestPermission(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client()
	f.Handle("GET /repos/octo-org/hello-world/collaborators/gina/permission", 200, "permission-write.json")
	f.Handle("GET /repos/octo-org/hello-world/collaborators/ghost/permission", 404, `{"message":"Not Found"}`)
	if p, err := c.Permission(context.Background(), "gina"); err != nil || p != "write" {
		t.Errorf("gina: %q %v", p, err)
	}
	if p, err := c.Permission(context.Background(), "ghost"); err != nil || p != "none" {
		t.Errorf("ghost: %q %v", p, err)
	}
}

// TestErrors maps each failure GitHub answers to an error kind with a
// hint, and waits as long as a rate limit asks when that is allowed.
func TestErrors(t *testing.T) {
	t.Parallel()
	const path = "/repos/octo-org/hello-world/pulls/7"
	soon := time.Now().Add(30 * time.Minute).Unix()
	tests := []struct {
		name     string
		status   int
		body     string
		headers  []string
		maxWait  time.Duration
		kind     Kind
		sentinel error
		hint     string
		sleeps   int
	}{
		{name: "401", status: 401, body: `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`,
			kind: KindUnauthorized, sentinel: ErrUnauthorized, hint: "wrong or expired"},
		{name: "403 read-only workflow token", status: 403, body: `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/pulls/pulls#update-a-pull-request"}`,
			kind: KindReadOnly, sentinel: ErrReadOnly, hint: "permissions: pull-requests: write"},
		{name: "403 other", status: 403, body: `{"message":"Although you appear to have the correct authorization credentials, the octo-org organization has enabled OAuth App access restrictions","documentation_url":"https://docs.github.com/articles/restricting-access-to-your-organization-s-data/"}`,
			kind: KindForbidden, sentinel: ErrForbidden, hint: "restricting-access"},
		{name: "404", status: 404, body: `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/pulls/pulls#update-a-pull-request"}`,
			kind: KindNotFound, sentinel: ErrNotFound, hint: "--repo"},
		{name: "422", status: 422, body: `{"message":"Validation Failed","errors":[{"resource":"PullRequest","field":"base","code":"invalid"},{"resource":"PullRequest","code":"custom","message":"A pull request already exists for octo-org:aos/x."}],"documentation_url":"https://docs.github.com/rest/pulls/pulls#update-a-pull-request"}`,
			kind: KindInvalid, sentinel: ErrInvalid, hint: "PullRequest base: invalid; A pull request already exists"},
		{name: "secondary limit longer than allowed", status: 403, body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`,
			headers: []string{"Retry-After", "120"}, maxWait: 10 * time.Second, kind: KindRateLimited, sentinel: ErrRateLimited, hint: "wait 2m0s"},
		{name: "primary limit", status: 403, body: `{"message":"API rate limit exceeded for installation ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`,
			headers: []string{"X-RateLimit-Limit", "5000", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", itoa(soon), "X-RateLimit-Resource", "core"},
			kind:    KindRateLimited, sentinel: ErrRateLimited, hint: "resets at " + time.Unix(soon, 0).UTC().Format(time.RFC3339)},
		{name: "429 without headers, a minute is too long", status: 429, body: `{"message":"Too many requests"}`, maxWait: 30 * time.Second,
			kind: KindRateLimited, sentinel: ErrRateLimited},
		{name: "never wait", status: 429, body: `{"message":"slow down"}`, headers: []string{"Retry-After", "1"}, maxWait: -1,
			kind: KindRateLimited, sentinel: ErrRateLimited, hint: "wait 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.Handle("PATCH "+path, tt.status, tt.body, tt.headers...)
			c := f.client(func(o *Options) { o.MaxWait = tt.maxWait })
			_, err := c.EditPullRequest(context.Background(), 7, "t", "b")
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %T %v, want *APIError", err, err)
			}
			if ae.Kind != tt.kind || !errors.Is(err, tt.sentinel) || ae.Status != tt.status || ae.Method != "PATCH" || ae.Path != "/api/v3"+path {
				t.Errorf("error %+v", ae)
			}
			if !strings.Contains(ae.Hint(), tt.hint) || ae.Hint() == "" {
				t.Errorf("hint %q, want it to say %q", ae.Hint(), tt.hint)
			}
			if h := aos.Hints(err); len(h) != 1 || h[0] != ae.Hint() {
				t.Errorf("the hint is not carried as data: %q", h)
			}
			if !strings.HasPrefix(err.Error(), "update pull request #7: PATCH /api/v3"+path+": "+itoa(int64(tt.status))) {
				t.Errorf("message %q", err)
			}
			if len(f.sleeps) != tt.sleeps {
				t.Errorf("waited %v", f.sleeps)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRateLimitWait: a secondary limit GitHub asks to wait for is waited
// out and the call made again, body included; so is a server error of a
// read, once.
func TestRateLimitWait(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	n := 0
	var bodies []string
	f.HandleFunc("POST /repos/octo-org/hello-world/issues/1/comments", func(w http.ResponseWriter, r *http.Request) {
		n++
		b := make([]byte, 100)
		k, _ := r.Body.Read(b)
		bodies = append(bodies, string(b[:k]))
		if n == 1 {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(403)
			w.Write([]byte(`{"message":"You have exceeded a secondary rate limit","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`))
			return
		}
		ghtest.Reply(w, 201, ghtest.Fixture("comment.json"))
	})
	f.Handle("GET /repos/octo-org/hello-world/issues/1/comments", 200, "[]")
	c := f.client()
	if _, created, err := c.UpsertComment(context.Background(), 1, "<!-- git-aos -->", "verdict"); err != nil || !created {
		t.Fatalf("UpsertComment: %v %v", created, err)
	}
	if len(f.sleeps) != 1 || f.sleeps[0] != 3*time.Second {
		t.Errorf("waits %v, want 3s", f.sleeps)
	}
	if len(bodies) != 2 || bodies[0] != bodies[1] || !strings.Contains(bodies[1], "verdict") {
		t.Errorf("bodies sent %q", bodies)
	}

	g := newFake(t)
	m := 0
	g.HandleFunc("GET /repos/octo-org/hello-world/pulls/2", func(w http.ResponseWriter, r *http.Request) {
		m++
		if m == 1 {
			w.WriteHeader(502)
			return
		}
		ghtest.Reply(w, 200, ghtest.Fixture("pull.json"))
	})
	if pr, err := g.client().GetPullRequest(context.Background(), 2); err != nil || pr.Number != 1347 {
		t.Fatalf("GetPullRequest after a 502: %v %v", pr, err)
	}
	if m != 2 || len(g.sleeps) != 1 {
		t.Errorf("%d calls, waits %v", m, g.sleeps)
	}
}
