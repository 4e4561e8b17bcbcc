package gh

import (
	"strings"
	"testing"

	"github.com/architectos/aos/gh/ghtest"
)

// FuzzParseEvent decodes arbitrary payloads as each event git aos ci
// reads: no panic, and an event it accepts names commits that are
// commit ids.
func FuzzParseEvent(f *testing.F) {
	for _, n := range []string{"event-pull_request.json", "event-pull_request-fork.json", "event-pull_request_review.json", "event-push.json"} {
		f.Add(ghtest.Fixture(n))
	}
	f.Add([]byte(`{"pull_request":{"number":1,"head":{"sha":"` + strings.Repeat("a", 40) + `","ref":"x"},"base":{"sha":"` + strings.Repeat("b", 40) + `","ref":"main"}}}`))
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
