package gh

import (
	"context"
	"strings"
	"testing"
	"time"
)

const (
	headSHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
	oldSHA  = "ecdd80bb57125d7ba9641ffaa4d7d2c19d3f3091"
)

// rv is a review made at minute m.
func rv(id int64, user, state, sha string, m int) Review {
	return Review{ID: id, User: user, UserType: "User", State: state, CommitID: sha, Association: "MEMBER",
		SubmittedAt: time.Date(2026, 1, 2, 3, m, 0, 0, time.UTC)}
}

// TestEvaluateApprovals runs each case against the API double: team
// membership and write permission are read through the Teams and
// collaborators APIs.
func TestEvaluateApprovals(t *testing.T) {
	t.Parallel()
	dba := Requirement{Rule: "migrations", Reviewers: []string{"@octo-org/dba"}, Reason: "schema changes need a DBA", Subjects: []string{"db/migrations/002.sql"}}
	carol := Requirement{Rule: "auth", Reviewers: []string{"@Carol"}}
	anyone := Requirement{Rule: "large"} // no reviewers: anyone with write access
	tests := []struct {
		name    string
		reqs    []Requirement
		reviews []Review
		ok      []bool // per requirement
		by      string // approvers of the first requirement
		ignored string // "login: why" of ignored reviews, joined by "; "
		calls   []string
	}{
		{name: "no review", reqs: []Requirement{carol}, ok: []bool{false}},
		{name: "approved by the listed user, login case aside", reqs: []Requirement{carol},
			reviews: []Review{rv(1, "carol", "APPROVED", headSHA, 1)}, ok: []bool{true}, by: "carol"},
		{name: "approval by the wrong user", reqs: []Requirement{carol},
			reviews: []Review{rv(1, "dave", "APPROVED", headSHA, 1)}, ok: []bool{false}},
		{name: "approval by the author", reqs: []Requirement{{Rule: "self", Reviewers: []string{"agent-bot", "carol"}}},
			reviews: []Review{rv(1, "Agent-Bot", "APPROVED", headSHA, 1)}, ok: []bool{false},
			ignored: "Agent-Bot: the author of the pull request cannot approve it"},
		{name: "approval by an agent login", reqs: []Requirement{{Rule: "r", Reviewers: []string{"deploy-bot"}}},
			reviews: []Review{rv(1, "deploy-bot", "APPROVED", headSHA, 1)}, ok: []bool{false},
			ignored: "deploy-bot: an agent (protect.agents) cannot approve"},
		{name: "approval by a bot account", reqs: []Requirement{anyone},
			reviews: []Review{{ID: 1, User: "renovate[bot]", UserType: "Bot", State: "APPROVED", CommitID: headSHA}}, ok: []bool{false},
			ignored: "renovate[bot]: a bot cannot approve"},
		{name: "stale approval on an older head", reqs: []Requirement{carol},
			reviews: []Review{rv(1, "carol", "APPROVED", oldSHA, 1)}, ok: []bool{false},
			ignored: "carol: approved ecdd80bb5712, not the head 6dcb09b5b578"},
		{name: "dismissed approval", reqs: []Requirement{carol},
			reviews: []Review{rv(1, "carol", "DISMISSED", headSHA, 1)}, ok: []bool{false},
			ignored: "carol: the approval was dismissed"},
		{name: "changes requested after an approval", reqs: []Requirement{carol},
			reviews: []Review{rv(1, "carol", "APPROVED", headSHA, 1), rv(2, "carol", "CHANGES_REQUESTED", headSHA, 2)}, ok: []bool{false},
			ignored: "carol: requested changes"},
		{name: "approval after requesting changes, a comment after it changes nothing", reqs: []Requirement{carol},
			reviews: []Review{rv(3, "carol", "COMMENTED", headSHA, 3), rv(1, "carol", "CHANGES_REQUESTED", oldSHA, 1), rv(2, "carol", "APPROVED", headSHA, 2)},
			ok:      []bool{true}, by: "carol"},
		{name: "a team member's approval", reqs: []Requirement{dba, carol},
			reviews: []Review{rv(1, "erin", "APPROVED", headSHA, 1)}, ok: []bool{true, false}, by: "erin",
			calls: []string{"GET /api/v3/orgs/octo-org/teams/dba/memberships/erin"}},
		{name: "a pending member and a non-member do not count", reqs: []Requirement{dba},
			reviews: []Review{rv(1, "frank", "APPROVED", headSHA, 1), rv(2, "gina", "APPROVED", headSHA, 2)}, ok: []bool{false},
			calls: []string{"GET /api/v3/orgs/octo-org/teams/dba/memberships/frank", "GET /api/v3/orgs/octo-org/teams/dba/memberships/gina", "GET /api/v3/orgs/octo-org/teams/dba"}},
		{name: "a listed reviewer's change request blocks another's approval", reqs: []Requirement{{Rule: "two", Reviewers: []string{"carol", "dave"}}},
			reviews: []Review{rv(1, "carol", "APPROVED", headSHA, 1), rv(2, "dave", "CHANGES_REQUESTED", headSHA, 2)}, ok: []bool{false}, by: "carol",
			ignored: "dave: requested changes"},
		{name: "a rule without reviewers takes write access", reqs: []Requirement{anyone},
			reviews: []Review{rv(1, "hank", "APPROVED", headSHA, 1), rv(2, "gina", "APPROVED", headSHA, 2)}, ok: []bool{true}, by: "gina",
			calls: []string{"GET /api/v3/repos/octo-org/hello-world/collaborators/hank/permission", "GET /api/v3/repos/octo-org/hello-world/collaborators/gina/permission"}},
		{name: "one approval serves every rule that lists the reviewer", reqs: []Requirement{carol, {Rule: "also", Reviewers: []string{"carol"}}},
			reviews: []Review{rv(1, "carol", "APPROVED", headSHA, 1)}, ok: []bool{true, true}, by: "carol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			const team = "/orgs/octo-org/teams/dba"
			f.Handle("GET "+team+"/memberships/erin", 200, "membership-active.json")
			f.Handle("GET "+team+"/memberships/frank", 200, "membership-pending.json")
			f.Handle("GET "+team+"/memberships/gina", 404, `{"message":"Not Found"}`)
			f.Handle("GET "+team, 200, "team.json")
			f.Handle("GET /repos/octo-org/hello-world/collaborators/gina/permission", 200, "permission-write.json")
			f.Handle("GET /repos/octo-org/hello-world/collaborators/hank/permission", 200, "permission-read.json")
			c := f.client()
			res, err := EvaluateApprovals(context.Background(), ApprovalInput{
				Requirements: tt.reqs, Reviews: tt.reviews, HeadSHA: headSHA, Author: "agent-bot",
				IsAgent:    func(l string) bool { return strings.HasSuffix(l, "-bot") },
				TeamMember: c.TeamMember,
				CanWrite: func(ctx context.Context, login string) (bool, error) {
					p, err := c.Permission(ctx, login)
					return p == "admin" || p == "write", err
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			all := true
			for i, r := range res.Rules {
				if r.OK != tt.ok[i] {
					t.Errorf("rule %s: ok %v, want %v (approved by %v, blocked by %v)", r.Rule, r.OK, tt.ok[i], r.ApprovedBy, r.BlockedBy)
				}
				all = all && tt.ok[i]
			}
			if res.OK != all || len(res.Rules) != len(tt.reqs) {
				t.Errorf("OK %v with %d rules", res.OK, len(res.Rules))
			}
			if got := strings.Join(res.Rules[0].ApprovedBy, ","); got != tt.by {
				t.Errorf("approved by %q, want %q", got, tt.by)
			}
			var ig []string
			for _, i := range res.Ignored {
				ig = append(ig, i.Login+": "+i.Why)
			}
			if got := strings.Join(ig, "; "); got != tt.ignored {
				t.Errorf("ignored %q, want %q", got, tt.ignored)
			}
			f.Expect(tt.calls...)
		})
	}
}

func TestParseReviewer(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][3]string{
		"alice": {"alice", "", ""}, "@alice": {"alice", "", ""}, "@octo-org/dba": {"octo-org", "dba", "team"}, "octo-org/dba": {"octo-org", "dba", "team"},
	} {
		n, tm, is := ParseReviewer(in)
		if n != want[0] || tm != want[1] || is != (want[2] == "team") {
			t.Errorf("%s: %q %q %v", in, n, tm, is)
		}
	}
}
