package policy

import (
	"fmt"
	"strings"

	"github.com/architectos/aos"
)

// Rules are a manifest's workspace rules, compiled: which paths are
// visible and which may be written (docs/spec.md 4.2 and 4.3).
type Rules struct {
	readOnly, writable, ignored *FoldedGlobs
	manifest                    string
}

// FoldedGlobs are globs compiled twice: as written, and folded
// ([FoldPath]) to be matched against folded paths. A path is matched in
// both forms: on a checkout that ignores case or the aliases of Windows
// and HFS+, src/CONFIG/app.ini and src/config./app.ini are
// src/config/app.ini (docs/spec.md 4.2). The workspace rules, the paths
// of require_approval rules and of validators are matched so.
type FoldedGlobs struct {
	plain, folded *GlobSet
	// same is true when folding changes no glob: a path that folding
	// does not change then matches the same globs in both forms.
	same bool
}

// CompileFoldedGlobs checks and compiles patterns, as written and folded.
func CompileFoldedGlobs(patterns []string) (*FoldedGlobs, error) {
	plain, err := CompileGlobs(patterns)
	if err != nil {
		return nil, err
	}
	fs := &FoldedGlobs{plain: plain, folded: plain, same: true}
	folded := make([]string, len(patterns))
	for i, g := range patterns {
		if folded[i] = foldGlob(g); folded[i] != g {
			fs.same = false
		}
	}
	if !fs.same {
		if fs.folded, err = CompileGlobs(folded); err != nil {
			// A glob that folding makes malformed ("[Z-a]") is
			// matched as written only.
			fs.folded = plain
		}
	}
	return fs, nil
}

// Match returns the first glob matching p as written, or else folded as
// a glob folded: the answer for a rule that restricts what it matches.
func (s *FoldedGlobs) Match(p string) (string, bool) {
	if g, ok := s.plain.Match(p); ok {
		return g, true
	}
	if f := FoldPath(p); f != p || !s.same {
		if i := s.folded.match(f); i >= 0 {
			return s.plain.patterns[i], true
		}
	}
	return "", false
}

// matchBoth reports whether p matches a glob as written and, folded, a
// folded glob: a path that any of its forms leaves out is left out.
func (s *FoldedGlobs) matchBoth(p string) bool {
	if _, ok := s.plain.Match(p); !ok {
		return false
	}
	f := FoldPath(p)
	if f == p && s.same {
		return true
	}
	_, ok := s.folded.Match(f)
	return ok
}

// NewRules compiles the workspace globs of ws. manifestPath is the
// repository path of the manifest file, always protected.
func NewRules(ws aos.Workspace, manifestPath string) (*Rules, error) {
	r := &Rules{manifest: manifestPath}
	var err error
	if r.readOnly, err = CompileFoldedGlobs(ws.ReadOnly); err != nil {
		return nil, fmt.Errorf("workspace.read_only: %w", err)
	}
	if r.writable, err = CompileFoldedGlobs(ws.Writable); err != nil {
		return nil, fmt.Errorf("workspace.writable: %w", err)
	}
	if r.ignored, err = CompileFoldedGlobs(ws.Ignored); err != nil {
		return nil, fmt.Errorf("workspace.ignored: %w", err)
	}
	return r, nil
}

// Visible reports whether p is visible to plans: matched by no ignored
// glob, in any of its forms (as written, and folded as a file system that
// ignores case folds it). p must have passed [CheckPath].
func (r *Rules) Visible(p string) bool {
	_, ign := r.ignored.Match(p)
	return !ign
}

// MayHideBeneath reports whether an ignored glob could match a path beneath
// dir, in any of its forms, whatever the tree holds. A write that replaces
// a directory is refused when it may, so that the answer reveals nothing
// of what the directory hides (docs/spec.md 4.4).
func (r *Rules) MayHideBeneath(dir string) bool {
	return r.ignored.plain.CouldMatchBeneath(dir) || r.ignored.folded.CouldMatchBeneath(FoldPath(dir))
}

// Denial says why a path may not be written.
type Denial struct {
	Rule aos.Rule
	Msg  string
}

// CanWrite reports whether a plan may create, change or delete p; it
// returns nil when it may. p must have passed [CheckPath].
// The path is judged in each of its forms (as written, and folded as a
// file system that ignores case folds it), under the most restrictive
// rule any of them meets: src/CONFIG/app.ini is read-only where
// src/config/** is.
//
// An ignored path is refused as the rules below would refuse it were it
// not ignored, so that the answer tells nothing a missing path's does not;
// where they would allow it, as not writable (a write there must not
// replace what is hidden, and that answer alone tells it apart).
func (r *Rules) CanWrite(p string) *Denial {
	den := r.canWriteVisible(p)
	if _, ign := r.ignored.Match(p); ign && den == nil {
		return &Denial{aos.RuleWorkspaceNotWritable, "path is not writable"}
	}
	return den
}

// canWriteVisible judges a write of p by every rule but the ignored globs.
func (r *Rules) canWriteVisible(p string) *Denial {
	if why := r.Protected(p); why != "" {
		return &Denial{aos.RuleWorkspaceProtected, "path is always protected: " + why}
	}
	if g, ok := r.readOnly.Match(p); ok {
		msg := fmt.Sprintf("path is read-only (workspace.read_only %q)", g)
		if _, exact := r.readOnly.plain.Match(p); !exact {
			msg = fmt.Sprintf("path is read-only: it is %s on checkouts that ignore case and trailing dots and spaces (workspace.read_only %q)", FoldPath(p), g)
		}
		return &Denial{aos.RuleWorkspaceReadOnly, msg}
	}
	if r.writable.matchBoth(p) {
		return nil
	}
	return &Denial{aos.RuleWorkspaceNotWritable, "path matches no workspace.writable glob"}
}

// Protected returns why p is always protected, or "" when it is not.
func (r *Rules) Protected(p string) string {
	first, _, _ := strings.Cut(p, "/")
	if foldSegment(first) == ".aos" {
		return ".aos/ holds plans and run records"
	}
	if p == r.manifest {
		return "it is the manifest"
	}
	if !strings.Contains(p, "/") {
		f := foldSegment(p)
		for _, n := range ManifestNames {
			if f == n {
				return "it is a manifest file name"
			}
		}
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch {
		case IsDotGit(seg):
			return ".git is never written"
		case IsGitmodules(seg):
			return ".gitmodules changes submodules"
		case IsGitattributes(seg):
			return ".gitattributes can hide changes from review"
		}
	}
	return ""
}

// WorkspaceError is a semantic error of the workspace section about the
// writable pattern at index Writable.
type WorkspaceError struct {
	Writable int
	Err      error
}

// CheckWorkspace returns the semantic errors of a workspace section
// (docs/spec.md 2.5): a pattern both read-only and writable, and writable
// patterns that lie entirely inside a read-only or ignored one.
func CheckWorkspace(ws aos.Workspace) []WorkspaceError {
	var errs []WorkspaceError
	ro, err1 := CompileGlobs(ws.ReadOnly)
	ig, err2 := CompileGlobs(ws.Ignored)
	if err1 != nil || err2 != nil {
		return nil // reported by the glob checks
	}
	for i, w := range ws.Writable {
		if CheckGlob(w) != nil {
			continue
		}
		if g, ok := ro.Covers(w); ok {
			if g == w {
				errs = append(errs, WorkspaceError{i, fmt.Errorf("pattern %q is both read_only and writable", w)})
			} else {
				errs = append(errs, WorkspaceError{i, fmt.Errorf("writable pattern %q lies inside read_only pattern %q", w, g)})
			}
		}
		if g, ok := ig.Covers(w); ok {
			errs = append(errs, WorkspaceError{i, fmt.Errorf("writable pattern %q lies inside ignored pattern %q", w, g)})
		}
	}
	return errs
}
