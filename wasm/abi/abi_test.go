package abi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/architectos/aos"
	"github.com/google/go-cmp/cmp"
)

type findingVector struct {
	ok   bool
	line string
}

func findingVectors(t testing.TB) []findingVector {
	t.Helper()
	b, err := os.ReadFile("testdata/findings.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []findingVector
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "ok "):
			out = append(out, findingVector{true, strings.TrimPrefix(l, "ok ")})
		case strings.HasPrefix(l, "bad "):
			out = append(out, findingVector{false, strings.TrimPrefix(l, "bad ")})
		case l == "bad":
			out = append(out, findingVector{false, ""})
		default:
			t.Fatalf("bad vector line %q", l)
		}
	}
	if len(out) == 0 {
		t.Fatal("no finding vectors")
	}
	return out
}

// TestParseFinding checks the vectors of docs/validators.md "Findings".
func TestParseFinding(t *testing.T) {
	t.Parallel()
	for _, v := range findingVectors(t) {
		_, err := ParseFinding([]byte(v.line))
		if v.ok && err != nil {
			t.Errorf("ParseFinding(%s) = %v, want a finding", v.line, err)
		}
		if !v.ok && err == nil {
			t.Errorf("ParseFinding(%s) parsed, want an error", v.line)
		}
	}
	got, err := ParseFinding([]byte(`{"path":"a.go","line":3,"column":7,"rule":"go","severity":"error","message":"m"}`))
	want := aos.Finding{Path: "a.go", Line: 3, Column: 7, Rule: "go", Severity: aos.SeverityError, Message: "m"}
	if err != nil || got != want {
		t.Errorf("ParseFinding = %+v, %v; want %+v", got, err, want)
	}
}

// FuzzParseFinding checks that a parsed finding is valid and survives a
// round trip through JSON.
func FuzzParseFinding(f *testing.F) {
	for _, v := range findingVectors(f) {
		f.Add([]byte(v.line))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		fd, err := ParseFinding(line)
		if err != nil {
			return
		}
		if fd.Path == "" || fd.Rule == "" || fd.Message == "" || fd.Line < 0 || fd.Column < 0 {
			t.Fatalf("invalid finding parsed from %q: %+v", line, fd)
		}
		b, err := json.Marshal(fd)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(b, &m)
		delete(m, "validator")
		b, _ = json.Marshal(m)
		again, err := ParseFinding(b)
		if err != nil {
			t.Fatalf("re-encoded finding %s does not parse: %v", b, err)
		}
		if again != fd {
			t.Fatalf("round trip changed %+v to %+v", fd, again)
		}
	})
}

var requestVectors = []Request{
	{Validator: "secrets"},
	{API: 1, Validator: "x", Config: json.RawMessage(`{"a":[1,2]}`), Files: []aos.ChangedFile{{Path: "a", Status: aos.StatusAdded, Size: 3, Mode: "100644"}}},
	{Validator: "n", Config: json.RawMessage(`null`)},
	{Validator: "s", Config: json.RawMessage(` "text" `)},
	{Validator: "<&>\u2028", Files: []aos.ChangedFile{{Path: "dir/ü.php", Status: aos.StatusDeleted, Mode: "120000"}}},
}

func TestRequestEncode(t *testing.T) {
	t.Parallel()
	b, err := Request{Validator: "v"}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"api":1,"validator":"v","config":{},"files":[]}` + "\n"; string(b) != want {
		t.Errorf("Encode = %s, want %s", b, want)
	}
	if _, err := (Request{Validator: "v", Config: json.RawMessage(`{bad`)}).Encode(); err == nil {
		t.Error("a malformed config encoded")
	}
}

// FuzzRequestEncode checks that an encoded request is one line of JSON
// that decodes back to the request.
func FuzzRequestEncode(f *testing.F) {
	if len(requestVectors) == 0 {
		f.Fatal("no request vectors")
	}
	for _, r := range requestVectors {
		var path, status, mode string
		var size int64
		if len(r.Files) > 0 {
			path, status, size, mode = r.Files[0].Path, string(r.Files[0].Status), r.Files[0].Size, r.Files[0].Mode
		}
		f.Add(r.Validator, []byte(r.Config), path, status, size, mode)
	}
	f.Fuzz(func(t *testing.T, name string, config []byte, path, status string, size int64, mode string) {
		r := Request{Validator: name, Config: config, Files: []aos.ChangedFile{{Path: path, Status: aos.ChangeStatus(status), Size: size, Mode: mode}}}
		b, err := r.Encode()
		if err != nil {
			if json.Valid(config) && len(bytes.TrimSpace(config)) > 0 && utf8.ValidString(name) && utf8.ValidString(path) {
				t.Fatalf("valid config %q did not encode: %v", config, err)
			}
			return
		}
		if bytes.Count(b, []byte("\n")) != 1 || b[len(b)-1] != '\n' {
			t.Fatalf("encoding is not one line: %q", b)
		}
		var back Request
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("encoding %q does not decode: %v", b, err)
		}
		if back.API != API || !json.Valid(back.Config) {
			t.Fatalf("decoded %+v", back)
		}
		if len(back.Files) != 1 || back.Files[0].Path != path || back.Files[0].Size != size {
			t.Fatalf("files %+v, want %q", back.Files, path)
		}
		if diff := cmp.Diff(name, back.Validator); diff != "" {
			t.Fatalf("validator (-want +got):\n%s", diff)
		}
	})
}
