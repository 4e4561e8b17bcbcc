package validators

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/validators/internal/phpcorpus"
	"github.com/architectos/aos/validators/rules"
	"github.com/google/go-cmp/cmp"
)

const checksumsPath = "aos-rescue/wp-core-checksums.json"

// wordpressFiles returns Debian's WordPress tree, links followed, and its
// checksums file as git aos rescuewp checksums writes it.
func wordpressFiles(t testing.TB) (map[string][]byte, []byte) {
	t.Helper()
	list, err := phpcorpus.Files("/usr/share/wordpress", func(string) bool { return true })
	if err != nil || len(list) < 1000 {
		t.Fatalf("WordPress is not installed (apt-get install wordpress): %v", err)
	}
	files := map[string][]byte{}
	for _, f := range list {
		data, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		files[f.Rel] = data
	}
	sums, err := rules.ChecksumsOf(os.DirFS("/usr/share/wordpress"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sums.Versions["6.1.9"]; !ok {
		t.Fatalf("checksums of versions %v, want 6.1.9", slices.Collect(maps.Keys(sums.Versions)))
	}
	enc, err := sums.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return files, enc
}

// coreManifest is a manifest whose one validator is wp-core with config,
// as the loader gives it.
func coreManifest(t testing.TB, config string) *aos.Manifest {
	return loaded(t, &aos.Manifest{Validators: map[string]aos.ValidatorSpec{
		"core": {Builtin: "wp-core", Config: json.RawMessage(config)},
	}})
}

// modeTree is a tree whose entries may be symlinks or submodules.
type modeTree struct {
	*MemTree
	modes map[string]uint32
}

func (t modeTree) Files() (map[string]engine.Entry, error) {
	files, err := t.MemTree.Files()
	for p, m := range t.modes {
		e := files[p]
		e.Mode = m
		files[p] = e
	}
	return files, err
}

func coreFindings(t *testing.T, fs []aos.Finding) []string {
	t.Helper()
	var out []string
	for _, f := range fs {
		if f.Validator != "core" {
			t.Errorf("finding of validator %s: %+v", f.Validator, f)
		}
		out = append(out, f.Path+": "+f.Rule+"/"+string(f.Severity))
	}
	return out
}

// TestWPCore judges Debian's WordPress against the checksums made from
// it, through the built-in module: the whole tree judged as added is
// clean; a plan's changes are judged as wp-cli's verify-checksums would
// judge them (modified core files and new files in the core are errors,
// missing core files warnings), against the checksums of the base, which
// the plan cannot change; a new version.php makes every core file be
// judged again.
func TestWPCore(t *testing.T) {
	t.Parallel()
	files, sums := wordpressFiles(t)
	files[checksumsPath] = sums
	base := NewMemTree(files)
	set, err := NewSet(coreManifest(t, `{"checksums": "`+checksumsPath+`"}`), base, Options{CacheDir: testCache})
	if err != nil {
		t.Fatal(err)
	}
	// The whole tree, every file added.
	all, changes := NewAddedTree(files)
	st, err := engine.NewState(all)
	if err != nil {
		t.Fatal(err)
	}
	got, recs, err := set.Validate(context.Background(), st, changes)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("pristine WordPress: %d findings, first %+v", len(got), got[0])
	}
	if recs[0].Files != len(files) {
		t.Errorf("the validator saw %d files, want %d", recs[0].Files, len(files))
	}

	// A plan's changes.
	next := maps.Clone(files)
	next["wp-includes/load.php"] = append([]byte("<?php @eval($_POST['x']); ?>"), files["wp-includes/load.php"]...)
	next["wp-includes/wp-vcd.php"] = []byte("<?php /* backdoor */")
	next["wp-admin/css/colors/ocean/index.php"] = []byte("<?php")
	next["WP-INCLUDES/load.php"] = files["wp-includes/load.php"]
	next["wp-tmp.php"] = []byte("<?php")
	delete(next, "wp-admin/about.php")
	next["wp-content/plugins/akismet/akismet.php"] = []byte("<?php // changed: php-malware's to judge")
	next["wp-config.php"] = []byte("<?php define('DB_NAME', 'site');")
	next["readme.html"] = []byte("hacked")
	// The plan rewrites the checksums to bless its backdoor: the base's
	// are the ones that count.
	forged, _ := rules.ParseChecksums(sums)
	forged.Versions["6.1.9"]["wp-includes/wp-vcd.php"] = "0123456789abcdef0123456789abcdef"
	next[checksumsPath], _ = forged.Encode()
	st, changes = stage(t, base, next)
	got, _, err = set.Validate(context.Background(), st, changes)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"WP-INCLUDES/load.php: unexpected/error",
		"readme.html: modified/error",
		"wp-admin/about.php: missing/warning",
		"wp-admin/css/colors/ocean/index.php: unexpected/error",
		"wp-includes/load.php: modified/error",
		"wp-includes/wp-vcd.php: unexpected/error",
		"wp-tmp.php: unexpected/error",
	}
	if diff := cmp.Diff(want, coreFindings(t, got)); diff != "" {
		t.Errorf("a plan's changes (-want +got):\n%s", diff)
	}

	// A symlink or a submodule where a core file is, or in the core.
	withLinks := modeTree{NewMemTree(next), map[string]uint32{"wp-includes/version.php": aos.ModeFile,
		"wp-includes/functions.php": aos.ModeSymlink, "wp-admin/link": aos.ModeSymlink, "wp-includes/sub": aos.ModeGitlink}}
	next2 := maps.Clone(files)
	next2["wp-includes/functions.php"] = []byte("/etc/passwd")
	next2["wp-admin/link"] = []byte("../../etc")
	next2["wp-includes/sub"] = []byte{}
	withLinks.MemTree = NewMemTree(next2)
	changes, err = DiffTrees(base, withLinks)
	if err != nil {
		t.Fatal(err)
	}
	if st, err = engine.NewState(withLinks); err != nil {
		t.Fatal(err)
	}
	got, _, err = set.Validate(context.Background(), st, changes)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"wp-admin/link: unexpected/error", "wp-includes/functions.php: modified/error", "wp-includes/sub: unexpected/error"}
	if diff := cmp.Diff(want, coreFindings(t, got)); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}

	// A new version.php: every core file is judged again, against the
	// checksums of the version it names.
	next3 := maps.Clone(files)
	next3["wp-includes/version.php"] = append(files["wp-includes/version.php"], "\n// touched\n"...)
	delete(next3, "wp-includes/pomo/po.php")
	st, changes = stage(t, base, next3)
	got, _, err = set.Validate(context.Background(), st, changes)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"wp-includes/pomo/po.php: missing/warning", "wp-includes/version.php: modified/error"}
	if diff := cmp.Diff(want, coreFindings(t, got)); diff != "" {
		t.Errorf("a touched version.php (-want +got):\n%s", diff)
	}
	next3["wp-includes/version.php"] = []byte(strings.Replace(string(files["wp-includes/version.php"]), "'6.1.9'", "'6.4.2'", 1))
	st, changes = stage(t, base, next3)
	got, _, err = set.Validate(context.Background(), st, changes)
	if err != nil {
		t.Fatal(err)
	}
	if w := []string{"wp-includes/version.php: version/error"}; !slices.Equal(coreFindings(t, got), w) {
		t.Errorf("another version: %v, want %v", coreFindings(t, got), w)
	} else if !strings.Contains(got[0].Message, "no sums for WordPress 6.4.2 (it has 6.1.9)") {
		t.Errorf("another version: message %q", got[0].Message)
	}
	delete(next3, "wp-includes/version.php")
	st, changes = stage(t, base, next3)
	got, _, err = set.Validate(context.Background(), st, changes)
	if err != nil {
		t.Fatal(err)
	}
	if w := []string{"wp-includes/version.php: version/error"}; !slices.Equal(coreFindings(t, got), w) {
		t.Errorf("no version.php: %v, want %v", coreFindings(t, got), w)
	}
}

// TestWPCoreLoad: the checksums come from the base tree, as a module does,
// and a validator that cannot read them cannot be made.
func TestWPCoreLoad(t *testing.T) {
	t.Parallel()
	good := `{"checksums":{"6.1.9":{"index.php":"0123456789abcdef0123456789abcdef"}}}`
	for _, tc := range []struct {
		name, config string
		files        map[string][]byte
		module       bool // the error wraps ErrModule
	}{
		{"no file", `{"checksums": "sums.json"}`, map[string][]byte{}, true},
		{"not checksums", `{"checksums": "sums.json"}`, map[string][]byte{"sums.json": []byte(`{"checksums":false}`)}, true},
		{"no config", ``, map[string][]byte{"sums.json": []byte(good)}, false},
		{"unknown field", `{"checksums": "sums.json", "strict": false}`, map[string][]byte{"sums.json": []byte(good)}, false},
		{"a digest of its own", `{"checksums": "sums.json", "digest": "sha256:00"}`, map[string][]byte{"sums.json": []byte(good)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSet(coreManifest(t, tc.config), NewMemTree(tc.files), Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrModule) != tc.module {
				t.Errorf("err = %v; wraps ErrModule: %v, want %v", err, errors.Is(err, ErrModule), tc.module)
			}
		})
	}
	if _, err := NewSet(coreManifest(t, `{"checksums": "sums.json"}`), NewMemTree(map[string][]byte{"sums.json": []byte(good)}), Options{}); err != nil {
		t.Errorf("good checksums: %v", err)
	}
}
