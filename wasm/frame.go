package wasm

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
)

// Frames carry the conversation between the host and a child process over
// the child's stdin and stdout: a kind byte, a big-endian uint32 length and
// that many bytes.
const (
	frameJob     = 'J' // host → child: the job header, JSON
	frameModule  = 'M' // host → child: the module bytes
	frameFSReply = 'F' // host → child: the answer to an fs request
	frameStarted = 'S' // child → host: compiled, the module starts now
	frameStdout  = 'O' // child → host: bytes the module wrote to stdout
	frameStderr  = 'E' // child → host: bytes the module wrote to stderr
	frameFSQuery = 'Q' // child → host: an fs request, JSON
	frameExit    = 'X' // child → host: how the run ended, JSON
)

const (
	maxFrame       = 16 << 20  // any frame but a module
	maxModuleFrame = 256 << 20 // a module
)

type frameWriter struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func newFrameWriter(w io.Writer) *frameWriter {
	return &frameWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

// write sends one frame; with flush set it is pushed out now, else it
// waits in the buffer for the next flushed frame.
func (fw *frameWriter) write(kind byte, payload []byte, flush bool) error {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	var hdr [5]byte
	hdr[0] = kind
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(payload)))
	if _, err := fw.w.Write(hdr[:]); err != nil {
		return err
	}
	if _, err := fw.w.Write(payload); err != nil {
		return err
	}
	if flush {
		return fw.w.Flush()
	}
	return nil
}

// readFrame reads one frame from r.
func readFrame(r *bufio.Reader) (kind byte, payload []byte, err error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	limit := uint32(maxFrame)
	if hdr[0] == frameModule {
		limit = maxModuleFrame
	}
	if n > limit {
		return 0, nil, fmt.Errorf("frame %q of %d bytes is too large", hdr[0], n)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	return hdr[0], payload, nil
}
