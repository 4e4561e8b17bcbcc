package aos

import (
	"errors"
	"strings"
)

// HintError is an error with hints: what the user can do about it, each a
// short lowercase sentence that names the fix. The one place that prints
// errors prints the error as "git-aos: error: ..." and then each hint of
// every HintError in its chain as "git-aos: hint: ..." (docs/spec.md
// section 1). Error returns the error's text alone, so that a wrapped
// HintError reads as any other error.
type HintError struct {
	Err   error
	Hints []string
}

func (e *HintError) Error() string { return e.Err.Error() }

// Unwrap returns the error the hints are about.
func (e *HintError) Unwrap() error { return e.Err }

// WithHint returns err with hints, or nil when err is nil.
func WithHint(err error, hints ...string) error {
	if err == nil {
		return nil
	}
	return &HintError{Err: err, Hints: hints}
}

// Hints returns the hints of every [HintError] in err's chain, outermost
// first.
func Hints(err error) []string {
	var out []string
	for err != nil {
		var h *HintError
		if !errors.As(err, &h) {
			break
		}
		out = append(out, h.Hints...)
		err = h.Err
	}
	return out
}

// UsageError is an error of the command line, as [ErrUsage] says: the
// printer shows Err, and the exit code is 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns Err and [ErrUsage].
func (e *UsageError) Unwrap() []error { return []error{e.Err, ErrUsage} }

// Usage returns err as a usage error, or nil when err is nil.
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return &UsageError{Err: err}
}

// ListError is an error about several things at once, such as the lines of
// a file that are wrong: Msg, and then one item each. Error returns
// "MSG:\nITEM\nITEM"; the one place that prints errors prints each item on
// its own line, each made inert apart ([Sanitize]), so that an item cannot
// forge a line of its own.
type ListError struct {
	Msg   string
	Items []string
}

func (e *ListError) Error() string {
	return e.Msg + ":\n" + strings.Join(e.Items, "\n")
}
