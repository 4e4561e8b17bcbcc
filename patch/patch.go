// Package patch parses unified git diffs and applies them exactly, with no
// fuzz and no offset (docs/spec.md 4.5). It is the only importer of
// github.com/bluekeyes/go-gitdiff.
package patch

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// Op says what a file patch does.
type Op string

const (
	Add    Op = "add"
	Modify Op = "modify"
	Delete Op = "delete"
	Rename Op = "rename"
	Copy   Op = "copy"
)

// File is the patch of one file.
type File struct {
	Op      Op
	OldPath string // "" when added
	NewPath string // "" when deleted
	OldMode uint32 // 0 when unknown or added
	NewMode uint32 // 0 when unknown or deleted
	Binary  bool
	// Line is the 1-based line of the file's "diff --git" header in the
	// patch text.
	Line  int
	hunks []int // lines of the "@@" headers, in order of appearance
	f     *gitdiff.File
}

// Error is a patch that cannot be parsed or applied, at a line of the patch
// text.
type Error struct {
	Line int // 1-based line in the patch text; 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("patch line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// MaxFiles is the most files one patch may touch.
const MaxFiles = 10000

// Parse parses a unified diff: as git diff prints it, or with plain "---"
// and "+++" file headers, as diff -u prints them, when their names say
// which path they change (see normalize; docs/spec.md 4.5). git's names
// must carry its a/ and b/ prefixes, so that a patch made with
// --no-prefix is never read as touching other paths, and are returned
// exactly as written (never cleaned), so path-safety rules see what the
// patch says. Lines in errors, [File.Line] and hunks are those of text.
func Parse(text string) ([]*File, error) {
	nz, err := normalize(text)
	if err != nil {
		return nil, err
	}
	files, err := parseGit(nz.text)
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			pe.Line = nz.line(pe.Line)
		}
		return nil, err
	}
	for i, f := range files {
		f.Line = nz.line(f.Line)
		for j, h := range f.hunks {
			f.hunks[j] = nz.line(h)
		}
		if nz.plain[i] {
			// A plain header says nothing of modes: the file keeps its
			// own, and an added one is a regular file.
			f.OldMode = 0
			if f.Op != Add {
				f.NewMode = 0
			}
		}
	}
	return files, nil
}

// parseGit parses a unified git diff.
func parseGit(text string) ([]*File, error) {
	heads, err := scanHeaders(text)
	if err != nil {
		return nil, err
	}
	files, _, err := gitdiff.Parse(strings.NewReader(text))
	if err != nil {
		return nil, &Error{Line: lineOf(err), Msg: "cannot parse: " + err.Error()}
	}
	if len(files) == 0 {
		return nil, &Error{Msg: "patch holds no file changes"}
	}
	if len(files) != len(heads) {
		return nil, &Error{Msg: fmt.Sprintf("patch has %d file headers but %d file changes: give each file a \"diff --git\" line, or \"---\" and \"+++\" lines followed by its hunks", len(heads), len(files))}
	}
	if len(files) > MaxFiles {
		return nil, &Error{Msg: fmt.Sprintf("patch touches %d files, over the limit of %d", len(files), MaxFiles)}
	}
	out := make([]*File, len(files))
	for i, f := range files {
		h := heads[i]
		pf := &File{f: f, Line: h.line, hunks: h.hunks, Binary: f.IsBinary, OldMode: uint32(f.OldMode), NewMode: uint32(f.NewMode)}
		if len(h.hunks) != len(f.TextFragments) {
			return nil, &Error{Line: h.line, Msg: "hunk headers do not match the parsed hunks"}
		}
		switch {
		case f.IsNew:
			pf.Op, pf.NewPath = Add, h.newName
		case f.IsDelete:
			pf.Op, pf.OldPath = Delete, h.oldName
		case f.IsRename:
			pf.Op, pf.OldPath, pf.NewPath = Rename, h.oldName, h.newName
		case f.IsCopy:
			pf.Op, pf.OldPath, pf.NewPath = Copy, h.oldName, h.newName
		default:
			pf.Op, pf.OldPath, pf.NewPath = Modify, h.oldName, h.newName
			if h.oldName != h.newName {
				return nil, &Error{Line: h.line, Msg: fmt.Sprintf("header names %q and %q differ without a rename", h.oldName, h.newName)}
			}
		}
		if pf.Op != Add && pf.Op != Delete {
			// An index line without a mode change gives the mode once.
			switch {
			case pf.OldMode == 0 && pf.NewMode != 0:
				pf.OldMode = pf.NewMode
			case pf.NewMode == 0 && pf.OldMode != 0:
				pf.NewMode = pf.OldMode
			}
		}
		out[i] = pf
	}
	return out, nil
}

// Paths returns every path the file patch touches: both sides of a rename
// or copy.
func (f *File) Paths() []string {
	var ps []string
	if f.OldPath != "" {
		ps = append(ps, f.OldPath)
	}
	if f.NewPath != "" && f.NewPath != f.OldPath {
		ps = append(ps, f.NewPath)
	}
	return ps
}

// ModeChange reports whether the patch changes the mode of an existing
// file.
func (f *File) ModeChange() bool {
	return (f.Op == Modify || f.Op == Rename || f.Op == Copy) && f.OldMode != 0 && f.NewMode != 0 && f.OldMode != f.NewMode
}

// Apply applies the file's changes to old, exactly. A hunk that does not
// match returns an [*Error] with the hunk's line in the patch text.
func (f *File) Apply(old []byte) ([]byte, error) {
	if f.Binary {
		var buf bytes.Buffer
		if err := gitdiff.Apply(&buf, bytes.NewReader(old), f.f); err != nil {
			return nil, &Error{Line: f.Line, Msg: "binary patch does not apply: " + err.Error()}
		}
		return buf.Bytes(), nil
	}
	if len(f.f.TextFragments) == 0 {
		return old, nil
	}
	order := make([]int, len(f.f.TextFragments))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return f.f.TextFragments[order[a]].OldPosition < f.f.TextFragments[order[b]].OldPosition
	})
	var buf bytes.Buffer
	ap := gitdiff.NewTextApplier(&buf, bytes.NewReader(old))
	for _, i := range order {
		frag := f.f.TextFragments[i]
		if err := ap.ApplyFragment(frag); err != nil {
			msg := fmt.Sprintf("hunk %d (%s) does not apply: %s", i+1, strings.TrimSpace(frag.Header()), mismatch(frag, old, err))
			return nil, &Error{Line: f.hunks[i], Msg: msg}
		}
	}
	if err := ap.Close(); err != nil {
		return nil, &Error{Line: f.Line, Msg: "patch does not apply: " + err.Error()}
	}
	return buf.Bytes(), nil
}

// mismatch says why frag does not apply to old: the first line where the
// file and the patch disagree, with the lines the patch expects beside
// those the file has there; err is the applier's own reason, used when
// the lines agree (an overlap with an earlier hunk, a new file that
// exists).
func mismatch(frag *gitdiff.TextFragment, old []byte, err error) string {
	var want []string
	for _, l := range frag.Lines {
		if l.Old() {
			want = append(want, l.Line)
		}
	}
	have := splitLines(old)
	start := int(max(frag.OldPosition-1, 0))
	for k, w := range want {
		idx := start + k
		if idx >= len(have) {
			return fmt.Sprintf("the file has %s, and the patch expects line %d to be %s", lineCount(len(have)), idx+1, quoteLine(w))
		}
		if have[idx] == w {
			continue
		}
		if strings.TrimSuffix(have[idx], "\n") == strings.TrimSuffix(w, "\n") {
			if strings.HasSuffix(have[idx], "\n") {
				return fmt.Sprintf("line %d of the file ends with a newline, the patch's does not (\\ No newline at end of file)", idx+1)
			}
			return fmt.Sprintf("line %d of the file has no newline at its end, the patch's has one", idx+1)
		}
		lo, hi := max(k-2, 0), min(k+3, len(want))
		var exp, got []string
		for j := lo; j < hi; j++ {
			exp = append(exp, quoteLine(want[j]))
			if start+j < len(have) {
				got = append(got, quoteLine(have[start+j]))
			}
		}
		return fmt.Sprintf("line %d of the file is %s, the patch expects %s (lines %d to %d: the patch expects %s, the file has %s)",
			idx+1, quoteLine(have[idx]), quoteLine(w), start+lo+1, start+hi, strings.Join(exp, " "), strings.Join(got, " "))
	}
	var c *gitdiff.Conflict
	switch {
	case errors.As(err, &c) && strings.Contains(c.Error(), "overlaps"):
		return "it overlaps the lines of an earlier hunk"
	case errors.As(err, &c) && strings.Contains(c.Error(), "non-empty"):
		return "it creates the file, which is not empty"
	case errors.As(err, &c) && strings.Contains(c.Error(), "full delete"):
		return "it deletes the whole file, which has more lines than the hunk"
	}
	return err.Error()
}

// quoteLine quotes a line without its newline, cut at 80 bytes.
func quoteLine(l string) string {
	l = strings.TrimSuffix(l, "\n")
	if len(l) > 80 {
		cut := 80
		for cut > 0 && !utf8.RuneStart(l[cut]) {
			cut--
		}
		return strconv.Quote(l[:cut]) + "..."
	}
	return strconv.Quote(l)
}

// lineCount is "1 line", "3 lines".
func lineCount(n int) string {
	if n == 1 {
		return "1 line"
	}
	return fmt.Sprintf("%d lines", n)
}

type header struct {
	line             int
	oldName, newName string
	hunks            []int
}

// scanHeaders reads the raw header lines of each file of a git diff, so
// that names are seen exactly as written.
func scanHeaders(text string) ([]header, error) {
	var heads []header
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		n := i + 1
		switch {
		case strings.HasPrefix(l, "diff --git "):
			a, b, err := splitGitHeader(strings.TrimPrefix(l, "diff --git "))
			if err != nil {
				return nil, &Error{Line: n, Msg: err.Error()}
			}
			heads = append(heads, header{line: n, oldName: a, newName: b})
		case len(heads) == 0:
			continue
		case strings.HasPrefix(l, "@@ "):
			h := &heads[len(heads)-1]
			h.hunks = append(h.hunks, n)
		case strings.HasPrefix(l, "rename from "), strings.HasPrefix(l, "copy from "):
			name, err := unquote(l[strings.Index(l, "from ")+5:])
			if err != nil {
				return nil, &Error{Line: n, Msg: err.Error()}
			}
			heads[len(heads)-1].oldName = name
		case strings.HasPrefix(l, "rename to "), strings.HasPrefix(l, "copy to "):
			name, err := unquote(l[strings.Index(l, "to ")+3:])
			if err != nil {
				return nil, &Error{Line: n, Msg: err.Error()}
			}
			heads[len(heads)-1].newName = name
		case strings.HasPrefix(l, "--- "), strings.HasPrefix(l, "+++ "):
			h := &heads[len(heads)-1]
			if len(h.hunks) > 0 {
				continue // a removed or added line inside a hunk
			}
			name := strings.TrimSuffix(l[4:], "\t")
			if name == "/dev/null" {
				continue
			}
			prefix := "a/"
			if l[0] == '+' {
				prefix = "b/"
			}
			u, err := unquote(name)
			if err != nil {
				return nil, &Error{Line: n, Msg: err.Error()}
			}
			if !strings.HasPrefix(u, prefix) {
				return nil, &Error{Line: n, Msg: fmt.Sprintf("file name %q lacks git's %q prefix", name, prefix)}
			}
			want := h.oldName
			if l[0] == '+' {
				want = h.newName
			}
			if u[2:] != want {
				return nil, &Error{Line: n, Msg: fmt.Sprintf("file name %q does not match the diff --git header", name)}
			}
		}
	}
	return heads, nil
}

// splitGitHeader splits "a/X b/Y" (either side may be quoted) into X and Y.
func splitGitHeader(s string) (string, string, error) {
	var a, rest string
	if strings.HasPrefix(s, `"`) {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return "", "", fmt.Errorf("bad quoted name in diff --git header")
		}
		a, _ = unquote(q)
		rest = strings.TrimPrefix(s[len(q):], " ")
	} else {
		// An unquoted header is ambiguous when names hold " b/"; git
		// writes the same name twice unless the file is renamed or copied
		// (whose names come from the rename and copy lines), so prefer the
		// split that gives equal names.
		i := strings.Index(s, " b/")
		if i < 0 {
			return "", "", fmt.Errorf("diff --git header lacks git's a/ and b/ prefixes")
		}
		for j := i; j >= 0; {
			if s[:j] == "a/"+s[j+3:] {
				i = j
				break
			}
			k := strings.Index(s[j+1:], " b/")
			if k < 0 {
				break
			}
			j += k + 1
		}
		a, rest = s[:i], s[i+1:]
	}
	b := rest
	if strings.HasPrefix(rest, `"`) {
		var err error
		if b, err = unquote(rest); err != nil {
			return "", "", err
		}
	}
	if !strings.HasPrefix(a, "a/") || !strings.HasPrefix(b, "b/") {
		return "", "", fmt.Errorf("diff --git header lacks git's a/ and b/ prefixes")
	}
	return a[2:], b[2:], nil
}

// unquote reads a name as git writes it: plain, or C-quoted.
func unquote(s string) (string, error) {
	if !strings.HasPrefix(s, `"`) {
		return s, nil
	}
	u, err := strconv.Unquote(s)
	if err != nil {
		// git quotes octal escapes of UTF-8 bytes, which strconv reads.
		return "", fmt.Errorf("bad quoted name %s", s)
	}
	return u, nil
}

func lineOf(err error) int {
	// gitdiff reports "gitdiff: line N: ..." for parse errors.
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		rest := msg[i+5:]
		j := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
		if j > 0 {
			n, _ := strconv.Atoi(rest[:j])
			return n
		}
	}
	return 0
}
