package ghtypes

import (
	"strings"
	"testing"
)

// FuzzParseEvent decodes arbitrary payloads as each event git aos ci
// reads: no panic, and an event it accepts names commits that are
// commit ids.
func FuzzParseEvent(f *testing.F) {
	// Small seeds: the fixtures of GitHub's documentation are tested
	// whole in package gh; minimizing kilobytes of JSON would take the
	// fuzzer's time.
	a, b := strings.Repeat("a", 40), strings.Repeat("b", 40)
	f.Add([]byte(`{"action":"opened","pull_request":{"number":1,"draft":true,"user":{"login":"x-bot","type":"User"},"head":{"sha":"` + a + `","ref":"aos/x","repo":{"full_name":"m/r"}},"base":{"sha":"` + b + `","ref":"main","repo":{"full_name":"o/r"}}},"repository":{"full_name":"o/r","default_branch":"main"},"sender":{"login":"x-bot"}}`))
	f.Add([]byte(`{"review":{"id":9,"user":{"login":"c"},"state":"APPROVED","commit_id":"` + a + `","submitted_at":"2026-01-02T03:04:05Z"},"pull_request":{"number":2,"head":{"sha":"` + a + `","ref":"x"},"base":{"sha":"` + b + `","ref":"main"}}}`))
	f.Add([]byte(`{"ref":"refs/heads/aos/x","before":"` + strings.Repeat("0", 40) + `","after":"` + a + `","created":true}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{EventPullRequest, EventPullRequestTarget, EventPullRequestReview, EventPush} {
			ev, err := ParseEvent(name, data)
			if err != nil {
				continue
			}
			if ev.PR != nil {
				if !shaRe.MatchString(ev.PR.HeadSHA) || !shaRe.MatchString(ev.PR.BaseSHA) || ev.PR.BaseRef == "" || ev.PR.HeadRef == "" {
					t.Fatalf("%s accepted %+v", name, ev.PR)
				}
			} else if !shaRe.MatchString(ev.After) || !strings.HasPrefix(ev.Ref, "refs/") {
				t.Fatalf("%s accepted %+v", name, ev)
			}
		}
	})
}

// FuzzRepoFromRemote reads arbitrary remote URLs: a repository it
// accepts is one ParseRepo accepts too.
func FuzzRepoFromRemote(f *testing.F) {
	for _, s := range []string{"https://github.com/o/r.git", "git@github.com:o/r.git", "ssh://git@h:22/o/r", "/srv/r.git", "git@h:../x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, _, err := RepoFromRemote(s)
		if err != nil {
			return
		}
		if _, err := ParseRepo(r.String()); err != nil {
			t.Fatalf("%q gave %s, which ParseRepo refuses: %v", s, r, err)
		}
		if strings.Contains(r.Name, "/") || r.Name == ".." || r.Name == "." {
			t.Fatalf("%q gave %s", s, r)
		}
	})
}
