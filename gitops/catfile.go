package gitops

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// batchAfter is how many blobs a repository reads through go-git before
// it starts a git cat-file process for the rest: a command that reads a
// manifest and a few files does not pay for a process, one that reads a
// tree's worth of files reads them at git's speed (docs/RATIONALE.md,
// "Validators": go-git inflates and hashes every object in Go, at a third
// of git's speed).
const batchAfter = 16

// catFile reads blobs through one "git cat-file --batch-command" process,
// started on first use and ended by [Repo.Close]. Its methods are safe
// for concurrent use; requests are answered one at a time.
type catFile struct {
	gitDir string
	extra  []string // object directories beyond the repository's own

	mu    sync.Mutex
	reads int // blobs read, through go-git before the process starts
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	err   error // why the process cannot serve; go-git serves instead
}

// errNoBatch means the cat-file process is not serving (yet, or any more);
// the caller reads through go-git.
var errNoBatch = errors.New("no cat-file process")

// largeBlob is the size from which a blob is read through git even
// before batchAfter reads: git inflates it faster than go-git by more
// than the cost of starting the process.
const largeBlob = 64 << 10

// read returns the content of the blob hash, or errNoBatch. large says
// the blob is known to be of largeBlob bytes or more.
func (c *catFile) read(hash string, large bool) ([]byte, error) {
	data, _, err := c.ask("contents", hash, large)
	return data, err
}

// running reports whether the process serves.
func (c *catFile) running() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cmd != nil
}

// size returns the size of the blob hash, or errNoBatch.
func (c *catFile) size(hash string) (int64, error) {
	_, n, err := c.ask("info", hash, false)
	return n, err
}

// ask sends one command (contents or info) for hash and returns its
// answer, or errNoBatch. eager starts the process however few blobs
// were read.
func (c *catFile) ask(command, hash string, eager bool) ([]byte, int64, error) {
	if !isObjectID(hash) {
		return nil, 0, fmt.Errorf("read blob %q: not an object id", hash)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil, 0, errNoBatch
	}
	if c.cmd == nil {
		if c.reads++; c.reads <= batchAfter && !eager {
			return nil, 0, errNoBatch
		}
		if err := c.start(); err != nil {
			c.err = err
			return nil, 0, errNoBatch
		}
	}
	data, n, err := c.request(command, hash)
	var de *DamagedError
	if err != nil && !errors.Is(err, errObjectMissing) && !errors.Is(err, errNotBlob) && !errors.As(err, &de) {
		// The process is not in a known state any more: stop using it.
		c.err = err
		c.stop()
		return nil, 0, errNoBatch
	}
	return data, n, err
}

// readMany reads the blobs hashes, in order, handing each to fn: it sends
// every request at once and reads the answers as they come, so that git
// inflates while the caller works. It returns errNoBatch, having read
// nothing, when the process cannot serve.
func (c *catFile) readMany(hashes []string, fn func(hash string, data []byte) error) error {
	for _, h := range hashes {
		if !isObjectID(h) {
			return fmt.Errorf("read blob %q: not an object id", h)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.serving() {
		return errNoBatch
	}
	sent := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(c.in, 32<<10)
		for _, h := range hashes {
			if _, err := w.WriteString("contents " + h + "\n"); err != nil {
				sent <- err
				return
			}
		}
		sent <- w.Flush()
	}()
	var err error
	for _, h := range hashes {
		var data []byte
		if data, _, err = c.answer(h); err != nil {
			break
		}
		if err = fn(h, data); err != nil {
			break
		}
	}
	if err != nil {
		// Answers may be left unread: the process cannot serve again.
		c.err = err
		c.stop()
		<-sent
		return err
	}
	return <-sent
}

// sizeMany returns the sizes of the blobs hashes, by id: it sends every
// "info" request at once, as readMany does, so that one round trip
// answers them all. It returns errNoBatch when the process cannot serve.
func (c *catFile) sizeMany(hashes []string) (map[string]int64, error) {
	for _, h := range hashes {
		if !isObjectID(h) {
			return nil, fmt.Errorf("read blob %q: not an object id", h)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.serving() {
		return nil, errNoBatch
	}
	sent := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(c.in, 32<<10)
		for _, h := range hashes {
			if _, err := w.WriteString("info " + h + "\n"); err != nil {
				sent <- err
				return
			}
		}
		sent <- w.Flush()
	}()
	out := make(map[string]int64, len(hashes))
	var err error
	for _, h := range hashes {
		var n int64
		if _, n, err = c.info(h); err != nil {
			if errors.Is(err, errObjectMissing) || errors.Is(err, errNotBlob) {
				// Left out: a read of it says what is wrong.
				err = nil
				continue
			}
			break
		}
		out[h] = n
	}
	if err != nil {
		// Answers may be left unread: the process cannot serve again.
		c.err = err
		c.stop()
		<-sent
		return nil, errNoBatch
	}
	if err := <-sent; err != nil {
		return nil, err
	}
	return out, nil
}

// errNotBlob means the object asked for is not a blob.
var errNotBlob = errors.New("not a blob")

// errObjectMissing means git answered that the object does not exist.
var errObjectMissing = errors.New("no such object")

// serving starts the process unless it runs, and reports whether it can
// serve; the caller holds mu.
func (c *catFile) serving() bool {
	if c.err != nil {
		return false
	}
	if c.cmd == nil {
		if err := c.start(); err != nil {
			c.err = err
			return false
		}
	}
	return true
}

func (c *catFile) start() error {
	// git streams a blob over core.bigFileThreshold as it inflates it,
	// and reads a smaller one whole before writing any of it: from
	// hashAhead on, the first parts arrive at once (StreamBlob).
	cmd := exec.Command("git", "-c", "core.bigFileThreshold="+strconv.Itoa(hashAhead), "cat-file", "--batch-command")
	cmd.Dir = c.gitDir
	cmd.Env = gitEnv()
	if len(c.extra) > 0 {
		alt := strings.Join(c.extra, string(filepath.ListSeparator))
		for _, kv := range cmd.Env {
			if v, ok := strings.CutPrefix(kv, "GIT_ALTERNATE_OBJECT_DIRECTORIES="); ok && v != "" {
				alt += string(filepath.ListSeparator) + v
			}
		}
		cmd.Env = append(cmd.Env, "GIT_ALTERNATE_OBJECT_DIRECTORIES="+alt)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	growPipe(out)
	c.cmd, c.in, c.out = cmd, in, bufio.NewReaderSize(out, 64<<10)
	return nil
}

// request sends one command and reads git's answer: "<id> <type>
// <size>\n", followed for contents by "<content>\n"; or "<id>
// missing\n".
func (c *catFile) request(command, hash string) ([]byte, int64, error) {
	if _, err := io.WriteString(c.in, command+" "+hash+"\n"); err != nil {
		return nil, 0, err
	}
	if command == "info" {
		return c.info(hash)
	}
	return c.answer(hash)
}

// info reads the answer to "info hash".
func (c *catFile) info(hash string) ([]byte, int64, error) {
	_, size, kind, err := c.header(hash)
	if err == nil && kind != "blob" {
		err = fmt.Errorf("read blob %s: it is a %s: %w", hash, kind, errNotBlob)
	}
	return nil, size, err
}

// answer reads the answer to "contents hash".
func (c *catFile) answer(hash string) ([]byte, int64, error) {
	_, size, kind, err := c.header(hash)
	if err != nil {
		return nil, 0, err
	}
	data := make([]byte, size+1)
	var id plumbing.Hash
	if kind == "blob" && size >= hashAhead {
		id, err = readHashing(c.out, data)
	} else {
		_, err = io.ReadFull(c.out, data)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read cat-file answer: %w", err)
	}
	if data[size] != '\n' {
		return nil, 0, errors.New("cat-file answer does not end where its size says")
	}
	if kind != "blob" {
		return nil, 0, fmt.Errorf("read blob %s: it is a %s: %w", hash, kind, errNotBlob)
	}
	data = data[:size:size]
	if size < hashAhead {
		id = objectID(plumbing.BlobObject, data)
	}
	// git's cat-file serves a loose object's content without checking it.
	if want := plumbing.NewHash(hash); id != want {
		return nil, 0, damaged("blob", want, fmt.Errorf("its content hashes to %s", id))
	}
	return data, size, nil
}

// hashAhead is the size from which a blob is hashed as it arrives, while
// git inflates the rest, rather than once it is read.
const hashAhead = 1 << 20

// readHashing fills buf from r and returns the blob id of all of buf but
// its last byte (the answer's newline): the content is hashed as it is
// read, as a stream's is ([blobID]).
func readHashing(r io.Reader, buf []byte) (plumbing.Hash, error) {
	s := &BlobStream{buf: buf[:len(buf)-1]}
	s.cond.L = &s.mu
	var id plumbing.Hash
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		id = blobID(s)
	}()
	off, err := s.fill(r)
	if err == nil {
		_, err = io.ReadFull(r, buf[len(buf)-1:])
	}
	s.arrived(off, true, err)
	<-hashed
	return id, err
}

// header reads the first line of an answer about hash.
func (c *catFile) header(hash string) (string, int64, string, error) {
	head, err := c.out.ReadSlice('\n')
	if err != nil {
		return "", 0, "", fmt.Errorf("read cat-file answer: %w", err)
	}
	f := strings.Fields(string(head))
	switch {
	case len(f) == 2 && f[0] == hash && f[1] == "missing":
		return "", 0, "", fmt.Errorf("read blob %s: %w", hash, errObjectMissing)
	case len(f) != 3 || f[0] != hash:
		return "", 0, "", fmt.Errorf("unexpected cat-file answer %q", bytes.TrimSpace(head))
	}
	size, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || size < 0 || size > 1<<40 {
		return "", 0, "", fmt.Errorf("unexpected cat-file answer %q", bytes.TrimSpace(head))
	}
	return f[0], size, f[1], nil
}

// stop ends the process; the caller holds mu.
func (c *catFile) stop() {
	if c.cmd == nil {
		return
	}
	c.in.Close()
	c.cmd.Process.Kill()
	c.cmd.Wait()
	c.cmd = nil
}

// close ends the process, if it runs, for good.
func (c *catFile) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil {
		c.in.Close()
		c.cmd.Wait()
		c.cmd = nil
	}
	c.err = errNoBatch
}

// isObjectID reports whether s is a full object id: 40 or 64 lowercase
// hexadecimal digits.
func isObjectID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
