package patch

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// normalized is a patch text with every plain unified diff header ("---"
// and "+++" lines without a "diff --git" line, as diff -u and many tools
// write them) rewritten as git's, so that one strict parser reads both.
type normalized struct {
	text string
	// orig maps each 1-based line of text to the line of the original
	// text it comes from (index 0 unused).
	orig []int
	// plain marks the files, by index, whose header was plain: their
	// modes are unknown.
	plain map[int]bool
}

// line returns the line of the original text for line n of the
// normalized one.
func (nz *normalized) line(n int) int {
	if n > 0 && n < len(nz.orig) {
		return nz.orig[n]
	}
	return n
}

// normalize rewrites the plain file headers of text (docs/spec.md 4.5). A
// plain header is a "--- OLD" line, then "+++ NEW", then a hunk header,
// outside any hunk and outside the header of a git file. Its path must be
// unambiguous:
//
//   - "a/P" and "b/P": P, as git writes names;
//   - the same name twice: that name;
//   - "P.orig" and "P": P, as diff -u file.orig file writes them;
//   - /dev/null (or a name dated at the epoch, as diff -N writes an absent
//     file) and a name that does not start with git's prefix for that
//     side: the file is added or deleted.
//
// Anything else is an [*Error] at the "---" line that names the header
// line to write. Timestamps after a tab are dropped.
func normalize(text string) (*normalized, error) {
	lines := strings.SplitAfter(text, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	nz := &normalized{orig: []int{0}, plain: map[int]bool{}}
	var b strings.Builder
	b.Grow(len(text) + 64)
	emit := func(s string, from int) {
		b.WriteString(s)
		nz.orig = append(nz.orig, from)
	}
	files := 0
	inGitHeader := false
	for i := 0; i < len(lines); {
		l := lines[i]
		n := i + 1
		switch {
		case strings.HasPrefix(l, "diff --git "):
			files++
			inGitHeader = true
			emit(l, n)
			i++
		case strings.HasPrefix(l, "@@ -"):
			inGitHeader = false
			emit(l, n)
			i++
			oldN, newN, ok := hunkCounts(l)
			if !ok {
				continue // the parser says what is wrong with it
			}
			for i < len(lines) && (oldN > 0 || newN > 0) {
				body := lines[i]
				switch {
				case strings.HasPrefix(body, " "), body == "\n":
					oldN, newN = oldN-1, newN-1
				case strings.HasPrefix(body, "-"):
					oldN--
				case strings.HasPrefix(body, "+"):
					newN--
				case strings.HasPrefix(body, `\`):
				default:
					oldN, newN = 0, 0 // a short hunk: the parser reports it
					continue
				}
				emit(body, i+1)
				i++
			}
			// "\ No newline at end of file" after the last line.
			for i < len(lines) && strings.HasPrefix(lines[i], `\`) {
				emit(lines[i], i+1)
				i++
			}
		case strings.HasPrefix(l, "--- ") && i+2 < len(lines) && strings.HasPrefix(lines[i+1], "+++ ") && strings.HasPrefix(lines[i+2], "@@ -"):
			if inGitHeader {
				emit(l, n)
				emit(lines[i+1], n+1)
				i += 2
				continue
			}
			hdr, err := plainHeader(l, lines[i+1], n)
			if err != nil {
				return nil, err
			}
			nz.plain[files] = true
			files++
			for _, h := range hdr {
				emit(h, n)
			}
			i += 2
		default:
			emit(l, n)
			i++
		}
	}
	nz.text = b.String()
	return nz, nil
}

// hunkCounts reads the line counts of "@@ -a[,b] +c[,d] @@".
func hunkCounts(l string) (oldN, newN int, ok bool) {
	rest, ok := strings.CutPrefix(l, "@@ -")
	if !ok {
		return 0, 0, false
	}
	end := strings.Index(rest, " @@")
	if end < 0 {
		return 0, 0, false
	}
	oldR, newR, ok := strings.Cut(rest[:end], " +")
	if !ok {
		return 0, 0, false
	}
	count := func(r string) (int, bool) {
		_, c, has := strings.Cut(r, ",")
		if !has {
			return 1, true
		}
		v, err := strconv.Atoi(c)
		return v, err == nil && v >= 0
	}
	o, ok1 := count(oldR)
	nw, ok2 := count(newR)
	return o, nw, ok1 && ok2
}

// plainHeader returns the git header lines of a plain file header whose
// "---" line is line n, or the error that says which line to write.
func plainHeader(oldLine, newLine string, n int) ([]string, error) {
	oldName, oldAbsent, err := plainName(strings.TrimPrefix(oldLine, "--- "))
	if err != nil {
		return nil, &Error{Line: n, Msg: err.Error()}
	}
	newName, newAbsent, err := plainName(strings.TrimPrefix(newLine, "+++ "))
	if err != nil {
		return nil, &Error{Line: n + 1, Msg: err.Error()}
	}
	ambiguous := func(path string, what string) error {
		return &Error{Line: n, Msg: fmt.Sprintf("the file names %q and %q do not say which path the patch changes (%s): write the line %q above this one, with the path in the repository",
			oldName, newName, what, "diff --git "+gitName("a/", path)+" "+gitName("b/", path))}
	}
	switch {
	case oldAbsent && newAbsent:
		return nil, &Error{Line: n, Msg: "both file names are /dev/null"}
	case oldAbsent:
		if strings.HasPrefix(newName, "b/") {
			return nil, ambiguous(newName[2:], "b/ may be git's prefix or a directory")
		}
		return []string{
			"diff --git " + gitName("a/", newName) + " " + gitName("b/", newName) + "\n",
			"new file mode 100644\n",
			"--- /dev/null\n",
			"+++ " + gitName("b/", newName) + "\n",
		}, nil
	case newAbsent:
		if strings.HasPrefix(oldName, "a/") {
			return nil, ambiguous(oldName[2:], "a/ may be git's prefix or a directory")
		}
		return []string{
			"diff --git " + gitName("a/", oldName) + " " + gitName("b/", oldName) + "\n",
			"deleted file mode 100644\n",
			"--- " + gitName("a/", oldName) + "\n",
			"+++ /dev/null\n",
		}, nil
	}
	var path string
	switch {
	case strings.HasPrefix(oldName, "a/") && strings.HasPrefix(newName, "b/") && oldName[2:] == newName[2:]:
		path = oldName[2:]
	case oldName == newName:
		path = oldName
	case oldName == newName+".orig":
		path = newName
	default:
		// Suggest the path both names share below their first
		// directory (diff -ru old new), else the new name.
		guess := newName
		_, o, ok1 := strings.Cut(oldName, "/")
		_, nw, ok2 := strings.Cut(newName, "/")
		if ok1 && ok2 && o == nw && o != "" {
			guess = nw
		}
		return nil, ambiguous(guess, "they differ")
	}
	return []string{
		"diff --git " + gitName("a/", path) + " " + gitName("b/", path) + "\n",
		"--- " + gitName("a/", path) + "\n",
		"+++ " + gitName("b/", path) + "\n",
	}, nil
}

// plainName reads the name of a plain "---" or "+++" line: up to a tab
// (after which diff writes a timestamp), C-quoted or not. absent is true
// for /dev/null and for a name dated at the epoch (diff -N).
func plainName(s string) (name string, absent bool, err error) {
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	stamp := ""
	if strings.HasPrefix(s, `"`) {
		q, qerr := strconv.QuotedPrefix(s)
		if qerr != nil {
			return "", false, fmt.Errorf("bad quoted file name %s", s)
		}
		if name, err = unquote(q); err != nil {
			return "", false, err
		}
		stamp = strings.TrimPrefix(s[len(q):], "\t")
	} else {
		name, stamp, _ = strings.Cut(s, "\t")
	}
	if name == "" {
		return "", false, fmt.Errorf("empty file name")
	}
	return name, name == "/dev/null" || epoch(stamp), nil
}

// epoch reports whether a diff timestamp is the Unix epoch, in any zone.
func epoch(stamp string) bool {
	stamp = strings.TrimSpace(stamp)
	for _, layout := range []string{"2006-01-02 15:04:05.999999999 -0700", "2006-01-02 15:04:05 -0700", "Mon Jan _2 15:04:05 2006"} {
		if t, err := time.Parse(layout, stamp); err == nil {
			return t.Unix() == 0
		}
	}
	return false
}

// gitName writes prefix+path as git writes a name in a header: plain, or
// C-quoted when it holds a quote, a backslash or a byte that is not
// printable ASCII.
func gitName(prefix, path string) string {
	s := prefix + path
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return strconv.Quote(s)
		}
	}
	return s
}
