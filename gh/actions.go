package gh

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/architectos/aos"
	"os"
	"regexp"
	"strings"

	"github.com/google/go-github/v60/github"
)

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

// ReadEvent reads the event payload file of a workflow run. name is
// GITHUB_EVENT_NAME; events other than those git aos ci handles are an
// error.
func ReadEvent(name, path string) (*Event, error) {
	if path == "" {
		return nil, &aos.HintError{Err: errors.New("GITHUB_EVENT_PATH is not set"),
			Hints: []string{"git aos ci runs as a step of a GitHub Actions workflow, which sets GITHUB_EVENT_NAME and GITHUB_EVENT_PATH"}}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the event payload: %w", err)
	}
	ev, err := ParseEvent(name, data)
	if err != nil {
		return nil, fmt.Errorf("event payload %s: %w", path, err)
	}
	return ev, nil
}

// ParseEvent decodes the payload of event name.
func ParseEvent(name string, data []byte) (*Event, error) {
	bad := func(format string, args ...any) (*Event, error) {
		return nil, fmt.Errorf("%s event: %s", name, fmt.Sprintf(format, args...))
	}
	ev := &Event{Name: name}
	switch name {
	case EventPullRequest, EventPullRequestTarget:
		var p github.PullRequestEvent
		if err := json.Unmarshal(data, &p); err != nil {
			return bad("%v", err)
		}
		ev.Action, ev.PR = p.GetAction(), pullRequest(p.PullRequest)
		ev.Repo, ev.DefaultBranch, ev.Sender = p.GetRepo().GetFullName(), p.GetRepo().GetDefaultBranch(), p.GetSender().GetLogin()
	case EventPullRequestReview:
		var p github.PullRequestReviewEvent
		if err := json.Unmarshal(data, &p); err != nil {
			return bad("%v", err)
		}
		ev.Action, ev.PR = p.GetAction(), pullRequest(p.PullRequest)
		if p.Review != nil {
			r := review(p.Review)
			ev.Review = &r
		}
		ev.Repo, ev.DefaultBranch, ev.Sender = p.GetRepo().GetFullName(), p.GetRepo().GetDefaultBranch(), p.GetSender().GetLogin()
	case EventPush:
		var p github.PushEvent
		if err := json.Unmarshal(data, &p); err != nil {
			return bad("%v", err)
		}
		ev.Ref, ev.Before, ev.After = p.GetRef(), p.GetBefore(), p.GetAfter()
		ev.Created, ev.Deleted = p.GetCreated(), p.GetDeleted()
		ev.Repo, ev.DefaultBranch, ev.Sender = p.GetRepo().GetFullName(), p.GetRepo().GetDefaultBranch(), p.GetSender().GetLogin()
		if !strings.HasPrefix(ev.Ref, "refs/") {
			return bad("ref %q is not a full ref name", ev.Ref)
		}
		if !shaRe.MatchString(ev.Before) || !shaRe.MatchString(ev.After) {
			return bad("before %q or after %q is not a commit id", ev.Before, ev.After)
		}
		return ev, nil
	default:
		return nil, &aos.HintError{Err: fmt.Errorf("event %q is not one git aos ci judges", name),
			Hints: []string{"run it on pull_request, pull_request_target, pull_request_review or push (docs/github.md)"}}
	}
	if ev.PR == nil || ev.PR.Number == 0 {
		return bad("no pull_request")
	}
	if !shaRe.MatchString(ev.PR.BaseSHA) || !shaRe.MatchString(ev.PR.HeadSHA) {
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

// Fork reports whether the event is a pull request from a fork.
func (e *Event) Fork() bool { return e.PR != nil && e.PR.Fork() }

// ReadOnlyToken reports whether GitHub gives the workflow a read-only
// token for this event, whatever its permissions block says: a
// pull_request or pull_request_review event of a pull request from a
// fork. pull_request_target runs with the base repository's token.
func (e *Event) ReadOnlyToken() bool {
	return e.Fork() && (e.Name == EventPullRequest || e.Name == EventPullRequestReview)
}

// Actions is the environment GitHub Actions gives a step.
type Actions struct {
	EventName, EventPath string
	Repository           string // OWNER/NAME
	ServerURL, APIURL    string
	RunID, RunAttempt    string
	SHA, Ref             string
	Workspace            string
	// OutputFile and SummaryFile are GITHUB_OUTPUT and
	// GITHUB_STEP_SUMMARY; "" when not set.
	OutputFile, SummaryFile string
}

// ActionsEnv reads the Actions environment; ok is false outside
// Actions (GITHUB_ACTIONS is not "true").
func ActionsEnv(getenv func(string) string) (a *Actions, ok bool) {
	if getenv == nil {
		getenv = osGetenv
	}
	a = &Actions{
		EventName: getenv("GITHUB_EVENT_NAME"), EventPath: getenv("GITHUB_EVENT_PATH"),
		Repository: getenv("GITHUB_REPOSITORY"), ServerURL: getenv("GITHUB_SERVER_URL"), APIURL: getenv("GITHUB_API_URL"),
		RunID: getenv("GITHUB_RUN_ID"), RunAttempt: getenv("GITHUB_RUN_ATTEMPT"),
		SHA: getenv("GITHUB_SHA"), Ref: getenv("GITHUB_REF"), Workspace: getenv("GITHUB_WORKSPACE"),
		OutputFile: getenv("GITHUB_OUTPUT"), SummaryFile: getenv("GITHUB_STEP_SUMMARY"),
	}
	if a.ServerURL == "" {
		a.ServerURL = "https://github.com"
	}
	return a, getenv("GITHUB_ACTIONS") == "true"
}

// RunURL is the web page of the workflow run, or "".
func (a *Actions) RunURL() string {
	if a.Repository == "" || a.RunID == "" {
		return ""
	}
	return strings.TrimSuffix(a.ServerURL, "/") + "/" + a.Repository + "/actions/runs/" + a.RunID
}

var outputNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// SetOutputs appends step outputs to GITHUB_OUTPUT, name and value
// pairs in order, each value between delimiters that it does not hold
// ("name<<DELIM\nvalue\nDELIM"), so that no value can set another
// output. Without GITHUB_OUTPUT it does nothing.
func (a *Actions) SetOutputs(pairs ...string) error {
	if a.OutputFile == "" {
		return nil
	}
	if len(pairs)%2 != 0 {
		return errors.New("SetOutputs: odd number of arguments")
	}
	var b bytes.Buffer
	for i := 0; i < len(pairs); i += 2 {
		name, value := pairs[i], pairs[i+1]
		if !outputNameRe.MatchString(name) {
			return fmt.Errorf("output name %q is not allowed", name)
		}
		delim, err := delimiter(value)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", name, delim, value, delim)
	}
	return appendFile(a.OutputFile, b.Bytes())
}

// delimiter is a random heredoc delimiter that value does not hold.
func delimiter(value string) (string, error) {
	for range 8 {
		var r [16]byte
		if _, err := rand.Read(r[:]); err != nil {
			return "", err
		}
		d := "ghadelimiter_" + hex.EncodeToString(r[:])
		if !strings.Contains(value, d) {
			return d, nil
		}
	}
	return "", errors.New("no output delimiter found that the value does not hold")
}

// MaxSummaryBytes is the most a step's summary may hold (GitHub shows
// nothing of a larger one).
const MaxSummaryBytes = 1 << 20

// AppendSummary appends markdown to the job summary
// (GITHUB_STEP_SUMMARY), cut with a note to stay under GitHub's 1 MiB
// per step. Without GITHUB_STEP_SUMMARY it does nothing.
func (a *Actions) AppendSummary(md string) error {
	if a.SummaryFile == "" {
		return nil
	}
	have := int64(0)
	if fi, err := os.Stat(a.SummaryFile); err == nil {
		have = fi.Size()
	}
	room := MaxSummaryBytes - int(have) - 200
	if len(md) > room {
		cut := max(room, 0)
		for cut > 0 && cut < len(md) && md[cut]&0xC0 == 0x80 {
			cut-- // not inside a UTF-8 sequence
		}
		md = md[:cut] + "\n\n*The summary is cut here: GitHub shows at most 1 MiB per step. The check run and the SARIF upload have the rest.*\n"
	}
	return appendFile(a.SummaryFile, []byte(md))
}

func appendFile(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
