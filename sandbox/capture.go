package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

// capture keeps the first max bytes of a stream and a ring of its last max
// bytes, and counts and hashes all of it. It is not safe for concurrent use;
// the job's merged output has a single reader.
type capture struct {
	max   int64
	total int64
	head  []byte
	ring  []byte // the last len(ring) bytes, in order after rotating at pos
	pos   int    // where the next byte goes once ring is full
	full  bool
	sum   hash.Hash
}

func newCapture(max int64) *capture {
	return &capture{max: max, sum: sha256.New()}
}

// Write never fails.
func (c *capture) Write(p []byte) (int, error) {
	c.sum.Write(p)
	c.total += int64(len(p))
	if room := c.max - int64(len(c.head)); room > 0 {
		c.head = append(c.head, p[:min(int64(len(p)), room)]...)
	}
	c.keepTail(p)
	return len(p), nil
}

func (c *capture) keepTail(p []byte) {
	if int64(len(p)) >= c.max {
		c.ring = append(c.ring[:0], p[int64(len(p))-c.max:]...)
		c.pos, c.full = 0, true
		return
	}
	if !c.full {
		n := min(int(c.max)-len(c.ring), len(p))
		c.ring = append(c.ring, p[:n]...)
		p = p[n:]
		c.full = len(c.ring) == int(c.max)
	}
	for len(p) > 0 {
		n := copy(c.ring[c.pos:], p)
		p = p[n:]
		c.pos = (c.pos + n) % len(c.ring)
	}
}

// tail returns the last whole lines of the ring, at most TailLines. When the
// ring no longer starts at the stream's start, its first, cut line is left
// out unless it is the only one.
func (c *capture) tail() []string {
	buf := c.ring
	if c.full && c.pos > 0 {
		buf = append(append([]byte(nil), c.ring[c.pos:]...), c.ring[:c.pos]...)
	}
	cut := c.total > int64(len(buf))
	buf = bytes.TrimSuffix(buf, []byte("\n"))
	if len(buf) == 0 {
		return nil
	}
	lines := bytes.Split(buf, []byte("\n"))
	if cut && len(lines) > 1 {
		lines = lines[1:]
	}
	if len(lines) > TailLines {
		lines = lines[len(lines)-TailLines:]
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = string(l)
	}
	return out
}

// fill records the capture in r.
func (c *capture) fill(r *Result) {
	r.OutputBytes = c.total
	r.OutputDigest = "sha256:" + hex.EncodeToString(c.sum.Sum(nil))
	r.Truncated = c.total > c.max
	r.Output = c.head
	r.Tail = c.tail()
}
