package ghtest

import "testing"

// TestAddReview: reviews added to the model keep their order, get ids of
// their own and later submission times, as GitHub lists them.
func TestAddReview(t *testing.T) {
	t.Parallel()
	r := &Repo{Owner: "o", Name: "r", PRs: []*PR{{Number: 1}}}
	r.AddReview(1, "alice", "APPROVED", "c1")
	r.AddReview(1, "bob", "CHANGES_REQUESTED", "c2")
	got := r.PR(1).Reviews
	if len(got) != 2 || got[0].User != "alice" || got[1].State != "CHANGES_REQUESTED" || got[1].CommitID != "c2" {
		t.Fatalf("reviews %+v", got)
	}
	if got[0].ID == got[1].ID || !got[1].SubmittedAt.After(got[0].SubmittedAt) {
		t.Errorf("reviews share an id or a time: %+v", got)
	}
}
