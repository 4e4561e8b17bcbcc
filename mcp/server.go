// Package mcp is the MCP front end of git-aos: `git aos mcp` serves the
// Model Context Protocol on standard input and output, with one tool per
// directive and the plan tools plan_status, submit and discard
// (docs/spec.md section 14). It is the only user of the MCP Go SDK.
//
// A server is one [workflow.Session]: every tool call is a directive that
// the session judges exactly as plan check and apply judge a plan's
// directives; this package adds no rule of its own. It maps tool
// arguments to directives, pages what the replies show, and turns refusals
// into tool errors.
package mcp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"

	"github.com/architectos/aos"
	"github.com/architectos/aos/workflow"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Options configure [Serve].
type Options struct {
	Dir    string // a directory inside the repository
	Base   string // the base revision; "" is HEAD
	Policy string // an organisation policy file, or ""
	// Runtime runs jobs and validators.
	Runtime *workflow.Runtime
	// Version is git-aos's version, the server's in the handshake.
	Version string
	// Log receives diagnostics; nil discards them. Never the protocol's
	// output.
	Log io.Writer
}

// PullRequest is a pull request submit opened or updated.
type PullRequest struct {
	Number  int    `json:"number"`
	URL     string `json:"url"`
	Created bool   `json:"created"`
}

// Instructions tell the model how to work with the server
// (docs/spec.md 14.5).
const Instructions = `This server is the only way to change this git repository: every tool is a directive of an ArchitectOS plan, judged by the repository's manifest as it is called, and staged in memory on the base commit. Nothing reaches the repository until submit.

Work in this order:
1. Look: get_manifest says what you may read and write, which test suites, build targets and tools exist; list_directory, search and read_file show the files.
2. Change: apply_patch (a unified git diff) or write_file, append_file, delete_file, quarantine_file. A refused call changes nothing and tells you the rule it broke.
3. Test: run_tests (and build, sandbox_exec) run in the project's sandbox on your staged changes; a failing run is not recorded, so fix and run again.
4. Review: plan_status shows your directives, the diff of your changes, the approvals they need, and whether submit would pass (for example because tests must run after the last write).
5. Submit: submit {id, goal} commits your plan and its result on branch aos/<id> for review. discard drops everything instead.

Ignored paths look exactly like missing ones. Paths are relative to the repository root.`

// Serve serves one session on in and out until in ends or ctx is done
// (docs/spec.md 14). The repository and base are opened first: an error
// there is returned before anything is served. The manifest and the
// validators load while the handshake is answered; when they cannot load,
// every tool call is refused with the reason.
func Serve(ctx context.Context, opts Options, in io.ReadCloser, out io.WriteCloser) error {
	base, err := workflow.ResolveSession(workflow.SessionOptions{Dir: opts.Dir, Base: opts.Base, Policy: opts.Policy})
	if err != nil {
		return err
	}
	s := newServer(opts, base)
	go s.load(ctx)
	defer s.close()
	err = s.sdk.Run(ctx, &sdk.IOTransport{Reader: in, Writer: out})
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// server is a running MCP server and its session.
type server struct {
	opts Options
	base string
	sdk  *sdk.Server
	log  *slog.Logger

	ready   chan struct{}
	session *workflow.Session
	err     error
	once    sync.Once
}

func newServer(opts Options, base string) *server {
	w := opts.Log
	if w == nil {
		w = io.Discard
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := &server{opts: opts, base: base, log: log, ready: make(chan struct{})}
	s.sdk = sdk.NewServer(&sdk.Implementation{Name: "git-aos", Title: "ArchitectOS", Version: opts.Version},
		&sdk.ServerOptions{Instructions: Instructions, Logger: log})
	s.addTools()
	return s
}

// load opens the session on the resolved base.
func (s *server) load(ctx context.Context) {
	s.once.Do(func() {
		s.session, s.err = workflow.OpenSession(ctx, workflow.SessionOptions{Dir: s.opts.Dir, Base: s.base, Policy: s.opts.Policy, Runtime: s.opts.Runtime})
		if s.err != nil {
			s.log.Warn("the session cannot open", "error", s.err)
		}
		close(s.ready)
	})
}

// sessionOf waits for the session.
func (s *server) sessionOf(ctx context.Context) (*workflow.Session, error) {
	select {
	case <-s.ready:
		return s.session, s.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *server) close() {
	s.load(context.Background()) // a load still running ends first
	if s.session != nil {
		s.session.Close()
	}
}

// toolError is what a refused call tells the model: the text of a tool
// result with isError set (docs/spec.md 14.3).
type toolError struct{ text string }

func (e *toolError) Error() string { return e.text }

// errorText is err with its hints, as the command line prints them.
func errorText(err error) error {
	text := err.Error()
	for _, h := range aos.Hints(err) {
		text += "\nhint: " + h
	}
	return &toolError{text}
}

func ptr[T any](v T) *T { return &v }
