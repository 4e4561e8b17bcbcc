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
func callHost(f func([]byte, []uint32) uint32, builtin uint32, args ...[]byte) (uint32, string) {
	var mem []byte
	a := []uint32{builtin}
	for _, b := range args {
		a = append(a, uint32(len(mem)), uint32(len(b)))
		mem = append(mem, b...)
	}
	const max = 4096
	a = append(a, uint32(len(mem)), max)
	mem = append(mem, make([]byte, max)...)
	k := f(mem, a)
	if k == badArgs {
		return k, ""
	}
	n := min(int(k&^0x80000000), max)
	out := mem[len(mem)-max:]
	return k, string(out[:n])
}

func TestHostRequest(t *testing.T) {
	t.Parallel()
	const php, text = 0, 3
	req := `{"api":1,"validator":"v","config":{"max_line": 10},"files":[` +
		`{"path":"z.php","status":"added","size":1,"mode":"100644"},` +
		`{"path":"b.txt","status":"modified","size":1,"mode":"100644"},` +
		`{"path":"gone.php","status":"deleted","size":1,"mode":"100644"},` +
		`{"path":"a.php","status":"added","size":1,"mode":"100644"}]}` + "\n"
	for _, tc := range []struct {
		builtin uint32
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
		k, out := callHost(hostRequest, tc.builtin, []byte(tc.req))
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
	if k := hostRequest(make([]byte, 16), []uint32{0, 8, 16, 0, 4}); k != badArgs {
		t.Errorf("request past the memory: got %#x, want refused", k)
	}
	if k := hostRequest(make([]byte, 16), []uint32{9, 0, 1, 0, 4}); k != badArgs {
		t.Errorf("unknown built-in: got %#x, want refused", k)
	}
	// An output that does not fit returns its length and writes nothing.
	mem := append([]byte(`{"api":1,"config":{},"files":[]}`), 0, 0xff)
	if k := hostRequest(mem, []uint32{text, 0, uint32(len(mem) - 2), uint32(len(mem) - 1), 1}); k != 2 || mem[len(mem)-1] != 0xff {
		t.Errorf("short output: got %d, wrote %#x", k, mem[len(mem)-1])
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
		return r.Run(context.Background(), wasm.Job{Name: "t", Args: []string{"text"}, Module: BuiltinModule, Host: HostModuleName, Stdin: req, Src: src})
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
	if got, err := r.Run(context.Background(), wasm.Job{Name: "t", Args: []string{"text"}, Module: BuiltinModule, Host: HostModuleName, Stdin: req}); err != nil || len(got) != 0 {
		t.Errorf("no files, no /src: %v, %v", got, err)
	}
	_, err = run(`{"eol":"x"}`)
	var re *wasm.RunError
	if !errors.As(err, &re) || !errors.Is(err, wasm.ErrExit) || !strings.Contains(re.Stderr, "eol") {
		t.Errorf("bad config: err = %v, want an exit with the config error on stderr", err)
	}
}
