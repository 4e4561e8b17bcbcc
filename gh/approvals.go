package gh

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Requirement is a require_approval rule that a pull request's plans
// matched (docs/spec.md 4.7), with what it matched.
type Requirement struct {
	Rule      string
	Reviewers []string // logins and teams, as the manifest writes them
	Reason    string
	// Subjects are what the rule matched (paths, sizes), for people.
	Subjects []string
}

// ApprovalInput is what [EvaluateApprovals] decides from.
type ApprovalInput struct {
	Requirements []Requirement
	Reviews      []Review
	// HeadSHA is the pull request's head: only reviews of it count.
	HeadSHA string
	// Author is the pull request's author, who cannot approve it.
	Author string
	// IsAgent reports whether a login is an agent's (protect.agents):
	// agents cannot approve.
	IsAgent func(login string) bool
	// TeamMember reports whether login is an active member of org/team
	// ([Client.TeamMember]).
	TeamMember func(ctx context.Context, org, team, login string) (bool, error)
	// CanWrite reports whether login may write to the repository, for
	// rules that list no reviewers ([Client.Permission]).
	CanWrite func(ctx context.Context, login string) (bool, error)
}

// RuleApproval is the state of one requirement.
type RuleApproval struct {
	Requirement
	// ApprovedBy are the logins whose approval counts for the rule.
	ApprovedBy []string
	// BlockedBy are listed reviewers whose latest review requests
	// changes.
	BlockedBy []string
	OK        bool
}

// Ignored is a review that does not count, and why.
type Ignored struct {
	Login, Why string
}

// Approvals is the verdict of [EvaluateApprovals].
type Approvals struct {
	Rules   []RuleApproval
	Ignored []Ignored
	// OK is true when every rule is approved.
	OK bool
}

// EvaluateApprovals decides which requirements are approved by a pull
// request's reviews. Per reviewer, the latest review that approves,
// requests changes or was dismissed counts (comments do not change it).
// An approval counts for a rule when it was made on the current head,
// by someone other than the pull request's author, not by an agent or a
// bot, and by a reviewer the rule lists: a login, or an active member of
// a listed team; a rule that lists none takes anyone with write access.
// A listed reviewer whose latest review requests changes blocks the rule
// until they approve or the review is dismissed. Logins are compared
// without regard to case.
func EvaluateApprovals(ctx context.Context, in ApprovalInput) (*Approvals, error) {
	out := &Approvals{OK: true}
	// latest review per reviewer that sets a state.
	latest := map[string]Review{}
	var order []string
	reviews := append([]Review(nil), in.Reviews...)
	sort.SliceStable(reviews, func(i, j int) bool {
		a, b := reviews[i], reviews[j]
		if !a.SubmittedAt.Equal(b.SubmittedAt) {
			return a.SubmittedAt.Before(b.SubmittedAt)
		}
		return a.ID < b.ID
	})
	for _, r := range reviews {
		switch r.State {
		case "APPROVED", "CHANGES_REQUESTED", "DISMISSED":
		default:
			continue
		}
		k := strings.ToLower(r.User)
		if _, seen := latest[k]; !seen {
			order = append(order, k)
		}
		latest[k] = r
	}
	// approvers are the reviewers whose approval can count at all.
	var approvers []Review
	changes := map[string]bool{}
	for _, k := range order {
		r := latest[k]
		switch {
		case r.State == "DISMISSED":
			out.Ignored = append(out.Ignored, Ignored{r.User, "the approval was dismissed"})
		case r.State == "CHANGES_REQUESTED":
			changes[k] = true
			out.Ignored = append(out.Ignored, Ignored{r.User, "requested changes"})
		case strings.EqualFold(r.User, in.Author):
			out.Ignored = append(out.Ignored, Ignored{r.User, "the author of the pull request cannot approve it"})
		case in.IsAgent != nil && in.IsAgent(r.User):
			out.Ignored = append(out.Ignored, Ignored{r.User, "an agent (protect.agents) cannot approve"})
		case r.UserType == "Bot":
			out.Ignored = append(out.Ignored, Ignored{r.User, "a bot cannot approve"})
		case r.CommitID != in.HeadSHA:
			out.Ignored = append(out.Ignored, Ignored{r.User, fmt.Sprintf("approved %.12s, not the head %.12s", r.CommitID, in.HeadSHA)})
		default:
			approvers = append(approvers, r)
		}
	}
	members := map[string]bool{} // "org/team\x00login"
	member := func(org, team, login string) (bool, error) {
		k := strings.ToLower(org + "/" + team + "\x00" + login)
		if v, ok := members[k]; ok {
			return v, nil
		}
		if in.TeamMember == nil {
			return false, fmt.Errorf("team %s/%s: no way to read team membership", org, team)
		}
		v, err := in.TeamMember(ctx, org, team, login)
		if err != nil {
			return false, err
		}
		members[k] = v
		return v, nil
	}
	writers := map[string]bool{}
	canWrite := func(login string) (bool, error) {
		k := strings.ToLower(login)
		if v, ok := writers[k]; ok {
			return v, nil
		}
		if in.CanWrite == nil {
			return false, fmt.Errorf("no way to read %s's permission", login)
		}
		v, err := in.CanWrite(ctx, login)
		if err != nil {
			return false, err
		}
		writers[k] = v
		return v, nil
	}
	for _, req := range in.Requirements {
		ra := RuleApproval{Requirement: req}
		// listed reports whether login is one of the rule's reviewers.
		listed := func(login string) (bool, error) {
			if len(req.Reviewers) == 0 {
				return canWrite(login)
			}
			for _, spec := range req.Reviewers {
				org, team, isTeam := ParseReviewer(spec)
				if !isTeam {
					if strings.EqualFold(org, login) {
						return true, nil
					}
					continue
				}
				ok, err := member(org, team, login)
				if err != nil || ok {
					return ok, err
				}
			}
			return false, nil
		}
		for _, k := range order {
			if !changes[k] {
				continue
			}
			ok, err := listed(latest[k].User)
			if err != nil {
				return nil, err
			}
			if ok {
				ra.BlockedBy = append(ra.BlockedBy, latest[k].User)
			}
		}
		for _, r := range approvers {
			ok, err := listed(r.User)
			if err != nil {
				return nil, err
			}
			if ok {
				ra.ApprovedBy = append(ra.ApprovedBy, r.User)
			}
		}
		ra.OK = len(ra.ApprovedBy) > 0 && len(ra.BlockedBy) == 0
		out.OK = out.OK && ra.OK
		out.Rules = append(out.Rules, ra)
	}
	return out, nil
}

// ParseReviewer splits a reviewer of a require_approval rule: "alice" or
// "@alice" is a login (name, "", false), "@org/team" or "org/team" a
// team (org, team, true).
func ParseReviewer(s string) (name, team string, isTeam bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "@")
	if org, t, ok := strings.Cut(s, "/"); ok {
		return org, t, true
	}
	return s, "", false
}
