package patch

import (
	"bytes"
	"fmt"
	"strings"
)

// maxEdit bounds the work of the line diff; beyond it, a change is shown
// as one hunk replacing every line.
const maxEdit = 4000

// Unified returns a git-style unified diff (3 lines of context) of a file
// from old to new, as git diff prints it, so that [Parse] reads it back. A
// mode of 0 means the file is absent on that side (/dev/null). It returns
// "" when nothing differs.
func Unified(path string, old []byte, oldMode uint32, new []byte, newMode uint32) string {
	oldExists, newExists := oldMode != 0, newMode != 0
	if oldMode == newMode && bytes.Equal(old, new) {
		return ""
	}
	a, b := splitLines(old), splitLines(new)
	var sb strings.Builder
	fmt.Fprintf(&sb, "diff --git a/%s b/%s\n", path, path)
	switch {
	case !oldExists:
		fmt.Fprintf(&sb, "new file mode %o\n", newMode)
	case !newExists:
		fmt.Fprintf(&sb, "deleted file mode %o\n", oldMode)
	case oldMode != newMode:
		fmt.Fprintf(&sb, "old mode %o\nnew mode %o\n", oldMode, newMode)
	}
	if bytes.Equal(old, new) {
		return sb.String()
	}
	if oldExists {
		fmt.Fprintf(&sb, "--- a/%s\n", path)
	} else {
		sb.WriteString("--- /dev/null\n")
	}
	if newExists {
		fmt.Fprintf(&sb, "+++ b/%s\n", path)
	} else {
		sb.WriteString("+++ /dev/null\n")
	}
	if isBinary(old) || isBinary(new) {
		sb.WriteString("Binary files differ\n")
		return sb.String()
	}
	writeHunks(&sb, a, b, editScript(a, b))
	return sb.String()
}

func isBinary(b []byte) bool {
	if len(b) > 8000 {
		b = b[:8000]
	}
	return bytes.IndexByte(b, 0) >= 0
}

// splitLines splits b into lines, each with its newline; a last line
// without one is marked by the missing newline.
func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	var lines []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			lines = append(lines, string(b))
			break
		}
		lines = append(lines, string(b[:i+1]))
		b = b[i+1:]
	}
	return lines
}

type edit struct {
	op   byte // ' ', '-', '+'
	line string
}

// editScript computes a shortest edit script with Myers' algorithm,
// falling back to replacing everything when the edit distance is large.
func editScript(a, b []string) []edit {
	// Trim the common prefix and suffix first: most edits are small.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out []edit
	for _, l := range a[:pre] {
		out = append(out, edit{' ', l})
	}
	out = append(out, myers(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		out = append(out, edit{' ', l})
	}
	return out
}

func myers(a, b []string) []edit {
	n, m := len(a), len(b)
	if n == 0 || m == 0 || n+m > 4*maxEdit*maxEdit {
		return replaceAll(a, b)
	}
	max := n + m
	if max > maxEdit {
		max = maxEdit
	}
	off := max
	v := make([]int, 2*max+2)
	var trace [][]int
	found := false
	for d := 0; d <= max && !found; d++ {
		snapshot := make([]int, len(v))
		copy(snapshot, v)
		trace = append(trace, snapshot)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
	}
	if !found {
		return replaceAll(a, b)
	}
	// Backtrack through the saved frontiers.
	var rev []edit
	x, y := n, m
	for d := len(trace) - 1; d > 0; d-- {
		vd := trace[d]
		k := x - y
		var pk int
		if k == -d || (k != d && vd[off+k-1] < vd[off+k+1]) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := vd[off+pk]
		py := px - pk
		for x > px && y > py {
			x--
			y--
			rev = append(rev, edit{' ', a[x]})
		}
		if x == px {
			y--
			rev = append(rev, edit{'+', b[y]})
		} else {
			x--
			rev = append(rev, edit{'-', a[x]})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, edit{' ', a[x]})
	}
	out := make([]edit, len(rev))
	for i, e := range rev {
		out[len(rev)-1-i] = e
	}
	return out
}

func replaceAll(a, b []string) []edit {
	out := make([]edit, 0, len(a)+len(b))
	for _, l := range a {
		out = append(out, edit{'-', l})
	}
	for _, l := range b {
		out = append(out, edit{'+', l})
	}
	return out
}

func writeHunks(sb *strings.Builder, a, b []string, es []edit) {
	const ctx = 3
	i := 0
	for i < len(es) {
		// Find the next change.
		for i < len(es) && es[i].op == ' ' {
			i++
		}
		if i == len(es) {
			return
		}
		start := max(i-ctx, 0)
		end := i
		for j := i; j < len(es); j++ {
			if es[j].op != ' ' {
				end = j
				continue
			}
			if j-end > 2*ctx {
				break
			}
		}
		stop := min(end+ctx+1, len(es))
		// Line numbers of the hunk's first line on each side.
		oldLine, newLine := 1, 1
		for _, e := range es[:start] {
			if e.op != '+' {
				oldLine++
			}
			if e.op != '-' {
				newLine++
			}
		}
		var oldN, newN int
		for _, e := range es[start:stop] {
			if e.op != '+' {
				oldN++
			}
			if e.op != '-' {
				newN++
			}
		}
		fmt.Fprintf(sb, "@@ -%s +%s @@\n", rangeOf(oldLine, oldN), rangeOf(newLine, newN))
		for _, e := range es[start:stop] {
			sb.WriteByte(e.op)
			sb.WriteString(e.line)
			if !strings.HasSuffix(e.line, "\n") {
				sb.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = stop
	}
}

func rangeOf(line, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", line-1)
	case 1:
		return fmt.Sprintf("%d", line)
	}
	return fmt.Sprintf("%d,%d", line, n)
}
