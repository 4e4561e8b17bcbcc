package workflow

import (
	"fmt"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/gitops/trailer"
)

// messageViolation checks a message that git-aos is about to write: it
// must read back as exactly what it claims to be. The goal of a plan and
// the texts of the manifest it quotes could otherwise make it read as
// something else (a goal line "---" hides every trailer from git
// interpret-trailers).
func messageViolation(what, msg string, want trailer.Claim) []aos.Violation {
	claim, _, err := trailer.ReadClaim(msg)
	if err == nil && claim == want {
		return nil
	}
	why := "its Aos- trailers are not read as git-aos wrote them"
	if err != nil {
		why = err.Error()
	}
	return []aos.Violation{{Directive: -1, Rule: aos.RuleCommitMessage,
		Message: fmt.Sprintf("the message of the %s would not read as written: %s (a line of the goal or of the manifest's texts reads as a trailer, or as the end of the message: \"---\", a scissors line)", what, why)}}
}

// extraHeaders returns the headers of a commit that git-aos does not
// write and that change what the commit shows: all but signatures
// (gpgsig, gpgsig-sha256), which a signing runner adds. An encoding
// header makes git show the message re-encoded, another text than the
// bytes judged here.
func extraHeaders(info *gitops.CommitInfo) []string {
	var out []string
	for _, h := range info.Headers {
		if h != "gpgsig" && h != "gpgsig-sha256" {
			out = append(out, h)
		}
	}
	return out
}

// firstLineDiff names the first line where a message differs from the
// one git-aos makes: "line 3: expected "...", found "..."".
func firstLineDiff(want, got string) string {
	wl := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
	gl := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		switch {
		case i >= len(gl):
			return fmt.Sprintf("line %d: expected %q, found the end of the message", i+1, wl[i])
		case i >= len(wl):
			return fmt.Sprintf("line %d: expected the end of the message, found %q", i+1, gl[i])
		case wl[i] != gl[i]:
			return fmt.Sprintf("line %d: expected %q, found %q", i+1, wl[i], gl[i])
		}
	}
	if strings.HasSuffix(want, "\n") != strings.HasSuffix(got, "\n") {
		return fmt.Sprintf("line %d: the last line does not end as it should (a newline)", len(wl))
	}
	return "the same lines"
}
