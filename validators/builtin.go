package validators

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue"
	"github.com/architectos/aos/validators/kinds"
	"github.com/architectos/aos/validators/rules"
	"github.com/architectos/aos/wasm"
	"github.com/architectos/aos/wasm/abi"
)

// BuiltinModule is the module of every built-in validator, assembled
// from validators/builtin/builtin.wat; TestBuiltinReproducible assembles
// it again and compares.
//
//go:generate wat2wasm builtin/builtin.wat -o builtin/builtin.wasm
//go:embed builtin/builtin.wasm
var BuiltinModule []byte

// HostModuleName is the import module of the host functions that only the
// built-in module may use.
const HostModuleName = "aos_builtin"

// hostModule offers the built-in module two narrow functions, each
// writing its result to guest memory: request, from the ABI request to
// the config and the paths to read, and check, from a path of the run's
// /src to that file's findings as ABI lines. check reads the file from
// the tree the run mounts at /src ([wasm.Source]) and nothing else: the
// module never copies a file into its memory. Both keep nothing but parsed
// configs.
func hostModule() wasm.HostModule {
	return wasm.HostModule{Name: HostModuleName, Funcs: map[string]wasm.HostFunc{
		"request": {Params: 6, Func: hostRequest},
		"check":   {Params: 8, Func: hostCheck},
	}}
}

const badArgs = 0xffffffff

var (
	checkersMu sync.Mutex
	checkers   = map[string]*rules.Checker{}
)

func checkerFor(builtin string, config []byte) (*rules.Checker, error) {
	key := builtin + "\x00" + string(config)
	checkersMu.Lock()
	defer checkersMu.Unlock()
	if c, ok := checkers[key]; ok {
		return c, nil
	}
	c, err := rules.NewChecker(builtin, config, nil, rules.Parsers{YAML: cue.CheckYAML})
	if err != nil {
		return nil, err
	}
	if len(checkers) > 64 {
		clear(checkers)
	}
	checkers[key] = c
	return c, nil
}

// span returns the n bytes of mem at ptr, or false if they are not all
// in mem.
func span(mem []byte, ptr, n uint32) ([]byte, bool) {
	if uint64(ptr)+uint64(n) > uint64(len(mem)) {
		return nil, false
	}
	return mem[ptr : ptr+n : ptr+n], true
}

// reply writes b to out if it fits and returns its length, with the high
// bit set for an error message.
func reply(out, b []byte, isErr bool) uint32 {
	if len(b) >= 0x7fffffff {
		return badArgs
	}
	if len(b) <= len(out) {
		copy(out, b)
	}
	if isErr {
		return uint32(len(b)) | 0x80000000
	}
	return uint32(len(b))
}

// builtinRequest is what the built-in module needs of the ABI request.
type builtinRequest struct {
	API    int             `json:"api"`
	Config json.RawMessage `json:"config"`
	Files  []struct {
		Path   string           `json:"path"`
		Status aos.ChangeStatus `json:"status"`
	} `json:"files"`
}

// builtinOf returns the built-in that the module's argv[1] names, or
// false.
func builtinOf(mem []byte, ptr, n uint32) (string, bool) {
	b, ok := span(mem, ptr, n)
	if !ok {
		return "", false
	}
	i := kinds.Index(string(b))
	if i < 0 {
		return "", false
	}
	return kinds.Builtins[i], true
}

// hostRequest is aos_builtin.request(builtin, builtinLen, req, reqLen,
// out, max): it decodes the request (its first JSON value, as a module
// reading stdin would), checks its api and the config, and returns the
// config followed by the paths the built-in reads, sorted, each preceded
// by a NUL byte.
func hostRequest(_ context.Context, mem []byte, a []uint32) uint32 {
	builtin, ok0 := builtinOf(mem, a[0], a[1])
	req, ok1 := span(mem, a[2], a[3])
	out, ok2 := span(mem, a[4], a[5])
	if !ok0 || !ok1 || !ok2 {
		return badArgs
	}
	var r builtinRequest
	if err := json.NewDecoder(bytes.NewReader(req)).Decode(&r); err != nil {
		return reply(out, []byte("read request: "+err.Error()), true)
	}
	if r.API != abi.API {
		return reply(out, fmt.Appendf(nil, "api %d is not supported (want %d)", r.API, abi.API), true)
	}
	config := bytes.TrimSpace(r.Config)
	if _, err := checkerFor(builtin, config); err != nil {
		return reply(out, []byte(err.Error()), true)
	}
	paths := make([]string, 0, len(r.Files))
	for _, f := range r.Files {
		if strings.IndexByte(f.Path, 0) >= 0 {
			return reply(out, []byte("read request: a path holds a NUL byte"), true)
		}
		if f.Path != "" && f.Status != aos.StatusDeleted && kinds.Wants(builtin, f.Path) {
			paths = append(paths, f.Path)
		}
	}
	slices.Sort(paths)
	b := append([]byte(nil), config...)
	for _, p := range paths {
		b = append(append(b, 0), p...)
	}
	return reply(out, b, false)
}

// hostCheck is aos_builtin.check(builtin, builtinLen, path, pathLen,
// config, configLen, out, max): it reads the file at path from the run's
// /src and returns the built-in's findings over it as ABI lines. A path
// that is not a regular file there (ignored by the manifest, a symlink, a
// submodule) has none.
func hostCheck(ctx context.Context, mem []byte, a []uint32) uint32 {
	builtin, ok0 := builtinOf(mem, a[0], a[1])
	path, ok1 := span(mem, a[2], a[3])
	config, ok2 := span(mem, a[4], a[5])
	out, ok3 := span(mem, a[6], a[7])
	if !ok0 || !ok1 || !ok2 || !ok3 {
		return badArgs
	}
	c, err := checkerFor(builtin, config)
	if err != nil {
		return reply(out, []byte(err.Error()), true)
	}
	name := string(path)
	if !fs.ValidPath(name) || name == "." {
		return reply(out, []byte("read /src/"+name+": not a valid path"), true)
	}
	var data []byte
	switch src := wasm.Source(ctx).(type) {
	case nil:
		return 0
	case *sharedFS:
		data, err = src.bytes(name)
	default:
		if fi, serr := fs.Stat(src, name); serr == nil && !fi.Mode().IsRegular() {
			err = errNotFile
		} else {
			data, err = fs.ReadFile(src, name)
		}
	}
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, errNotFile):
		return 0
	case err != nil:
		return reply(out, []byte("read /src/"+name+": "+err.Error()), true)
	}
	return reply(out, findingLines(c.Check(name, data)), false)
}

// findingLines returns findings as ABI lines.
func findingLines(fs []rules.Finding) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, f := range fs {
		enc.Encode(f) // strings and ints: it cannot fail
	}
	return buf.Bytes()
}

// IsChild reports whether this process is a sandbox process started to
// run one module ([wasm.IsChild]); it must then call [ChildMain] and exit.
func IsChild() bool { return wasm.IsChild() }

// ChildMain is the body of the hidden sandbox mode of git-aos ("git-aos
// __wasm-sandbox" with AOS_WASM_SANDBOX=1, see [wasm.ChildArg]): it runs
// one project module for a parent git-aos process and returns the
// process's exit status. It offers no host functions: only the built-in
// module, which runs in the parent, gets aos_builtin.
func ChildMain(stdin io.Reader, stdout, stderr io.Writer) int {
	return wasm.ChildMain(stdin, stdout, stderr)
}
