package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCapture(t *testing.T) {
	t.Parallel()
	manyLines := func(n int) string {
		var sb strings.Builder
		for i := range n {
			fmt.Fprintf(&sb, "line %d\n", i)
		}
		return sb.String()
	}
	tests := []struct {
		name   string
		stream string
		max    int64
		head   string
		tail   []string
	}{
		{name: "empty", stream: "", max: 10},
		{name: "under the cap", stream: "a\nb\n", max: 10, head: "a\nb\n", tail: []string{"a", "b"}},
		{name: "no final newline", stream: "a\nb", max: 10, head: "a\nb", tail: []string{"a", "b"}},
		{name: "at the cap", stream: "0123456789", max: 10, head: "0123456789", tail: []string{"0123456789"}},
		{
			name: "over the cap: the tail drops its cut first line", stream: "first\nsecond\nthird\n", max: 10,
			head: "first\nseco", tail: []string{"third"},
		},
		{
			name: "one long line over the cap", stream: strings.Repeat("x", 25), max: 10,
			head: strings.Repeat("x", 10), tail: []string{strings.Repeat("x", 10)},
		},
		{
			name: "more lines than the tail holds", stream: manyLines(500), max: 1 << 20,
			head: manyLines(500), tail: strings.Split(strings.TrimSuffix(manyLines(500), "\n"), "\n")[300:],
		},
	}
	for _, tc := range tests {
		// Every way of cutting the stream into writes gives the same.
		for _, chunk := range []int{1, 3, 7, 1 << 30} {
			t.Run(fmt.Sprintf("%s/chunk-%d", tc.name, chunk), func(t *testing.T) {
				t.Parallel()
				c := newCapture(tc.max)
				for s := tc.stream; len(s) > 0; {
					n := min(chunk, len(s))
					c.Write([]byte(s[:n]))
					s = s[n:]
				}
				var r Result
				c.fill(&r)
				sum := sha256.Sum256([]byte(tc.stream))
				want := Result{
					OutputBytes:  int64(len(tc.stream)),
					OutputDigest: "sha256:" + hex.EncodeToString(sum[:]),
					Truncated:    int64(len(tc.stream)) > tc.max,
					Tail:         tc.tail,
					Output:       []byte(tc.head),
				}
				if diff := cmp.Diff(want, r, cmp.Comparer(bytes.Equal)); diff != "" {
					t.Errorf("result (-want +got):\n%s", diff)
				}
			})
		}
	}
}
