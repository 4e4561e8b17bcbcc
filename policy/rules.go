package policy

import (
	"fmt"
	"strings"

	"github.com/architectos/aos"
)

// Rules are a manifest's workspace rules, compiled: which paths are
// visible and which may be written (docs/spec.md 4.2 and 4.3).
type Rules struct {
	readOnly, writable, ignored *GlobSet
	manifest                    string
}

// NewRules compiles the workspace globs of ws. manifestPath is the
// repository path of the manifest file, always protected.
func NewRules(ws aos.Workspace, manifestPath string) (*Rules, error) {
	r := &Rules{manifest: manifestPath}
	var err error
	if r.readOnly, err = CompileGlobs(ws.ReadOnly); err != nil {
		return nil, fmt.Errorf("workspace.read_only: %w", err)
	}
	if r.writable, err = CompileGlobs(ws.Writable); err != nil {
		return nil, fmt.Errorf("workspace.writable: %w", err)
	}
	if r.ignored, err = CompileGlobs(ws.Ignored); err != nil {
		return nil, fmt.Errorf("workspace.ignored: %w", err)
	}
	return r, nil
}

// Visible reports whether p is visible to plans: not matched by an ignored
// glob, and not .git. p must have passed [CheckPath].
func (r *Rules) Visible(p string) bool {
	_, ign := r.ignored.Match(p)
	return !ign
}

// MayHideBeneath reports whether an ignored glob could match a path beneath
// dir, whatever the tree holds. A write that replaces a directory is
// refused when it may, so that the answer reveals nothing of what the
// directory hides (docs/spec.md 4.4).
func (r *Rules) MayHideBeneath(dir string) bool { return r.ignored.CouldMatchBeneath(dir) }

// Denial says why a path may not be written.
type Denial struct {
	Rule aos.Rule
	Msg  string
}

// CanWrite reports whether a plan may create, change or delete p; it
// returns nil when it may. p must have passed [CheckPath].
func (r *Rules) CanWrite(p string) *Denial {
	if _, ign := r.ignored.Match(p); ign {
		return &Denial{aos.RuleWorkspaceNotWritable, "path is not writable"}
	}
	if why := r.Protected(p); why != "" {
		return &Denial{aos.RuleWorkspaceProtected, "path is always protected: " + why}
	}
	if g, ok := r.readOnly.Match(p); ok {
		return &Denial{aos.RuleWorkspaceReadOnly, fmt.Sprintf("path is read-only (workspace.read_only %q)", g)}
	}
	if _, ok := r.writable.Match(p); ok {
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
