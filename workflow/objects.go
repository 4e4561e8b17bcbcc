package workflow

import (
	"errors"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gitops"
)

// objectViolation turns an error reading a tree or commit that is not
// canonical (docs/spec.md 4.8) into the violation that rejects what was
// being judged: such an object is refused, never read one way or the
// other.
func objectViolation(err error) (aos.Violation, bool) {
	var oe *gitops.ObjectError
	if !errors.As(err, &oe) {
		return aos.Violation{}, false
	}
	return aos.Violation{Directive: -1, Path: oe.Path + oe.Entry, Rule: oe.Rule, Message: oe.Error()}, true
}

// refuseObjects makes a use case's error reading a non-canonical object
// its rejection: report is called with the violation.
func refuseObjects(err *error, report func(aos.Violation)) {
	if v, ok := objectViolation(*err); ok {
		report(v)
		*err = nil
	}
}
