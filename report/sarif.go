package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/architectos/aos"
)

// SARIF 2.1.0, the subset GitHub code scanning reads
// (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html).
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// problem is one line of any report: a violation, a finding or an
// approval, in the terms the machine formats share.
type problem struct {
	kind    string // violation, finding or approval
	rule    string // validator/rule for findings
	level   string // error, warning or note
	message string
	file    string
	line    int
	col     int
}

// problems lists the report's violations, findings and approvals in
// order. A violation is placed at its position in the plan when it has
// one, else at the path it concerns; an approval is a note.
func problems(r *aos.Report) []problem {
	var out []problem
	for _, v := range ownViolations(r) {
		p := problem{kind: "violation", rule: string(v.Rule), level: "error", message: violationMessage(v)}
		switch {
		case v.Pos.File != "":
			p.file, p.line, p.col = v.Pos.File, v.Pos.Line, v.Pos.Col
		case v.Path != "":
			p.file = v.Path
		}
		out = append(out, p)
	}
	for _, f := range r.Findings {
		level := string(f.Severity)
		if level != "warning" && level != "note" {
			level = "error"
		}
		out = append(out, problem{kind: "finding", rule: f.Validator + "/" + f.Rule, level: level, message: f.Message, file: f.Path, line: f.Line, col: f.Column})
	}
	for _, a := range r.Approvals {
		msg := "approval required for the plan's " + a.Subject()
		if a.Directive >= 0 {
			msg = fmt.Sprintf("approval required for directive %d", a.Directive)
			if a.Path != "" {
				msg += " (" + a.Path + ")"
			}
		}
		if len(a.Reviewers) > 0 {
			msg += fmt.Sprintf(" from %v", a.Reviewers)
		}
		if a.Reason != "" {
			msg += ": " + a.Reason
		}
		out = append(out, problem{kind: "approval", rule: "approval/" + a.Rule, level: "note", message: msg, file: a.Path})
	}
	return out
}

// describe is the description of p's rule, as SARIF lists it once for
// all its results: the registry's meaning of a violation's rule (docs/spec.md
// section 12), what a validator's or an approval's rule is, never the
// message of one result.
func (p problem) describe() string {
	switch p.kind {
	case "finding":
		v, rule, _ := strings.Cut(p.rule, "/")
		return fmt.Sprintf("rule %s of validator %s (validators.%s in the manifest); its findings of severity error reject the change", rule, v, v)
	case "approval":
		return fmt.Sprintf("the manifest's require_approval rule %s: the change needs a reviewer's approval", strings.TrimPrefix(p.rule, "approval/"))
	}
	if m := aos.RuleMeaning(p.rule); m != "" {
		return m
	}
	return p.rule
}

// violationMessage is v's text without its position and rule, which the
// machine formats carry in their own fields.
func violationMessage(v aos.Violation) string {
	s := ""
	if v.Directive >= 0 {
		s = fmt.Sprintf("directive %d", v.Directive)
		if v.Type != "" {
			s += fmt.Sprintf(" (%s)", v.Type)
		}
		s += ": "
	}
	if v.Path != "" {
		s += v.Path + ": "
	}
	return s + v.Message
}

// writeSARIF renders r as one SARIF 2.1.0 log with one run. Rules are
// listed by id; results keep the report's order. Nothing in it depends on
// the time or the machine, so the same report gives the same bytes.
func writeSARIF(w io.Writer, r *aos.Report) error {
	ps := problems(r)
	descr := map[string]string{}
	for _, p := range ps {
		if _, ok := descr[p.rule]; !ok {
			descr[p.rule] = p.describe()
		}
	}
	ids := make([]string, 0, len(descr))
	for id := range descr {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	index := map[string]int{}
	rules := make([]sarifRule, len(ids))
	for i, id := range ids {
		index[id] = i
		rules[i] = sarifRule{ID: id, ShortDescription: sarifMessage{Text: descr[id]}}
	}
	results := make([]sarifResult, 0, len(ps))
	for _, p := range ps {
		res := sarifResult{RuleID: p.rule, RuleIndex: index[p.rule], Level: p.level, Message: sarifMessage{Text: p.message}}
		if p.file != "" {
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: p.file, URIBaseID: "%SRCROOT%"}}}
			if p.line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: p.line, StartColumn: p.col}
			}
			res.Locations = []sarifLocation{loc}
		}
		results = append(results, res)
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:    sarifTool{Driver: sarifDriver{Name: "git-aos", InformationURI: "https://github.com/architectos/aos", Rules: rules}},
			Results: results,
		}},
	}
	return encodeJSON(w, log)
}

// Problem is one line of a report in the terms annotations and code
// scanning share: a violation, a finding or an approval.
type Problem struct {
	Rule    string // validator/rule for findings, approval/RULE for approvals
	Level   string // error, warning or note
	Message string
	File    string
	Line    int
	Col     int
}

// Problems lists the report's violations (less those that repeat a
// finding), findings and approvals, in order: a violation at its position
// in the plan when it has one, else at the path it concerns.
func Problems(r *aos.Report) []Problem {
	var out []Problem
	for _, p := range problems(r) {
		out = append(out, Problem{Rule: p.rule, Level: p.level, Message: p.message, File: p.file, Line: p.line, Col: p.col})
	}
	return out
}
