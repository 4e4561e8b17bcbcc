package suggest

import "testing"

func TestNearest(t *testing.T) {
	t.Parallel()
	fields := []string{"read_only", "writable", "invisible", "directives", "id"}
	for _, tc := range []struct{ name, want string }{
		{"readonly", "read_only"},
		{"READ-ONLY", "read_only"},
		{"writeable", "writable"},
		{"directive", "directives"},
		{"directivs", "directives"},
		{"ix", "id"},
		{"read_only", ""}, // itself is no typo
		{"something", ""},
		{"", ""},
		{"xy", ""},
	} {
		if got := Nearest(tc.name, fields); got != tc.want {
			t.Errorf("Nearest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := DidYouMean("writeable", fields); got != `, did you mean "writable"?` {
		t.Errorf("DidYouMean = %q", got)
	}
	if got := DidYouMean("zzz", fields); got != "" {
		t.Errorf("DidYouMean = %q", got)
	}
}
