package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/internal/golden"
	"github.com/architectos/aos/workflow"
)

// assessment is the result of validate --all over a tree with findings
// of each severity, a failed validator, files in the quarantine, and
// names and messages that markdown would act on.
func assessment() *workflow.ValidateResult {
	r := sample()
	r.Approvals = nil
	r.Violations = []aos.Violation{{Directive: -1, Rule: aos.RuleValidatorsRun, Message: "validator mod: module ran past its time limit: limit 5s"}}
	r.Findings = append(r.Findings, aos.Finding{Validator: "core", Path: "wp-includes/`x`|<b>.php", Rule: "unexpected", Severity: aos.SeverityError, Message: "is not a file of WordPress 6.1.9: the core holds only its own files"})
	r.Sort()
	return &workflow.ValidateResult{Report: r, Commit: "8de522ff83e49c0f37df14654e2be7f20843fc77", All: true, Files: 2557, Quarantined: 5,
		Validators: []aos.ValidatorRecord{
			{Name: "core", Builtin: "wp-core", Files: 2557, Findings: 1},
			{Name: "mod", Module: "tools/style.wasm", SHA256: "ab", Files: 12, Error: "module ran past its time limit: limit 5s"},
			{Name: "php", Builtin: "php-malware", Files: 2557, Findings: 1},
			{Name: "secrets", Builtin: "secrets", Files: 2557, Findings: 1},
		}}
}

// TestAssessmentGolden compares validate --all's text, JSON and markdown
// with their golden files; AOS_UPDATE=1 rewrites them.
func TestAssessmentGolden(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "json", "markdown"} {
		var buf bytes.Buffer
		if err := WriteValidate(&buf, format, assessment()); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", "assessment."+format+".golden"), buf.Bytes())
	}
}

// TestAssessmentMarkdownRows: the table of findings stops at maxRows and
// says how many it left out.
func TestAssessmentMarkdownRows(t *testing.T) {
	t.Parallel()
	res := assessment()
	res.Report.Findings = nil
	for i := 0; i < maxRows+7; i++ {
		res.Report.Findings = append(res.Report.Findings, aos.Finding{Validator: "php", Path: "f.php", Line: i + 1, Rule: "r", Severity: aos.SeverityError, Message: "m"})
	}
	var buf bytes.Buffer
	if err := WriteValidate(&buf, "markdown", res); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "| `f.php` |"); n != maxRows {
		t.Errorf("%d rows, want %d", n, maxRows)
	}
	if !strings.Contains(buf.String(), "and 7 more findings") {
		t.Errorf("no count of the rows left out:\n%s", buf.String()[len(buf.String())-200:])
	}
}
