package receive

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	idA  = "1111111111111111111111111111111111111111"
	idB  = "2222222222222222222222222222222222222222"
	zero = "0000000000000000000000000000000000000000"
	id64 = "3333333333333333333333333333333333333333333333333333333333333333"
)

// parseCases are the table of TestParse and the seeds of
// FuzzParse.
var parseCases = []struct {
	name string
	in   string
	want []Update
	err  string // a substring of the error; "" for success
}{
	{"empty", "", nil, ""},
	{"one", idA + " " + idB + " refs/heads/main\n", []Update{{idA, idB, "refs/heads/main"}}, ""},
	{"create and delete", zero + " " + idA + " refs/heads/new\n" + idB + " " + zero + " refs/tags/old\n",
		[]Update{{zero, idA, "refs/heads/new"}, {idB, zero, "refs/tags/old"}}, ""},
	{"sha256", id64 + " " + strings.Repeat("0", 64) + " refs/heads/x\n", []Update{{id64, strings.Repeat("0", 64), "refs/heads/x"}}, ""},
	{"no newline", idA + " " + idB + " refs/heads/main", nil, "does not end in a newline"},
	{"crlf", idA + " " + idB + " refs/heads/main\r\n", nil, "control character"},
	{"empty line", "\n", nil, "fields"},
	{"two spaces", idA + "  " + idB + " refs/heads/main\n", nil, "fields"},
	{"space in ref", idA + " " + idB + " refs/heads/a b\n", nil, "fields"},
	{"tab", idA + "\t" + idB + " refs/heads/main\n", nil, "fields"},
	{"uppercase hex", strings.ToUpper(idA[:1]) + "A" + idA[2:] + " " + idB + " refs/heads/main\n", nil, "lowercase hex"},
	{"short id", idA[:39] + " " + idB + " refs/heads/main\n", nil, "40 or 64"},
	{"mixed lengths", idA + " " + id64 + " refs/heads/main\n", nil, "digits, earlier"},
	{"mixed lengths across lines", idA + " " + idB + " refs/heads/a\n" + id64 + " " + id64 + " refs/heads/b\n", nil, "digits, earlier"},
	{"both zero", zero + " " + zero + " refs/heads/main\n", nil, "both object ids are zero"},
	{"short ref", idA + " " + idB + " main\n", nil, "not a full ref"},
	{"bare refs/", idA + " " + idB + " refs/\n", nil, "not a full ref"},
	{"twice", idA + " " + idB + " refs/heads/main\n" + idB + " " + idA + " refs/heads/main\n", nil, "updated twice"},
	{"nul", idA + " " + idB + " refs/heads/a\x00b\n", nil, "control character"},
	{"long line", idA + " " + idB + " refs/heads/" + strings.Repeat("a", 5000) + "\n", nil, "longer than"},
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				if !errors.Is(err, ErrInput) {
					t.Errorf("err = %v does not wrap ErrInput", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseLimit(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := 0; i <= MaxUpdates; i++ {
		b.WriteString(idA + " " + idB + " refs/heads/b" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "/" + itoa(i) + "\n")
	}
	if _, err := Parse(strings.NewReader(b.String())); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("err = %v, want the update limit", err)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var s []byte
	for ; i > 0; i /= 10 {
		s = append([]byte{byte('0' + i%10)}, s...)
	}
	return string(s)
}

// FuzzParse checks that parsing never panics and that what parses
// is exactly the input, line for line.
func FuzzParse(f *testing.F) {
	if len(parseCases) == 0 {
		f.Fatal("no seeds")
	}
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Parse(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrInput) {
				t.Fatalf("error %v does not wrap ErrInput", err)
			}
			return
		}
		var b strings.Builder
		seen := map[string]bool{}
		for _, u := range got {
			if seen[u.Ref] {
				t.Fatalf("ref %q accepted twice", u.Ref)
			}
			seen[u.Ref] = true
			if u.Deletion() && u.Creation() {
				t.Fatalf("update %+v both creates and deletes", u)
			}
			b.WriteString(u.Old + " " + u.New + " " + u.Ref + "\n")
		}
		if b.String() != in {
			t.Fatalf("parsed %q from %q", b.String(), in)
		}
	})
}
