// Package ghtest is a double of the GitHub REST API for tests: an
// httptest server that serves the API under /api/v3/, as GitHub
// Enterprise Server does (a client reaches it through go-github's
// WithEnterpriseURLs, with the server's URL as the base), records every
// request, and fails the test on any request it does not expect. Answers
// are fixtures shaped as GitHub's REST documentation shows them
// (testdata), or come from [Repo], a model of one repository's pull
// requests, reviews, teams, check runs, comments and code scanning.
package ghtest

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

//go:embed testdata/*.json
var fixtures embed.FS

// Fixture returns the fixture file name of testdata.
func Fixture(name string) []byte {
	b, err := fixtures.ReadFile("testdata/" + name)
	if err != nil {
		panic(err)
	}
	return b
}

// Token is the token the double expects in every request.
const Token = "ghs_t0ken"

// Call is one request the double received.
type Call struct {
	Method, Path, Query string
	Body                string
}

func (c Call) String() string {
	s := c.Method + " " + c.Path
	if c.Query != "" {
		s += "?" + c.Query
	}
	return s
}

// Server is the double.
type Server struct {
	t   testing.TB
	srv *httptest.Server
	// URL is the server's root: what GITHUB_API_URL would hold for a
	// GitHub Enterprise Server.
	URL string

	mu     sync.Mutex
	calls  []Call
	routes map[string]http.HandlerFunc // by "METHOD /path"
	// model serves the repositories of Serve.
	model *http.ServeMux
	// Token is the token requests must carry (Authorization: Bearer).
	token string
}

// NewServer starts a double that expects [Token]; it stops at the end of
// the test.
func NewServer(t testing.TB) *Server {
	s := &Server{t: t, routes: map[string]http.HandlerFunc{}, token: Token}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body)})
	h := s.routes[r.Method+" "+r.URL.Path]
	model := s.model
	s.mu.Unlock()
	if h == nil && model != nil {
		if _, pattern := model.Handler(r); pattern != "" {
			h = model.ServeHTTP // it sets the pattern's path values
		}
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+s.token {
		s.t.Errorf("%s %s: Authorization %q", r.Method, r.URL.Path, got)
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`)
		return
	}
	if h == nil {
		s.t.Errorf("unexpected call %s %s?%s %s", r.Method, r.URL.Path, r.URL.RawQuery, body)
		w.WriteHeader(http.StatusTeapot)
		return
	}
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	h(w, r)
}

// Client is an HTTP client of the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Route serves "METHOD /full/path" with h, replacing an earlier handler.
func (s *Server) Route(key string, h http.HandlerFunc) {
	s.mu.Lock()
	s.routes[key] = h
	s.mu.Unlock()
}

// HandleFunc serves "METHOD /path" under /api/v3 with h.
func (s *Server) HandleFunc(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	s.Route(method+" /api/v3"+path, h)
}

// Handle serves "METHOD /path" under /api/v3 with a fixed status and
// body: a fixture when body names one ("pull.json"), else the body
// itself. Headers are name, value pairs; "{server}" in a value is the
// server's URL.
func (s *Server) Handle(pattern string, status int, body string, headers ...string) {
	data := []byte(body)
	if strings.HasSuffix(body, ".json") {
		data = Fixture(body)
	}
	s.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], strings.ReplaceAll(headers[i+1], "{server}", s.URL))
		}
		Reply(w, status, data)
	})
}

// Reply writes a JSON answer.
func Reply(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

// ReplyJSON writes v as a JSON answer.
func ReplyJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	Reply(w, status, b)
}

// Took returns the calls received so far and forgets them.
func (s *Server) Took() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls
	s.calls = nil
	return c
}

// Expect checks the calls received since the last Took or Expect
// (method, path and query, in order) and returns them.
func (s *Server) Expect(want ...string) []Call {
	s.t.Helper()
	got := s.Took()
	var names []string
	for _, c := range got {
		names = append(names, c.String())
	}
	if diff := cmp.Diff(want, names); diff != "" {
		s.t.Errorf("calls (-want +got):\n%s", diff)
	}
	return got
}

// Link is a Link header naming page next and the last page of path.
func (s *Server) Link(path string, next, last int) string {
	return fmt.Sprintf(`<%s/api/v3%s?page=%d&per_page=100>; rel="next", <%s/api/v3%s?page=%d&per_page=100>; rel="last"`, s.URL, path, next, s.URL, path, last)
}

// JSONEqual checks that a request body is the JSON want.
func JSONEqual(t testing.TB, what, body, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(body), &g); err != nil {
		t.Fatalf("%s: body %q: %v", what, body, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: want %q: %v", what, want, err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s: body (-want +got):\n%s", what, diff)
	}
}
