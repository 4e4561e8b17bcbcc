package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/patch"
	"github.com/architectos/aos/policy"
	"github.com/architectos/aos/workflow/record"
)

// redactor removes from past runs what the current workspace rules hide,
// before a plan's author sees them: the audit log that GET_HISTORY
// returns, and the run records under .aos/runs/ that reads return
// (docs/spec.md 6.5). A run judged under other rules may name files that
// are ignored now, with their sizes, blob ids and digests, from which a
// short secret is recovered offline.
type redactor struct {
	// ctx bounds the reading of the plan files the redactor is handed:
	// the redactor lives for one run, within its context.
	ctx    context.Context
	rules  *policy.Rules
	limits planfile.Limits
	// digest and policy identify the rules a run must have been judged
	// by for its directory listings, job output and reply digests to
	// hide nothing that is ignored now.
	digest, policy string
}

func newRedactor(ctx context.Context, lm *LoadedManifest) *redactor {
	return &redactor{ctx: ctx, rules: lm.Rules, limits: planfile.LimitsFrom(lm.Policies), digest: lm.Digest, policy: lm.PolicyDigest}
}

// hidden reports whether p is hidden now.
func (x *redactor) hidden(p string) bool {
	return p != "" && p != "." && (policy.CheckPath(p) != nil || !x.rules.Visible(p))
}

// outcome redacts o, the outcome of a run judged under manifest m, in
// place, and reports whether anything was removed.
//
// A path hidden now is removed with everything said of it: a change, a
// finding, an approval, and a directive's path, size, digests and mode.
// A run judged under other rules (another manifest or policy digest)
// may also have listed a directory, read the history, or run a job while
// a path ignored now was visible: the size and digests of each LS whose
// directory could hide an ignored path now, of each GET_HISTORY, and the
// output tails and digests of its jobs are removed too.
func (x *redactor) outcome(o *record.Outcome, m record.Manifest) bool {
	same := m.Digest == x.digest && m.PolicyDigest == x.policy
	changed := false
	for i := range o.Directives {
		d := &o.Directives[i]
		cut := x.hidden(d.Path) || slices.ContainsFunc(d.Paths, x.hidden)
		if !same {
			switch d.Type {
			case aos.LS:
				dir := d.Path
				if dir == "" {
					dir = "."
				}
				cut = cut || dir == "." || x.rules.MayHideBeneath(dir)
			case aos.GetHistory, aos.RunTests, aos.BuildTarget, aos.SandboxExec:
				cut = true
			}
		}
		if !cut {
			continue
		}
		if x.hidden(d.Path) {
			d.Path = ""
		}
		d.Paths = slices.DeleteFunc(slices.Clone(d.Paths), x.hidden)
		if len(d.Paths) == 0 {
			d.Paths = nil
		}
		d.Size, d.Digest, d.Mode, d.ReplyDigest, d.Redacted = 0, "", "", "", true
		changed = true
	}
	n := len(o.Changes)
	o.Changes = slices.DeleteFunc(o.Changes, func(c record.Change) bool { return x.hidden(c.Path) })
	m2 := len(o.Findings)
	o.Findings = slices.DeleteFunc(o.Findings, func(f aos.Finding) bool { return x.hidden(f.Path) })
	m3 := len(o.Approvals)
	o.Approvals = slices.DeleteFunc(o.Approvals, func(a aos.Approval) bool { return x.hidden(a.Path) })
	changed = changed || n != len(o.Changes) || m2 != len(o.Findings) || m3 != len(o.Approvals)
	if !same {
		for i := range o.Jobs {
			j := &o.Jobs[i]
			if j.Tail != nil || j.OutputDigest != "" {
				j.Tail, j.OutputDigest, changed = nil, "", true
			}
		}
	}
	if changed {
		o.Redacted = true
	}
	return changed
}

// entries redacts audit log entries in place.
func (x *redactor) entries(es []LogEntry) {
	for i := range es {
		x.outcome(&es[i].Outcome, es[i].Manifest)
	}
}

// view is the engine's view of the base for a run: run records and plan
// files read redacted.
func (x *redactor) view() *engine.View {
	return &engine.View{
		Covers: func(p string) bool { return inDir(p, RunsDir, ".json") || inDir(p, PlansDir, "") },
		Apply: func(p string, data []byte) []byte {
			if strings.HasPrefix(p, RunsDir) {
				return x.record(data)
			}
			return x.plan(p, data)
		},
	}
}

// inDir reports whether p is a file of directory dir (not deeper) whose
// name ends in ext.
func inDir(p, dir, ext string) bool {
	rest, ok := strings.CutPrefix(p, dir)
	return ok && rest != "" && strings.HasSuffix(rest, ext) && !strings.Contains(rest, "/")
}

// record returns what a read of the run record data answers: the record,
// redacted, in the encoding git-aos writes records. Only what decodes as
// a record is told, so nothing rides beside it (text after the record,
// a key given twice whose first value the decoder drops); a file that is
// not a record this version reads (another version, an unknown field,
// not JSON) tells nothing but that.
func (x *redactor) record(data []byte) []byte {
	rec, err := record.Decode(data)
	if err != nil {
		return unreadableRecord
	}
	x.outcome(&rec.Outcome, rec.Manifest)
	b, err := rec.Encode()
	if err != nil {
		return unreadableRecord
	}
	return b
}

// unreadableRecord is what a read of a file under .aos/runs/ answers when
// it is not a run record this version of git-aos reads.
var unreadableRecord = []byte("{\"redacted\": true, \"error\": \"not a run record this version of git-aos reads\"}\n")

// redactedPlan is what a read of a plan file answers when the plan wrote
// or read a path hidden now: the plan as JSON, each directive on a
// hidden path replaced by its type, or, for a file that is not a plan
// within the manifest's limits, nothing but that.
type redactedPlan struct {
	Version    int    `json:"version,omitempty"`
	ID         string `json:"id,omitempty"`
	Goal       string `json:"goal,omitempty"`
	Base       string `json:"base,omitempty"`
	Redacted   bool   `json:"redacted"`
	Error      string `json:"error,omitempty"`
	Directives []any  `json:"directives"`
}

// plan returns what a read of the plan file p, holding data, answers: the
// file itself when none of its directives names a path hidden now, else
// the plan redacted (a plan file's directives hold the content they
// wrote).
func (x *redactor) plan(p string, data []byte) []byte {
	encode := func(v redactedPlan) []byte {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return []byte("{\"redacted\": true, \"directives\": []}\n")
		}
		return buf.Bytes()
	}
	pl, err := planfile.Parse(x.ctx, p, data, x.limits)
	if err != nil {
		// Not a plan that can be read here: nothing of it is told.
		return encode(redactedPlan{Redacted: true, Error: "not a plan within the manifest's limits", Directives: []any{}})
	}
	hides := make([]bool, len(pl.Directives))
	some := false
	for i, d := range pl.Directives {
		hides[i] = x.hidden(d.Path) || (d.Type == aos.ApplyPatch && x.patchHides(d.Patch))
		some = some || hides[i]
	}
	if !some {
		return data
	}
	out := redactedPlan{Version: pl.Version, ID: pl.ID, Goal: pl.Goal, Base: pl.Base, Redacted: true, Directives: []any{}}
	for i, d := range pl.Directives {
		if hides[i] {
			out.Directives = append(out.Directives, map[string]any{"type": d.Type, "redacted": true})
			continue
		}
		out.Directives = append(out.Directives, planDirective(d))
	}
	return encode(out)
}

// patchHides reports whether a patch names a path hidden now; a patch
// that does not parse may name any.
func (x *redactor) patchHides(text string) bool {
	files, err := patch.Parse(text)
	if err != nil {
		return true
	}
	for _, f := range files {
		if x.hidden(f.OldPath) || x.hidden(f.NewPath) {
			return true
		}
	}
	return false
}

// planDirective is d as a plan file spells it.
func planDirective(d aos.Directive) any {
	type content struct {
		aos.Directive
		Content       *string `json:"content,omitempty"`
		ContentBase64 []byte  `json:"content_base64,omitempty"`
	}
	c := content{Directive: d}
	if d.Type == aos.FileWrite || d.Type == aos.FileAppend {
		if utf8.Valid(d.Content) {
			s := string(d.Content)
			c.Content = &s
		} else {
			c.ContentBase64 = d.Content
		}
	}
	return c
}
