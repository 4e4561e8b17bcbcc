package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/internal/golden"
)

// sample is a report with a violation of each kind of position, findings
// of each severity (one with no line) and an approval.
func sample() *aos.Report {
	r := &aos.Report{
		OK: false,
		Violations: []aos.Violation{
			{Directive: 2, Type: aos.FileWrite, Path: "vendor/x.go", Rule: "workspace.read_only", Message: "vendor/** is read-only", Pos: aos.Position{File: ".aos/plans/fix.yaml", Line: 12, Col: 5}},
			{Directive: -1, Path: "src/main.go", Rule: "validators.secrets/github-token", Message: "src/main.go:3:12: GitHub token"},
			{Directive: -1, Rule: "validators.run", Message: "validator v: module ran past its time limit: limit 5s"},
		},
		Findings: []aos.Finding{
			{Validator: "text", Path: "notes, 100%.txt", Line: 2, Rule: "mixed-eol", Severity: aos.SeverityWarning, Message: "mixed line endings: 1 CRLF and 2 LF"},
			{Validator: "secrets", Path: "src/main.go", Line: 3, Column: 12, Rule: "github-token", Severity: aos.SeverityError, Message: "GitHub token"},
			{Validator: "php", Path: "wp-content/uploads/shell.php", Rule: "php-in-uploads", Severity: aos.SeverityError, Message: "PHP file in an uploads directory (uploads/)"},
			{Validator: "mod", Path: "a.md", Line: 1, Column: 1, Rule: "style", Severity: aos.SeverityNote, Message: "line one\nline two: 50%"},
		},
		Approvals: []aos.Approval{
			{Rule: "large", Directive: -1, Reviewers: []string{"alice", "@org/leads"}, Lines: 812, Files: 14},
			{Rule: "migrations", Directive: 4, Path: "db/migrations/1.sql", Reviewers: []string{"@org/dba"}, Reason: "schema changes need a DBA"},
		},
	}
	r.Sort()
	return r
}

// TestGolden compares every format with its golden file in testdata;
// AOS_UPDATE=1 rewrites them.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := Write(&buf, format, sample()); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "report."+format+".golden"), buf.Bytes())
		})
	}
}

// TestSARIFShape checks the fields GitHub code scanning requires.
func TestSARIFShape(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := Write(&buf, "sarif", sample()); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						Region *struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "git-aos" {
		t.Fatalf("log %+v", log)
	}
	run := log.Runs[0]
	// The violation that repeats the secrets finding is shown once.
	if len(run.Results) != 8 {
		t.Errorf("%d results, want 8", len(run.Results))
	}
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %d", r.RuleID, r.RuleIndex)
		}
		switch r.Level {
		case "error", "warning", "note":
		default:
			t.Errorf("level %q", r.Level)
		}
		for _, l := range r.Locations {
			if reg := l.PhysicalLocation.Region; reg != nil && reg.StartLine < 1 {
				t.Errorf("%s: startLine %d", r.RuleID, reg.StartLine)
			}
		}
	}
}

func TestEmpty(t *testing.T) {
	t.Parallel()
	for _, format := range Formats {
		var buf bytes.Buffer
		if err := Write(&buf, format, &aos.Report{OK: true}); err != nil {
			t.Errorf("%s: %v", format, err)
		}
	}
	if err := Write(&bytes.Buffer{}, "xml", &aos.Report{}); err == nil {
		t.Error("unknown format accepted")
	}
}
