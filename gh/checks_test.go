package gh

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/architectos/aos/gh/ghtest"
	"io"
	"net/http"
	"strings"
	"testing"
)

// sentCheck is the body of a check run request, as GitHub documents it.
type sentCheck struct {
	Name        *string `json:"name"`
	HeadSHA     string  `json:"head_sha"`
	Status      string  `json:"status"`
	Conclusion  string  `json:"conclusion"`
	CompletedAt string  `json:"completed_at"`
	DetailsURL  string  `json:"details_url"`
	Output      struct {
		Title       string           `json:"title"`
		Summary     string           `json:"summary"`
		Text        string           `json:"text"`
		Annotations []map[string]any `json:"annotations"`
	} `json:"output"`
}

func decodeCheck(t *testing.T, body string) sentCheck {
	t.Helper()
	var s sentCheck
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatalf("check run body %q: %v", body, err)
	}
	return s
}

func annotations(n int) []Annotation {
	var out []Annotation
	for i := range n {
		out = append(out, Annotation{Path: fmt.Sprintf("src/f%03d.go", i), StartLine: i + 1, Level: LevelFailure, Title: "secrets/aws-key", Message: fmt.Sprintf("finding %d", i)})
	}
	return out
}

// TestCheckRunBatches posts 120 annotations as 50 + 50 + 20: created in
// progress with the first 50, then updated, the conclusion only in the
// last request.
func TestCheckRunBatches(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client()
	const runs = "/repos/octo-org/hello-world/check-runs"
	f.Handle("POST "+runs, 201, "check-run.json")
	f.Handle("PATCH "+runs+"/4", 200, "check-run.json")
	id, err := c.PostCheckRun(context.Background(), CheckRun{Name: "ArchitectOS", HeadSHA: "6dcb09b5b57875f334f61aebed695e2e4193db5e",
		DetailsURL: "https://github.com/octo-org/hello-world/actions/runs/9", Conclusion: ConclusionFailure,
		Title: "rejected: 120 findings", Summary: "summary", Annotations: annotations(120)})
	if err != nil || id != 4 {
		t.Fatalf("PostCheckRun = %d, %v", id, err)
	}
	got := f.Expect("POST /api/v3"+runs, "PATCH /api/v3"+runs+"/4", "PATCH /api/v3"+runs+"/4")
	next := 0
	for i, call := range got {
		s := decodeCheck(t, call.Body)
		if s.Name == nil || *s.Name != "ArchitectOS" {
			t.Errorf("request %d: name %v", i, s.Name)
		}
		want := []int{50, 50, 20}[i]
		if len(s.Output.Annotations) != want {
			t.Fatalf("request %d: %d annotations, want %d", i, len(s.Output.Annotations), want)
		}
		for _, a := range s.Output.Annotations {
			if a["message"] != fmt.Sprintf("finding %d", next) {
				t.Fatalf("request %d: annotation %v, want finding %d", i, a, next)
			}
			next++
		}
		last := i == len(got)-1
		if last != (s.Conclusion == ConclusionFailure && s.Status == "completed" && s.CompletedAt != "") {
			t.Errorf("request %d: status %q conclusion %q", i, s.Status, s.Conclusion)
		}
		if i == 0 && (s.Status != "in_progress" || s.HeadSHA != "6dcb09b5b57875f334f61aebed695e2e4193db5e") {
			t.Errorf("create: %+v", s)
		}
		if s.DetailsURL != "https://github.com/octo-org/hello-world/actions/runs/9" || s.Output.Title != "rejected: 120 findings" {
			t.Errorf("request %d: %+v", i, s)
		}
	}
	a := decodeCheck(t, got[0].Body).Output.Annotations[0]
	if a["path"] != "src/f000.go" || a["start_line"] != 1.0 || a["end_line"] != 1.0 || a["annotation_level"] != "failure" || a["title"] != "secrets/aws-key" {
		t.Errorf("annotation %v", a)
	}
}

// TestCheckRunOneRequest: at most 50 annotations go in one request that
// completes the run.
func TestCheckRunOneRequest(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.Handle("POST /repos/octo-org/hello-world/check-runs", 201, "check-run.json")
	anns := []Annotation{
		{Path: "a.go", StartLine: 3, StartColumn: 5, Level: LevelWarning, Message: "one line, columns kept"},
		{Path: "b.go", StartLine: 3, EndLine: 7, StartColumn: 5, Level: "error", Message: "several lines, columns dropped, level failure"},
		{Path: ".aos/plans/x.yaml", Level: LevelNotice, Message: strings.Repeat("x", 70000), Title: strings.Repeat("t", 300)},
	}
	if _, err := f.client().PostCheckRun(context.Background(), CheckRun{Name: "ArchitectOS approvals", HeadSHA: "abc",
		Conclusion: ConclusionActionRequired, Title: "1 approval missing", Summary: "s", Text: "details", Annotations: anns}); err != nil {
		t.Fatal(err)
	}
	got := f.Expect("POST /api/v3/repos/octo-org/hello-world/check-runs")
	s := decodeCheck(t, got[0].Body)
	if s.Status != "completed" || s.Conclusion != ConclusionActionRequired || s.Output.Text != "details" {
		t.Errorf("%+v", s)
	}
	as := s.Output.Annotations
	if as[0]["start_column"] != 5.0 || as[0]["end_column"] != 5.0 || as[0]["annotation_level"] != "warning" {
		t.Errorf("annotation 0 %v", as[0])
	}
	if _, ok := as[1]["start_column"]; ok || as[1]["annotation_level"] != "failure" || as[1]["end_line"] != 7.0 {
		t.Errorf("annotation 1 %v", as[1])
	}
	if as[2]["start_line"] != 1.0 || len([]rune(as[2]["message"].(string))) != maxMessage || len([]rune(as[2]["title"].(string))) != maxTitle {
		t.Errorf("annotation 2: line %v, message of %d, title of %d", as[2]["start_line"], len(as[2]["message"].(string)), len(as[2]["title"].(string)))
	}
}

// TestCheckRunStartFinish: a run started in progress is completed by
// updates, and more annotations than git-aos posts are counted in the
// summary.
func TestCheckRunStartFinish(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client()
	const runs = "/repos/octo-org/hello-world/check-runs"
	f.Handle("POST "+runs, 201, "check-run.json")
	f.Handle("PATCH "+runs+"/4", 200, "check-run.json")
	id, err := c.StartCheckRun(context.Background(), "ArchitectOS", "abc", "judging", "git aos ci is judging 3 commits", "")
	if err != nil {
		t.Fatal(err)
	}
	s := decodeCheck(t, f.Expect("POST /api/v3" + runs)[0].Body)
	if s.Status != "in_progress" || s.Conclusion != "" || s.Output.Summary != "git aos ci is judging 3 commits" {
		t.Errorf("start %+v", s)
	}
	if err := c.FinishCheckRun(context.Background(), id, CheckRun{Name: "ArchitectOS", Conclusion: ConclusionSuccess, Title: "ok", Summary: "all good"}); err != nil {
		t.Fatal(err)
	}
	s = decodeCheck(t, f.Expect("PATCH /api/v3" + runs + "/4")[0].Body)
	if s.Status != "completed" || s.Conclusion != ConclusionSuccess || len(s.Output.Annotations) != 0 {
		t.Errorf("finish %+v", s)
	}
	if err := c.FinishCheckRun(context.Background(), id, CheckRun{Name: "ArchitectOS", Conclusion: ConclusionFailure, Summary: "many", Annotations: annotations(MaxAnnotations + 7)}); err != nil {
		t.Fatal(err)
	}
	got := f.Took()
	if len(got) != MaxAnnotations/AnnotationsPerRequest {
		t.Fatalf("%d requests for %d annotations", len(got), MaxAnnotations+7)
	}
	s = decodeCheck(t, got[len(got)-1].Body)
	if !strings.Contains(s.Output.Summary, "7 more annotations are not shown") || s.Conclusion != ConclusionFailure {
		t.Errorf("last update %+v", s.Output.Summary)
	}
}

func TestUploadSARIF(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.Handle("POST /repos/octo-org/hello-world/code-scanning/sarifs", 202, "sarif-upload.json")
	sarif := []byte(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"git-aos"}},"results":[]}]}`)
	id, err := f.client().UploadSARIF(context.Background(), SARIFUpload{CommitSHA: "6dcb09b5b57875f334f61aebed695e2e4193db5e",
		Ref: "refs/pull/1347/head", SARIF: sarif, ToolName: "git-aos"})
	if err != nil || id != "47177e22-5596-11eb-80a1-c1e54ef945c6" {
		t.Fatalf("UploadSARIF = %q, %v", id, err)
	}
	got := f.Expect("POST /api/v3/repos/octo-org/hello-world/code-scanning/sarifs")
	var body map[string]string
	if err := json.Unmarshal([]byte(got[0].Body), &body); err != nil {
		t.Fatal(err)
	}
	if body["commit_sha"] != "6dcb09b5b57875f334f61aebed695e2e4193db5e" || body["ref"] != "refs/pull/1347/head" || body["tool_name"] != "git-aos" {
		t.Errorf("body %v", body)
	}
	gz, err := base64.StdEncoding.DecodeString(body["sarif"])
	if err != nil {
		t.Fatalf("sarif is not standard base64: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatalf("sarif is not gzip: %v", err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, sarif) {
		t.Errorf("uploaded %s", plain)
	}
}

func TestUploadSARIFForbidden(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.Handle("POST /repos/octo-org/hello-world/code-scanning/sarifs", 403, `{"message":"Advanced Security must be enabled for this repository to use code scanning.","documentation_url":"https://docs.github.com/rest/code-scanning/code-scanning#upload-an-analysis-as-sarif-data"}`)
	_, err := f.client().UploadSARIF(context.Background(), SARIFUpload{CommitSHA: "a", Ref: "refs/heads/main", SARIF: []byte("{}")})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Kind != KindForbidden || !strings.Contains(ae.Hint(), "security-events: write") {
		t.Fatalf("error %v", err)
	}
}

// TestUpsertComment edits git-aos's own comment, found by its marker,
// and never a person's comment that copies the marker.
func TestUpsertComment(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client()
	const comments = "/repos/octo-org/hello-world/issues/1347/comments"
	f.HandleFunc("GET "+comments, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			ghtest.Reply(w, 200, ghtest.Fixture("comments-2.json"))
			return
		}
		w.Header().Set("Link", f.Link(comments, 2, 2))
		ghtest.Reply(w, 200, ghtest.Fixture("comments-1.json"))
	})
	// mallory's comment holds the marker: the token's user is asked for,
	// and an installation token has none.
	f.Handle("GET /user", 403, `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/users/users#get-the-authenticated-user"}`)
	f.Handle("PATCH /repos/octo-org/hello-world/issues/comments/3", 200, "comment.json")
	cm, created, err := c.UpsertComment(context.Background(), 1347, "<!-- git-aos -->", "<!-- git-aos -->\nnew verdict")
	if err != nil || created || cm.ID != 3 {
		t.Fatalf("UpsertComment = %+v %v %v", cm, created, err)
	}
	got := f.Expect("GET /api/v3"+comments+"?page=1&per_page=100", "GET /api/v3"+comments+"?page=2&per_page=100", "GET /api/v3/user",
		"PATCH /api/v3/repos/octo-org/hello-world/issues/comments/3")
	ghtest.JSONEqual(t, "edit", got[3].Body, `{"body":"<!-- git-aos -->\nnew verdict"}`)
	// The same body again: nothing to write.
	if _, _, err := c.UpsertComment(context.Background(), 1347, "<!-- git-aos -->", "old verdict"); err != nil {
		t.Fatal(err)
	}
	f.Expect("GET /api/v3"+comments+"?page=1&per_page=100", "GET /api/v3"+comments+"?page=2&per_page=100")

	// No comment of git-aos yet: one is created, the marker first.
	g := newFake(t)
	g.Handle("GET "+comments, 200, "[]")
	g.Handle("POST "+comments, 201, "comment.json")
	if _, created, err := g.client().UpsertComment(context.Background(), 1347, "<!-- git-aos -->", "verdict"); err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	got = g.Expect("GET /api/v3"+comments+"?page=1&per_page=100", "POST /api/v3"+comments)
	ghtest.JSONEqual(t, "create", got[1].Body, `{"body":"<!-- git-aos -->\nverdict"}`)
}
