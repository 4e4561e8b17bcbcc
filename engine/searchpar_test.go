package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/cue"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/policy"
)

// searchOracle is SEARCH as docs/spec.md 4.10 states it, one file after
// the other and one line after the other: the reply a parallel search
// must give exactly.
func searchOracle(b *memBase, pattern string, visible func(string) bool) engine.SearchReply {
	re := regexp.MustCompile(pattern)
	paths := make([]string, 0, len(b.files))
	for p := range b.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	reply := engine.SearchReply{Matches: []engine.SearchMatch{}}
	for _, p := range paths {
		data := b.blobs[b.files[p].Hash]
		if !visible(p) || slices.Contains(data[:min(len(data), 8000)], 0) {
			continue
		}
		reply.Files++
		for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			if len(data) == 0 {
				break
			}
			loc := re.FindStringIndex(line)
			if loc == nil {
				continue
			}
			if len(reply.Matches) == engine.MaxSearchMatches {
				reply.Truncated = true
				return reply
			}
			reply.Matches = append(reply.Matches, engine.SearchMatch{Path: p, Line: i + 1, Column: loc[0] + 1, Text: line})
		}
	}
	return reply
}

// searchManifest is the manifest of the trees searchRun searches.
var searchManifest = sync.OnceValues(func() (*aos.Manifest, error) {
	return cue.LoadManifest(cue.Source{Name: "aos.yaml", Data: []byte("project: {name: s}\nworkspace: {writable: [src/**], ignored: [src/secret/**]}\n")}, "aos.yaml", nil)
})

// searchRun runs one SEARCH over base and returns its reply.
func searchRun(t *testing.T, base *memBase, pattern string) (engine.SearchReply, error) {
	t.Helper()
	m, err := searchManifest()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := policy.NewRules(m.Workspace, "aos.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan := &aos.Plan{Version: 1, ID: "s", Goal: "s", Directives: []aos.Directive{{Type: aos.Search, Pattern: pattern}}}
	res, err := engine.Run(context.Background(), plan, base, engine.Options{Manifest: m, Rules: rules})
	if err != nil {
		return engine.SearchReply{}, err
	}
	if !res.OK() {
		t.Fatalf("pattern %q: %v", pattern, res.Violations)
	}
	return res.Replies[0].(engine.SearchReply), nil
}

// TestSearchParallel runs SEARCH, whose files are scanned on every
// processor, against the oracle over trees whose matches fill the reply
// at every kind of place: inside a file, at a file's last match, at a
// batch's end, in a file of more than 1,000 matching lines, never; with
// binary and ignored files among them. Run it with -race.
func TestSearchParallel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	visible := func(p string) bool { return !strings.HasPrefix(p, "src/secret/") }
	for tree := range 3 {
		base := newMemBase()
		for i := range 200 + tree*250 {
			var sb strings.Builder
			lines := 1 + rng.IntN(40)
			if rng.IntN(50) == 0 {
				lines = 1200
			}
			for j := range lines {
				fmt.Fprintf(&sb, "line %d of %d: %s\n", j, i, []string{"alpha", "beta", "gamma a1b2", "delta"}[rng.IntN(4)])
			}
			data := sb.String()
			switch rng.IntN(20) {
			case 0:
				data = "bin\x00ary alpha\n" + data
			case 1:
				data = strings.TrimSuffix(data, "\n")
			case 2:
				data = ""
			}
			dir := "src/pkg"
			if rng.IntN(10) == 0 {
				dir = "src/secret"
			}
			base.add(fmt.Sprintf("%s%d/f%05d.txt", dir, tree, i), aos.ModeFile, []byte(data))
		}
		for _, pattern := range []string{`alpha`, `gamma`, `[a-z][0-9][a-z][0-9]`, `of 1\d\d:`, `^line 1\d{3}`, `nothing here`, `(?i)DELTA$`, `e`} {
			got, err := searchRun(t, base, pattern)
			if err != nil {
				t.Fatal(err)
			}
			want := searchOracle(base, pattern, visible)
			if got.Files != want.Files || got.Truncated != want.Truncated || !slices.Equal(got.Matches, want.Matches) {
				t.Fatalf("tree %d, pattern %q: files %d truncated %v %d matches, want files %d truncated %v %d matches", tree, pattern, got.Files, got.Truncated, len(got.Matches), want.Files, want.Truncated, len(want.Matches))
			}
		}
	}
}

// TestSearchReadErrorAfterFull checks that a file the serial search would
// not reach, past the match that filled the reply, is not the search's
// failure even though a parallel search reads ahead, while one before it
// is.
func TestSearchReadErrorAfterFull(t *testing.T) {
	for _, tc := range []struct {
		name    string
		broken  string
		wantErr bool
	}{
		{"after", "src/z.txt", false},
		{"before", "src/a0.txt", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := newMemBase()
			base.add("src/a1.txt", aos.ModeFile, []byte(strings.Repeat("match\n", 1500)))
			base.add("src/b.txt", aos.ModeFile, []byte("match\n"))
			base.files[tc.broken] = engine.Entry{Mode: aos.ModeFile, Hash: strings.Repeat("0", 40)}
			got, err := searchRun(t, base, `match`)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("no error for %s, reply %d matches", tc.broken, len(got.Matches))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Truncated || len(got.Matches) != engine.MaxSearchMatches || got.Files != 1 {
				t.Fatalf("reply: files %d truncated %v %d matches", got.Files, got.Truncated, len(got.Matches))
			}
		})
	}
}
