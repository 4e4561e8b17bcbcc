package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/architectos/aos/internal/golden"
	"github.com/architectos/aos/workflow"
	"github.com/google/go-cmp/cmp"
)

// TestWriteLog renders the audit log that workflow's tests read from a
// real repository (their golden log.json) in both formats: text against
// its golden file, JSON back to the same entries.
func TestWriteLog(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "workflow", "testdata", "golden", "log.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []workflow.LogEntry
	if err := json.Unmarshal(src, &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) < 2 {
		t.Fatalf("%d entries in log.json, want the two runs", len(entries))
	}
	var text bytes.Buffer
	if err := WriteLog(&text, false, entries); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "log.text.golden"), text.Bytes())
	var js bytes.Buffer
	if err := WriteLog(&js, true, entries); err != nil {
		t.Fatal(err)
	}
	var back []workflow.LogEntry
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(entries, back); diff != "" {
		t.Errorf("JSON log does not decode to the entries (-want +got):\n%s", diff)
	}
	if bytes.Contains(js.Bytes(), []byte(`\u003c`)) {
		t.Error("JSON log escapes < and > in author addresses")
	}
}
