package record

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/architectos/aos"
)

// golden is a run record that git-aos wrote, kept by workflow's golden
// tests, which rewrite it when the format changes.
func golden(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "golden", "rescue-1.run.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeGolden: a record git-aos wrote reads back and encodes to its
// own bytes, which is what verify compares.
func TestDecodeGolden(t *testing.T) {
	t.Parallel()
	b := golden(t)
	r, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if r.Plan.ID != "rescue-1" || r.Result != "pass" || len(r.Directives) == 0 || len(r.Changes) == 0 {
		t.Fatalf("decoded %+v", r)
	}
	again, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b) {
		t.Fatalf("the golden record does not encode to its own bytes:\n%s", again)
	}
}

// TestEncodeEmptyLists: empty lists are written as [] (docs/spec.md 7.2).
func TestEncodeEmptyLists(t *testing.T) {
	t.Parallel()
	b, err := (&Record{Version: Version}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"directives", "changes", "validators", "findings", "jobs", "approvals"} {
		if !bytes.Contains(b, []byte(`"`+k+`": []`)) {
			t.Errorf("%s is not written as []:\n%s", k, b)
		}
	}
	if _, err := Decode(b); err != nil {
		t.Errorf("an empty record does not read back: %v", err)
	}
}

// TestDecodeRefuses: what is not a run record of this version is refused.
func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	g := string(golden(t))
	one := func(old, new string) string {
		if !strings.Contains(g, old) {
			t.Fatalf("the golden record has no %q", old)
		}
		return strings.Replace(g, old, new, 1)
	}
	for name, data := range map[string]string{
		"empty":           "",
		"not json":        "version: 1\n",
		"truncated":       g[:len(g)/2],
		"unknown field":   one(`"version": 1,`, `"version": 1, "signed_by": "x",`),
		"unknown nested":  one(`"index": 0,`, `"index": 0, "ok": true,`),
		"version 2":       one(`"version": 1,`, `"version": 2,`),
		"no version":      one(`"version": 1,`, ``),
		"float version":   one(`"version": 1,`, `"version": 1.5,`),
		"string version":  one(`"version": 1,`, `"version": "1",`),
		"a list":          "[" + g + "]",
		"wrong type list": one(`"jobs": []`, `"jobs": {}`),
	} {
		if _, err := Decode([]byte(data)); err == nil {
			t.Errorf("%s: read as a run record", name)
		}
	}
}

// TestDecodeJobs: the jobs of a record are the ones Decode reads.
func TestDecodeJobs(t *testing.T) {
	t.Parallel()
	rec := &Record{Version: Version, Outcome: Outcome{Jobs: []aos.JobRecord{{Directive: 2, Kind: aos.JobTests, Name: "unit", Command: "go", Args: []string{"test"}, ExitCode: 1}}}}
	b, err := rec.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{b, golden(t)} {
		want, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := DecodeJobs(b); err != nil || !reflect.DeepEqual(got, want.Jobs) {
			t.Errorf("DecodeJobs gives %+v %v, Decode %+v", got, err, want.Jobs)
		}
	}
	for _, bad := range []string{"", "[]", `{"version": 2, "jobs": []}`, `{"version": 1, "jobs": {}}`} {
		if _, err := DecodeJobs([]byte(bad)); err == nil {
			t.Errorf("DecodeJobs reads %q", bad)
		}
	}
}

// FuzzDecode: run records are read back from history by log, verify and
// the redaction of past runs, from commits anyone who can push may have
// written. Any bytes give a record or an error, and a record that is read
// encodes to a fixed point.
func FuzzDecode(f *testing.F) {
	f.Add(golden(f))
	empty, err := (&Record{Version: Version}).Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(empty)
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":2,"plan":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := Decode(b)
		if err != nil {
			return
		}
		if jobs, err := DecodeJobs(b); err != nil || !reflect.DeepEqual(jobs, rec.Jobs) {
			t.Fatalf("DecodeJobs gives %+v %v, Decode %+v", jobs, err, rec.Jobs)
		}
		once, err := rec.Encode()
		if err != nil {
			t.Fatal(err)
		}
		again, err := Decode(once)
		if err != nil {
			t.Fatalf("a record's encoding does not decode: %v\n%s", err, once)
		}
		twice, err := again.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("encoding is not a fixed point:\n%s\n%s", once, twice)
		}
	})
}

// TestNoJobs: of the records Encode writes, NoJobs says of those without
// jobs that they have none, and of those with jobs that they have some.
func TestNoJobs(t *testing.T) {
	t.Parallel()
	for _, jobs := range [][]aos.JobRecord{nil, {}, {{Directive: 1, Kind: aos.JobTests, Name: "unit", Command: "make", Args: []string{`"jobs": []`}}}} {
		r := &Record{Version: Version, Plan: Plan{ID: "p", Goal: "jobs: [],\n  \"jobs\": [],\n"}, Outcome: Outcome{Jobs: jobs,
			Directives: []Directive{{Outcome: aos.Outcome{Index: 0, Type: aos.FileWrite, Path: "src/\n  \"jobs\": [],\n", Status: aos.OutcomeOK}}}}}
		b, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if got := NoJobs(b); got != (len(jobs) == 0) {
			t.Errorf("%d jobs: NoJobs says %v of\n%s", len(jobs), got, b)
		}
	}
	g := golden(t)
	if jobs, err := DecodeJobs(g); err != nil || NoJobs(g) != (len(jobs) == 0) {
		t.Errorf("the golden record: NoJobs %v, %d jobs, %v", NoJobs(g), len(jobs), err)
	}
}
