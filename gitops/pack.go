package gitops

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// packThreshold is the number of new objects from which a [PackWriter]
// writes one pack instead of loose objects, as git's transfer.unpackLimit
// does: thousands of loose objects cost thousands of files.
const packThreshold = 100

// PackWriter is an [ObjectSink] that collects new objects and writes them
// into the repository when flushed: as loose objects when they are few,
// else as one pack indexed by git index-pack. Objects already in the
// repository are skipped. Until [PackWriter.Flush], nothing is visible in
// the repository; a process killed before then leaves at most a temporary
// file behind, never a ref or a half-written object.
type PackWriter struct {
	repo  *Repo
	seen  map[plumbing.Hash]bool
	loose []pending
	tmp   *os.File
	w     *bufio.Writer
	zw    *zlib.Writer
	count uint32
}

type pending struct {
	t    plumbing.ObjectType
	data []byte
}

// NewPackWriter returns a sink writing into r.
func (r *Repo) NewPackWriter() *PackWriter {
	return &PackWriter{repo: r, seen: map[plumbing.Hash]bool{}}
}

func (p *PackWriter) put(t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	h := plumbing.ComputeHash(t, data)
	if p.seen[h] {
		return h, nil
	}
	p.seen[h] = true
	if p.repo.store.HasEncodedObject(h) == nil {
		return h, nil
	}
	if p.tmp == nil && len(p.loose) < packThreshold {
		p.loose = append(p.loose, pending{t, data})
		return h, nil
	}
	if p.tmp == nil {
		f, err := os.CreateTemp(p.repo.objectsDir(), "tmp_aos_pack_")
		if err != nil {
			return h, fmt.Errorf("write objects: %w", err)
		}
		p.tmp, p.w = f, bufio.NewWriterSize(f, 1<<20)
		for _, o := range p.loose {
			if err := p.entry(o.t, o.data); err != nil {
				return h, err
			}
		}
		p.loose = nil
	}
	return h, p.entry(t, data)
}

// entry appends one undeltified object to the pack body.
func (p *PackWriter) entry(t plumbing.ObjectType, data []byte) error {
	// Type and size: 3 bits of type and 4 of size, then 7 bits a byte.
	size := uint64(len(data))
	b := byte(t)<<4 | byte(size&0x0f)
	size >>= 4
	var hdr []byte
	for size > 0 {
		hdr = append(hdr, b|0x80)
		b = byte(size & 0x7f)
		size >>= 7
	}
	hdr = append(hdr, b)
	if _, err := p.w.Write(hdr); err != nil {
		return fmt.Errorf("write objects: %w", err)
	}
	// One compressor, reset for each object: a new one allocates about
	// a megabyte.
	if p.zw == nil {
		zw, err := zlib.NewWriterLevel(p.w, zlib.BestSpeed)
		if err != nil {
			return err
		}
		p.zw = zw
	} else {
		p.zw.Reset(p.w)
	}
	zw := p.zw
	if _, err := zw.Write(data); err != nil {
		return fmt.Errorf("write objects: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write objects: %w", err)
	}
	p.count++
	return nil
}

// Flush writes the collected objects into the repository.
func (p *PackWriter) Flush() error {
	for _, o := range p.loose {
		if _, err := p.repo.put(o.t, o.data); err != nil {
			return err
		}
	}
	p.loose = nil
	if p.tmp == nil {
		return nil
	}
	defer func() {
		p.tmp.Close()
		os.Remove(p.tmp.Name())
		p.tmp = nil
	}()
	if err := p.w.Flush(); err != nil {
		return fmt.Errorf("write objects: %w", err)
	}
	if _, err := p.tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	// The pack: header, body, and the SHA-1 of both, streamed into git
	// index-pack, which checks every object, writes the .pack and .idx
	// and renames them into place.
	cmd := exec.Command("git", "index-pack", "--stdin", "--fsck-objects")
	cmd.Dir = p.repo.GitDir
	cmd.Env = gitEnv()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git index-pack: %w", err)
	}
	sum := sha1.New()
	w := io.MultiWriter(stdin, sum)
	var hdr [12]byte
	copy(hdr[:], "PACK")
	binary.BigEndian.PutUint32(hdr[4:], 2)
	binary.BigEndian.PutUint32(hdr[8:], p.count)
	_, err = w.Write(hdr[:])
	if err == nil {
		_, err = io.Copy(w, p.tmp)
	}
	if err == nil {
		_, err = stdin.Write(sum.Sum(nil))
	}
	stdin.Close()
	if werr := cmd.Wait(); werr != nil {
		return fmt.Errorf("git index-pack: %v: %s", werr, strings.TrimSpace(stderr.String()))
	}
	if err != nil {
		return fmt.Errorf("git index-pack: %w", err)
	}
	return nil
}

// Discard drops the collected objects.
func (p *PackWriter) Discard() {
	if p.tmp != nil {
		p.tmp.Close()
		os.Remove(p.tmp.Name())
		p.tmp = nil
	}
	p.loose = nil
}

// objectsDir is the repository's object directory.
func (r *Repo) objectsDir() string {
	if d := os.Getenv("GIT_OBJECT_DIRECTORY"); d != "" {
		return d
	}
	return r.GitDir + "/objects"
}
