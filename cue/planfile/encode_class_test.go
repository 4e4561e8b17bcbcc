package planfile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/architectos/aos"
)

// encodeAlphabet are the characters YAML's block and flow scalars treat
// specially at the start, the end or inside a line: indentation, breaks
// of every kind, comment and indicator characters, a byte order mark.
var encodeAlphabet = []string{"\t", "\n", " ", "\r", "#", "-", ":", "|", "'", "\"", "\\", "a", "\ufeff", "\u0085", "\u2028", "\x00", "\x01", "\x7f"}

// TestEncodeEveryString: every string of up to three characters over
// encodeAlphabet, and every single byte, round-trips as a file's content,
// a patch, a path, an argument and the goal, or is refused with
// ErrNotEncodable only where the plan format cannot hold it. The encoder
// chooses the encoding; it never fails on what a plan can hold.
func TestEncodeEveryString(t *testing.T) {
	t.Parallel()
	var all []string
	var grow func(prefix string, n int)
	grow = func(prefix string, n int) {
		all = append(all, prefix)
		if n == 0 {
			return
		}
		for _, c := range encodeAlphabet {
			grow(prefix+c, n-1)
		}
	}
	grow("", 3)
	for b := 0; b < 256; b++ {
		all = append(all, string([]byte{byte(b)}), string([]byte{byte(b), '\n'}), "x"+string([]byte{byte(b)}))
	}
	for _, s := range all {
		for _, tc := range []struct {
			what string
			d    aos.Directive
			// holdable is whether a plan can hold s there.
			holdable bool
		}{
			{"content", aos.Directive{Type: aos.FileWrite, Path: "f", Content: []byte(s)}, true},
			{"patch", aos.Directive{Type: aos.ApplyPatch, Patch: s}, utf8.ValidString(s) && s != ""},
			{"argument", aos.Directive{Type: aos.SandboxExec, Tool: "t", Args: []string{s}}, utf8.ValidString(s) && !strings.ContainsRune(s, 0)},
		} {
			p := &aos.Plan{Version: 1, ID: "every", Goal: "g", Directives: []aos.Directive{tc.d}}
			roundTrip(t, fmt.Sprintf("%s %q", tc.what, s), p, tc.holdable)
		}
		if utf8.ValidString(s) {
			p := &aos.Plan{Version: 1, ID: "every", Goal: "goal " + s, Directives: []aos.Directive{{Type: aos.LS, Path: "."}}}
			roundTrip(t, fmt.Sprintf("goal %q", s), p, true)
		}
	}
}

// roundTrip encodes p and parses it back: it must be p, or an error
// wrapping ErrNotEncodable or the parser's *Error when !holdable.
func roundTrip(t *testing.T, what string, p *aos.Plan, holdable bool) {
	t.Helper()
	out, err := Encode(p)
	if err != nil {
		var pe *Error
		if holdable || !(errors.Is(err, ErrNotEncodable) || errors.As(err, &pe)) {
			t.Errorf("%s: %v", what, err)
		}
		return
	}
	back, err := Parse(context.Background(), "plan.yaml", out, MaxLimits)
	if err != nil {
		t.Errorf("%s: the encoding does not parse: %v\n%s", what, err, out)
		return
	}
	if back.Goal != p.Goal || len(back.Directives) != len(p.Directives) || !SameDirective(&back.Directives[0], &p.Directives[0]) {
		t.Errorf("%s: reads back as another plan:\n%s", what, out)
	}
}
