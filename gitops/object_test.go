package gitops

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/architectos/aos"
	"github.com/architectos/aos/policy"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// rawEntry is a tree entry written as given, whatever git would say.
type rawEntry struct {
	mode, name string
	hash       []byte // 20 bytes; nil is the blob or tree of the test
}

func encodeTree(es []rawEntry, blob, tree []byte) []byte {
	var b bytes.Buffer
	for _, e := range es {
		h := e.hash
		if h == nil {
			h = blob
			if strings.TrimLeft(e.mode, "0") == "40000" {
				h = tree
			}
		}
		b.WriteString(e.mode + " " + e.name)
		b.WriteByte(0)
		b.Write(h)
	}
	return b.Bytes()
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// treeCases are trees git fsck --strict refuses, each with the fault, and
// trees it accepts.
var treeCases = []struct {
	name    string
	entries []rawEntry
	ok      bool
}{
	{"canonical", []rawEntry{{"100644", "a", nil}, {"100755", "a.sh", nil}, {"40000", "b", nil}, {"120000", "c", nil}, {"100644", "d", nil}}, true},
	{"file before a directory of a longer name", []rawEntry{{"100644", "a.b", nil}, {"40000", "a", nil}}, true},
	{"empty tree", nil, true},
	{"a name twice", []rawEntry{{"100644", "v.txt", nil}, {"100644", "v.txt", nil}}, false},
	{"a file and a directory of one name, apart", []rawEntry{{"100644", "a", nil}, {"100644", "a.b", nil}, {"40000", "a", nil}}, false},
	{"a directory twice", []rawEntry{{"40000", "d", nil}, {"40000", "d", nil}}, false},
	{"unsorted", []rawEntry{{"100644", "b", nil}, {"100644", "a", nil}}, false},
	{"a directory sorted as a file", []rawEntry{{"40000", "a", nil}, {"100644", "a.b", nil}}, false},
	{"zero-padded mode", []rawEntry{{"040000", "d", nil}}, false},
	{"group-writable mode", []rawEntry{{"100664", "a", nil}}, false},
	{"unknown mode", []rawEntry{{"100600", "a", nil}}, false},
	{"empty name", []rawEntry{{"100644", "", nil}}, false},
	{"dot", []rawEntry{{"100644", ".", nil}}, false},
	{"dot dot", []rawEntry{{"40000", "..", nil}}, false},
	{"a slash", []rawEntry{{"100644", "a/b", nil}}, false},
	{".git in capitals", []rawEntry{{"40000", ".GIT", nil}}, false},
	{".git with a trailing dot", []rawEntry{{"100644", ".git.", nil}}, false},
	{".git as an NTFS short name", []rawEntry{{"40000", "git~1", nil}}, false},
	{".git before a backslash", []rawEntry{{"100644", `.git\x`, nil}}, false},
	{".gitmodules as a symlink", []rawEntry{{"120000", ".gitmodules", nil}}, false},
	{"a zero object id", []rawEntry{{"100644", "z", make([]byte, 20)}}, false},
}

// TestParseTreeAgainstFsck writes each case with git hash-object
// --literally and requires that parseTree refuses exactly the trees that
// git fsck --strict reports, with the rule tree.noncanonical, and reads
// the others as git ls-tree lists them.
func TestParseTreeAgainstFsck(t *testing.T) {
	t.Parallel()
	for _, tc := range treeCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			run(t, dir, nil, "", "init", "-q")
			blob := unhex(t, run(t, dir, nil, "hi\n", "hash-object", "-w", "--stdin"))
			tree := unhex(t, run(t, dir, nil, "", "hash-object", "-t", "tree", "-w", "--stdin"))
			data := encodeTree(tc.entries, blob, tree)
			cmd := exec.Command("git", "hash-object", "-t", "tree", "--literally", "-w", "--stdin")
			cmd.Dir, cmd.Stdin = dir, bytes.NewReader(data)
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			id := strings.TrimSpace(string(out))
			cmd = exec.Command("git", "fsck", "--strict", "--no-dangling")
			cmd.Dir = dir
			fsck, _ := cmd.CombinedOutput()
			gitRefuses := bytes.Contains(fsck, []byte("tree "+id))
			if gitRefuses == tc.ok {
				t.Fatalf("git fsck --strict: refuses %v, the case says ok %v:\n%s", gitRefuses, tc.ok, fsck)
			}
			names, _, err := ParseTree(id, "", data)
			var oe *ObjectError
			switch {
			case tc.ok && err != nil:
				t.Fatalf("a canonical tree is refused: %v", err)
			case !tc.ok && !errors.As(err, &oe):
				t.Fatalf("a tree git refuses is read (%q), error %v", names, err)
			case !tc.ok && (oe.Rule != aos.RuleTreeNonCanonical || oe.Object != id):
				t.Fatalf("error %#v, want rule %s and tree %s", oe, aos.RuleTreeNonCanonical, id)
			case tc.ok:
				var want []string
				if ls := run(t, dir, nil, "", "ls-tree", "--name-only", id); ls != "" {
					want = strings.Split(ls, "\n")
				}
				if fmt.Sprint(names) != fmt.Sprint(want) {
					t.Fatalf("names %q, git ls-tree lists %q", names, want)
				}
			}
		})
	}
}

// TestReadersRefuseNonCanonicalTrees: every reader of gitops (a commit's
// files, one path, a diff, a merge's own changes, a tree built on it)
// refuses a tree whose vendor/ lists v.txt twice, evil blob first, which
// git show reads as the evil content.
func TestReadersRefuseNonCanonicalTrees(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run(t, dir, nil, "", "init", "-q")
	evil := unhex(t, run(t, dir, nil, "evil\n", "hash-object", "-w", "--stdin"))
	good := unhex(t, run(t, dir, nil, "good\n", "hash-object", "-w", "--stdin"))
	vendor := hashObject(t, dir, "tree", encodeTree([]rawEntry{{"100644", "v.txt", evil}, {"100644", "v.txt", good}}, nil, nil))
	root := hashObject(t, dir, "tree", encodeTree([]rawEntry{{"100644", "a.txt", good}, {"40000", "vendor", unhex(t, vendor)}}, nil, nil))
	env := []string{"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@x"}
	commit := run(t, dir, env, "", "commit-tree", "-m", "dup", root)
	if got := run(t, dir, nil, "", "show", commit+":vendor/v.txt"); got != "evil" {
		t.Fatalf("git show reads %q: the test does not build the tree it means to", got)
	}
	repo, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	wantNC := func(what string, err error) {
		t.Helper()
		var oe *ObjectError
		if !errors.As(err, &oe) || oe.Rule != aos.RuleTreeNonCanonical || oe.Object != vendor || oe.Path != "vendor/" || oe.Entry != "v.txt" {
			t.Errorf("%s: error %v, want tree.noncanonical naming tree %s at vendor/, entry v.txt", what, err, vendor)
		}
	}
	tree, err := repo.CommitTree(commit)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tree.Files()
	wantNC("Files", err)
	_, _, _, err = repo.ReadPath(commit, "vendor/v.txt")
	wantNC("ReadPath", err)
	_, err = repo.DiffTrees("", root)
	wantNC("DiffTrees", err)
	_, err = repo.MergeOwnChanges(root, []string{""})
	wantNC("MergeOwnChanges", err)
	_, err = repo.BuildTree(root, []TreeChange{{Path: "vendor/w.txt", Mode: aos.ModeFile, Data: []byte("w")}}, HashOnly)
	wantNC("BuildTree", err)
	// The root is canonical: reading it alone works, and its vendor/ is
	// refused when read.
	if _, err := repo.TreeObject(root); err != nil {
		t.Errorf("TreeObject of the canonical root: %v", err)
	}
	if _, err := repo.TreeObject(vendor); err == nil {
		t.Error("TreeObject of the duplicate tree: no error")
	}
}

func hashObject(t *testing.T, dir, kind string, data []byte) string {
	t.Helper()
	cmd := exec.Command("git", "hash-object", "-t", kind, "--literally", "-w", "--stdin")
	cmd.Dir, cmd.Stdin = dir, bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

const (
	tid = "4b825dc642cb6eb9a060e54bf8d69288fbe4904e"
	pid = "0123456789abcdef0123456789abcdef01234567"
)

var commitCases = []struct {
	name string
	data string
	ok   bool
}{
	{"canonical", "tree " + tid + "\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0100\n\nsubject\n", true},
	{"parents and a signature", "tree " + tid + "\nparent " + pid + "\nparent " + pid + "\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\ngpgsig -----BEGIN SSH SIGNATURE-----\n line\n -----END SSH SIGNATURE-----\n\nm\n", true},
	{"empty message", "tree " + tid + "\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\n", true},
	{"two trees", "tree " + tid + "\ntree " + pid + "\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\nm\n", false},
	{"a tree after the author", "tree " + tid + "\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\ntree " + pid + "\n\nm\n", false},
	{"a parent after the author", "tree " + tid + "\nauthor A <a@x> 1 +0000\nparent " + pid + "\ncommitter C <c@x> 2 +0000\n\nm\n", false},
	{"two authors", "tree " + tid + "\nauthor A <a@x> 1 +0000\nauthor B <b@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\nm\n", false},
	{"two committers", "tree " + tid + "\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\ncommitter D <d@x> 2 +0000\n\nm\n", false},
	{"no author", "tree " + tid + "\ncommitter C <c@x> 2 +0000\n\nm\n", false},
	{"no tree", "author A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\nm\n", false},
	{"uppercase id", "tree " + strings.ToUpper(tid) + "\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\nm\n", false},
	{"NUL in the message", "tree " + tid + "\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\nm\x00hidden\n", false},
}

// TestParseCommit: a commit that git reads differently from go-git (two
// tree or author lines: git takes the first) is refused.
func TestParseCommit(t *testing.T) {
	t.Parallel()
	for _, tc := range commitCases {
		_, _, msg, err := ParseCommit(pid, []byte(tc.data))
		var oe *ObjectError
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case !tc.ok && (!errors.As(err, &oe) || oe.Rule != aos.RuleCommitNonCanonical):
			t.Errorf("%s: error %v, want commit.noncanonical", tc.name, err)
		case tc.ok && !strings.HasSuffix(tc.data, "\n\n"+msg):
			t.Errorf("%s: message %q", tc.name, msg)
		}
	}
}

// FuzzParseTree reads arbitrary bytes as a tree. What it accepts is
// canonical: entries strictly sorted as git sorts them, no name twice,
// encoding them again gives the same bytes, and go-git's decoder reads
// the same entries.
func FuzzParseTree(f *testing.F) {
	blob := bytes.Repeat([]byte{0xab}, 20)
	for _, tc := range treeCases {
		f.Add(encodeTree(tc.entries, blob, blob))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := parseTree("t", "", data)
		if err != nil {
			var oe *ObjectError
			if !errors.As(err, &oe) || oe.Rule != aos.RuleTreeNonCanonical {
				t.Fatalf("error %v is not tree.noncanonical", err)
			}
			return
		}
		checkCanonical(t, es, data)
	})
}

// FuzzTreeEntries builds trees from lines "MODE NAME", so that the fuzzer
// reaches duplicate and unsorted entries easily, and compares parseTree
// with a reference that sorts and counts.
func FuzzTreeEntries(f *testing.F) {
	f.Add("100644 v.txt\n100644 v.txt")
	f.Add("100644 a\n100644 a.b\n40000 a")
	f.Add("100644 b\n100644 a")
	f.Add("40000 a\n100644 a.b")
	f.Add("100644 a.b\n40000 a\n100755 a0")
	f.Add("040000 d\n100644 e")
	f.Fuzz(func(t *testing.T, spec string) {
		var es []rawEntry
		for _, l := range strings.Split(spec, "\n") {
			mode, name, _ := strings.Cut(l, " ")
			es = append(es, rawEntry{mode, name, nil})
		}
		blob := bytes.Repeat([]byte{1}, 20)
		data := encodeTree(es, blob, blob)
		got, err := parseTree("t", "", data)
		if want := referenceCanonical(es); (err == nil) != want {
			t.Fatalf("parseTree error %v, the reference says canonical %v", err, want)
		}
		if err == nil {
			checkCanonical(t, got, data)
		}
	})
}

// referenceCanonical decides, another way than parseTree, whether entries
// whose names and modes parse make a canonical tree.
func referenceCanonical(es []rawEntry) bool {
	names := map[string]bool{}
	keys := make([]string, len(es))
	for i, e := range es {
		if _, ok := treeModes[e.mode]; !ok || e.name == "" || strings.ContainsAny(e.name, "/\x00") || e.name == "." || e.name == ".." {
			return false
		}
		if policy.IsDotGit(e.name) || (e.mode == "120000" && policy.IsGitmodules(e.name)) {
			return false // the spellings are policy's, tested there
		}
		if names[e.name] {
			return false
		}
		names[e.name] = true
		keys[i] = e.name
		if e.mode == "40000" {
			keys[i] += "/"
		}
	}
	return sort.SliceIsSorted(keys, func(i, j int) bool { return keys[i] < keys[j] }) && len(names) == len(keys)
}

func checkCanonical(t *testing.T, es []treeEntry, data []byte) {
	t.Helper()
	var b bytes.Buffer
	seen := map[string]bool{}
	for i, e := range es {
		if seen[e.name] {
			t.Fatalf("%q twice", e.name)
		}
		seen[e.name] = true
		if i > 0 && treeKey(es[i-1].name, es[i-1].mode) >= treeKey(e.name, e.mode) {
			t.Fatalf("%q before %q", es[i-1].name, e.name)
		}
		fmt.Fprintf(&b, "%o %s\x00", uint32(e.mode), e.name)
		b.Write(e.hash[:])
	}
	if !bytes.Equal(b.Bytes(), data) {
		t.Fatalf("encoding the entries again gives %q, not %q", b.Bytes(), data)
	}
	st := memory.NewStorage()
	o := st.NewEncodedObject()
	o.SetType(plumbing.TreeObject)
	w, _ := o.Writer()
	w.Write(data)
	w.Close()
	var gt object.Tree
	if err := gt.Decode(o); err != nil {
		t.Fatalf("go-git cannot decode a canonical tree: %v", err)
	}
	if len(gt.Entries) != len(es) {
		t.Fatalf("go-git reads %d entries, parseTree %d", len(gt.Entries), len(es))
	}
	for i, e := range gt.Entries {
		if e.Name != es[i].name || e.Mode != es[i].mode || e.Hash != es[i].hash {
			t.Fatalf("entry %d: go-git reads %v, parseTree %v", i, e, es[i])
		}
	}
}
