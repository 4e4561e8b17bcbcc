package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/workflow"
)

// ValidateFormats lists the formats of git aos validate: those of
// [Formats], and markdown.
var ValidateFormats = append(append([]string{}, Formats...), "markdown")

// WriteValidate renders the verdict of validate: the report in format
// (with, for the whole tree, the assessment: what each validator judged),
// and in text a last line "validate ok: N findings" when it passed.
func WriteValidate(w io.Writer, format string, res *workflow.ValidateResult) error {
	switch {
	case format == "markdown":
		return writeValidateMarkdown(w, res)
	case format == "json" && res.All:
		return writeAssessmentJSON(w, res)
	}
	if err := Write(w, format, res.Report); err != nil {
		return err
	}
	if format != "" && format != "text" {
		return nil
	}
	if res.All {
		if err := writeAssessmentText(w, res); err != nil {
			return err
		}
	}
	if res.Report.OK {
		_, err := fmt.Fprintf(w, "validate ok: %s\n", plural(len(res.Report.Findings), "finding"))
		return err
	}
	return nil
}

// counts returns the findings of r by severity.
func counts(r *aos.Report) (errors, warnings, notes int) {
	for _, f := range r.Findings {
		switch f.Severity {
		case aos.SeverityError:
			errors++
		case aos.SeverityWarning:
			warnings++
		default:
			notes++
		}
	}
	return
}

func writeAssessmentText(w io.Writer, res *workflow.ValidateResult) error {
	e, wn, n := counts(res.Report)
	var b strings.Builder
	fmt.Fprintf(&b, "assessment of %s: %s judged by %s: %s, %s, %s\n", res.Commit, plural(res.Files, "file"),
		plural(len(res.Validators), "validator"), plural(e, "error"), plural(wn, "warning"), plural(n, "note"))
	if res.Quarantined > 0 {
		fmt.Fprintf(&b, "  %s in %s/, not judged again\n", plural(res.Quarantined, "quarantined file"), aos.QuarantineDir)
	}
	for _, v := range res.Validators {
		kind := v.Builtin
		if kind == "" {
			kind = v.Module
		}
		fmt.Fprintf(&b, "  %s (%s): %s, %s", v.Name, kind, plural(v.Files, "file"), plural(v.Findings, "finding"))
		if v.Error != "" {
			fmt.Fprintf(&b, ", failed: %s", v.Error)
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// assessmentJSON is the JSON of validate --all: the report, with what was
// judged.
type assessmentJSON struct {
	Commit   string `json:"commit"`
	Files    int    `json:"files"`
	Errors   int    `json:"errors"`
	Warnings int    `json:"warnings"`
	Notes    int    `json:"notes"`
	// Quarantined counts the files of the quarantine left out.
	Quarantined int                   `json:"quarantined"`
	Validators  []aos.ValidatorRecord `json:"validators"`
	*aos.Report
}

func writeAssessmentJSON(w io.Writer, res *workflow.ValidateResult) error {
	r := res.Report
	if r.Violations == nil {
		r.Violations = []aos.Violation{}
	}
	if r.Approvals == nil {
		r.Approvals = []aos.Approval{}
	}
	a := assessmentJSON{Commit: res.Commit, Files: res.Files, Quarantined: res.Quarantined, Validators: res.Validators, Report: r}
	if a.Validators == nil {
		a.Validators = []aos.ValidatorRecord{}
	}
	a.Errors, a.Warnings, a.Notes = counts(r)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(a)
}

// writeValidateMarkdown renders validate's verdict as GitHub-flavoured
// markdown: the verdict, what each validator judged, the validators that
// failed and the findings, by file. Every string from the tree is a code
// span or escaped text.
func writeValidateMarkdown(w io.Writer, res *workflow.ValidateResult) error {
	r := res.Report
	var b strings.Builder
	switch {
	case res.All:
		fmt.Fprintf(&b, "# Assessment of %s\n\n", code(shortID(res.Commit)))
	case res.Commit != "":
		fmt.Fprintf(&b, "# Validation of %s\n\n", code(shortID(res.Commit)))
	default:
		b.WriteString("# Validation of files\n\n")
	}
	e, wn, n := counts(r)
	verdict := "**ok**"
	if !r.OK {
		verdict = "**rejected**"
	}
	fmt.Fprintf(&b, "%s: %s judged, %s, %s, %s, %s.\n", verdict, plural(res.Files, "file"),
		plural(e, "error"), plural(wn, "warning"), plural(n, "note"), plural(len(r.Violations), "validator failure"))
	if res.Quarantined > 0 {
		fmt.Fprintf(&b, "\n%s in %s, not judged again.\n", plural(res.Quarantined, "quarantined file"), code(aos.QuarantineDir+"/"))
	}
	if len(res.Validators) > 0 {
		b.WriteString("\n| validator | kind | files | findings |\n|---|---|---:|---:|\n")
		for _, v := range res.Validators {
			kind := v.Builtin
			if kind == "" {
				kind = v.Module
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %d |\n", code(v.Name), code(kind), v.Files, v.Findings)
		}
	}
	if len(r.Violations) > 0 {
		b.WriteString("\n## Validator failures\n\n| rule | message |\n|---|---|\n")
		for _, v := range r.Violations {
			fmt.Fprintf(&b, "| %s | %s |\n", code(string(v.Rule)), text(v.Message))
		}
	}
	if len(r.Findings) > 0 {
		b.WriteString("\n## Findings\n\n| file | line | severity | rule | message |\n|---|---:|---|---|---|\n")
		for i, f := range r.Findings {
			if i == maxRows {
				fmt.Fprintf(&b, "\nand %d more findings (`--format json` lists them all).\n", len(r.Findings)-maxRows)
				break
			}
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", code(f.Path), f.Line, string(f.Severity), code(f.Validator+"/"+f.Rule), text(f.Message))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
