package wasm

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// ChildMain is the body of a sandbox process: it reads one job from stdin,
// compiles and runs its module, and reports on stdout, in the frames of
// this package, to the [Runner] that started it. hosts are the host
// modules jobs may name. It returns the process's exit status: 0 when it
// reported an outcome (a failed module included), 1 when it could not.
//
// Guest code runs without context checks: the parent kills the process at
// the deadline. Call it only from a process started by a [Runner], with
// nothing else running.
func ChildMain(stdin io.Reader, stdout, stderr io.Writer, hosts ...HostModule) int {
	if err := child(stdin, stdout, hosts); err != nil {
		fmt.Fprintf(stderr, "git-aos: wasm sandbox: %v\n", err)
		return 1
	}
	return 0
}

func child(stdin io.Reader, stdout io.Writer, hosts []HostModule) error {
	ctx := context.Background()
	br := bufio.NewReaderSize(stdin, 64<<10)
	fw := newFrameWriter(stdout)
	kind, hdr, err := readFrame(br)
	if err != nil || kind != frameJob {
		return fmt.Errorf("read job: kind %q: %v", kind, err)
	}
	var cj childJob
	if err := json.Unmarshal(hdr, &cj); err != nil {
		return fmt.Errorf("read job: %w", err)
	}
	kind, module, err := readFrame(br)
	if err != nil || kind != frameModule {
		return fmt.Errorf("read module: kind %q: %v", kind, err)
	}
	exit := func(o outcome) error {
		b, _ := json.Marshal(o)
		if err := fw.write(frameExit, b, true); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		return nil
	}
	r := &Runner{Hosts: hosts}
	host, err := r.host(cj.Host)
	if err != nil {
		return exit(outcome{Kind: "compile", Detail: err.Error()})
	}
	e, err := getEngine(ctx, cj.CacheDir, false, host)
	if err != nil {
		return exit(outcome{Kind: "compile", Detail: err.Error()})
	}
	c, err := e.compile(ctx, module, false)
	if err != nil {
		detail := err.Error()
		if re, ok := err.(*RunError); ok {
			detail = re.Detail
		}
		return exit(outcome{Kind: "compile", Detail: detail})
	}
	if err := fw.write(frameStarted, nil, true); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fsys := &rpcFS{call: func(q fsQuery) ([]byte, error) {
		b, _ := json.Marshal(q)
		if err := fw.write(frameFSQuery, b, true); err != nil {
			return nil, err
		}
		kind, reply, err := readFrame(br)
		if err != nil {
			return nil, err
		}
		if kind != frameFSReply {
			return nil, fmt.Errorf("unexpected frame %q", kind)
		}
		return reply, nil
	}}
	job := &Job{Name: cj.Name, Args: cj.Args, Stdin: cj.Stdin, Limits: Limits{MemoryMB: cj.MemoryMB}}
	out := &frameStream{fw: fw, kind: frameStdout}
	errOut := &frameStream{fw: fw, kind: frameStderr, max: 64 << 10}
	o := e.execute(ctx, c, job, fsys, out, errOut)
	return exit(o)
}

// frameStream forwards a module's stdout or stderr as frames; a positive
// max drops what comes after max bytes.
type frameStream struct {
	fw   *frameWriter
	kind byte
	max  int
	n    int
}

func (s *frameStream) Write(p []byte) (int, error) {
	n := len(p)
	if s.max > 0 {
		if s.n >= s.max {
			return n, nil
		}
		p = p[:min(len(p), s.max-s.n)]
	}
	s.n += len(p)
	for len(p) > 0 {
		k := min(len(p), 1<<20)
		if err := s.fw.write(s.kind, p[:k], false); err != nil {
			return 0, err
		}
		p = p[k:]
	}
	return n, nil
}
