package gh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/architectos/aos"
	"github.com/google/go-github/v60/github"
)

var osGetenv = os.Getenv

// Kind is the class of an API failure.
type Kind int

const (
	KindOther Kind = iota
	// KindUnauthorized: 401, the token is missing, wrong or expired.
	KindUnauthorized
	// KindReadOnly: 403 "Resource not accessible by integration", the
	// workflow's token lacks the permission (always so for pull requests
	// from forks).
	KindReadOnly
	// KindForbidden: any other 403.
	KindForbidden
	// KindNotFound: 404, the object does not exist or the token cannot
	// see it.
	KindNotFound
	// KindInvalid: 422, GitHub refused the request's content.
	KindInvalid
	// KindRateLimited: a primary or secondary rate limit, after waiting
	// as long as allowed.
	KindRateLimited
)

// Sentinels for errors.Is on an *APIError's kind.
var (
	ErrUnauthorized = errors.New("GitHub refused the token")
	ErrReadOnly     = errors.New("the token may not write this")
	ErrForbidden    = errors.New("GitHub forbids the call")
	ErrNotFound     = errors.New("not found on GitHub")
	ErrInvalid      = errors.New("GitHub refused the request")
	ErrRateLimited  = errors.New("GitHub rate limit")
)

var kindErr = map[Kind]error{
	KindUnauthorized: ErrUnauthorized, KindReadOnly: ErrReadOnly, KindForbidden: ErrForbidden,
	KindNotFound: ErrNotFound, KindInvalid: ErrInvalid, KindRateLimited: ErrRateLimited,
}

// APIError is a failed call of the GitHub API.
type APIError struct {
	// Op is what was being done ("create check run ArchitectOS").
	Op string
	// Perm is the workflow permission the call needs
	// ("checks: write").
	Perm   string
	Method string
	Path   string
	Status int
	Kind   Kind
	// Message is GitHub's message, with its validation errors.
	Message string
	// RetryAfter is how long GitHub asked to wait, for rate limits;
	// Reset when a primary limit resets.
	RetryAfter time.Duration
	Reset      time.Time
	// Doc is GitHub's documentation URL for the error, if any.
	Doc string
}

func (e *APIError) Error() string {
	s := e.Op + ": "
	if e.Method != "" {
		s += e.Method + " " + e.Path + ": "
	}
	if e.Status != 0 {
		s += strconv.Itoa(e.Status) + " "
	}
	return s + e.Message
}

// Is matches the sentinel of the error's kind.
func (e *APIError) Is(target error) bool { return kindErr[e.Kind] == target }

// Hint says what to do about the error.
func (e *APIError) Hint() string {
	switch e.Kind {
	case KindUnauthorized:
		return "the token is wrong or expired: set GITHUB_TOKEN or GH_TOKEN to a valid token (a github.com token does not work on GitHub Enterprise Server, and the reverse; --github-url names the server)"
	case KindReadOnly:
		h := "the token lacks a permission"
		if e.Perm != "" {
			h += ": give the workflow permissions: " + e.Perm
		}
		return h + " (docs/github.md); a pull request from a fork always gets a read-only token"
	case KindForbidden:
		h := "GitHub forbids this with this token"
		if e.Perm != "" {
			h += " (it needs " + e.Perm + ")"
		}
		if e.Doc != "" {
			h += "; see " + e.Doc
		}
		return h
	case KindNotFound:
		return "the repository or object does not exist, or the token cannot see it: check --repo (or GITHUB_REPOSITORY, or the remote's URL), --github-url, and that the token has access to a private repository"
	case KindInvalid:
		return "GitHub refused the request's content: " + e.Message
	case KindRateLimited:
		switch {
		case e.RetryAfter > 0:
			return fmt.Sprintf("GitHub asks to wait %s before the next call; run again then", e.RetryAfter.Round(time.Second))
		case !e.Reset.IsZero():
			return fmt.Sprintf("the token's rate limit resets at %s (in %s); run again then, or use a token with its own limit", e.Reset.UTC().Format(time.RFC3339), time.Until(e.Reset).Round(time.Second))
		}
		return "wait a minute and run again"
	}
	return ""
}

// wrap turns an error of go-github into an *APIError for op, with its
// hint as data ([aos.HintError]).
func wrap(op, perm string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	e := apiError(op, perm, err)
	if h := e.Hint(); h != "" {
		return aos.WithHint(e, h)
	}
	return e
}

func apiError(op, perm string, err error) *APIError {
	e := &APIError{Op: op, Perm: perm, Message: err.Error()}
	var resp *http.Response
	var er *github.ErrorResponse
	var rl *github.RateLimitError
	var ab *github.AbuseRateLimitError
	switch {
	case errors.As(err, &rl):
		e.Kind, e.Message, e.Reset, resp = KindRateLimited, rl.Message, rl.Rate.Reset.Time, rl.Response
	case errors.As(err, &ab):
		e.Kind, e.Message, e.RetryAfter, resp = KindRateLimited, ab.Message, ab.GetRetryAfter(), ab.Response
	case errors.As(err, &er):
		resp, e.Doc = er.Response, er.DocumentationURL
		e.Message = er.Message
		for _, d := range er.Errors {
			switch {
			case d.Message != "":
				e.Message += "; " + d.Message
			case d.Code != "":
				e.Message += fmt.Sprintf("; %s %s: %s", d.Resource, d.Field, d.Code)
			}
		}
	default:
		return &APIError{Op: op, Perm: perm, Message: err.Error()}
	}
	if resp != nil {
		e.Status = resp.StatusCode
		if resp.Request != nil {
			e.Method, e.Path = resp.Request.Method, resp.Request.URL.Path
		}
		if e.Kind == KindOther {
			if d, reset, limited := rateLimited(resp); limited {
				e.Kind, e.RetryAfter, e.Reset = KindRateLimited, d, reset
			}
		}
	}
	if e.Kind == KindOther {
		switch e.Status {
		case http.StatusUnauthorized:
			e.Kind = KindUnauthorized
		case http.StatusForbidden:
			e.Kind = KindForbidden
			if strings.Contains(e.Message, "Resource not accessible by integration") {
				e.Kind = KindReadOnly
			}
		case http.StatusNotFound:
			e.Kind = KindNotFound
		case http.StatusUnprocessableEntity:
			e.Kind = KindInvalid
		}
	}
	return e
}

// rateLimited reads a rate-limited answer (403 or 429): how long to wait
// when GitHub says (Retry-After), else when the primary limit resets.
func rateLimited(resp *http.Response) (wait time.Duration, reset time.Time, ok bool) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, time.Time{}, false
	}
	if v := resp.Header.Get("Retry-After"); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
			return time.Duration(n) * time.Second, time.Time{}, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(time.Until(t), 0), time.Time{}, true
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if n, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			t := time.Unix(n, 0)
			return max(time.Until(t), 0) + time.Second, t, true
		}
		return 0, time.Time{}, true
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		// GitHub: "wait for at least one minute before retrying".
		return time.Minute, time.Time{}, true
	}
	return 0, time.Time{}, false
}

// retrying is the client's transport: it honours GitHub's rate limits by
// waiting as long as it asks (Retry-After, or the reset of an exhausted
// limit) when that is at most maxWait, and retries idempotent calls
// after a server error once.
type retrying struct {
	next    http.RoundTripper
	maxWait time.Duration
	sleep   func(context.Context, time.Duration) error
}

const maxRetries = 3

func (t *retrying) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		if err != nil || attempt == maxRetries {
			return resp, err
		}
		wait, _, limited := rateLimited(resp)
		switch {
		case limited:
		case attempt == 0 && resp.StatusCode >= 502 && resp.StatusCode <= 504 && (req.Method == http.MethodGet || req.Method == http.MethodHead):
			wait = time.Second
		default:
			return resp, nil
		}
		if t.maxWait < 0 || wait > t.maxWait {
			return resp, nil
		}
		if req.Body != nil && req.GetBody == nil {
			return resp, nil // the body cannot be sent again
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err := t.sleep(req.Context(), wait); err != nil {
			return nil, err
		}
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}
