// Package gh is how git-aos talks to GitHub, and the only user of
// go-github: a client of the REST API of github.com or GitHub Enterprise
// Server (pull requests, labels, review requests, reviews, teams, check
// runs, code scanning, comments), the environment GitHub Actions gives a
// step (the event payload, the output and summary files), and the
// decision whether a pull request has the approvals its plans require.
// Every failed call is an [*APIError] that says what to do.
package gh

import (
	"context"
	"errors"
	"fmt"
	"github.com/architectos/aos"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// DefaultAPIURL is the REST API of github.com.
const DefaultAPIURL = "https://api.github.com"

// Options configure [NewClient].
type Options struct {
	// Token authenticates every call; "" reads GITHUB_TOKEN, then
	// GH_TOKEN.
	Token string
	// URL is the REST API's base: https://api.github.com, or for GitHub
	// Enterprise Server https://HOST/api/v3 or https://HOST. "" reads
	// GITHUB_API_URL, else github.com.
	URL string
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
	// HTTPClient sends the requests (a default client when nil).
	HTTPClient *http.Client
	// MaxWait is the longest a call waits for a rate limit to pass (the
	// Retry-After of a secondary limit, the reset of a primary one)
	// before it fails; 0 is one minute, a negative value never waits.
	MaxWait time.Duration
	// Sleep waits (tests replace it); nil sleeps on a timer.
	Sleep func(context.Context, time.Duration) error
}

// Client calls the GitHub API for one repository.
type Client struct {
	Repo    Repo
	api     *github.Client
	graphql string // the GraphQL endpoint
	// viewer is the token's login and viewerErr why it has none, once
	// viewerDone.
	viewer     string
	viewerErr  error
	viewerDone bool
}

// ErrNoToken means no token was given or found in the environment.
var ErrNoToken = &aos.HintError{
	Err:   errors.New("no GitHub token: GITHUB_TOKEN and GH_TOKEN are empty"),
	Hints: []string{"set GITHUB_TOKEN (in a workflow: env: GITHUB_TOKEN: ${{ github.token }}) or GH_TOKEN to a token that may write to the repository"},
}

// NewClient makes a client of repo's API.
func NewClient(repo Repo, opts Options) (*Client, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = osGetenv
	}
	token := opts.Token
	for _, k := range []string{"GITHUB_TOKEN", "GH_TOKEN"} {
		if token == "" {
			token = strings.TrimSpace(getenv(k))
		}
	}
	if token == "" {
		return nil, ErrNoToken
	}
	base := opts.URL
	if base == "" {
		base = strings.TrimSpace(getenv("GITHUB_API_URL"))
	}
	if base == "" {
		base = DefaultAPIURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, &aos.HintError{Err: fmt.Errorf("GitHub API URL %q is not an http(s) URL", base),
			Hints: []string{"pass --github-url https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server"}}
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	wait := opts.MaxWait
	if wait == 0 {
		wait = time.Minute
	}
	sleep := opts.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	rc := *hc
	next := rc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	rc.Transport = &retrying{next: next, maxWait: wait, sleep: sleep}
	api := github.NewClient(&rc).WithAuthToken(token)
	api.UserAgent = "git-aos"
	if !isDotCom(u) {
		// GitHub Enterprise Server serves the REST API under /api/v3/;
		// uploads are not used.
		if api, err = api.WithEnterpriseURLs(base, base); err != nil {
			return nil, err
		}
	}
	c := &Client{Repo: repo, api: api, graphql: graphqlURL(api.BaseURL)}
	return c, nil
}

// isDotCom reports whether u is github.com's API.
func isDotCom(u *url.URL) bool {
	return strings.EqualFold(u.Host, "api.github.com") && strings.Trim(u.Path, "/") == ""
}

// graphqlURL is the GraphQL endpoint beside a REST base: /graphql on
// api.github.com, /api/graphql on GitHub Enterprise Server.
func graphqlURL(base *url.URL) string {
	u := *base
	if p, ok := strings.CutSuffix(u.Path, "/api/v3/"); ok {
		u.Path = p + "/api/graphql"
	} else {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/graphql"
	}
	return u.String()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// BaseURL is the REST API base the client calls.
func (c *Client) BaseURL() string { return c.api.BaseURL.String() }
