// Package suggest names the nearest of a set of known names to one that
// is not known, as a typo of it: the manifest's fields and a plan's keys
// share it, so that both suggest alike.
package suggest

import (
	"fmt"
	"strings"
)

// Nearest returns the candidate closest to name, as a typo of it: the
// same once case and underscores are set aside (readonly, read_only), or
// within an edit distance of a third of its length (at least 1, at most
// 3); "" when none is that close.
func Nearest(name string, candidates []string) string {
	norm := func(s string) string { return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s)) }
	best, bestD := "", 0
	limit := min(max(len(name)/3, 1), 3)
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := editDistance(norm(name), norm(c))
		if d <= limit && (best == "" || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

// DidYouMean is ", did you mean X?" for the nearest candidate to name,
// or "".
func DidYouMean(name string, candidates []string) string {
	if s := Nearest(name, candidates); s != "" {
		return fmt.Sprintf(", did you mean %q?", s)
	}
	return ""
}

// editDistance is the Levenshtein distance of a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
