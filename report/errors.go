package report

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue"
)

// WriteError prints err for people (docs/spec.md section 1): the line
// "git-aos: error: MESSAGE", or for an invalid manifest a count and then
// each of its errors on its own line (so too the items of an
// [aos.ListError]), and then one "git-aos: hint: HINT"
// line for each hint the error carries ([aos.HintError]).
func WriteError(w io.Writer, err error) error {
	var b strings.Builder
	var me *cue.ManifestError
	var le *aos.ListError
	if errors.As(err, &me) {
		fmt.Fprintf(&b, "git-aos: error: invalid manifest (%s)\n", plural(len(me.Errors), "error"))
		for _, e := range me.Errors {
			fmt.Fprintf(&b, "%s\n", aos.Sanitize(e.Error()))
		}
	} else if errors.As(err, &le) {
		// The error's own text up to the list, then the list's items.
		head, _, _ := strings.Cut(err.Error(), "\n")
		fmt.Fprintf(&b, "git-aos: error: %s\n", aos.Sanitize(head))
		for _, it := range le.Items {
			fmt.Fprintf(&b, "%s\n", aos.Sanitize(it))
		}
	} else {
		fmt.Fprintf(&b, "git-aos: error: %s\n", aos.Sanitize(err.Error()))
	}
	for _, h := range aos.Hints(err) {
		fmt.Fprintf(&b, "git-aos: hint: %s\n", aos.Sanitize(h))
	}
	_, werr := io.WriteString(w, b.String())
	return werr
}

// WriteRejected prints the summary of a report that rejected, after the
// report itself: "git-aos: SUMMARY" (see [Rejection]).
func WriteRejected(w io.Writer, summary string) error {
	_, err := fmt.Fprintf(w, "git-aos: %s\n", aos.Sanitize(summary))
	return err
}

// WriteHints prints what the user is to do next, one "git-aos: hint: HINT"
// line each, as [WriteError] prints an error's hints.
func WriteHints(w io.Writer, hints []string) error {
	var b strings.Builder
	for _, h := range hints {
		fmt.Fprintf(&b, "git-aos: hint: %s\n", h)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
