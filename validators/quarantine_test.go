package validators

import (
	"context"
	"slices"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/google/go-cmp/cmp"
)

// TestQuarantineSkipped: a file QUARANTINE moved in from the base is not
// judged again where it lies now; anything else under the quarantine is
// judged as any write: new content, content moved from another path, an
// executable mode, or a name QUARANTINE never writes.
func TestQuarantineSkipped(t *testing.T) {
	t.Parallel()
	shell := []byte("<?php eval($_POST['x']);\n")
	other := []byte("<?php system($_GET['c']);\n")
	base := NewMemTree(map[string][]byte{
		"wp-content/uploads/thumb.php": shell,
		"wp-content/plugins/a/b.php":   other,
	})
	m := loaded(t, &aos.Manifest{Validators: map[string]aos.ValidatorSpec{
		"php": {Builtin: "php-malware"},
	}})
	set, err := NewSet(m, base, Options{CacheDir: testCache})
	if err != nil {
		t.Fatal(err)
	}
	files, err := base.Files()
	if err != nil {
		t.Fatal(err)
	}
	judge := func(changes []engine.Change) []string {
		t.Helper()
		staged := map[string][]byte{}
		for _, c := range changes {
			if c.Data != nil {
				staged[c.Path] = c.Data
			}
		}
		st, err := engine.NewState(NewMemTree(staged))
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := set.Validate(context.Background(), st, changes)
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, f := range got {
			if f.Severity == aos.SeverityError && !slices.Contains(paths, f.Path) {
				paths = append(paths, f.Path)
			}
		}
		return paths
	}
	q := aos.QuarantinePath("wp-content/uploads/thumb.php")
	moved := []engine.Change{
		{Path: "wp-content/uploads/thumb.php", Status: aos.StatusDeleted, Mode: aos.ModeFile, Hash: files["wp-content/uploads/thumb.php"].Hash},
		{Path: q, Status: aos.StatusAdded, Mode: aos.ModeFile, Data: shell},
	}
	if got := judge(moved); len(got) != 0 {
		t.Errorf("a quarantined web shell: findings on %v, want none", got)
	}
	for _, tc := range []struct {
		name string
		c    engine.Change
	}{
		{"new content", engine.Change{Path: q, Status: aos.StatusAdded, Mode: aos.ModeFile, Data: []byte("<?php assert($_REQUEST['z']);\n")}},
		{"another file's content", engine.Change{Path: q, Status: aos.StatusAdded, Mode: aos.ModeFile, Data: other}},
		{"executable", engine.Change{Path: q, Status: aos.StatusAdded, Mode: aos.ModeExecutable, Data: shell}},
		{"a name with an extension", engine.Change{Path: aos.QuarantineDir + "/wp-content/uploads/thumb.php", Status: aos.StatusAdded, Mode: aos.ModeFile, Data: shell}},
		{"outside the quarantine", engine.Change{Path: "aos-rescue/wp-content/uploads/thumb%2Ephp", Status: aos.StatusAdded, Mode: aos.ModeFile, Data: shell}},
	} {
		got := judge([]engine.Change{tc.c})
		if diff := cmp.Diff([]string{tc.c.Path}, got); diff != "" {
			t.Errorf("%s: errors (-want +got):\n%s", tc.name, diff)
		}
	}
}
