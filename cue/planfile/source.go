package planfile

import (
	"bytes"
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/architectos/aos"
)

// Source is a plan file's content as it arrives (a blob that git inflates
// while its first parts are parsed). More blocks until more than n bytes
// have arrived, or no more will, and returns the content so far, whose
// bytes never change, and whether no more will arrive.
type Source interface {
	More(n int) (data []byte, done bool)
}

// ParseSource parses the plan that src delivers while the rest of it
// arrives, and returns what [Parse] returns for all of it, which it
// returns too: the fast readers read each complete line as it comes, and
// anything they do not read, or a document too large or not valid UTF-8,
// is parsed by Parse once all of it is there. The content is whatever src
// gave until it said no more would come: a caller whose source may stop
// short judges that itself.
func ParseSource(ctx context.Context, name string, src Source, lim Limits) (*aos.Plan, []byte, error) {
	plan, data, _, err := parseSource(ctx, name, src, lim)
	return plan, data, err
}

// parseSource is ParseSource; read says whether the fast readers read the
// plan as it arrived (the tests' concern).
func parseSource(ctx context.Context, name string, src Source, lim Limits) (_ *aos.Plan, _ []byte, read bool, _ error) {
	if lim.MaxBytes <= 0 || lim.MaxDirectives <= 0 {
		return nil, nil, false, fmt.Errorf("%w: %d bytes, %d directives", ErrLimits, lim.MaxBytes, lim.MaxDirectives)
	}
	v := &view{src: src, lines: !isJSON(name), max: lim.MaxBytes}
	var plan *aos.Plan
	var err error
	if isJSON(name) {
		plan, err = decodePlan(ctx, name, lim, func(pd *planDecoder) error { return decodeJSONView(ctx, name, v, pd) })
	} else {
		plan, err = decodePlan(ctx, name, lim, func(pd *planDecoder) error {
			doc, ok := fastYAMLView(ctx, v)
			if !ok {
				return errNotFast
			}
			return decodeYAMLDoc(ctx, name, *doc, pd)
		})
	}
	data := v.all()
	if err == errNotFast || v.off || len(v.data) != len(data) {
		plan, err = Parse(ctx, name, data, lim)
		return plan, data, false, err
	}
	return plan, data, true, err
}

// view is what the fast readers of a [Source] see of it: its content up
// to the end of its last complete line, checked to be UTF-8, grown as
// more arrives. A line break ends every token of JSON and every line the
// fast YAML reader reads, and no character spans it, so a reader that
// grows the view only where it ran out of lines reads what it would of
// the whole document.
type view struct {
	src   Source
	lines bool // the YAML reader's: the end of a document is a line break too
	max   int  // bytes past which the document is too large: Parse says so
	data  []byte
	seen  int // bytes the source gave, past data to the end of a line
	// done says that data is all there is to read; off, that the fast
	// readers cannot read the document (not UTF-8, too large, or, for
	// YAML, not ending with a line break).
	done, off bool
}

// grow extends data past its end, waiting for more of the source, and
// reports whether it did.
func (v *view) grow() bool {
	for !v.done && !v.off {
		d, done := v.src.More(max(v.seen, len(v.data)))
		v.seen = len(d)
		end := len(d)
		if !done {
			end = bytes.LastIndexByte(d, '\n') + 1
		} else if v.lines && (len(d) == 0 || d[len(d)-1] != '\n') {
			end = bytes.LastIndexByte(d, '\n') + 1
			v.off = true
		}
		v.done = done
		if len(d) > v.max {
			v.off = true
			return false
		}
		if end <= len(v.data) {
			continue
		}
		if !utf8.Valid(d[len(v.data):end]) {
			v.off = true
			return false
		}
		v.data = d[:end]
		return true
	}
	return false
}

// all waits for the rest of the source and returns all of it.
func (v *view) all() []byte {
	n := len(v.data)
	for {
		d, done := v.src.More(n)
		if done {
			return d
		}
		n = len(d)
	}
}
