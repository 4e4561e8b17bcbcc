package validators

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/architectos/aos"
	"github.com/architectos/aos/wasm"
	"github.com/architectos/aos/wasm/abi"
)

// callHost lays out args in a fake guest memory and calls a host function
// of the built-in module as the module would, returning its result code
// and output.
func callHost(ctx context.Context, f func(context.Context, []byte, []uint32) uint32, args ...[]byte) (uint32, string) {
	var mem []byte
	var a []uint32
	for _, b := range args {
		a = append(a, uint32(len(mem)), uint32(len(b)))
		mem = append(mem, b...)
	}
	const max = 4096
	a = append(a, uint32(len(mem)), max)
	mem = append(mem, make([]byte, max)...)
	k := f(ctx, mem, a)
	if k == badArgs {
		return k, ""
	}
	n := min(int(k&^0x80000000), max)
	out := mem[len(mem)-max:]
	return k, string(out[:n])
}

func TestHostRequest(t *testing.T) {
	t.Parallel()
	php, text := []byte("php-malware"), []byte("text")
	req := `{"api":1,"validator":"v","config":{"max_line": 10},"files":[` +
		`{"path":"z.php","status":"added","size":1,"mode":"100644"},` +
		`{"path":"b.txt","status":"modified","size":1,"mode":"100644"},` +
		`{"path":"gone.php","status":"deleted","size":1,"mode":"100644"},` +
		`{"path":"a.php","status":"added","size":1,"mode":"100644"}]}` + "\n"
	for _, tc := range []struct {
		builtin []byte
		req     string
		want    string
		err     bool
	}{
		{php, strings.Replace(req, `"max_line": 10`, `"upload_dirs": ["files"]`, 1), `{"upload_dirs": ["files"]}` + "\x00a.php\x00b.txt\x00z.php", false},
		{php, req, "max_line", true},
		{text, req, `{"max_line": 10}` + "\x00a.php\x00b.txt\x00z.php", false},
		{text, `{"api":1,"config":{},"files":[]}`, `{}`, false},
		{text, `{"api":2,"config":{},"files":[]}`, "api 2 is not supported (want 1)", true},
		{text, `{"api":1,"config":{"eol":"x"},"files":[]}`, "eol", true},
		{text, `{"api":1,"config":{},"files":[{"path":"a\u0000b","status":"added"}]}`, "NUL", true},
		{text, `{"api":1,`, "read request", true},
	} {
		k, out := callHost(context.Background(), hostRequest, tc.builtin, []byte(tc.req))
		if k == badArgs {
			t.Errorf("%s: refused its arguments", tc.req)
			continue
		}
		if isErr := k&0x80000000 != 0; isErr != tc.err {
			t.Errorf("%s: error %v (%q), want %v", tc.req, isErr, out, tc.err)
		}
		if tc.err && !strings.Contains(out, tc.want) || !tc.err && out != tc.want {
			t.Errorf("%s: got %q, want %q", tc.req, out, tc.want)
		}
	}
	// Out-of-range arguments are refused, never read.
	ctx := context.Background()
	mem := append([]byte("text"), make([]byte, 16)...)
	if k := hostRequest(ctx, mem, []uint32{0, 4, 8, 16, 0, 4}); k != badArgs {
		t.Errorf("request past the memory: got %#x, want refused", k)
	}
	if k := hostRequest(ctx, mem, []uint32{0, 3, 4, 1, 0, 4}); k != badArgs {
		t.Errorf("unknown built-in: got %#x, want refused", k)
	}
	// An output that does not fit returns its length and writes nothing.
	mem = append([]byte(`text{"api":1,"config":{},"files":[]}`), 0, 0xff)
	if k := hostRequest(ctx, mem, []uint32{0, 4, 4, uint32(len(mem) - 6), uint32(len(mem) - 1), 1}); k != 2 || mem[len(mem)-1] != 0xff {
		t.Errorf("short output: got %d, wrote %#x", k, mem[len(mem)-1])
	}
}

// TestHostCheck: the host reads the file from the run's /src, skips what
// is not a regular file there, and refuses paths that are not paths.
func TestHostCheck(t *testing.T) {
	t.Parallel()
	src := fstest.MapFS{"a.txt": {Data: []byte("one\r\n")}, "dir/b.txt": {Data: []byte("two\n")}}
	ctx := wasm.WithSource(context.Background(), src)
	name, config := []byte("text"), []byte(`{"eol":"lf"}`)
	for _, tc := range []struct {
		path, want string
		err        bool
	}{
		{"a.txt", `"rule":"crlf"`, false},
		{"dir/b.txt", "", false},
		{"dir", "", false},
		{"missing.txt", "", false},
		{"../a.txt", "not a valid path", true},
		{"/a.txt", "not a valid path", true},
		{".", "not a valid path", true},
	} {
		k, out := callHost(ctx, hostCheck, name, []byte(tc.path), config)
		if k == badArgs {
			t.Errorf("%s: refused its arguments", tc.path)
			continue
		}
		if isErr := k&0x80000000 != 0; isErr != tc.err || !strings.Contains(out, tc.want) || tc.want == "" && out != "" {
			t.Errorf("%s: got %q (error %v), want %q (error %v)", tc.path, out, isErr, tc.want, tc.err)
		}
	}
	// Without a tree, there is nothing to read.
	if k, out := callHost(context.Background(), hostCheck, name, []byte("a.txt"), config); k != 0 || out != "" {
		t.Errorf("no /src: got %d %q", k, out)
	}
	if k, _ := callHost(ctx, hostCheck, []byte("nope"), []byte("a.txt"), config); k != badArgs {
		t.Errorf("unknown built-in: got %#x, want refused", k)
	}
}

// TestBuiltinModule runs the module itself: files listed but absent from
// /src are skipped, a file larger than the module's buffer is read whole,
// and the host's errors end the run with the message on
// stderr.
func TestBuiltinModule(t *testing.T) {
	t.Parallel()
	r := &wasm.Runner{CacheDir: testCache, Hosts: []wasm.HostModule{hostModule()}}
	src := fstest.MapFS{"a.txt": {Data: []byte("one\r\n")}, "dir/b.txt": {Data: []byte("\xef\xbb\xbftwo\n")},
		"big.txt": {Data: []byte(strings.Repeat("x", 3<<20) + "\n")}}
	run := func(config string) ([]aos.Finding, error) {
		req, err := abi.Request{Validator: "t", Config: json.RawMessage(config), Files: []aos.ChangedFile{
			{Path: "dir/b.txt", Status: aos.StatusAdded},
			{Path: "missing.txt", Status: aos.StatusAdded},
			{Path: "a.txt", Status: aos.StatusModified},
			{Path: "big.txt", Status: aos.StatusAdded},
		}}.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return r.Run(context.Background(), wasm.Job{Name: "t", Args: []string{"text"}, Module: BuiltinModule, Host: HostModuleName, Stdin: req, Src: src, Limits: limits(defaults(t))})
	}
	got, err := run(`{"eol":"lf"}`)
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, f := range got {
		rules = append(rules, f.Path+":"+f.Rule)
	}
	if want := []string{"a.txt:crlf", "big.txt:long-line", "dir/b.txt:bom"}; !slices.Equal(rules, want) {
		t.Errorf("findings %v, want %v", rules, want)
	}
	// Nothing to read: /src is not needed.
	req, _ := abi.Request{Validator: "t"}.Encode()
	if got, err := r.Run(context.Background(), wasm.Job{Name: "t", Args: []string{"text"}, Module: BuiltinModule, Host: HostModuleName, Stdin: req, Limits: limits(defaults(t))}); err != nil || len(got) != 0 {
		t.Errorf("no files, no /src: %v, %v", got, err)
	}
	_, err = run(`{"eol":"x"}`)
	var re *wasm.RunError
	if !errors.As(err, &re) || !errors.Is(err, wasm.ErrExit) || !strings.Contains(re.Stderr, "eol") {
		t.Errorf("bad config: err = %v, want an exit with the config error on stderr", err)
	}
}
