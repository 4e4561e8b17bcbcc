package gitops

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/architectos/aos"
	"github.com/architectos/aos/internal/owner"
	"github.com/go-git/go-git/v5/plumbing"
)

// packThreshold is the number of new objects from which a [PackWriter]
// writes one pack instead of loose objects, as git's transfer.unpackLimit
// does: thousands of loose objects cost thousands of files.
const packThreshold = 100

// Prefixes of the temporary files a PackWriter makes in objects/pack,
// followed by the owner's token (package owner), so that those of a
// process killed while writing are swept by the next writer.
const (
	tmpPackPrefix = "tmp_aos_pack_"
	tmpIdxPrefix  = "tmp_aos_idx_"
	tmpObjPrefix  = "tmp_aos_obj_"
)

// PackWriter is an [ObjectSink] that collects new objects and writes them
// into the repository when flushed: as loose objects when they are few,
// else as one pack indexed by git index-pack. Objects already in the
// repository are skipped.
//
// Writing is all or nothing: until [PackWriter.Flush] returns, no new
// object is visible in the repository, and on any error, a full disk
// first of all, every file it made is removed again: the temporary pack
// and its index, and every loose object's temporary file (loose objects
// are renamed into place only once all of them are written). A process
// killed while writing leaves its temporary files, named after it, and
// the next PackWriter of the repository removes them.
type PackWriter struct {
	repo  *Repo
	seen  map[plumbing.Hash]bool
	loose []pending
	tmp   *os.File // the pack being written, after a 12-byte header
	w     *bufio.Writer
	zw    *zlib.Writer
	count uint32
	bytes int64 // uncompressed bytes of the objects in the pack
	// trees are the trees put here, which a tree built on top of them
	// reads before they are flushed.
	trees map[plumbing.Hash][]byte
}

type pending struct {
	t    plumbing.ObjectType
	h    plumbing.Hash
	data []byte
}

// NewPackWriter returns a sink writing into r.
func (r *Repo) NewPackWriter() *PackWriter {
	if dir, err := r.objectsDir(); err == nil {
		for _, prefix := range []string{tmpPackPrefix, tmpIdxPrefix, tmpObjPrefix} {
			owner.Sweep(filepath.Join(dir, "pack"), prefix)
		}
	}
	return &PackWriter{repo: r, seen: map[plumbing.Hash]bool{}}
}

func (p *PackWriter) put(t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	h := objectID(t, data)
	if p.seen[h] {
		return h, nil
	}
	p.seen[h] = true
	if p.repo.store.HasEncodedObject(h) == nil {
		return h, nil
	}
	if t == plumbing.TreeObject {
		if p.trees == nil {
			p.trees = map[plumbing.Hash][]byte{}
		}
		p.trees[h] = data
	}
	if p.tmp == nil && len(p.loose) < packThreshold {
		p.loose = append(p.loose, pending{t, h, data})
		return h, nil
	}
	if p.tmp == nil {
		dir, err := p.repo.objectsDir()
		if err != nil {
			return h, err
		}
		f, err := os.CreateTemp(filepath.Join(dir, "pack"), owner.Name(tmpPackPrefix))
		if err != nil {
			return h, p.fail("create a pack", err)
		}
		p.tmp, p.w = f, bufio.NewWriterSize(f, 1<<20)
		// The header, written again with the count at the end.
		if _, err := p.w.Write(make([]byte, 12)); err != nil {
			return h, p.fail("write the pack "+f.Name(), err)
		}
		for _, o := range p.loose {
			if err := p.entry(o.t, o.data); err != nil {
				return h, err
			}
		}
		p.loose = nil
	}
	return h, p.entry(t, data)
}

// fail describes an error of writing the pack, with what was written so
// far, and drops the pack.
func (p *PackWriter) fail(what string, err error) error {
	n, size := p.count, p.bytes
	if pe := (*os.PathError)(nil); errors.As(err, &pe) && p.tmp != nil && pe.Path == p.tmp.Name() {
		err = pe.Err // the pack's name is in what
	}
	p.Discard()
	return writeError(fmt.Sprintf("%s of the %d new objects (%s) written so far", what, n, humanBytes(size)), err)
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
		return p.fail("write the pack "+p.tmp.Name(), err)
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
		return p.fail("write the pack "+p.tmp.Name(), err)
	}
	if err := zw.Close(); err != nil {
		return p.fail("write the pack "+p.tmp.Name(), err)
	}
	p.count++
	p.bytes += int64(len(data))
	return nil
}

// Flush writes the collected objects into the repository: all of them,
// or, on an error, none, with no file left behind.
func (p *PackWriter) Flush() error {
	if p.tmp == nil {
		loose := p.loose
		p.loose = nil
		return p.repo.writeLoose(loose)
	}
	defer p.Discard()
	if err := p.w.Flush(); err != nil {
		return p.fail("write the pack "+p.tmp.Name(), err)
	}
	// The header with the count, then the SHA-1 of all of it.
	var hdr [12]byte
	copy(hdr[:], "PACK")
	binary.BigEndian.PutUint32(hdr[4:], 2)
	binary.BigEndian.PutUint32(hdr[8:], p.count)
	if _, err := p.tmp.WriteAt(hdr[:], 0); err != nil {
		return p.fail("write the pack "+p.tmp.Name(), err)
	}
	if _, err := p.tmp.Seek(0, io.SeekStart); err != nil {
		return p.fail("read back the pack "+p.tmp.Name(), err)
	}
	sum := sha1.New()
	if _, err := io.Copy(sum, p.tmp); err != nil {
		return p.fail("read back the pack "+p.tmp.Name(), err)
	}
	if _, err := p.tmp.Write(sum.Sum(nil)); err != nil {
		return p.fail("write the pack "+p.tmp.Name(), err)
	}
	if err := p.tmp.Close(); err != nil {
		return p.fail("write the pack "+p.tmp.Name(), err)
	}
	// git index-pack checks every object and writes the index, to a
	// name of ours; both files are renamed into place, the index last,
	// as git does: a pack without its index is not read.
	pack := p.tmp.Name()
	idx := filepath.Join(filepath.Dir(pack), strings.Replace(filepath.Base(pack), tmpPackPrefix, tmpIdxPrefix, 1))
	defer os.Remove(idx)
	cmd := exec.Command("git", "index-pack", "--fsck-objects", "--no-rev-index", "-o", idx, pack)
	cmd.Dir = p.repo.GitDir
	cmd.Env = gitEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "No space left") {
			err = syscall.ENOSPC
		} else {
			err = fmt.Errorf("%v: %s", err, msg)
		}
		return p.fail("index the pack "+pack+" with git index-pack", err)
	}
	name := strings.TrimSpace(stdout.String())
	if i := strings.IndexByte(name, '\t'); i >= 0 {
		name = name[i+1:]
	}
	if !plumbing.IsHash(name) {
		return p.fail("index the pack "+pack, fmt.Errorf("git index-pack printed %q", name))
	}
	final := filepath.Join(filepath.Dir(pack), "pack-"+name)
	if err := os.Rename(pack, final+".pack"); err != nil {
		return p.fail("move the pack into place", err)
	}
	if err := os.Rename(idx, final+".idx"); err != nil {
		os.Remove(final + ".pack")
		return p.fail("move the pack's index into place", err)
	}
	return nil
}

// Discard drops the collected objects and removes the temporary pack.
func (p *PackWriter) Discard() {
	if p.tmp != nil {
		p.tmp.Close()
		os.Remove(p.tmp.Name())
		p.tmp = nil
	}
	p.loose = nil
}

// writeLoose writes objects as loose objects: each compressed into a
// temporary file first, and all of them renamed into place only once all
// are written, so that an error (a full disk) leaves none behind.
func (r *Repo) writeLoose(objs []pending) (err error) {
	if len(objs) == 0 {
		return nil
	}
	dir, err := r.objectsDir()
	if err != nil {
		return err
	}
	tmps := make([]string, 0, len(objs))
	var made []string // fan-out directories created here
	defer func() {
		if err == nil {
			return
		}
		for _, t := range tmps {
			os.Remove(t)
		}
		for _, d := range made {
			os.Remove(d) // only if still empty
		}
	}()
	var total int64
	for _, o := range objs {
		total += int64(len(o.data))
	}
	what := func(o pending) string {
		return fmt.Sprintf("write %s %s (%s) as a loose object, one of %d (%s)", o.t, o.h, humanBytes(int64(len(o.data))), len(objs), humanBytes(total))
	}
	for _, o := range objs {
		t, err := writeTemp(filepath.Join(dir, "pack"), o)
		if err != nil {
			if pe := (*os.PathError)(nil); errors.As(err, &pe) {
				err = fmt.Errorf("%s: %w", filepath.Base(pe.Path), pe.Err)
			}
			return writeError(what(o), err)
		}
		tmps = append(tmps, t)
	}
	for i, o := range objs {
		hex := o.h.String()
		fan := filepath.Join(dir, hex[:2])
		if err := os.Mkdir(fan, 0o755); err == nil {
			made = append(made, fan)
		} else if !errors.Is(err, os.ErrExist) {
			return writeError(what(o), err)
		}
		if err := os.Rename(tmps[i], filepath.Join(fan, hex[2:])); err != nil {
			return writeError(what(o), err)
		}
		tmps[i] = "" // in place now
	}
	return nil
}

// writeTemp writes object o, compressed as git stores a loose object, to a
// new temporary file in dir, and returns its name; on an error it removes
// the file.
func writeTemp(dir string, o pending) (name string, err error) {
	f, err := os.CreateTemp(dir, owner.Name(tmpObjPrefix))
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	zw, err := zlib.NewWriterLevel(f, zlib.BestSpeed)
	if err != nil {
		return "", err
	}
	if _, err = fmt.Fprintf(zw, "%s %d\x00", o.t, len(o.data)); err != nil {
		return "", err
	}
	if _, err = zw.Write(o.data); err != nil {
		return "", err
	}
	if err = zw.Close(); err != nil {
		return "", err
	}
	if err = f.Chmod(0o444); err != nil {
		return "", err
	}
	if err = f.Close(); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// writeError says what was being written when err happened; a full disk
// or quota gets the hint that nothing was left behind.
func writeError(what string, err error) error {
	e := fmt.Errorf("%s: %w", what, err)
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return aos.WithHint(e, "free space on the file system of the repository and run again: nothing of this attempt was left in it")
	}
	return e
}

// humanBytes formats n bytes for a message.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// objectsDir is the repository's object directory, where git writes
// objects: the common directory's for a linked worktree, and
// $GIT_OBJECT_DIRECTORY when set.
func (r *Repo) objectsDir() (string, error) {
	r.objOnce.Do(func() {
		r.objDir, r.objErr = gitOutput(r.GitDir, "rev-parse", "--path-format=absolute", "--git-path", "objects")
	})
	return r.objDir, r.objErr
}
