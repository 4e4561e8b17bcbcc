// Package policy decides what a plan may do: the path-safety rules, the
// workspace globs and the always-protected paths of docs/spec.md section 4.
// It is the only importer of doublestar and of golang.org/x/text.
package policy

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/architectos/aos"
	"golang.org/x/text/unicode/norm"
)

// MaxPathLen is the longest path accepted, in bytes.
const MaxPathLen = 4096

// PathError is a path that breaks a path-safety rule.
type PathError struct {
	Path string
	Rule aos.Rule
	Msg  string
}

func (e *PathError) Error() string { return e.Msg }

func pathErr(p string, rule aos.Rule, format string, args ...any) *PathError {
	return &PathError{Path: p, Rule: rule, Msg: fmt.Sprintf(format, args...)}
}

// CheckPath reports whether p is a canonical, safe, repository-relative
// file path (docs/spec.md 4.1). It never cleans p: a path that is not
// already canonical is an error.
func CheckPath(p string) *PathError {
	if p == "" {
		return pathErr(p, aos.RulePathEmpty, "path is empty")
	}
	if len(p) > MaxPathLen {
		return pathErr(p, aos.RulePathTooLong, "path is %d bytes long, over the limit of %d", len(p), MaxPathLen)
	}
	if !utf8.ValidString(p) {
		return pathErr(p, aos.RulePathUTF8, "path is not valid UTF-8")
	}
	for i, r := range p {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return pathErr(p, aos.RulePathControl, "path has control character %U at byte %d", r, i)
		}
	}
	if strings.HasPrefix(p, "/") || hasDriveLetter(p) {
		return pathErr(p, aos.RulePathAbsolute, "path is absolute; paths are relative to the repository root")
	}
	if strings.Contains(p, `\`) {
		return pathErr(p, aos.RulePathBackslash, "path has a backslash; use / to separate directories")
	}
	if strings.HasSuffix(p, "/") {
		return pathErr(p, aos.RulePathTrailingSlash, "path ends with /; name the file without it")
	}
	if !norm.NFC.IsNormalString(p) {
		return pathErr(p, aos.RulePathNFC, "path is not in Unicode NFC; write it as %q", norm.NFC.String(p))
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch {
		case seg == "":
			return pathErr(p, aos.RulePathEmptySegment, "path has an empty segment (//)")
		case seg == "." || seg == "..":
			return pathErr(p, aos.RulePathDotSegment, "path has a %q segment; paths must be canonical", seg)
		case IsDotGit(seg):
			return pathErr(p, aos.RulePathGit, "path segment %q names the .git directory on some operating system", seg)
		}
	}
	return nil
}

func hasDriveLetter(p string) bool {
	return len(p) >= 2 && p[1] == ':' && (p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z')
}

// hfsIgnorable reports the code points that HFS+ ignores when comparing
// names, as git's is_hfs_dotgit does.
func hfsIgnorable(r rune) bool {
	switch {
	case r >= 0x200c && r <= 0x200f, // ZWNJ, ZWJ, LRM, RLM
		r >= 0x202a && r <= 0x202e, // embedding and override marks
		r >= 0x206a && r <= 0x206f, // deprecated format characters
		r == 0xfeff:                // BOM, ZWNBSP
		return true
	}
	return false
}

// foldSegment returns the name an OS may actually use for seg: without
// HFS-ignorable code points, lower-cased, without an NTFS stream suffix
// (":...") or what follows a backslash (a separator on Windows), and
// without the trailing dots and spaces Windows drops.
func foldSegment(seg string) string {
	if folded(seg) {
		return seg
	}
	return foldSlow(seg)
}

// foldSlow is foldSegment, rune by rune.
func foldSlow(seg string) string {
	var b strings.Builder
	for _, r := range seg {
		if hfsIgnorable(r) {
			continue
		}
		b.WriteRune(foldRune(r))
	}
	s := b.String()
	if i := strings.IndexAny(s, `:\`); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, ". ")
}

// folded reports, without allocating, that p is ASCII and already folded
// as foldSegment folds each of its segments: no upper-case letter, no ':'
// or '\\', and no segment that ends in a dot or a space. Most paths are.
func folded(p string) bool {
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c >= utf8.RuneSelf, c >= 'A' && c <= 'Z', c == ':', c == '\\':
			return false
		case c == '.' || c == ' ':
			if i+1 == len(p) || p[i+1] == '/' {
				return false
			}
		}
	}
	return true
}

// foldRune folds r as case-insensitive file systems compare names: to one
// rune of its case-folding orbit, lower-cased, so that K, k and the
// Kelvin sign, or S, s and the long s, fold alike.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < least {
			least = f
		}
	}
	return unicode.ToLower(least)
}

// FoldPath returns p as a file system that ignores case and the aliases
// of Windows and HFS+ may store it: each segment lower-cased by case
// folding, without the code points HFS+ ignores, an NTFS stream suffix, or
// trailing dots and spaces. Two paths with the same fold name the same
// file on some checkout (docs/spec.md 4.2).
func FoldPath(p string) string {
	if folded(p) {
		return p // every segment is its own fold
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = foldSegment(s)
	}
	return strings.Join(segs, "/")
}

// IsDotGit reports whether an OS could take the path segment seg for
// ".git": case, HFS+ ignorable code points, NTFS trailing dots, spaces and
// streams, and the 8.3 short name "git~1".
func IsDotGit(seg string) bool {
	f := foldSegment(seg)
	return f == ".git" || f == "git~1"
}

// isDotGitFile reports whether seg could be the special file name (e.g.
// ".gitmodules") with its NTFS 8.3 short names: the first six characters
// of the name without the dot followed by ~N, and git's hashed form.
func isDotGitFile(seg, name, hashed string) bool {
	f := foldSegment(seg)
	if f == name {
		return true
	}
	if len(f) == 8 && f[6] == '~' && f[7] >= '1' && f[7] <= '4' {
		return f[:6] == name[1:7] || f[:6] == hashed
	}
	return false
}

// IsGitmodules reports whether seg could be ".gitmodules" on some OS.
func IsGitmodules(seg string) bool { return isDotGitFile(seg, ".gitmodules", "gi7eba") }

// IsGitattributes reports whether seg could be ".gitattributes" on some OS.
func IsGitattributes(seg string) bool { return isDotGitFile(seg, ".gitattributes", "gi7d29") }

// ManifestNames are the manifest file names, in lookup order (docs/spec.md
// 2.1).
var ManifestNames = []string{"aos.cue", "aos.yaml", "aos.yml", "project.yml", "project.yaml"}
