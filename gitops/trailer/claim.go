package trailer

import (
	"fmt"
	"slices"
	"strings"
)

// Claim is what a commit message claims the commit is, by its Aos-
// trailers (docs/spec.md 7.1).
type Claim int

const (
	// NoClaim: the message has no Aos- trailer.
	NoClaim Claim = iota
	// PlanClaim: Aos-Plan-Id and Aos-Plan-Digest, a plan commit.
	PlanClaim
	// ResultClaim: the five trailers of a result commit.
	ResultClaim
)

// The Aos- trailer keys of plan and result commits (docs/spec.md 7.1).
const (
	PlanID         = "Aos-Plan-Id"
	PlanDigest     = "Aos-Plan-Digest"
	ManifestDigest = "Aos-Manifest-Digest"
	Run            = "Aos-Run"
	Result         = "Aos-Result"
)

// PlanKeys and ResultKeys are the Aos- trailers of plan and result
// commits, in the order they are written.
var (
	PlanKeys   = []string{PlanID, PlanDigest}
	ResultKeys = []string{PlanID, PlanDigest, ManifestDigest, Run, Result}
)

// Error is a commit message whose Aos- trailers are not one reading:
// git and git-aos, or two of git's own readers, would take the commit for
// different things, or trailers that are unknown, repeated or
// incomplete. Its rule is commit.message.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// ReadClaim reads the Aos- trailers of a commit message, exactly as git
// interpret-trailers --parse reads trailers, and what they claim. The
// message must have one reading: git interpret-trailers (which stops at a
// "---" line), git log --format=%(trailers) (which does not) and its lines
// taken one by one (what git log --grep '^Aos-Run:' or a reviewer finds)
// must give the same Aos- trailers, each known (docs/spec.md 7.1, spelled
// exactly), at most once, and all of a plan commit's or of a result
// commit's. Anything else is a [*Error].
func ReadClaim(msg string) (Claim, map[string]string, error) {
	strict, ok := Read(msg, true)
	loose, _ := Read(msg, false)
	lines := Lines(msg)
	a, b, c := aosOnly(strict), aosOnly(loose), aosOnly(lines)
	if len(a)+len(b)+len(c) == 0 {
		return NoClaim, nil, nil
	}
	bad := func(format string, args ...any) (Claim, map[string]string, error) {
		return NoClaim, nil, &Error{Msg: fmt.Sprintf(format, args...)}
	}
	if !ok {
		return bad("git interpret-trailers cannot read the message (a --- line is followed by a scissors line), and its lines hold %s", describeTrailers(c))
	}
	if !slices.Equal(a, c) || !slices.Equal(b, c) {
		return bad("its Aos- trailers have more than one reading: git interpret-trailers --parse reads %s, git log --format=%%(trailers) %s, and its lines %s",
			describeTrailers(a), describeTrailers(b), describeTrailers(c))
	}
	tr := map[string]string{}
	for _, t := range a {
		if !slices.Contains(ResultKeys, t.Key) {
			return bad("unknown trailer %q: the Aos- trailers are %s, spelled so", t.Key, strings.Join(ResultKeys, ", "))
		}
		if _, dup := tr[t.Key]; dup {
			return bad("trailer %s appears twice", t.Key)
		}
		tr[t.Key] = t.Value
	}
	switch {
	case len(tr) == len(ResultKeys):
		return ResultClaim, tr, nil
	case len(tr) == len(PlanKeys) && tr[PlanID] != "" && tr[PlanDigest] != "":
		return PlanClaim, tr, nil
	}
	return bad("its Aos- trailers (%s) are neither a plan commit's (%s) nor a result commit's (%s)",
		describeTrailers(a), strings.Join(PlanKeys, ", "), strings.Join(ResultKeys, ", "))
}

// aosOnly keeps the trailers whose key starts with Aos-, in any case.
func aosOnly(ts []Trailer) []Trailer {
	var out []Trailer
	for _, t := range ts {
		if len(t.Key) >= 4 && strings.EqualFold(t.Key[:4], "aos-") {
			out = append(out, t)
		}
	}
	return out
}

func describeTrailers(ts []Trailer) string {
	if len(ts) == 0 {
		return "no Aos- trailer"
	}
	var parts []string
	for _, t := range ts {
		parts = append(parts, fmt.Sprintf("%q", t.Key+": "+t.Value))
	}
	return strings.Join(parts, ", ")
}
