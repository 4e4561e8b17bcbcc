package gitops

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// pipeSize is the buffer asked for the pipe git answers through: git
// inflates a large blob ahead into it while the goroutine reading it waits
// for a processor.
const pipeSize = 1 << 20

// growPipe asks the kernel for a pipe buffer of pipeSize for r, a pipe;
// where it cannot, the pipe keeps its buffer.
func growPipe(r io.Reader) {
	f, ok := r.(*os.File)
	if !ok {
		return
	}
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { unix.FcntlInt(fd, unix.F_SETPIPE_SZ, pipeSize) })
	}
}
