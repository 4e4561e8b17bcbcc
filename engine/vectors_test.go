package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue"
	"github.com/architectos/aos/cue/planfile"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/policy"
	"github.com/rogpeppe/go-internal/txtar"
)

// memBase is an in-memory base tree.
type memBase struct {
	files map[string]engine.Entry
	blobs map[string][]byte
}

func newMemBase() *memBase {
	return &memBase{files: map[string]engine.Entry{}, blobs: map[string][]byte{}}
}

func (b *memBase) add(p string, mode uint32, data []byte) {
	id := engine.BlobID(data)
	b.files[p] = engine.Entry{Mode: mode, Hash: id}
	b.blobs[id] = data
}

func (b *memBase) Files() (map[string]engine.Entry, error) { return b.files, nil }

func (b *memBase) ReadBlob(hash string) ([]byte, error) {
	d, ok := b.blobs[hash]
	if !ok {
		return nil, fmt.Errorf("no blob %s", hash)
	}
	return d, nil
}

func (b *memBase) BlobSize(hash string) (int64, error) {
	d, err := b.ReadBlob(hash)
	return int64(len(d)), err
}

var update = flag.Bool("update", false, "rewrite the result.json of every plan vector")

// vectorResult is what a plan vector expects: the JSON of plan check, and
// what each directive would answer its author (replies, by directive
// index; null for directives that answer nothing).
type vectorResult struct {
	OK         bool            `json:"ok"`
	Violations []aos.Violation `json:"violations"`
	Approvals  []aos.Approval  `json:"approvals"`
	Replies    []any           `json:"replies,omitempty"`
}

const defaultVectorManifest = `project: {name: vectors}
workspace:
  read_only: [vendor/**]
  writable: [src/**, docs/**]
  ignored: [secrets/**]
`

// vector is a plan vector read from a txtar archive (testdata/plans/vectors):
//
//	expect: ok | rejected       the first line of the comment
//	-- plan.yaml -- (or plan.json)   the plan
//	-- manifest.yaml -- (or manifest.cue)   optional; a small default otherwise
//	-- base/PATH --             files of the base tree
//	-- modes --                 optional "PATH MODE" lines (octal) for base files
//	-- result.json --           the expected result
type vector struct {
	file       string
	expect     string
	ar         *txtar.Archive
	planName   string
	plan       []byte
	manifest   cue.Source
	base       *memBase
	resultJSON []byte
}

func readVector(t *testing.T, file string) *vector {
	t.Helper()
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	v := &vector{file: file, ar: ar, base: newMemBase(), manifest: cue.Source{Name: "manifest.yaml", Data: []byte(defaultVectorManifest)}}
	first, _, _ := strings.Cut(string(ar.Comment), "\n")
	v.expect = strings.TrimSpace(strings.TrimPrefix(first, "expect:"))
	if !strings.HasPrefix(first, "expect:") || (v.expect != "ok" && v.expect != "rejected") {
		t.Fatalf("%s: the comment must start with \"expect: ok\" or \"expect: rejected\"", file)
	}
	modes := map[string]uint32{}
	for _, f := range ar.Files {
		switch {
		case f.Name == "plan.yaml" || f.Name == "plan.json":
			v.planName, v.plan = f.Name, f.Data
		case f.Name == "manifest.yaml" || f.Name == "manifest.cue":
			v.manifest = cue.Source{Name: f.Name, Data: f.Data}
		case f.Name == "modes":
			for _, l := range strings.Split(strings.TrimSpace(string(f.Data)), "\n") {
				p, m, _ := strings.Cut(l, " ")
				n, err := strconv.ParseUint(m, 8, 32)
				if err != nil {
					t.Fatalf("%s: modes: %v", file, err)
				}
				modes[p] = uint32(n)
			}
		case strings.HasPrefix(f.Name, "base/"):
			v.base.add(strings.TrimPrefix(f.Name, "base/"), aos.ModeFile, f.Data)
		case f.Name == "result.json":
			v.resultJSON = f.Data
		default:
			t.Fatalf("%s: unexpected file %s", file, f.Name)
		}
	}
	for p, m := range modes {
		e, ok := v.base.files[p]
		if !ok {
			t.Fatalf("%s: modes names %s, not a base file", file, p)
		}
		e.Mode = m
		v.base.files[p] = e
	}
	if v.plan == nil {
		t.Fatalf("%s: no plan.yaml or plan.json", file)
	}
	return v
}

// run checks the vector's plan as plan check does.
func (v *vector) run(t *testing.T) vectorResult {
	t.Helper()
	m, err := cue.LoadManifest(v.manifest, v.manifest.Name, nil)
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	rules, err := policy.NewRules(m.Workspace, v.manifest.Name)
	if err != nil {
		t.Fatal(err)
	}
	res := vectorResult{Violations: []aos.Violation{}, Approvals: []aos.Approval{}}
	plan, err := planfile.Parse(t.Context(), v.planName, v.plan, planfile.LimitsFrom(m.Policies))
	if err != nil {
		pe, ok := err.(*planfile.Error)
		if !ok {
			t.Fatal(err)
		}
		res.Violations = pe.Violations
		return res
	}
	r, err := engine.Run(context.Background(), plan, v.base, engine.Options{Manifest: m, Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	res.OK = r.OK()
	res.Violations = append(res.Violations, r.Violations...)
	res.Approvals = append(res.Approvals, r.Approvals...)
	for _, rep := range r.Replies {
		if rep != nil {
			res.Replies = r.Replies
			break
		}
	}
	sort.SliceStable(res.Violations, func(i, j int) bool { return res.Violations[i].Directive < res.Violations[j].Directive })
	return res
}

func vectorFiles(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "plans", "vectors", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no plan vectors in testdata/plans/vectors")
	}
	return files
}

// TestPlanVectors runs every plan vector through engine.Run. With -update
// (or AOS_UPDATE=1) it rewrites each vector's result.json: review the diff
// by hand, the expect: header is never rewritten.
func TestPlanVectors(t *testing.T) {
	t.Parallel()
	update := *update || os.Getenv("AOS_UPDATE") == "1"
	for _, file := range vectorFiles(t) {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Parallel()
			v := readVector(t, file)
			got := v.run(t)
			if (v.expect == "ok") != got.OK {
				t.Errorf("expect: %s, but ok = %v: %v", v.expect, got.OK, got.Violations)
			}
			b, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, '\n')
			if update {
				found := false
				for i := range v.ar.Files {
					if v.ar.Files[i].Name == "result.json" {
						v.ar.Files[i].Data, found = b, true
					}
				}
				if !found {
					v.ar.Files = append(v.ar.Files, txtar.File{Name: "result.json", Data: b})
				}
				if err := os.WriteFile(file, txtar.Format(v.ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if v.resultJSON == nil {
				t.Fatalf("no result.json; run with -update and review it")
			}
			if !bytes.Equal(b, v.resultJSON) {
				t.Errorf("result differs from result.json (-update rewrites it)\ngot:\n%s\nwant:\n%s", b, v.resultJSON)
			}
		})
	}
}
