package planfile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkLexer holds jsonLexer to encoding/json on doc: up to the first
// errNotFast, the lexer returns the tokens and offsets json.Decoder
// returns, and an error only where it does. It reports whether the lexer
// read the whole document.
func checkLexer(t *testing.T, doc []byte) bool {
	t.Helper()
	if !utf8.Valid(doc) {
		return false // Parse refuses it before any reader
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	lex := newJSONLexer(doc)
	for n := 0; ; n++ {
		got, gerr := lex.Token()
		if gerr == errNotFast {
			return false
		}
		want, werr := dec.Token()
		switch {
		case werr != nil && gerr != werr:
			t.Fatalf("token %d: encoding/json says %v, the fast reader %v %v:\n%q", n, werr, got, gerr, doc)
		case gerr != nil && gerr != werr:
			t.Fatalf("token %d: the fast reader says %v, encoding/json %v %v:\n%q", n, gerr, want, werr, doc)
		case !reflect.DeepEqual(got, want):
			t.Fatalf("token %d: the fast reader reads %#v, encoding/json %#v:\n%q", n, got, want, doc)
		case lex.InputOffset() != dec.InputOffset():
			t.Fatalf("token %d (%#v): the fast reader ends it at %d, encoding/json at %d:\n%q", n, got, lex.InputOffset(), dec.InputOffset(), doc)
		}
		if gerr == io.EOF {
			return true
		}
	}
}

// checkParse holds Parse to what it answers with encoding/json alone.
func checkParse(t *testing.T, doc []byte) {
	t.Helper()
	lim := Limits{MaxBytes: 1 << 24, MaxDirectives: 1000}
	fast, ferr := parse(context.Background(), "plan.json", doc, lim, true)
	slow, serr := parse(context.Background(), "plan.json", doc, lim, false)
	if !reflect.DeepEqual(fast, slow) || !reflect.DeepEqual(ferr, serr) {
		t.Fatalf("Parse answers %+v %v, and with encoding/json alone %+v %v:\n%q", fast, ferr, slow, serr, doc)
	}
	if errors.Is(ferr, errNotFast) {
		t.Fatalf("Parse returns the fast reader's refusal:\n%q", doc)
	}
}

// jsonSeeds are JSON documents of the shapes plans have, and near misses
// the fast reader must refuse or read exactly.
var jsonSeeds = []string{
	`{"version": 1, "id": "p", "goal": "g", "directives": [{"type": "FILE_WRITE", "path": "a", "content": "a\n\t\u00e9\"\\\/\b\f\r"}]}`,
	"{\n  \"version\": 1,\n  \"id\": \"p\",\n  \"goal\": \"Write\",\n  \"directives\": [\n    {\n      \"type\": \"SANDBOX_EXEC\",\n      \"tool\": \"t\",\n      \"args\": [\"a\", \"b c\"]\n    }\n  ]\n}\n",
	`{"a": [1, -2, 3.5, 0, -0, 1e5, 1E+5, 2.5e-3, true, false, null, {}, [], ""]}`,
	`{"a": "\ud83d\ude00"}`, `{"a": "\ud800"}`, `{"a": "\udc00x"}`, `{"a": "\u00"}`, `{"a": "\q"}`, `{"a": "\'"}`,
	"{\"a\": \"x\ty\"}", "{\"a\": \"x\x00y\"}", "{\"a\": \"é\u2028\ufeff😀\"}", `{"a": "\u0000\u001f\u007f\uffff"}`,
	`{"a": 01}`, `{"a": 1.}`, `{"a": .5}`, `{"a": -}`, `{"a": 1e}`, `{"a": +1}`, `{"a": 1x}`, `{"a": truex}`, `{"a": nul}`,
	`{"a": 1,}`, `[1,]`, `{"a" 1}`, `{"a":: 1}`, `{,"a": 1}`, `{"a": 1 "b": 2}`, `{1: 2}`, `{"a": 1}}`, `[1]]`, `{"a": [1}`,
	`{"a": 1} {}`, `{"a": 1} x`, `{"a": 1} ,`, `{"a": 1}` + "\n\n", `{"a": 1`, `"a"`, `1`, `[]`, ``, `  `, "\ufeff{}",
	`{"a": 1, "a": 2}`, `{"a":{"b":{"c":[[[[]]]]}}}`, `{"a": 1}` + "\r\n", "{\"a\":\r\n\t1}", `{"":""}`, `{"a": "` + strings.Repeat(`x\n`, 100) + `"}`,
}

func TestFastJSON(t *testing.T) {
	t.Parallel()
	read := 0
	for _, s := range jsonSeeds {
		if checkLexer(t, []byte(s)) {
			read++
		}
		checkParse(t, []byte(s))
	}
	if read < 15 {
		t.Errorf("the fast reader read %d of the seeds", read)
	}
	// The plans encoding/json writes, indented and on one line, must be
	// read by the fast reader: it is there for them.
	big := largePlan("json")
	var compact bytes.Buffer
	if err := json.Compact(&compact, big); err != nil {
		t.Fatal(err)
	}
	for _, doc := range [][]byte{big, compact.Bytes()} {
		if !checkLexer(t, doc) {
			t.Errorf("the fast reader refuses a plan encoding/json writes:\n%.300s", doc)
		}
		checkParse(t, doc)
	}
}

// FuzzFastJSON: on every document, the fast JSON reader returns the
// tokens and offsets of encoding/json until it refuses the document, and
// Parse gives the answer it gives with encoding/json alone, plan or
// errors, with their positions.
func FuzzFastJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	for name, b := range planSeeds(f) {
		if strings.HasSuffix(name, ".json") {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkLexer(t, doc)
		checkParse(t, doc)
	})
}
