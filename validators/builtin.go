package validators

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/engine"
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

// checkerKey names the checker of builtin with config: the checkers kept
// and the checks done ahead ([ahead]) are found by it.
func checkerKey(builtin string, config []byte) string { return builtin + "\x00" + string(config) }

func checkerFor(builtin string, config []byte) (*rules.Checker, error) {
	key := checkerKey(builtin, config)
	checkersMu.Lock()
	defer checkersMu.Unlock()
	if c, ok := checkers[key]; ok {
		return c, nil
	}
	c, err := rules.NewChecker(builtin, config, nil, rules.Parsers{YAML: planfile.CheckYAML, Checksums: loadedChecksums})
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
func hostRequest(ctx context.Context, mem []byte, a []uint32) uint32 {
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
	c, err := checkerFor(builtin, config)
	if err != nil {
		return reply(out, []byte(err.Error()), true)
	}
	if sums := c.Checksums(); sums != nil {
		return reply(out, corePaths(ctx, config, sums, &r), false)
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
	if a, _ := ctx.Value(aheadKey{}).(*ahead); a != nil {
		a.start(ctx, c, checkerKey(builtin, config), wasm.Source(ctx), paths)
	}
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
	if sums := c.Checksums(); sums != nil {
		return reply(out, findingLines(coreCheck(wasm.Source(ctx), name, sums)), false)
	}
	key := checkerKey(builtin, config)
	if a, _ := ctx.Value(aheadKey{}).(*ahead); a != nil {
		if b, isErr, ok := a.reply(ctx, key, name); ok {
			return reply(out, b, isErr)
		}
	}
	b, isErr := checkFile(c, wasm.Source(ctx), name)
	return reply(out, b, isErr)
}

// checkFile returns the reply of aos_builtin.check for the file name of
// src checked by c: its findings as ABI lines, nothing for what is not a
// regular file there, or an error message (isErr).
func checkFile(c *rules.Checker, src fs.FS, name string) (b []byte, isErr bool) {
	var data []byte
	var err error
	switch src := src.(type) {
	case nil:
		return nil, false
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
		return nil, false
	case err != nil:
		return []byte("read /src/" + name + ": " + err.Error()), true
	}
	return findingLines(c.Check(name, data)), false
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

// The checksums files of the wp-core validators, as NewSet read them
// from base trees, by digest: the host functions find them there by the
// digest NewSet writes into the validator's config.
var (
	checksumsMu sync.Mutex
	checksums   = map[string]*rules.Checksums{}
)

func loadedChecksums(digest string) (*rules.Checksums, error) {
	checksumsMu.Lock()
	defer checksumsMu.Unlock()
	if c, ok := checksums[digest]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("no checksums file was read with digest %q", digest)
}

// loadChecksums reads the checksums file that the wp-core validator name
// configures from base, and returns the config the module gets: the
// manifest's, with the digest of what was read.
func loadChecksums(name string, config json.RawMessage, base engine.Base, files map[string]engine.Entry) (json.RawMessage, error) {
	var cfg rules.CoreConfig
	dec := json.NewDecoder(bytes.NewReader(config))
	dec.DisallowUnknownFields()
	if len(bytes.TrimSpace(config)) > 0 {
		if err := dec.Decode(&cfg); err != nil {
			return nil, fmt.Errorf("validator %s: config of wp-core: %w", name, err)
		}
	}
	if cfg.Checksums == "" || cfg.Digest != "" {
		return nil, fmt.Errorf("validator %s: config of wp-core: want {\"checksums\": FILE}, the checksums of WordPress's core files in the repository (git aos rescuewp checksums DIR writes them)", name)
	}
	e, ok := files[cfg.Checksums]
	if !ok {
		return nil, fmt.Errorf("validator %s: %w: checksums file %s is not in the base tree", name, ErrModule, cfg.Checksums)
	}
	if e.Mode != aos.ModeFile && e.Mode != aos.ModeExecutable {
		return nil, fmt.Errorf("validator %s: %w: checksums file %s is not a regular file (mode %06o)", name, ErrModule, cfg.Checksums, e.Mode)
	}
	if size, err := base.BlobSize(e.Hash); err != nil || size > rules.MaxChecksumsSize {
		return nil, fmt.Errorf("validator %s: %w: checksums file %s: size %d, %v", name, ErrModule, cfg.Checksums, size, err)
	}
	data, err := base.ReadBlob(e.Hash)
	if err != nil {
		return nil, fmt.Errorf("validator %s: %w: read %s: %v", name, ErrModule, cfg.Checksums, err)
	}
	sums, err := rules.ParseChecksums(data)
	if err != nil {
		return nil, fmt.Errorf("validator %s: %w: %s: %v", name, ErrModule, cfg.Checksums, err)
	}
	sum := sha256.Sum256(data)
	cfg.Digest = "sha256:" + hex.EncodeToString(sum[:])
	checksumsMu.Lock()
	if len(checksums) > 16 {
		clear(checksums)
	}
	checksums[cfg.Digest] = sums
	checksumsMu.Unlock()
	return json.Marshal(cfg)
}

// corePaths is aos_builtin.request's answer for wp-core: the config,
// then the paths to judge. When the request changes
// wp-includes/version.php (a new version, or every file of a tree
// judged as added), every core file of that version is judged with the
// changed files of the core; otherwise the changed files the check
// judges, deleted ones included (a missing core file is a finding).
func corePaths(ctx context.Context, config []byte, sums *rules.Checksums, r *builtinRequest) []byte {
	set := map[string]bool{}
	full := false
	for _, f := range r.Files {
		if f.Path == rules.VersionFile {
			full = true
		}
	}
	version, verr := coreVersion(wasm.Source(ctx))
	var these map[string]string
	if verr == nil {
		these, verr = sums.For(version)
	}
	if verr != nil {
		// The check of version.php says why nothing can be judged.
		set[rules.VersionFile] = true
	} else {
		if full {
			for _, p := range rules.CoreFiles(these) {
				set[p] = true
			}
		}
		for _, f := range r.Files {
			if f.Path != "" && rules.Judged(f.Path, these) && (f.Status != aos.StatusDeleted || !full) {
				set[f.Path] = true
			}
		}
	}
	paths := slices.Sorted(maps.Keys(set))
	b := append([]byte(nil), config...)
	for _, p := range paths {
		if strings.IndexByte(p, 0) < 0 {
			b = append(append(b, 0), p...)
		}
	}
	return b
}

// coreVersion returns the WordPress version of the tree src.
func coreVersion(src fs.FS) (string, error) {
	f := coreFile(src, rules.VersionFile)
	if f.Kind != "file" {
		return "", fmt.Errorf("%s is not a file of the tree", rules.VersionFile)
	}
	return rules.WordPressVersion(f.Data)
}

// coreCheck judges path of src for wp-core.
func coreCheck(src fs.FS, path string, sums *rules.Checksums) []rules.Finding {
	version, err := coreVersion(src)
	var these map[string]string
	if err == nil {
		these, err = sums.For(version)
	}
	if err != nil {
		if path != rules.VersionFile {
			return nil
		}
		return []rules.Finding{{Path: path, Rule: "version", Severity: rules.Error,
			Message: "cannot tell which WordPress the core is, so no core file can be judged: " + err.Error()}}
	}
	return rules.CheckCore(path, coreFile(src, path), version, these)
}

// coreFile returns what src holds at p for wp-core: the staged tree's
// own entry, symlinks and submodules included, when src is a run's
// shared tree.
func coreFile(src fs.FS, p string) rules.CoreFile {
	if s, ok := src.(*sharedFS); ok {
		mode, ok := s.st.Lookup(p)
		switch {
		case !ok || !s.vis(p):
			return rules.CoreFile{}
		case mode == aos.ModeSymlink:
			return rules.CoreFile{Kind: "symlink"}
		case mode == aos.ModeGitlink:
			return rules.CoreFile{Kind: "submodule"}
		}
		data, err := s.bytes(p)
		if err != nil {
			return rules.CoreFile{}
		}
		return rules.CoreFile{Kind: "file", Data: data}
	}
	if src == nil {
		return rules.CoreFile{}
	}
	if fi, err := fs.Stat(src, p); err != nil || !fi.Mode().IsRegular() {
		return rules.CoreFile{}
	}
	data, err := fs.ReadFile(src, p)
	if err != nil {
		return rules.CoreFile{}
	}
	return rules.CoreFile{Kind: "file", Data: data}
}
