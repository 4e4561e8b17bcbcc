// Package cue loads and checks ArchitectOS manifests and plans. It owns the
// embedded CUE schema (schema.cue) and is the only importer of cuelang.org
// and of the YAML parser.
//
// # Manifests
//
// [LoadManifest] validates a CUE or YAML manifest against the schema,
// unifies it with an optional organisation policy, applies defaults, runs
// the semantic checks of docs/spec.md 2.5 and decodes the result into an
// [aos.Manifest]. Every error is reported, each with its position.
//
// # Plans
//
// [planfile.Parse] decodes a plan document strictly (docs/spec.md 3).
package cue

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue/planfile"

	cuelang "cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueyaml "cuelang.org/go/encoding/yaml"
)

//go:embed schema.cue
var schemaSource []byte

// SchemaSource returns the embedded CUE schema of manifests.
func SchemaSource() []byte { return schemaSource }

// Source is one input file.
type Source struct {
	Name string // file name used in positions
	Data []byte
}

// Error is one manifest error at a position.
type Error struct {
	Pos   aos.Position
	Path  string // the field, e.g. "policies.allow_delete"
	Msg   string
	Other []aos.Position // other positions involved, e.g. the policy's
}

func (e Error) Error() string {
	s := ""
	if p := e.Pos.String(); p != "" {
		s = p + ": "
	}
	if e.Path != "" {
		s += e.Path + ": "
	}
	s += e.Msg
	if len(e.Other) > 0 {
		var o []string
		for _, p := range e.Other {
			o = append(o, p.String())
		}
		s += " (see also " + strings.Join(o, ", ") + ")"
	}
	return s
}

// ManifestError lists every error of a manifest. It wraps
// [aos.ErrRejected].
type ManifestError struct {
	Errors []Error
}

func (e *ManifestError) Error() string {
	if len(e.Errors) == 1 {
		return "invalid manifest: " + e.Errors[0].Error()
	}
	return fmt.Sprintf("invalid manifest: %d errors, first: %s", len(e.Errors), e.Errors[0].Error())
}

// Unwrap makes errors.Is(err, aos.ErrRejected) true.
func (e *ManifestError) Unwrap() error { return aos.ErrRejected }

var (
	ctxOnce   sync.Once
	schemaVal cuelang.Value
	schemaErr error
	ctxMu     sync.Mutex // a cue.Context is not safe for concurrent use
	ctx       *cuelang.Context
)

func schema() (*cuelang.Context, cuelang.Value, error) {
	ctxOnce.Do(func() {
		ctx = cuecontext.New()
		v := ctx.CompileBytes(schemaSource, cuelang.Filename("schema.cue"))
		if err := v.Err(); err != nil {
			schemaErr = fmt.Errorf("compile embedded schema: %w", err)
			return
		}
		schemaVal = v.LookupPath(cuelang.MakePath(cuelang.Def("Manifest")))
		defaults, schemaErr = readDefaults(v)
	})
	return ctx, schemaVal, schemaErr
}

// compile turns a CUE, YAML or JSON source into a CUE value.
func compile(c *cuelang.Context, src Source) (cuelang.Value, error) {
	if strings.HasSuffix(src.Name, ".cue") {
		v := c.CompileBytes(src.Data, cuelang.Filename(src.Name))
		return v, v.Err()
	}
	f, err := cueyaml.Extract(src.Name, src.Data)
	if err != nil {
		// CUE's YAML errors may lack a line; the YAML parser's have one.
		if pos, msg, bad := planfile.YAMLSyntaxError(src.Name, src.Data); bad {
			return cuelang.Value{}, Error{Pos: pos, Msg: msg}
		}
		return cuelang.Value{}, err
	}
	v := c.BuildFile(f)
	return v, v.Err()
}

// MaxManifestBytes bounds a manifest and a policy file (docs/spec.md 2.1):
// checking grows faster than linearly with the size of CUE values, so a
// huge document is refused before it is parsed.
const MaxManifestBytes = 512 << 10

// LoadManifest validates src, unified with the optional policy, and decodes
// it. repoPath is the manifest's path in the repository, protected from
// writes. A manifest that is not valid yields a [*ManifestError].
func LoadManifest(src Source, repoPath string, pol *Source) (*aos.Manifest, error) {
	for _, s := range []*Source{&src, pol} {
		if s != nil && len(s.Data) > MaxManifestBytes {
			return nil, &ManifestError{Errors: []Error{{Pos: aos.Position{File: s.Name, Line: 1, Col: 1},
				Msg: fmt.Sprintf("file is %d bytes, over the limit of %d", len(s.Data), MaxManifestBytes)}}}
		}
	}
	c, sch, err := schema()
	if err != nil {
		return nil, err
	}
	ctxMu.Lock()
	defer ctxMu.Unlock()

	data, err := compile(c, src)
	if err != nil {
		return nil, &ManifestError{Errors: convertErrors(err, src.Name)}
	}
	if data.IncompleteKind() != cuelang.StructKind {
		return nil, &ManifestError{Errors: []Error{{Pos: aos.Position{File: src.Name, Line: 1, Col: 1}, Msg: "a manifest must be a mapping of sections"}}}
	}
	srcs := []cuelang.Value{data}
	var closed []Error
	v := sch.Unify(data)
	digest := sha256.Sum256(src.Data)
	m := &aos.Manifest{Source: repoPath, Digest: "sha256:" + hex.EncodeToString(digest[:])}
	if pol != nil {
		pv, err := compile(c, *pol)
		if err != nil {
			return nil, &ManifestError{Errors: convertErrors(err, pol.Name)}
		}
		v = v.Unify(pv)
		srcs = append(srcs, pv)
		closed = closureErrors(pv, data)
		pd := sha256.Sum256(pol.Data)
		m.Digest += "+sha256:" + hex.EncodeToString(pd[:])
	}
	var errs []Error
	if err := v.Validate(cuelang.Concrete(true), cuelang.Final()); err != nil {
		errs = explain(convertErrors(err, src.Name), sch)
		// Decode what can be decoded, so the semantic checks still report
		// their errors alongside the schema's.
		if b, err := data.MarshalJSON(); err == nil {
			_ = json.Unmarshal(b, m)
		}
		fillDefaults(m)
	} else if err := v.Decode(m); err != nil {
		return nil, &ManifestError{Errors: convertErrors(err, src.Name)}
	}
	resolve(m)
	errs = append(errs, semanticChecks(srcs, m)...)
	errs = append(errs, closed...)
	if len(errs) > 0 {
		return nil, &ManifestError{Errors: dedupSort(errs)}
	}
	return m, nil
}
