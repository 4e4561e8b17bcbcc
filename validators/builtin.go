package validators

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"io"
	"sync"

	"github.com/architectos/aos/validators/kinds"
	"github.com/architectos/aos/validators/rules"
	"github.com/architectos/aos/wasm"
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

// hostModule offers the built-in module one narrow function, check: a
// pure function from a file's bytes (in guest memory) to its findings
// (written back to guest memory as ABI lines). It reads nothing else and
// keeps nothing but parsed configs.
func hostModule() wasm.HostModule {
	return wasm.HostModule{Name: HostModuleName, Funcs: map[string]wasm.HostFunc{
		"check": {Params: 9, Func: hostCheck},
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
	c, err := rules.NewChecker(builtin, config, nil)
	if err != nil {
		return nil, err
	}
	if len(checkers) > 64 {
		clear(checkers)
	}
	checkers[key] = c
	return c, nil
}

func hostCheck(mem []byte, a []uint32) uint32 {
	span := func(ptr, n uint32) ([]byte, bool) {
		if uint64(ptr)+uint64(n) > uint64(len(mem)) {
			return nil, false
		}
		return mem[ptr : ptr+n : ptr+n], true
	}
	if int(a[0]) >= len(kinds.Builtins) {
		return badArgs
	}
	path, ok1 := span(a[1], a[2])
	data, ok2 := span(a[3], a[4])
	config, ok3 := span(a[5], a[6])
	out, ok4 := span(a[7], a[8])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return badArgs
	}
	c, err := checkerFor(kinds.Builtins[a[0]], config)
	if err != nil {
		msg := err.Error()
		if len(msg) <= len(out) {
			copy(out, msg)
		}
		return uint32(len(msg)) | 0x80000000
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
	if buf.Len() <= len(out) {
		copy(out, buf.Bytes())
	}
	return uint32(buf.Len())
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
