package wasm

import "testing"

// TestFindingParserStream feeds output in pieces, as pipes deliver it.
func TestFindingParserStream(t *testing.T) {
	t.Parallel()
	out := `{"path":"a","rule":"r","severity":"note","message":"1"}` + "\r\n" +
		`{"path":"b","rule":"r","severity":"note","message":"2"}` + "\n" +
		`{"path":"c","rule":"r","severity":"note","message":"3"}`
	for size := 1; size < len(out); size += 7 {
		var p findingParser
		for i := 0; i < len(out); i += size {
			p.write([]byte(out[i:min(len(out), i+size)]))
		}
		if err := p.close(); err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if len(p.findings) != 3 || p.findings[2].Path != "c" {
			t.Fatalf("size %d: %+v", size, p.findings)
		}
	}
}
