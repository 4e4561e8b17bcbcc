package validators

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
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

// BuiltinModule is the module of every built-in validator, built from
// validators/builtin; TestBuiltinReproducible rebuilds it and compares.
//
//go:generate env GOOS=wasip1 GOARCH=wasm go build -trimpath -ldflags=-buildid= -o builtin/builtin.wasm ./builtin
//go:embed builtin/builtin.wasm
var BuiltinModule []byte

// HostModuleName is the import module of the host functions that only the
// built-in module may use.
const HostModuleName = "aos_builtin"

// hostModule offers the built-in module two narrow functions, each a pure
// function of its arguments in guest memory, writing its result back to
// guest memory: request, from the ABI request to the config and the paths
// to read, and check, from a file's bytes to its findings as ABI lines.
// They read nothing else and keep nothing but parsed configs.
func hostModule() wasm.HostModule {
	return wasm.HostModule{Name: HostModuleName, Funcs: map[string]wasm.HostFunc{
		"request": {Params: 5, Func: hostRequest},
		"check":   {Params: 9, Func: hostCheck},
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

// hostRequest is aos_builtin.request(builtin, req, reqLen, out, max):
// it decodes the request (its first JSON value, as a module reading stdin
// would), checks its api and the config, and returns the config followed
// by the paths the built-in reads, sorted, each preceded by a NUL byte.
func hostRequest(mem []byte, a []uint32) uint32 {
	if int(a[0]) >= len(kinds.Builtins) {
		return badArgs
	}
	builtin := kinds.Builtins[a[0]]
	req, ok1 := span(mem, a[1], a[2])
	out, ok2 := span(mem, a[3], a[4])
	if !ok1 || !ok2 {
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

// hostCheck is aos_builtin.check(builtin, path, pathLen, data, dataLen,
// config, configLen, out, max): it returns the findings of the built-in
// over the file path holding data as ABI lines.
func hostCheck(mem []byte, a []uint32) uint32 {
	if int(a[0]) >= len(kinds.Builtins) {
		return badArgs
	}
	path, ok1 := span(mem, a[1], a[2])
	data, ok2 := span(mem, a[3], a[4])
	config, ok3 := span(mem, a[5], a[6])
	out, ok4 := span(mem, a[7], a[8])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return badArgs
	}
	c, err := checkerFor(kinds.Builtins[a[0]], config)
	if err != nil {
		return reply(out, []byte(err.Error()), true)
	}
	if len(path) == 0 {
		return 0 // a config check
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, f := range c.Check(string(path), data) {
		if err := enc.Encode(f); err != nil {
			return badArgs
		}
	}
	return reply(out, buf.Bytes(), false)
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
