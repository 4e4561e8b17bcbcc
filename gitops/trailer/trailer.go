// Package trailer reads the trailers of commit messages exactly as git
// does, and the claims ArchitectOS makes with them: the Aos- trailers of
// plan and result commits (docs/spec.md 7.1). It links only the standard
// library, so that its fuzz targets run fast.
package trailer

import (
	"strings"
)

// Trailer is one trailer of a commit message: "Key: value".
type Trailer struct {
	Key, Value string
}

// The reading of trailers below follows git 2.39's trailer.c and
// commit.c (find_patch_start, ignore_non_trailer, find_trailer_start,
// trailer_info_get, parse_trailer, unfold_value) with git's default
// configuration: comment lines start with '#', the only separator is ':',
// no trailer is configured. TestAgainstGit compares it with git
// interpret-trailers on random messages.

const (
	commentChar = '#'
	// cutLine is the scissors line of git commit -v, after "# ", with
	// its newline.
	cutLine = "------------------------ >8 ------------------------\n"
)

// gitGeneratedPrefixes are the lines git itself adds as trailers; with
// one of them, a block of which a quarter are trailers is a trailer
// block.
var gitGeneratedPrefixes = []string{"Signed-off-by: ", "(cherry picked from commit "}

// isSpace is git's isspace: space, tab, newline, carriage return only.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// at is s[i], or 0 past its end, as a C string reads.
func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// nextLine returns the start of the line after the one at i.
func nextLine(s string, i int) int {
	if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(s)
}

// lastLine returns the start of the last line of s[:n], -1 when n is 0.
func lastLine(s string, n int) int {
	if n == 0 {
		return -1
	}
	if n == 1 {
		return 0
	}
	for i := n - 2; i >= 0; i-- {
		if s[i] == '\n' {
			return i + 1
		}
	}
	return 0
}

// isBlankLine reports whether the line at i holds only whitespace.
func isBlankLine(s string, i int) bool {
	for i < len(s) && s[i] != '\n' && isSpace(s[i]) {
		i++
	}
	return i >= len(s) || s[i] == '\n'
}

// findSeparator returns the position of the separator of a trailer line
// starting at s[0] ("Key: v", "Key  : v"), or -1.
func findSeparator(s string) int {
	spaced := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ':' {
			return i
		}
		if !spaced && (isAlnum(c) || c == '-') {
			continue
		}
		if i != 0 && (c == ' ' || c == '\t') {
			spaced = true
			continue
		}
		break
	}
	return -1
}

// findPatchStart returns where the patch begins in a message that git
// format-patch style input may hold: the first line starting with "---"
// and whitespace, else the end.
func findPatchStart(s string) int {
	for i := 0; i < len(s); i = nextLine(s, i) {
		if strings.HasPrefix(s[i:], "---") && isSpace(at(s, i+3)) {
			return i
		}
	}
	return len(s)
}

// locateEnd is git's wt_status_locate_end: the message ends before the
// first scissors line, searched in the whole message.
func locateEnd(s string, n int) int {
	pattern := "\n" + string(commentChar) + " " + cutLine
	if strings.HasPrefix(s, pattern[1:]) {
		return 0
	}
	if p := strings.Index(s, pattern); p >= 0 {
		return p + 1
	}
	return n
}

// ignoreNonTrailer returns how many bytes at the end of s[:n] are not
// part of the message for trailers: trailing comment and blank lines, an
// old "Conflicts:" block, whatever follows a scissors line. ok is false
// where git never returns: a scissors line after n.
func ignoreNonTrailer(s string, n int) (int, bool) {
	boc, bol := 0, 0
	conflicts := false
	cutoff := locateEnd(s, n)
	if cutoff > n {
		// git's loop stops at a line start at or past cutoff, and
		// cannot move past n: it never ends.
		return 0, false
	}
	for bol < cutoff {
		next := n
		if j := strings.IndexByte(s[bol:n], '\n'); j >= 0 {
			next = bol + j + 1
		}
		switch c := at(s, bol); {
		case c == commentChar || c == '\n':
			if boc == 0 {
				boc = bol
			}
		case strings.HasPrefix(s[bol:], "Conflicts:\n"):
			conflicts = true
			if boc == 0 {
				boc = bol
			}
		case conflicts && c == '\t':
		case boc != 0:
			boc = 0
			conflicts = false
		}
		bol = next
	}
	if boc != 0 {
		return n - boc, true
	}
	return n - cutoff, true
}

// findTrailerStart returns where the trailer block of s[:n] starts, or n
// when there is none: the last paragraph when all its lines are trailers
// (continuation lines included), or when a quarter are and one is a
// trailer git generates.
func findTrailerStart(s string, n int) int {
	i := 0
	for i < n {
		if at(s, i) != commentChar && isBlankLine(s, i) {
			break
		}
		i = nextLine(s, i)
	}
	endOfTitle := i
	onlySpaces := true
	recognized := false
	trailers, nonTrailers, continuations := 0, 0, 0
	for l := lastLine(s, n); l >= endOfTitle; l = lastLine(s, l) {
		if at(s, l) == commentChar {
			nonTrailers += continuations
			continuations = 0
			continue
		}
		if isBlankLine(s, l) {
			if onlySpaces {
				continue
			}
			nonTrailers += continuations
			if recognized && trailers*3 >= nonTrailers {
				return nextLine(s, l)
			}
			if trailers > 0 && nonTrailers == 0 {
				return nextLine(s, l)
			}
			return n
		}
		onlySpaces = false
		generated := false
		for _, p := range gitGeneratedPrefixes {
			if strings.HasPrefix(s[l:], p) {
				generated = true
			}
		}
		switch {
		case generated:
			trailers++
			continuations = 0
			recognized = true
		case findSeparator(s[l:]) >= 1 && !isSpace(s[l]):
			trailers++
			continuations = 0
		case isSpace(s[l]):
			continuations++
		default:
			nonTrailers++
			nonTrailers += continuations
			continuations = 0
		}
	}
	return n
}

// Read returns the trailers of a commit message as git reads
// them: with divider, as git interpret-trailers --parse does (a line
// "---" followed by whitespace ends the message, as in git format-patch
// output); without, as git log --format=%(trailers) does. Values are
// unfolded (continuation lines joined by a space). ok is false for a
// message that git interpret-trailers never finishes reading (a "---"
// line, then a scissors line), which has no reading at all.
func Read(msg string, divider bool) (ts []Trailer, ok bool) {
	patchStart := len(msg)
	if divider {
		patchStart = findPatchStart(msg)
	}
	ignored, ok := ignoreNonTrailer(msg, patchStart)
	if !ok {
		return nil, false
	}
	end := patchStart - ignored
	start := findTrailerStart(msg, end)
	// The block's lines, each with its newline; a line starting with
	// whitespace continues the trailer before it. A trailer and its
	// continuation lines are contiguous in msg: each is kept as the span
	// they cover, so that a trailer folded over many lines costs what its
	// lines do.
	type span struct{ i, j int }
	var lines []span
	last := -1
	for i := start; i < end; {
		j := end
		if k := strings.IndexByte(msg[i:end], '\n'); k >= 0 {
			j = i + k + 1
		}
		l := msg[i:j]
		if last >= 0 && isSpace(l[0]) {
			lines[last].j = j
			i = j
			continue
		}
		lines = append(lines, span{i, j})
		i = j
		last = -1
		if findSeparator(l) >= 1 {
			last = len(lines) - 1
		}
	}
	for _, sp := range lines {
		l := msg[sp.i:sp.j]
		if l[0] == commentChar {
			continue
		}
		sep := findSeparator(l)
		if sep < 1 {
			continue // a line of the block that is not a trailer
		}
		ts = append(ts, Trailer{Key: trim(l[:sep]), Value: unfold(trim(l[sep+1:]))})
	}
	return ts, true
}

// trim is git's strbuf_trim.
func trim(s string) string {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

// unfold is git's unfold_value: each newline and the whitespace after it
// become one space.
func unfold(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		i++
		if c == '\n' {
			for i < len(s) && isSpace(s[i]) {
				i++
			}
			b.WriteByte(' ')
			continue
		}
		b.WriteByte(c)
	}
	return trim(b.String())
}

// Lines returns every line of a message, its subject included,
// that reads as a trailer on its own: a token of letters, digits and
// dashes at the start of the line, then ':' (spaces or tabs may come
// before it), and the rest of the line, trimmed, as its value. It is the
// reading of whoever looks for "Key:" lines anywhere (git log --grep
// '^Key:', a reviewer): a message whose trailers git reads differently
// has two meanings.
func Lines(msg string) []Trailer {
	var out []Trailer
	for _, l := range strings.Split(msg, "\n") {
		if l == "" || isSpace(l[0]) {
			continue
		}
		if sep := findSeparator(l); sep >= 1 {
			out = append(out, Trailer{Key: trim(l[:sep]), Value: trim(l[sep+1:])})
		}
	}
	return out
}
