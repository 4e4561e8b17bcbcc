package gitops

import (
	"bufio"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
)

// BlobStream is a blob read from git while it arrives: git inflates the
// rest while the parts read are used (a plan is parsed and digested as it
// comes). [BlobStream.More] gives the content read so far; [BlobStream.Wait]
// gives all of it once it is read and checked against the blob's id, and
// says whether that is what More gave: when the git process fails half
// way, the blob is read again through go-git, and what was made of the
// parts More gave is void.
type BlobStream struct {
	mu   sync.Mutex
	cond sync.Cond
	buf  []byte // the content, filled up to n
	n    int
	done bool  // no more will arrive
	err  error // why the read stopped short
	// hashed is closed once the content More gave is hashed into id.
	hashed chan struct{}
	id     plumbing.Hash

	// whole is the blob's content, as Wait gives it; again says it was
	// read again, after the stream failed.
	once  sync.Once
	whole []byte
	again bool
	werr  error
	read  func() ([]byte, error) // reads the blob again, checked
	want  plumbing.Hash
}

// More blocks until more than n bytes of the blob have arrived, or no
// more will, and returns the content so far (a prefix of the blob, whose
// bytes never change) and whether no more will arrive. After a failed
// read, what it gave is not all of the blob: see [BlobStream.Wait].
func (s *BlobStream) More(n int) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.n <= n && !s.done {
		s.cond.Wait()
	}
	return s.buf[:s.n], s.done
}

// Wait returns the blob's content, all of it, checked against its id: a
// blob that does not hash to it is a [DamagedError]. again reports that
// the content is not what More gave (the stream failed, and the blob was
// read again).
func (s *BlobStream) Wait() (data []byte, again bool, err error) {
	s.once.Do(func() {
		<-s.hashed
		s.mu.Lock()
		rerr := s.err
		s.mu.Unlock()
		switch {
		case rerr != nil:
			s.whole, s.werr = s.read()
			s.again = true
		case s.id != s.want:
			s.werr = damaged("blob", s.want, fmt.Errorf("its content hashes to %s", s.id))
		default:
			s.whole = s.buf[:s.n:s.n]
		}
	})
	return s.whole, s.again, s.werr
}

// arrived publishes the content up to n; done says no more will come,
// and err why, if it stopped short.
func (s *BlobStream) arrived(n int, done bool, err error) {
	s.mu.Lock()
	s.n, s.done, s.err = n, done, err
	s.mu.Unlock()
	s.cond.Broadcast()
}

// completeStream is a stream of content already read whole, or of an
// error.
func completeStream(data []byte, err error) *BlobStream {
	s := &BlobStream{buf: data, n: len(data), done: true, hashed: make(chan struct{})}
	close(s.hashed)
	s.once.Do(func() { s.whole, s.werr = data, err })
	s.cond.L = &s.mu
	return s
}

// StreamBlob starts reading the blob hash, as [Repo.ReadBlob] reads it,
// and returns at once. A blob of hashAhead bytes or more that the git
// process serves arrives in parts; any other is read whole first. Until
// the stream is done, the repository's git process is the stream's:
// other reads wait for it.
func (r *Repo) StreamBlob(hash string) *BlobStream {
	if r.cat == nil || !isObjectID(hash) || len(hash) != 2*len(plumbing.Hash{}) {
		return completeStream(r.ReadBlob(hash))
	}
	s := &BlobStream{hashed: make(chan struct{}), want: plumbing.NewHash(hash),
		read: func() ([]byte, error) { return r.readObject(plumbing.BlobObject, plumbing.NewHash(hash)) }}
	s.cond.L = &s.mu
	switch err := r.cat.stream(hash, s); {
	case errors.Is(err, errSmall):
		return completeStream(r.ReadBlob(hash))
	case err != nil:
		// Missing, not a blob, or no process: go-git reads it, and names
		// what is wrong.
		return completeStream(r.readObject(plumbing.BlobObject, plumbing.NewHash(hash)))
	}
	check := !r.receivedPacked(s.want)
	go func() {
		defer close(s.hashed)
		s.id = s.want
		if check {
			s.id = blobID(s)
		} else {
			for n, done := 0, false; !done; {
				var d []byte
				d, done = s.More(n)
				n = len(d)
			}
		}
	}()
	return s
}

// blobID hashes the content of s into its blob id as it arrives, and
// returns it once no more will.
func blobID(s *BlobStream) plumbing.Hash {
	h := sha1.New()
	h.Write(strconv.AppendInt([]byte("blob "), int64(len(s.buf)), 10))
	h.Write([]byte{0})
	for n := 0; ; {
		d, done := s.More(n)
		h.Write(d[n:])
		n = len(d)
		if done {
			break
		}
	}
	var id plumbing.Hash
	copy(id[:], h.Sum(nil))
	return id
}

// fill reads the content of s from r in parts, publishing each as it is
// read, and returns how much it read and why it stopped short; the
// caller says when no more will arrive.
func (s *BlobStream) fill(r io.Reader) (int, error) {
	const part = 256 << 10
	off := 0
	for off < len(s.buf) {
		end := min(off+part, len(s.buf))
		if _, err := io.ReadFull(r, s.buf[off:end]); err != nil {
			return off, err
		}
		off = end
		s.arrived(off, false, nil)
	}
	return off, nil
}

// receivedPacked reports whether blob h is in a pack of the push being
// received ([OpenHook]). Its content needs no hashing again: git's
// index-pack named each object of that pack by hashing its content, in
// this push, and git serves an object from a pack before any loose copy
// of it, checking the pack's zlib stream as it inflates it. A blob found
// anywhere else is hashed.
func (r *Repo) receivedPacked(h plumbing.Hash) bool {
	r.recvOnce.Do(func() {
		if r.received == "" {
			return
		}
		idxs, _ := filepath.Glob(filepath.Join(r.received, "pack", "*.idx"))
		for _, p := range idxs {
			f, err := os.Open(p)
			if err != nil {
				continue
			}
			idx := idxfile.NewMemoryIndex()
			err = idxfile.NewDecoder(bufio.NewReader(f)).Decode(idx)
			f.Close()
			if err == nil {
				r.recvIdx = append(r.recvIdx, idx)
			}
		}
	})
	for _, idx := range r.recvIdx {
		if ok, err := idx.Contains(h); err == nil && ok {
			return true
		}
	}
	return false
}

// errSmall is stream's answer for a blob under hashAhead bytes, which is
// read whole: nothing was asked of git.
var errSmall = errors.New("small blob")

// stream asks git for the content of blob hash and reads it into s in
// parts, on a goroutine that holds the process until the answer is read.
// It returns errSmall for a blob under hashAhead bytes and errNoBatch,
// errObjectMissing or errNotBlob as ask does, having started nothing.
func (c *catFile) stream(hash string, s *BlobStream) error {
	c.mu.Lock()
	unlock := true
	defer func() {
		if unlock {
			c.mu.Unlock()
		}
	}()
	if !c.serving() {
		return errNoBatch
	}
	// The size first: a small blob is read whole, and so is anything but
	// a blob (whose answer reads past its content, as ask reads it).
	if _, n, err := c.request("info", hash); err != nil {
		if errors.Is(err, errObjectMissing) || errors.Is(err, errNotBlob) {
			return err
		}
		c.err = err
		c.stop()
		return errNoBatch
	} else if n < hashAhead {
		return errSmall
	}
	if _, err := io.WriteString(c.in, "contents "+hash+"\n"); err != nil {
		c.err = err
		c.stop()
		return errNoBatch
	}
	_, size, kind, err := c.header(hash)
	if err == nil && kind != "blob" {
		err = fmt.Errorf("read blob %s: it changed from a blob to a %s", hash, kind)
	}
	if err != nil {
		c.err = err
		c.stop()
		return errNoBatch
	}
	s.buf = make([]byte, size)
	unlock = false
	go func() {
		defer c.mu.Unlock()
		off, err := s.fill(c.out)
		if err == nil {
			var nl byte
			if nl, err = c.out.ReadByte(); err == nil && nl != '\n' {
				err = errors.New("cat-file answer does not end where its size says")
			}
		}
		if err != nil {
			err = fmt.Errorf("read cat-file answer: %w", err)
			c.err = err
			c.stop()
		}
		s.arrived(off, true, err)
	}()
	return nil
}
