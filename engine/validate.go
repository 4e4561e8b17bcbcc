package engine

import (
	"errors"
	"fmt"

	"github.com/architectos/aos"
)

// validate runs the validators on the current state unless it was already
// validated. It returns false when they reject it.
func (r *runner) validate() bool {
	if r.opts.Validate == nil || len(r.m.Validators) == 0 {
		return true
	}
	if r.valGen == r.gen {
		return r.res.OK()
	}
	r.valGen = r.gen
	changes, err := r.st.Changes()
	if err != nil {
		r.fail(fmt.Errorf("validators: %w", err))
		return false
	}
	findings, recs, err := r.opts.Validate(r.ctx, r.st, changes)
	var failed *ValidatorFailed
	if err != nil && (!errors.As(err, &failed) || aos.MachineFault(err)) {
		r.fail(fmt.Errorf("validators: %w", err))
		return false
	}
	r.mergeValidators(recs)
	r.res.Findings = append(r.res.Findings, findings...)
	ok := true
	if failed != nil {
		r.res.Violations = append(r.res.Violations, aos.Violation{Directive: -1, Rule: aos.RuleValidatorsRun, Message: failed.Error()})
		ok = false
	}
	for _, f := range findings {
		if f.Severity == aos.SeverityError {
			r.res.Violations = append(r.res.Violations, aos.Violation{Directive: -1, Path: f.Path, Rule: aos.ValidatorFinding(f.Validator, f.Rule),
				Message: fmt.Sprintf("line %d, column %d: %s", f.Line, f.Column, f.Message)})
			ok = false
		}
	}
	return ok
}

func (r *runner) mergeValidators(recs []aos.ValidatorRecord) {
	r.res.Validators = append(r.res.Validators, recs...)
}
