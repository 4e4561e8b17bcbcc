package gh

import (
	"context"
	"errors"
	"testing"

	"github.com/architectos/aos/gh/ghtest"
)

// TestModel drives the repository model of the double with the client:
// what the front ends' tests rely on behaves as GitHub does.
func TestModel(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	repo := &ghtest.Repo{Owner: "octo-org", Name: "hello-world", Viewer: "agent-bot"}
	f.Serve(repo)
	c := f.client()
	ctx := context.Background()
	pr, err := c.CreatePullRequest(ctx, NewPullRequest{Title: "t", Body: "b", Head: "aos/x", Base: "main", Draft: true})
	if err != nil || pr.Number != 1 || !pr.Draft || pr.Author != "agent-bot" {
		t.Fatalf("create: %+v %v", pr, err)
	}
	if _, err := c.CreatePullRequest(ctx, NewPullRequest{Title: "t", Head: "aos/x", Base: "main"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a second pull request of the branch: %v", err)
	}
	if found, err := c.FindPullRequest(ctx, "", "aos/x"); err != nil || found == nil || found.Number != 1 {
		t.Errorf("find: %+v %v", found, err)
	}
	if err := c.RequestReviewers(ctx, 1, []string{"agent-bot"}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("review asked of the author: %v", err)
	}
	if err := c.MarkReadyForReview(ctx, pr); err != nil || repo.PR(1).Draft {
		t.Errorf("ready: %v", err)
	}
	if _, err := c.PostCheckRun(ctx, CheckRun{Name: "ArchitectOS", HeadSHA: "abc", Conclusion: ConclusionFailure, Title: "x", Summary: "y", Annotations: annotations(120)}); err != nil {
		t.Fatal(err)
	}
	cr := repo.Check("ArchitectOS")
	if cr.Requests != 3 || len(cr.Annotations) != 120 || cr.Conclusion != ConclusionFailure || cr.CompletedEarly {
		t.Errorf("check run %+v", cr)
	}
	for range 2 {
		if _, _, err := c.UpsertComment(ctx, 1, "<!-- m -->", "hello"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(repo.PR(1).Comments); n != 1 {
		t.Errorf("%d comments, want one sticky comment", n)
	}
	if _, err := c.UploadSARIF(ctx, SARIFUpload{CommitSHA: "6dcb09b5b57875f334f61aebed695e2e4193db5e", Ref: "refs/pull/1/head", SARIF: []byte(`{"version":"2.1.0"}`)}); err != nil {
		t.Fatal(err)
	}
	if len(repo.SARIF) != 1 || repo.SARIF[0].Log["version"] != "2.1.0" {
		t.Errorf("sarif %+v", repo.SARIF)
	}
	repo.ReadOnly = true
	if err := c.AddLabels(ctx, 1, []string{"aos"}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only token: %v", err)
	}
	f.Took()
}
