package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/policy"
	"github.com/architectos/aos/workflow/record"
)

// TestHistoryRedacted: once a path is ignored, nothing a plan can read
// tells of it: not the audit log (GET_HISTORY), not the run record or the
// plan file of the run that wrote it, by any directive (FILE_READ, STAT,
// LS, DIFF against the commit before them), nor a job's workspace, and
// the run that read them verifies (docs/spec.md 6.5).
func TestHistoryRedacted(t *testing.T) {
	t.Parallel()
	const manifest = `project:
  name: site
workspace:
  writable: [src/**, notes/**]
policies:
  allow_delete: true
`
	dir := newRepo(t, map[string]string{"project.yml": manifest, "src/a.txt": "a\n"})
	const pin = "4821\n"
	setPin := `version: 1
id: set-pin
goal: Set the PIN
directives:
  - type: FILE_WRITE
    path: src/pin.txt
    content: "` + strings.TrimSpace(pin) + `\n"
  - type: STAT
    path: src/pin.txt
  - type: LS
    path: src
  - type: FILE_WRITE
    path: notes/n.txt
    content: "note\n"
`
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, setPin)}})
	if err != nil || !res.OK() {
		t.Fatalf("%v %+v", err, res)
	}
	planCommit := res.PlanCommit
	git(t, dir, "merge", "-q", "--ff-only", "aos/set-pin")
	probe := func(id string) []string {
		return []string{
			"  - type: GET_HISTORY",
			"  - type: FILE_READ\n    path: .aos/runs/set-pin.json",
			"  - type: STAT\n    path: .aos/runs/set-pin.json",
			"  - type: LS\n    path: .aos/runs",
			"  - type: DIFF\n    path: .aos/runs/set-pin.json\n    against: " + planCommit,
			"  - type: FILE_READ\n    path: .aos/plans/set-pin.yaml",
			"  - type: STAT\n    path: .aos/plans/set-pin.yaml",
			"  - type: LS\n    path: .aos/plans",
			"  - type: DIFF\n    path: .aos/plans/set-pin.yaml\n    against: " + planCommit + "~1",
		}
	}
	planOf := func(id string) string {
		return "version: 1\nid: " + id + "\ngoal: Read the history\ndirectives:\n" + strings.Join(probe(id), "\n") + "\n"
	}
	secrets := []string{"src/pin.txt", strings.TrimSpace(pin), engine.BlobID([]byte(pin)), engine.Digest([]byte(pin))}

	// Before the path is ignored, the record and plan file read as
	// they are: the PIN is there.
	before, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, planOf("probe-1"))}})
	if err != nil || !before.OK() {
		t.Fatalf("%v %+v", err, before)
	}
	b, _ := json.Marshal(before.Answers)
	for _, s := range secrets {
		if !strings.Contains(string(b), s) {
			t.Fatalf("before the path is ignored, the replies do not hold %q:\n%s", s, b)
		}
	}
	rec, err := os.ReadFile(filepath.Join(dir, ".aos/runs/set-pin.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := before.Answers[1].(engine.FileReply).BlobID; got != engine.BlobID(rec) {
		t.Errorf("a record that hides nothing reads as another blob: %s", got)
	}

	// A person ignores the path.
	os.WriteFile(filepath.Join(dir, "project.yml"), []byte(strings.Replace(manifest, "  writable:", "  ignored: [src/pin.txt]\n  writable:", 1)), 0o644)
	git(t, dir, "commit", "-q", "-am", "ignore the PIN")
	after, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, planOf("probe-2"))}})
	if err != nil || !after.OK() {
		t.Fatalf("%v %+v", err, after)
	}
	b, _ = json.Marshal(after.Answers)
	for _, s := range secrets {
		if strings.Contains(string(b), s) {
			t.Errorf("the replies hold %q once it is ignored:\n%s", s, b)
		}
	}
	// Nor the record of the run that read them.
	b, _ = after.Record.Encode()
	for _, s := range secrets {
		if strings.Contains(string(b), s) {
			t.Errorf("the new record holds %q:\n%s", s, b)
		}
	}
	hist := after.Answers[0].([]LogEntry)
	if len(hist) != 1 || !hist[0].Redacted || hist[0].PlanID != "set-pin" {
		t.Errorf("GET_HISTORY: %+v", hist)
	}
	if fr := after.Answers[1].(engine.FileReply); !strings.Contains(fr.Content, `"redacted": true`) || fr.BlobID != engine.BlobID([]byte(fr.Content)) {
		t.Errorf("FILE_READ of the record: %+v", fr)
	}
	if st := after.Answers[2].(engine.StatReply); st.BlobID != after.Answers[1].(engine.FileReply).BlobID {
		t.Errorf("STAT and FILE_READ of the record differ: %+v", st)
	}
	// The notes the first run wrote are still told.
	if fr := after.Answers[1].(engine.FileReply); !strings.Contains(fr.Content, "notes/n.txt") {
		t.Errorf("the record lost what is visible:\n%s", fr.Content)
	}
	v, err := Verify(ctx(), VerifyOptions{Dir: dir, Rev: after.ResultCommit})
	if err != nil || !v.Report.OK {
		t.Fatalf("verify of the run that read the history: %v %+v", err, v.Report)
	}
}

// TestRecordTellsOnlyTheRecord: a read of a file under .aos/runs/ tells
// only what decodes as a run record, re-encoded, however the file's bytes
// try to carry more: text after the record, a key given twice, an unknown
// field, another version.
func TestRecordTellsOnlyTheRecord(t *testing.T) {
	t.Parallel()
	rules, err := policy.NewRules(aos.Workspace{Writable: []string{"src/**"}, Ignored: []string{"secret/**"}}, "project.yml")
	if err != nil {
		t.Fatal(err)
	}
	x := &redactor{rules: rules}
	canon, err := (&record.Record{Version: record.Version, Base: "b"}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	leak := `"secret/pin.txt"`
	body := strings.TrimSuffix(strings.TrimSpace(string(canon)), "}")
	cases := []struct {
		name, data string
		want       []byte
	}{
		{"canonical", string(canon), canon},
		{"text after the record", string(canon) + `{"changes": [{"path": ` + leak + `}]}`, canon},
		{"a key given twice", body + `, "base": ` + leak + `, "base": "b"}`, canon},
		{"unknown field", body + `, "leak": ` + leak + `}`, unreadableRecord},
		{"another version", strings.Replace(string(canon), fmt.Sprintf(`"version": %d`, record.Version), `"version": 99`, 1), unreadableRecord},
		{"not JSON", "secret/pin.txt 4821", unreadableRecord},
	}
	for _, c := range cases {
		got := x.record([]byte(c.data))
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s: read answers %q, want %q", c.name, got, c.want)
		}
		if strings.Contains(string(got), "secret/") {
			t.Errorf("%s: the answer names a hidden path: %q", c.name, got)
		}
	}
}
