// The anchored diff below (tgs and the loop of CountLines) follows Go's
// src/internal/diff/diff.go:
//
// Copyright 2022 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package patch

import (
	"bytes"
	"sort"
	"strings"
)

// binaryProbe is how much of a file git looks at to decide that it is
// binary (xdiff's buffer_is_binary: a NUL byte in the first 8,000 bytes).
const binaryProbe = 8000

// IsBinary reports whether git would treat data as binary.
func IsBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), binaryProbe)], 0) >= 0
}

// CountLines returns the lines added and deleted between two versions of
// a file, as `git diff --numstat` reports them: 0, 0 when either version
// is binary. The diff is anchored: lines that occur once in each version
// anchor the matching regions, which are then extended over equal
// neighbours, and whatever lies between is counted as changed. It takes
// O(n log n) time on any input, and its count is never below the minimal
// diff's, since it is the count of a valid edit script.
func CountLines(old, new []byte) (added, deleted int) {
	if bytes.Equal(old, new) || IsBinary(old) || IsBinary(new) {
		return 0, 0
	}
	x, y := lines(old), lines(new)
	type pair struct{ x, y int }
	done := pair{}
	for _, m := range tgs(x, y) {
		if m.x < done.x {
			continue // already covered by extending an earlier match
		}
		start := pair{m.x, m.y}
		for start.x > done.x && start.y > done.y && x[start.x-1] == y[start.y-1] {
			start.x--
			start.y--
		}
		end := pair{m.x, m.y}
		for end.x < len(x) && end.y < len(y) && x[end.x] == y[end.y] {
			end.x++
			end.y++
		}
		deleted += start.x - done.x
		added += start.y - done.y
		done = end
	}
	return added, deleted
}

// lines splits a file into lines, newlines included; a last line without
// a newline is marked, so that adding the newline changes it, as in git.
func lines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	l := strings.SplitAfter(string(b), "\n")
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	} else {
		l[len(l)-1] += "\n\\ No newline at end of file\n"
	}
	return l
}

// tgs returns the pairs of indexes of the longest common subsequence of
// the unique lines of x and y (a unique line occurs once in x and once in
// y), between a leading {0, 0} and a trailing {len(x), len(y)}. The
// algorithm is Thomas G. Szymanski's, "A Special Case of the Maximal
// Common Subsequence Problem", Princeton TR #170 (1975).
func tgs(x, y []string) []struct{ x, y int } {
	// Occurrences: 0, 1, many counted as 0, -1, -2 for x and 0, -4, -8
	// for y, so that unique lines are those at -5.
	m := make(map[string]int, len(x)+len(y))
	for _, s := range x {
		if c := m[s]; c > -2 {
			m[s] = c - 1
		}
	}
	for _, s := range y {
		if c := m[s]; c > -8 {
			m[s] = c - 4
		}
	}
	var xi, yi, inv []int
	for i, s := range y {
		if m[s] == -1+-4 {
			m[s] = len(yi)
			yi = append(yi, i)
		}
	}
	for i, s := range x {
		if j, ok := m[s]; ok && j >= 0 {
			xi = append(xi, i)
			inv = append(inv, j)
		}
	}
	// Algorithm A of the paper, with A = J = inv and B = [0, n).
	J := inv
	n := len(xi)
	T := make([]int, n)
	L := make([]int, n)
	for i := range T {
		T[i] = n + 1
	}
	for i := 0; i < n; i++ {
		k := sort.Search(n, func(k int) bool { return T[k] >= J[i] })
		T[k] = J[i]
		L[i] = k + 1
	}
	k := 0
	for _, v := range L {
		k = max(k, v)
	}
	seq := make([]struct{ x, y int }, 2+k)
	seq[1+k] = struct{ x, y int }{len(x), len(y)}
	// Walking back, the last element of each pile has the smallest J of
	// its pile so far, so the chosen pairs increase in both x and y.
	for i := n - 1; i >= 0; i-- {
		if L[i] == k {
			seq[k] = struct{ x, y int }{xi[i], yi[J[i]]}
			k--
		}
	}
	return seq
}
