package phpscan

import (
	"os"
	"testing"

	"github.com/architectos/aos/validators/internal/phpcorpus"
	"github.com/architectos/aos/validators/kinds"
)

// TestCleanTrees scans every PHP file of WordPress, MediaWiki and
// phpMyAdmin, none of which holds a backdoor: every finding is a false
// positive.
func TestCleanTrees(t *testing.T) {
	if raceEnabled {
		rerunWithoutRace(t, "TestCleanTrees")
		return
	}
	total, bytes := 0, 0
	for _, tr := range phpcorpus.Trees(t) {
		files, err := phpcorpus.Files(tr.Root, kinds.IsPHP)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			src, err := os.ReadFile(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			total++
			bytes += len(src)
			for _, fd := range Scan(src, Options{ShortTags: true}) {
				t.Errorf("%s/%s:%d:%d: %s: %s", tr.Name, f.Rel, fd.Line, fd.Column, fd.Rule, fd.Message)
			}
		}
	}
	t.Logf("%d PHP files, %d MB", total, bytes>>20)
}
