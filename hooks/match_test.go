package hooks

import "testing"

// TestMatchAny: protect patterns use the workspace rules' glob syntax.
func TestMatchAny(t *testing.T) {
	t.Parallel()
	cases := []struct {
		glob, s string
		want    bool
	}{
		{"main", "main", true},
		{"main", "main2", false},
		{"release/*", "release/1.0", true},
		{"release/*", "release/1.0/hotfix", false},
		{"release/**", "release/1.0/hotfix", true},
		{"release/**", "release", true},
		{"aos/*", "aos/fix-1", true},
		{"*-bot", "deploy-bot", true},
		{"agent-*", "agent-7", true},
		{"agent-*", "human", false},
		{"{main,trunk}", "trunk", true},
	}
	for _, c := range cases {
		if got := matchAny([]string{c.glob}, c.s); got != c.want {
			t.Errorf("matchAny(%q, %q) = %v, want %v", c.glob, c.s, got, c.want)
		}
	}
}
