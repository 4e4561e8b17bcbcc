package report

import (
	"errors"
	"io"
)

// writeGitHub renders r as GitHub workflow annotations.
// TODO(validators): implemented with the validators.
func writeGitHub(w io.Writer, r *Report) error {
	return errors.New("github output is not implemented yet")
}
