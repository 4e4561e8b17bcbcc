package wasm

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/architectos/aos/internal/owner"
)

// The compilation cache on disk.
//
// wazero's own cache directory trusts its files: an entry is found by a
// hash of the module and loaded as machine code, so copying another
// module's compiled file over an entry runs that other module's code
// under the first one's name. git-aos therefore keeps its own entries,
// each one file in cacheSubdir:
//
//	magic (8 bytes) "AOSWASM1"
//	sha256 of the module (32 bytes)
//	mode (1 byte): 0 compiled without context checks, 1 with them
//	length (1 byte) and name of wazero's runtime ("wazero-v1.12.0-amd64-linux")
//	length (1 byte) and name of wazero's entry (its key, in hex)
//	sha256 of the payload (32 bytes)
//	length of the payload (8 bytes, big-endian)
//	payload: the file wazero wrote when it compiled the module
//
// An entry is used only when its module digest is the digest of the
// module being compiled (for a project's module, the sha256 pinned in the
// manifest, already checked), its mode and runtime are this engine's, and
// its payload has its digest. The payload is then handed to wazero in a
// private staging directory of this process, from the bytes that were
// checked, and removed once wazero has read it. An entry that fails any
// check is never loaded: the module is compiled again and the entry
// replaced.
//
// Entries are written whole to a temporary file renamed into place; the
// payload digest makes a torn or truncated file a miss, so nothing is
// synced. Only one process compiles a module at a time: the others wait
// on a file lock for its entry ([lockWait]), then load it.
//
// The directory, every directory above it and every entry must be
// writable by this process's user (or root) alone, as for ssh's
// StrictModes: a sticky directory such as /tmp may be above it. A cache
// that others could write is refused with [ErrCacheUnsafe].

// cacheSubdir holds git-aos's entries inside a cache directory.
const cacheSubdir = "git-aos-1"

var entryMagic = [8]byte{'A', 'O', 'S', 'W', 'A', 'S', 'M', '1'}

// ErrCacheUnsafe is wrapped by the error for a compilation cache that a
// user other than this process's (or root) could write.
var ErrCacheUnsafe = errors.New("compilation cache is writable by other users")

// lockWait bounds the wait for another process compiling the same module;
// past it this process compiles the module itself.
const lockWait = 2 * time.Minute

// diskCache is git-aos's directory of compiled modules.
type diskCache struct {
	dir string // <cache dir>/git-aos-1
}

// openDiskCache creates the cache under dir if needed, checks that no
// other user can write it, and removes what processes killed while
// compiling left there.
func openDiskCache(dir string) (*diskCache, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("compilation cache %s: %w", dir, err)
	}
	sub := filepath.Join(abs, cacheSubdir)
	if err := os.MkdirAll(sub, 0o700); err != nil {
		return nil, fmt.Errorf("create compilation cache: %w", err)
	}
	if err := checkPrivate(abs, sub); err != nil {
		return nil, err
	}
	owner.Sweep(sub, stagePrefix)
	owner.Sweep(sub, tmpPrefix)
	return &diskCache{dir: sub}, nil
}

// Prefixes of the temporary names in the cache, followed by their owner
// (package owner).
const (
	stagePrefix = "stage-"
	tmpPrefix   = "tmp-"
)

// checkPrivate returns an error wrapping [ErrCacheUnsafe] unless sub, the
// cache directory dir that holds it, and every directory above them
// belong to this user or root and are writable by their owner alone; a
// directory above dir may also be sticky, as /tmp is.
func checkPrivate(dir, sub string) error {
	top, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("compilation cache %s: %w", dir, err)
	}
	real, err := filepath.EvalSymlinks(sub)
	if err != nil {
		return fmt.Errorf("compilation cache %s: %w", dir, err)
	}
	uid := os.Geteuid()
	for p := real; ; p = filepath.Dir(p) {
		fi, err := os.Lstat(p)
		if err != nil {
			return fmt.Errorf("compilation cache %s: %w", dir, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return nil // not a unix file system: nothing to check
		}
		inside := p == real || p == top
		switch {
		case int(st.Uid) != uid && st.Uid != 0:
			return fmt.Errorf("%w: %s belongs to uid %d", ErrCacheUnsafe, p, st.Uid)
		case fi.Mode().Perm()&0o022 != 0 && (inside || fi.Mode()&fs.ModeSticky == 0):
			return fmt.Errorf("%w: %s has mode %04o", ErrCacheUnsafe, p, fi.Mode().Perm())
		}
		if up := filepath.Dir(p); up == p {
			return nil
		}
	}
}

// entryName is the file of a module's entry.
func entryName(tag string, sum [32]byte, checked bool) string {
	mode := "native"
	if checked {
		mode = "checked"
	}
	return tag + "-" + hex.EncodeToString(sum[:]) + "-" + mode
}

// entry is a decoded cache entry.
type entry struct {
	sum     [32]byte
	checked bool
	tag     string
	key     string
	payload []byte
}

func (e *entry) encode() []byte {
	var b bytes.Buffer
	b.Write(entryMagic[:])
	b.Write(e.sum[:])
	if e.checked {
		b.WriteByte(1)
	} else {
		b.WriteByte(0)
	}
	b.WriteByte(byte(len(e.tag)))
	b.WriteString(e.tag)
	b.WriteByte(byte(len(e.key)))
	b.WriteString(e.key)
	ps := sha256.Sum256(e.payload)
	b.Write(ps[:])
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(e.payload)))
	b.Write(n[:])
	b.Write(e.payload)
	return b.Bytes()
}

// errEntry is why an entry is not used.
var errEntry = errors.New("bad cache entry")

// decodeEntry decodes data and checks that it is the entry of the module
// with digest sum, in mode checked, for runtime tag, with an intact
// payload.
func decodeEntry(data []byte, sum [32]byte, checked bool, tag string) (*entry, error) {
	bad := func(what string) (*entry, error) { return nil, fmt.Errorf("%w: %s", errEntry, what) }
	if len(data) < len(entryMagic)+32+1 || !bytes.Equal(data[:8], entryMagic[:]) {
		return bad("not an entry")
	}
	e := &entry{}
	p := data[8:]
	copy(e.sum[:], p[:32])
	if e.sum != sum {
		return bad(fmt.Sprintf("compiled from module sha256 %x, not %x", e.sum, sum))
	}
	e.checked = p[32] == 1
	if p[32] > 1 || e.checked != checked {
		return bad("compiled in another mode")
	}
	p = p[33:]
	str := func() (string, bool) {
		if len(p) < 1 || len(p) < 1+int(p[0]) {
			return "", false
		}
		s := string(p[1 : 1+int(p[0])])
		p = p[1+int(p[0]):]
		return s, true
	}
	var ok bool
	if e.tag, ok = str(); !ok || e.tag != tag {
		return bad("made by another runtime")
	}
	if e.key, ok = str(); !ok || !validKey(e.key) {
		return bad("no wazero key")
	}
	if len(p) < 40 {
		return bad("truncated")
	}
	var want [32]byte
	copy(want[:], p[:32])
	n := binary.BigEndian.Uint64(p[32:40])
	p = p[40:]
	if uint64(len(p)) != n {
		return bad("truncated")
	}
	if sha256.Sum256(p) != want {
		return bad("payload does not match its sha256")
	}
	e.payload = p
	return e, nil
}

// validKey reports whether k can be wazero's name of an entry: hex.
func validKey(k string) bool {
	if k == "" || len(k) > 128 {
		return false
	}
	_, err := hex.DecodeString(k)
	return err == nil
}

// read returns the verified entry name, or nil when there is none that
// can be used.
func (c *diskCache) read(name string, sum [32]byte, checked bool, tag string) *entry {
	f, err := os.OpenFile(filepath.Join(c.dir, name), os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o022 != 0 {
		return nil
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() && st.Uid != 0 {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(f, 1<<30))
	if err != nil {
		return nil
	}
	e, err := decodeEntry(data, sum, checked, tag)
	if err != nil {
		return nil
	}
	return e
}

// write stores e as name: whole, or not at all.
func (c *diskCache) write(name string, e *entry) (err error) {
	f, err := os.CreateTemp(c.dir, owner.Name(tmpPrefix))
	if err != nil {
		return fmt.Errorf("write compilation cache entry in %s: %w", c.dir, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("write compilation cache entry %s: %w", filepath.Join(c.dir, name), err)
		}
	}()
	if _, err = f.Write(e.encode()); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), filepath.Join(c.dir, name))
}

// lock takes the lock of entry name, waiting for another process that
// holds it (it is compiling the module) until ctx is done or [lockWait]
// has passed; then it returns without the lock, and this process
// compiles the module too. The returned function releases the lock.
//
// The lock is flock(2) on the file NAME.flock, which stays in the cache:
// the kernel lets go of the lock when its holder dies, so a killed
// process leaves no stale lock (unlike git's NAME.lock files, which are
// locks by their existence), and removing the file would let two
// processes lock two different files of one name.
func (c *diskCache) lock(ctx context.Context, name string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(c.dir, name+".flock"), os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock compilation cache entry: %w", err)
	}
	fd := int(f.Fd())
	if syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB) == nil {
		return func() { f.Close() }, nil
	}
	got := make(chan error, 1)
	go func() {
		var err error
		for {
			if err = syscall.Flock(fd, syscall.LOCK_EX); err != syscall.EINTR {
				break
			}
		}
		got <- err
	}()
	// abandon gives up waiting; the lock, once the wait ends, is let go.
	abandon := func() { go func() { <-got; f.Close() }() }
	t := time.NewTimer(lockWait)
	defer t.Stop()
	select {
	case err := <-got:
		if err != nil {
			f.Close()
			return func() {}, nil
		}
		return func() { f.Close() }, nil
	case <-ctx.Done():
		abandon()
		return nil, ctx.Err()
	case <-t.C:
		abandon()
		return func() {}, nil
	}
}

// stageDir returns the name of a new private staging directory in the
// cache, for this process.
func (c *diskCache) stageDir() (string, error) {
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	return filepath.Join(c.dir, owner.Name(stagePrefix)+hex.EncodeToString(r[:])), nil
}

// stagedFile returns the one file wazero wrote in dir, its tag directory,
// and its name.
func stagedFile(dir string) (path, key string, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", "", err
	}
	for _, e := range ents {
		if e.Type().IsRegular() && validKey(e.Name()) {
			return filepath.Join(dir, e.Name()), e.Name(), nil
		}
	}
	return "", "", errors.New("wazero wrote no compiled module")
}

// runtimeTag returns the name of the runtime directory wazero made in
// stage: its version, architecture and OS.
func runtimeTag(stage string) (string, error) {
	ents, err := os.ReadDir(stage)
	if err != nil {
		return "", err
	}
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), "wazero-") && len(e.Name()) < 200 {
			return e.Name(), nil
		}
	}
	return "", errors.New("wazero made no cache directory")
}
