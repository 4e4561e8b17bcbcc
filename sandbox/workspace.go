package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/architectos/aos/policy"
	"github.com/sourcegraph/conc/pool"
)

// materializeWorkers bounds the goroutines writing files in [Materialize].
// Writing is bound by system calls, not CPU, so it exceeds the core count.
const materializeWorkers = 8

// Materialize writes the tree fsys into the directory dst, which must not
// exist or be empty: every directory, every regular file (mode 0755 when
// any executable bit is set in fsys, 0644 otherwise) and, when fsys
// implements [fs.ReadLinkFS], every symlink, with its target as is. Other
// symlinks are left out. Any other kind of file is an error. Writes never
// follow a symlink out of dst.
func Materialize(ctx context.Context, dst string, fsys fs.FS) error {
	if err := materialize(ctx, dst, fsys); err != nil {
		return fmt.Errorf("materialize workspace %s: %w", dst, err)
	}
	return nil
}

func materialize(ctx context.Context, dst string, fsys fs.FS) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	ents, err := os.ReadDir(dst)
	if err != nil {
		return err
	}
	if len(ents) > 0 {
		return errors.New("directory is not empty")
	}
	root, err := os.OpenRoot(dst)
	if err != nil {
		return err
	}
	defer root.Close()
	rl, canLink := fsys.(fs.ReadLinkFS)

	// The first error alone: the cancellations it causes in the other
	// copies say nothing, and would read as an interrupted command.
	p := pool.New().WithContext(ctx).WithMaxGoroutines(materializeWorkers).WithCancelOnError().WithFirstError()
	walkErr := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		switch t := d.Type(); {
		case name == ".":
			return nil
		case t.IsDir():
			// WalkDir visits a directory before its entries, so parents
			// exist before anything is written into them.
			return root.Mkdir(name, 0o755)
		case t&fs.ModeSymlink != 0:
			if !canLink {
				return nil
			}
			target, err := rl.ReadLink(name)
			if err != nil {
				return err
			}
			return root.Symlink(target, name)
		case t.IsRegular():
			p.Go(func(ctx context.Context) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				return copyFile(root, fsys, name)
			})
			return nil
		default:
			return fmt.Errorf("%s: unsupported file type %v", name, t)
		}
	})
	poolErr := p.Wait()
	if walkErr != nil {
		return walkErr
	}
	return poolErr
}

// copyFile copies the regular file name of fsys to the same name in root.
func copyFile(root *os.Root, fsys fs.FS, name string) error {
	src, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", name)
	}
	perm := fs.FileMode(0o644)
	if fi.Mode()&0o111 != 0 {
		perm = 0o755
	}
	dst, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	buf := copyBuffers.Get().(*[]byte)
	// Hide ReadFrom and WriteTo, which would allocate a buffer per file.
	_, err = io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, *buf)
	copyBuffers.Put(buf)
	if err == nil && perm&processUmask() != 0 {
		// The umask cleared bits of perm.
		err = dst.Chmod(perm)
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			err = pe.Err // its path is dst's name
		}
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// copyBuffers hold the buffers of copyFile.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// processUmask returns the process's umask as Linux reports it, or 0o777
// (assume the worst) when it cannot be read. Reading it with umask(2)
// would change it for every thread while it is read.
var processUmask = sync.OnceValue(func() fs.FileMode {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0o777
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
				return fs.FileMode(m)
			}
		}
	}
	return 0o777
})

// Output is a file a job produced, as collected by [CollectOutputs].
type Output struct {
	Path       string // slash-separated, relative to the workspace
	Content    []byte
	Executable bool // any executable bit is set
}

// ErrOutputSymlink is wrapped by the error for an output that is a symlink;
// outputs are never followed.
var ErrOutputSymlink = errors.New("output is a symlink")

// ErrOutputTooLarge is wrapped by the error for outputs whose total size
// exceeds the cap.
var ErrOutputTooLarge = errors.New("outputs exceed the size cap")

// CollectOutputs returns the regular files under dir whose slash-separated
// path relative to dir matches any of globs ([policy.MatchName]), sorted by
// path. A symlink that matches is an error wrapping [ErrOutputSymlink], and
// other non-regular files that match are errors too; matching directories
// are passed over. Symlinks are never followed, neither to files nor while
// walking. The total size of the outputs may not exceed maxBytes
// ([ErrOutputTooLarge]).
func CollectOutputs(dir string, globs []string, maxBytes int64) ([]Output, error) {
	outs, err := collectOutputs(dir, globs, maxBytes)
	if err != nil {
		return nil, fmt.Errorf("collect outputs from %s: %w", dir, err)
	}
	return outs, nil
}

func collectOutputs(dir string, globs []string, maxBytes int64) ([]Output, error) {
	for _, g := range globs {
		if err := policy.CheckPattern(g); err != nil {
			return nil, fmt.Errorf("output glob: %w", err)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	var outs []Output
	var total int64
	err = fs.WalkDir(root.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name == "." || !policy.MatchName(globs, name) {
			return nil
		}
		t := d.Type()
		switch {
		case t.IsDir():
			return nil
		case t&fs.ModeSymlink != 0:
			return fmt.Errorf("%s: %w", name, ErrOutputSymlink)
		case !t.IsRegular():
			return fmt.Errorf("%s: output is not a regular file (%v)", name, t)
		}
		o, n, err := readOutput(root, name, maxBytes-total)
		if err != nil {
			return err
		}
		total += n
		outs = append(outs, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return outs, nil
}

// readOutput reads the regular file name of root, refusing a symlink put in
// its place since the walk and a file larger than room.
func readOutput(root *os.Root, name string, room int64) (Output, int64, error) {
	lfi, err := root.Lstat(name)
	if err != nil {
		return Output{}, 0, err
	}
	if lfi.Mode()&fs.ModeSymlink != 0 {
		return Output{}, 0, fmt.Errorf("%s: %w", name, ErrOutputSymlink)
	}
	if !lfi.Mode().IsRegular() {
		return Output{}, 0, fmt.Errorf("%s: output is not a regular file", name)
	}
	if lfi.Size() > room {
		return Output{}, 0, fmt.Errorf("%s: %w", name, ErrOutputTooLarge)
	}
	f, err := root.Open(name)
	if err != nil {
		return Output{}, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Output{}, 0, err
	}
	if !os.SameFile(lfi, fi) {
		return Output{}, 0, fmt.Errorf("%s: output changed while collected", name)
	}
	data, err := io.ReadAll(io.LimitReader(f, room+1))
	if err != nil {
		return Output{}, 0, err
	}
	if int64(len(data)) > room {
		return Output{}, 0, fmt.Errorf("%s: %w", name, ErrOutputTooLarge)
	}
	return Output{
		Path:       path.Clean(name),
		Content:    data,
		Executable: fi.Mode()&0o111 != 0,
	}, int64(len(data)), nil
}
