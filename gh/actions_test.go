package gh

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadEvent(t *testing.T) {
	t.Parallel()
	const head = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
	ev, err := ReadEvent(EventPullRequest, "ghtest/testdata/event-pull_request.json")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Action != "synchronize" || ev.Repo != "octo-org/hello-world" || ev.DefaultBranch != "main" || ev.Sender != "agent-bot" ||
		ev.PR.Number != 1347 || ev.PR.HeadSHA != head || ev.PR.BaseSHA != "9049f1265b7d61be4a8904a9a27120d2064dab3b" ||
		ev.PR.HeadRef != "aos/fix-login" || ev.PR.BaseRef != "main" || ev.PR.Author != "agent-bot" || !ev.PR.Draft || ev.Fork() || ev.ReadOnlyToken() {
		t.Errorf("pull_request %+v %+v", ev, ev.PR)
	}

	ev, err = ReadEvent(EventPullRequest, "ghtest/testdata/event-pull_request-fork.json")
	if err != nil {
		t.Fatal(err)
	}
	if !ev.Fork() || !ev.ReadOnlyToken() || ev.PR.HeadRepo != "mallory/hello-world" || ev.PR.Author != "mallory" {
		t.Errorf("fork %+v %+v", ev, ev.PR)
	}
	// The same pull request under pull_request_target runs with the base
	// repository's token.
	ev, err = ReadEvent(EventPullRequestTarget, "ghtest/testdata/event-pull_request-fork.json")
	if err != nil || !ev.Fork() || ev.ReadOnlyToken() {
		t.Errorf("pull_request_target %+v %v", ev, err)
	}

	ev, err = ReadEvent(EventPullRequestReview, "ghtest/testdata/event-pull_request_review.json")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Review == nil || ev.Review.User != "carol" || ev.Review.State != "APPROVED" || ev.Review.CommitID != head || ev.PR.Number != 1347 {
		t.Errorf("pull_request_review %+v %+v", ev, ev.Review)
	}

	ev, err = ReadEvent(EventPush, "ghtest/testdata/event-push.json")
	if err != nil {
		t.Fatal(err)
	}
	if ev.Ref != "refs/heads/aos/fix-login" || ev.Before != ZeroSHA || ev.After != head || !ev.Created || ev.PR != nil || ev.Sender != "agent-bot" || ev.DefaultBranch != "main" {
		t.Errorf("push %+v", ev)
	}
}

func TestReadEventErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "event.json")
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	tests := []struct{ name, event, payload, want string }{
		{"unknown event", "issue_comment", `{}`, `event "issue_comment" is not one git aos ci judges`},
		{"not JSON", EventPullRequest, `{"pull_request":`, "unexpected end of JSON input"},
		{"no pull request", EventPullRequest, `{"action":"opened"}`, "no pull_request"},
		{"head is not a commit", EventPullRequest, `{"pull_request":{"number":1,"head":{"ref":"x","sha":"HEAD"},"base":{"ref":"main","sha":"9049f1265b7d61be4a8904a9a27120d2064dab3b"}}}`, "is not a commit id"},
		{"push of a short ref", EventPush, `{"ref":"main","before":"` + ZeroSHA + `","after":"` + ZeroSHA + `"}`, "not a full ref name"},
		{"no payload", EventPush, "", "GITHUB_EVENT_PATH is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ""
			if tt.payload != "" {
				p = write(tt.payload)
			}
			_, err := ReadEvent(tt.event, p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// readOutputs parses GITHUB_OUTPUT as the runner does: "name=value"
// lines and "name<<DELIM" blocks.
func readOutputs(t *testing.T, file string) map[string]string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok {
			var v []string
			for sc.Scan() && sc.Text() != delim {
				v = append(v, sc.Text())
			}
			out[name] = strings.Join(v, "\n")
			continue
		}
		if name, v, ok := strings.Cut(line, "="); ok {
			out[name] = v
		}
	}
	return out
}

func TestActionsFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": filepath.Join(dir, "output"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"GITHUB_REPOSITORY": "octo-org/hello-world", "GITHUB_RUN_ID": "42", "GITHUB_SERVER_URL": "https://ghe.example.com",
	}
	a, ok := ActionsEnv(func(k string) string { return env[k] })
	if !ok || a.RunURL() != "https://ghe.example.com/octo-org/hello-world/actions/runs/42" {
		t.Fatalf("%v %+v", ok, a)
	}
	// A value cannot set another output, whatever it holds.
	hostile := "rejected\nverdict=pass\nghadelimiter_x\n"
	if err := a.SetOutputs("verdict", hostile, "plan-id", "fix-login", "result-sha", ""); err != nil {
		t.Fatal(err)
	}
	got := readOutputs(t, env["GITHUB_OUTPUT"])
	if got["verdict"] != strings.TrimSuffix(hostile, "\n")+"\n" && got["verdict"] != hostile {
		t.Errorf("verdict %q", got["verdict"])
	}
	if got["plan-id"] != "fix-login" || got["result-sha"] != "" || len(got) != 3 {
		t.Errorf("outputs %q", got)
	}
	if err := a.SetOutputs("bad name", "x"); err == nil {
		t.Error("an output name with a space was written")
	}

	if err := a.AppendSummary("## ArchitectOS\n\nverified\n"); err != nil {
		t.Fatal(err)
	}
	if err := a.AppendSummary(strings.Repeat("é", MaxSummaryBytes)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	if len(b) > MaxSummaryBytes || !strings.HasPrefix(string(b), "## ArchitectOS") || !strings.Contains(string(b), "The summary is cut here") || !strings.Contains(string(b), "é\n") {
		t.Errorf("summary of %d bytes: %q...", len(b), b[:40])
	}

	// Outside Actions, nothing is written.
	none, ok := ActionsEnv(func(string) string { return "" })
	if ok || none.SetOutputs("verdict", "x") != nil || none.AppendSummary("x") != nil {
		t.Error("outside Actions")
	}
}
