package gh

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// call is one request the double received.
type call struct {
	Method, Path, Query string
	Body                string
}

func (c call) String() string {
	s := c.Method + " " + c.Path
	if c.Query != "" {
		s += "?" + c.Query
	}
	return s
}

// fakeGitHub is a double of the GitHub API, served under /api/v3/ as
// GitHub Enterprise Server serves it and reached through
// WithEnterpriseURLs. Every request is recorded; one that no handler
// expects fails the test.
type fakeGitHub struct {
	t   *testing.T
	srv *httptest.Server
	mu  sync.Mutex
	// routes are the handlers by "METHOD /path", replaced when set again.
	routes map[string]http.HandlerFunc
	calls  []call
	// sleeps are the waits the client asked for.
	sleeps []time.Duration
}

const testToken = "ghs_t0ken"

func newFake(t *testing.T) *fakeGitHub {
	f := &fakeGitHub{t: t, routes: map[string]http.HandlerFunc{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.calls = append(f.calls, call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body)})
		f.mu.Unlock()
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("%s %s: Authorization %q", r.Method, r.URL.Path, got)
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		f.mu.Lock()
		h := f.routes[r.Method+" "+r.URL.Path]
		f.mu.Unlock()
		if h == nil {
			t.Errorf("unexpected call %s %s?%s", r.Method, r.URL.Path, r.URL.RawQuery)
			w.WriteHeader(http.StatusTeapot)
			return
		}
		h(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// client is a fresh client of the double, as GitHub Enterprise Server
// is reached: the server's root URL, to which go-github adds /api/v3/.
func (f *fakeGitHub) client(opts ...func(*Options)) *Client {
	o := Options{Token: testToken, URL: f.srv.URL, HTTPClient: f.srv.Client(),
		Getenv: func(string) string { return "" },
		Sleep: func(_ context.Context, d time.Duration) error {
			f.mu.Lock()
			f.sleeps = append(f.sleeps, d)
			f.mu.Unlock()
			return nil
		}}
	for _, fn := range opts {
		fn(&o)
	}
	c, err := NewClient(Repo{"octo-org", "hello-world"}, o)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// handle serves pattern ("METHOD /path" under /api/v3) with a fixed
// status and body; a body naming a file of testdata is that file.
func (f *fakeGitHub) handle(pattern string, status int, body string, headers ...string) {
	method, path, _ := strings.Cut(pattern, " ")
	if !strings.HasPrefix(path, "/api/graphql") {
		path = "/api/v3" + path
	}
	if strings.HasSuffix(body, ".json") {
		b, err := os.ReadFile(filepath.Join("testdata", body))
		if err != nil {
			f.t.Fatal(err)
		}
		body = string(b)
	}
	f.route(method+" "+path, func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], strings.ReplaceAll(headers[i+1], "{server}", f.srv.URL))
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
}

// handleFunc serves pattern ("METHOD /path" under /api/v3) with h.
func (f *fakeGitHub) handleFunc(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	f.route(method+" /api/v3"+path, h)
}

// route serves "METHOD /full/path" with h.
func (f *fakeGitHub) route(key string, h http.HandlerFunc) {
	f.mu.Lock()
	f.routes[key] = h
	f.mu.Unlock()
}

// took returns the calls received so far and forgets them.
func (f *fakeGitHub) took() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

// expect checks the calls received (method, path and query) and returns
// them for their bodies.
func (f *fakeGitHub) expect(want ...string) []call {
	f.t.Helper()
	got := f.took()
	var names []string
	for _, c := range got {
		names = append(names, c.String())
	}
	if diff := cmp.Diff(want, names); diff != "" {
		f.t.Errorf("calls (-want +got):\n%s", diff)
	}
	return got
}

// jsonEqual checks that a request body is the JSON want.
func jsonEqual(t *testing.T, what, body, want string) {
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

// link is a Link header naming a next and last page of path.
func link(path string, next, last int) string {
	return fmt.Sprintf(`<{server}/api/v3%s?page=%d&per_page=100>; rel="next", <{server}/api/v3%s?page=%d&per_page=100>; rel="last"`, path, next, path, last)
}

// serveFixture answers with a file of testdata.
func serveFixture(t *testing.T, w http.ResponseWriter, status int, name string) {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Error(err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}
