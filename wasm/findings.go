package wasm

import (
	"bytes"
	"strconv"

	"github.com/architectos/aos"
	"github.com/architectos/aos/wasm/abi"
)

// findingParser splits stdout into lines as they arrive and parses each.
type findingParser struct {
	buf      []byte
	lineNo   int
	findings []aos.Finding
	err      error
}

func (p *findingParser) write(b []byte) {
	if p.err != nil {
		return
	}
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return
		}
		p.line(p.buf[:i])
		p.buf = p.buf[i+1:]
		if p.err != nil {
			return
		}
	}
}

func (p *findingParser) line(l []byte) {
	p.lineNo++
	l = bytes.TrimSuffix(l, []byte{'\r'})
	f, err := abi.ParseFinding(l)
	if err != nil {
		p.err = &RunError{Err: ErrBadOutput, Detail: "line " + strconv.Itoa(p.lineNo) + ": " + err.Error() + ": " + strconv.Quote(abi.Truncate(l, 120))}
		return
	}
	p.findings = append(p.findings, f)
}

// close parses a last line without a newline.
func (p *findingParser) close() error {
	if p.err == nil && len(p.buf) > 0 {
		p.line(p.buf)
		p.buf = nil
	}
	return p.err
}
