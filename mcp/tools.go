package mcp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/workflow"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// paging is how a tool pages what its directive's reply shows.
type paging int

const (
	pageNone    paging = iota
	pageLines          // read_file, diff: lines of text, or bytes of binary content
	pageEntries        // list_directory
	pageMatches        // search
)

// Paging defaults and caps (docs/spec.md 14.2).
const (
	defaultLines   = 2000
	maxTextBytes   = 256 << 10
	defaultBytes   = 196608 // base64 of it is 256 KiB
	defaultEntries = 1000
	defaultMatches = 200
	maxErrorOutput = 32 << 10 // of a failed job's output in a tool error
)

// tool is a directive tool (docs/spec.md 14.2).
type tool struct {
	name        string
	typ         aos.DirectiveType
	title       string
	readOnly    bool
	destructive bool
	paging      paging
	// note adds to the directive's description.
	note string
}

var directiveTools = []tool{
	{"read_file", aos.FileRead, "Read a file", true, false, pageLines,
		"Text comes back as content, the lines from offset (1-based) for at most limit lines; other files as content_base64, offset and limit then counting bytes."},
	{"list_directory", aos.LS, "List a directory", true, false, pageEntries, ""},
	{"stat", aos.Stat, "Describe a path", true, false, pageNone, ""},
	{"search", aos.Search, "Search the files", true, false, pageMatches,
		"The reply holds at most 1,000 matching lines, in path order; offset and limit page them."},
	{"diff", aos.Diff, "Diff a file", true, false, pageLines, "offset and limit page the diff's lines."},
	{"get_manifest", aos.GetManifest, "Show the manifest", true, false, pageNone, ""},
	{"get_environment_info", aos.GetEnvironmentInfo, "Describe the environment", true, false, pageNone, ""},
	{"get_history", aos.GetHistory, "Show the audit log", true, false, pageNone, ""},
	{"write_file", aos.FileWrite, "Write a file", false, false, pageNone, ""},
	{"append_file", aos.FileAppend, "Append to a file", false, false, pageNone, ""},
	{"delete_file", aos.FileDelete, "Delete a file", false, true, pageNone, ""},
	{"quarantine_file", aos.Quarantine, "Quarantine a file", false, true, pageNone,
		"The file leaves its place for aos-rescue/quarantine/, under its path with every . written %2E, never executable; it is judged as a delete and a write."},
	{"apply_patch", aos.ApplyPatch, "Apply a patch", false, false, pageNone,
		"Prefer it for edits: the patch must apply exactly, and a hunk that does not is refused with its position."},
	{"run_tests", aos.RunTests, "Run tests", false, false, pageNone,
		"It answers with the exit code and the last lines of the output; a failing suite is a tool error and is not recorded."},
	{"build", aos.BuildTarget, "Build a target", false, false, pageNone, ""},
	{"sandbox_exec", aos.SandboxExec, "Run a tool", false, false, pageNone, ""},
}

// inputSchema is the tool's input: its directive's schema (docs/spec.md
// 3.3) and its paging parameters.
func (t tool) inputSchema() map[string]any {
	s, ok := workflow.DirectiveSchema(t.typ)
	if !ok {
		panic("no schema for " + t.typ)
	}
	props := maps.Clone(s["properties"].(map[string]any))
	integer := func(min int, doc string) map[string]any {
		return map[string]any{"type": "integer", "minimum": min, "description": doc}
	}
	switch t.paging {
	case pageLines:
		props["offset"] = integer(0, "text: the first line to show, 1-based (default 1); other content: the first byte, 0-based (default 0)")
		props["limit"] = integer(1, fmt.Sprintf("text: how many lines to show (default %d, at most %d KiB); other content: how many bytes (default %d)", defaultLines, maxTextBytes>>10, defaultBytes))
	case pageEntries:
		props["offset"] = integer(0, "the first entry to show, 0-based (default 0)")
		props["limit"] = integer(1, fmt.Sprintf("how many entries to show (default %d)", defaultEntries))
	case pageMatches:
		props["offset"] = integer(0, "the first match to show, 0-based (default 0)")
		props["limit"] = integer(1, fmt.Sprintf("how many matches to show (default %d)", defaultMatches))
	}
	out := maps.Clone(s)
	out["properties"] = props
	return out
}

func (t tool) description() string {
	d := workflow.DirectiveDoc(t.typ) + " (directive " + string(t.typ) + ")"
	if t.note != "" {
		d += " " + t.note
	}
	return d
}

func (t tool) annotations() *sdk.ToolAnnotations {
	return &sdk.ToolAnnotations{Title: t.title, ReadOnlyHint: t.readOnly, IdempotentHint: t.readOnly,
		DestructiveHint: ptr(t.destructive), OpenWorldHint: ptr(false)}
}

// call is a directive tool's arguments: the directive's parameters as
// JSON, and the paging.
type call struct {
	params        json.RawMessage
	offset, limit *int
}

// parseCall splits a tool's arguments into the directive's parameters and
// its paging.
func parseCall(t tool, in json.RawMessage) (call, error) {
	if t.paging == pageNone || len(in) == 0 {
		return call{params: in}, nil
	}
	var args map[string]json.RawMessage
	if err := json.Unmarshal(in, &args); err != nil {
		return call{}, &toolError{"arguments: " + err.Error()}
	}
	c := call{}
	for k, dst := range map[string]**int{"offset": &c.offset, "limit": &c.limit} {
		if raw, ok := args[k]; ok {
			var n int
			if err := json.Unmarshal(raw, &n); err != nil {
				return call{}, &toolError{fmt.Sprintf("arguments: %s must be an integer", k)}
			}
			*dst = &n
			delete(args, k)
		}
	}
	b, err := json.Marshal(args)
	if err != nil {
		return call{}, err
	}
	c.params = b
	return c, nil
}

func (s *server) addTools() {
	for _, t := range directiveTools {
		switch t.typ {
		case aos.FileRead:
			addTool(s, t, func(r *workflow.Reply, c call) (*ReadFileOutput, error) {
				return pageFile(r.Reply.(engine.FileReply), c), nil
			})
		case aos.Diff:
			addTool(s, t, func(r *workflow.Reply, c call) (*DiffOutput, error) {
				text, p := pageText(r.Reply.(string), c)
				return &DiffOutput{Diff: text, FirstLine: p.FirstLine, Lines: p.Lines, TotalLines: p.TotalLines, Truncated: p.Truncated}, nil
			})
		case aos.LS:
			addTool(s, t, func(r *workflow.Reply, c call) (*ListOutput, error) {
				entries := r.Reply.([]engine.LSEntry)
				lo, hi := window(len(entries), c, defaultEntries)
				return &ListOutput{Entries: entries[lo:hi], Total: len(entries), Offset: lo, Truncated: hi < len(entries)}, nil
			})
		case aos.Search:
			addTool(s, t, func(r *workflow.Reply, c call) (*SearchOutput, error) {
				sr := r.Reply.(engine.SearchReply)
				lo, hi := window(len(sr.Matches), c, defaultMatches)
				return &SearchOutput{Matches: sr.Matches[lo:hi], Total: len(sr.Matches), Offset: lo, Files: sr.Files,
					Truncated: hi < len(sr.Matches) || sr.Truncated, Capped: sr.Truncated}, nil
			})
		case aos.Stat:
			addTool(s, t, func(r *workflow.Reply, _ call) (*engine.StatReply, error) {
				st := r.Reply.(engine.StatReply)
				return &st, nil
			})
		case aos.GetManifest:
			addTool(s, t, func(r *workflow.Reply, _ call) (*engine.ManifestView, error) {
				v := r.Reply.(engine.ManifestView)
				return &v, nil
			})
		case aos.GetEnvironmentInfo:
			addTool(s, t, func(r *workflow.Reply, _ call) (*workflow.EnvInfo, error) {
				v, _ := r.Reply.(workflow.EnvInfo)
				return &v, nil
			})
		case aos.GetHistory:
			addTool(s, t, func(r *workflow.Reply, _ call) (*HistoryOutput, error) {
				runs, _ := r.Reply.([]workflow.LogEntry)
				return &HistoryOutput{Runs: runs}, nil
			})
		case aos.RunTests, aos.BuildTarget, aos.SandboxExec:
			addTool(s, t, func(r *workflow.Reply, _ call) (*JobOutput, error) {
				out := &JobOutput{Directive: r.Directive, Changes: r.Changes, Findings: r.Findings, Approvals: r.Approvals}
				if r.Job != nil {
					out.Job = *r.Job
				}
				return out, nil
			})
		default:
			addTool(s, t, func(r *workflow.Reply, _ call) (*ChangeOutput, error) {
				return &ChangeOutput{Directive: r.Directive, Changes: r.Changes, Approvals: r.Approvals}, nil
			})
		}
	}
	s.addPlanTools()
}

// addTool registers directive tool t, whose answer show makes of the
// session's reply.
func addTool[Out any](s *server, t tool, show func(*workflow.Reply, call) (Out, error)) {
	sdk.AddTool(s.sdk, &sdk.Tool{Name: t.name, Title: t.title, Description: t.description(), InputSchema: t.inputSchema(), Annotations: t.annotations()},
		func(ctx context.Context, req *sdk.CallToolRequest, in json.RawMessage) (*sdk.CallToolResult, Out, error) {
			var zero Out
			c, err := parseCall(t, in)
			if err != nil {
				return nil, zero, err
			}
			r, err := s.do(ctx, req, t, c.params)
			if err != nil {
				return nil, zero, err
			}
			out, err := show(r, c)
			return nil, out, err
		})
}

// do runs the directive of a tool call in the session. A refused
// directive is a tool error saying why.
func (s *server) do(ctx context.Context, req *sdk.CallToolRequest, t tool, params json.RawMessage) (*workflow.Reply, error) {
	sess, err := s.sessionOf(ctx)
	if err != nil {
		return nil, errorText(err)
	}
	if len(params) == 0 {
		params = json.RawMessage("{}")
	}
	if t.typ.IsJob() {
		defer s.progress(ctx, req, t, deadline(sess.Manifest().Manifest, t.typ, params))()
	}
	r, err := sess.Do(ctx, t.typ, params)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &toolError{fmt.Sprintf("%s was cancelled: nothing was recorded", t.name)}
		}
		return nil, errorText(err)
	}
	if !r.OK() {
		return nil, refusal(r)
	}
	return r, nil
}

// refusal is the tool error of a refused directive: its violations as
// plan check prints them, then the end of a failed job's output
// (docs/spec.md 14.3).
func refusal(r *workflow.Reply) error {
	var b strings.Builder
	for _, v := range r.Violations {
		b.WriteString(v.String())
		b.WriteByte('\n')
	}
	if j := r.Job; j != nil && len(j.Tail) > 0 {
		tail := j.Tail
		n := 0
		for i := len(tail) - 1; i >= 0; i-- {
			if n += len(tail[i]) + 3; n > maxErrorOutput {
				tail = tail[i+1:]
				break
			}
		}
		fmt.Fprintf(&b, "%s %s exited %d after %.1f s; the last %d lines of its output:\n", j.Kind, j.Name, j.ExitCode, float64(j.DurationMs)/1000, len(tail))
		for _, l := range tail {
			b.WriteString("| " + l + "\n")
		}
	}
	return &toolError{strings.TrimRight(b.String(), "\n")}
}

// progress sends the client progress notifications every second while a
// job runs, when the call asked for them; the returned function stops
// them.
func (s *server) progress(ctx context.Context, req *sdk.CallToolRequest, t tool, total int) func() {
	tok := req.Params.GetProgressToken()
	if tok == nil {
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case now := <-tick.C:
				secs := now.Sub(start).Seconds()
				err := req.Session.NotifyProgress(ctx, &sdk.ProgressNotificationParams{ProgressToken: tok, Progress: secs, Total: float64(total),
					Message: fmt.Sprintf("%s running for %.0f s of at most %d s", t.name, secs, total)})
				if err != nil {
					return
				}
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}

// deadline is how long the job a call asks for may run, in seconds, or 0
// when the manifest names no such job (the engine refuses it then).
func deadline(m *aos.Manifest, t aos.DirectiveType, params json.RawMessage) int {
	var p struct{ Suite, Target, Tool string }
	json.Unmarshal(params, &p)
	switch t {
	case aos.RunTests:
		if p.Suite == "" {
			p.Suite = "default"
		}
		return m.Tests[p.Suite].TimeoutSeconds
	case aos.BuildTarget:
		return m.Build.Targets[p.Target].TimeoutSeconds
	}
	return m.Tools[p.Tool].TimeoutSeconds
}

// window is the part of n items that offset and limit show.
func window(n int, c call, def int) (lo, hi int) {
	lim := def
	if c.limit != nil {
		lim = *c.limit
	}
	if c.offset != nil {
		lo = min(max(*c.offset, 0), n)
	}
	return lo, min(n, lo+max(lim, 0))
}

// textPage says which lines of a text a tool shows.
type textPage struct {
	FirstLine, Lines, TotalLines int
	Truncated                    bool
}

// pageText returns the lines of text that c asks for, at most
// maxTextBytes, cut at a line end (a single longer line is cut at a
// UTF-8 boundary).
func pageText(text string, c call) (string, textPage) {
	total := strings.Count(text, "\n")
	if text != "" && !strings.HasSuffix(text, "\n") {
		total++
	}
	first := 1
	if c.offset != nil && *c.offset > 1 {
		first = *c.offset
	}
	lim := defaultLines
	if c.limit != nil {
		lim = max(*c.limit, 0)
	}
	p := textPage{FirstLine: first, TotalLines: total}
	start := 0
	for i := 1; i < first && start < len(text); i++ {
		j := strings.IndexByte(text[start:], '\n')
		if j < 0 {
			start = len(text)
			break
		}
		start += j + 1
	}
	end := start
	for p.Lines < lim && end < len(text) {
		j := strings.IndexByte(text[end:], '\n')
		next := len(text)
		if j >= 0 {
			next = end + j + 1
		}
		if next-start > maxTextBytes {
			if p.Lines == 0 {
				// One line longer than the cap: as much of it as fits.
				end = start + maxTextBytes
				for end > start && !utf8.RuneStart(text[end]) {
					end--
				}
			}
			break
		}
		end = next
		p.Lines++
	}
	p.Truncated = end < len(text)
	return text[start:end], p
}

// pageFile shows the part of a file that c asks for.
func pageFile(fr engine.FileReply, c call) *ReadFileOutput {
	out := &ReadFileOutput{Path: fr.Path, Mode: fr.Mode, Size: fr.Size, Blob: fr.BlobID}
	if fr.ContentBase64 == nil {
		text, p := pageText(fr.Content, c)
		out.Content, out.FirstLine, out.Lines, out.TotalLines, out.Truncated = &text, p.FirstLine, p.Lines, p.TotalLines, p.Truncated
		return out
	}
	data := fr.ContentBase64
	off, lim := 0, defaultBytes
	if c.offset != nil {
		off = min(max(*c.offset, 0), len(data))
	}
	if c.limit != nil {
		lim = max(*c.limit, 0)
	}
	end := min(len(data), off+lim)
	out.ContentBase64 = base64.StdEncoding.EncodeToString(data[off:end])
	out.Offset, out.Length, out.Truncated = off, end-off, end < len(data)
	return out
}
