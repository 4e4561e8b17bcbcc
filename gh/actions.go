package gh

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/architectos/aos"
	"os"
	"regexp"
	"strings"

	"github.com/architectos/aos/gh/ghtypes"
)

// The data of GitHub, shared with package ghtypes.
type (
	Repo        = ghtypes.Repo
	PullRequest = ghtypes.PullRequest
	Review      = ghtypes.Review
	Event       = ghtypes.Event
)

// Events that git aos ci reads.
const (
	EventPullRequest       = ghtypes.EventPullRequest
	EventPullRequestTarget = ghtypes.EventPullRequestTarget
	EventPullRequestReview = ghtypes.EventPullRequestReview
	EventPush              = ghtypes.EventPush
	// ZeroSHA is the commit id GitHub gives a ref that does not exist.
	ZeroSHA = ghtypes.ZeroSHA
)

// ParseRepo parses OWNER/NAME.
func ParseRepo(s string) (Repo, error) { return ghtypes.ParseRepo(s) }

// RepoFromRemote reads a repository and its host from a remote's URL.
func RepoFromRemote(remote string) (Repo, string, error) { return ghtypes.RepoFromRemote(remote) }

// ParseEvent decodes the payload of event name.
func ParseEvent(name string, data []byte) (*Event, error) { return ghtypes.ParseEvent(name, data) }

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
