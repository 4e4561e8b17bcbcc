package report

import (
	"errors"
	"io"
)

// writeSARIF renders r as SARIF 2.1.0.
// TODO(validators): implemented with the validators.
func writeSARIF(w io.Writer, r *Report) error {
	return errors.New("sarif output is not implemented yet")
}
