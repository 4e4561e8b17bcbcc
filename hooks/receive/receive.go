// Package receive reads what git's receive-pack writes to a pre-receive
// hook's standard input: one line per ref update of a push. It is strict
// (anything else is an error, and an error rejects the push) and imports
// only the standard library, so its fuzz target runs at full speed.
package receive

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Update is one ref update of a push: Ref moves from Old to New. Old is
// all zeros for a new ref and New all zeros for a deletion.
type Update struct {
	Old, New string
	Ref      string
}

// Limits of the input; receive-pack never comes near them.
const (
	MaxUpdates = 10000
	maxLine    = 4096
)

// ErrInput is wrapped by every error of [Parse].
var ErrInput = errors.New("malformed pre-receive input")

// IsZero reports whether id is git's "no object" id.
func IsZero(id string) bool { return strings.Trim(id, "0") == "" }

// Deletion reports whether the update deletes its ref.
func (u Update) Deletion() bool { return IsZero(u.New) }

// Creation reports whether the update creates its ref.
func (u Update) Creation() bool { return IsZero(u.Old) }

// Parse reads pre-receive input: lines "<old> <new> <ref>\n",
// where old and new are object ids of 40 (SHA-1) or 64 (SHA-256)
// lowercase hex digits, the same length throughout, and ref is a full ref
// name under refs/. Every line ends in a newline; a ref may appear once;
// control characters, spaces in refs and empty lines are errors. Empty
// input is no updates.
func Parse(r io.Reader) ([]Update, error) {
	br := bufio.NewReaderSize(r, maxLine+1)
	var out []Update
	seen := map[string]bool{}
	idLen := 0
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if err == io.EOF && len(line) == 0 {
			return out, nil
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%w: line %d is longer than %d bytes", ErrInput, n, maxLine)
		}
		if err == io.EOF {
			return nil, fmt.Errorf("%w: line %d does not end in a newline", ErrInput, n)
		}
		if err != nil {
			return nil, fmt.Errorf("read pre-receive input: %w", err)
		}
		if len(out) == MaxUpdates {
			return nil, fmt.Errorf("%w: more than %d ref updates", ErrInput, MaxUpdates)
		}
		u, err := parseLine(string(line[:len(line)-1]), &idLen)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrInput, n, err)
		}
		if seen[u.Ref] {
			return nil, fmt.Errorf("%w: line %d: %s is updated twice", ErrInput, n, u.Ref)
		}
		seen[u.Ref] = true
		out = append(out, u)
	}
}

func parseLine(line string, idLen *int) (Update, error) {
	f := strings.Split(line, " ")
	if len(f) != 3 {
		return Update{}, fmt.Errorf("want \"<old> <new> <ref>\", got %d fields", len(f))
	}
	u := Update{Old: f[0], New: f[1], Ref: f[2]}
	for _, id := range []string{u.Old, u.New} {
		if len(id) != 40 && len(id) != 64 {
			return Update{}, fmt.Errorf("object id %q is not 40 or 64 hex digits", clip(id))
		}
		if *idLen == 0 {
			*idLen = len(id)
		} else if len(id) != *idLen {
			return Update{}, fmt.Errorf("object id %q has %d digits, earlier ones %d", clip(id), len(id), *idLen)
		}
		for i := 0; i < len(id); i++ {
			if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return Update{}, fmt.Errorf("object id %q is not lowercase hex", clip(id))
			}
		}
	}
	if IsZero(u.Old) && IsZero(u.New) {
		return Update{}, errors.New("both object ids are zero")
	}
	if !strings.HasPrefix(u.Ref, "refs/") || len(u.Ref) == len("refs/") {
		return Update{}, fmt.Errorf("ref %q is not a full ref name under refs/", clip(u.Ref))
	}
	for _, r := range u.Ref {
		if r < 0x20 || r == 0x7f {
			return Update{}, fmt.Errorf("ref %q holds a control character", clip(u.Ref))
		}
	}
	return u, nil
}

// clip shortens what is quoted back in an error.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
