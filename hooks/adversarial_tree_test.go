package hooks_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// Adversarial trees and commits: objects git would not write, pushed to a
// bare repository with the installed hook. git and go-git read such an
// object differently (a tree listing a name twice is the first entry to
// git show and cat-file, the last to a map), so they are refused, by git
// itself when receive.fsckObjects is on (hook install sets it) and by the
// hook when an operator turned it off (docs/spec.md 4.8).

// entry is a tree entry written exactly as given.
type entry struct{ mode, name, id string }

// rawObject writes an object of the given type and content as given, with
// git hash-object --literally, and returns its id.
func (c *client) rawObject(kind string, data []byte) string {
	c.t.Helper()
	cmd := exec.Command("git", "hash-object", "-t", kind, "--literally", "-w", "--stdin")
	cmd.Dir, cmd.Stdin = c.dir, bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("hash-object: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func (c *client) rawTree(es ...entry) string {
	c.t.Helper()
	var b bytes.Buffer
	for _, e := range es {
		h, err := hex.DecodeString(e.id)
		if err != nil || len(h) != 20 {
			c.t.Fatalf("bad id %q", e.id)
		}
		b.WriteString(e.mode + " " + e.name + "\x00")
		b.Write(h)
	}
	return c.rawObject("tree", b.Bytes())
}

func (c *client) blob(content string) string {
	c.t.Helper()
	cmd := exec.Command("git", "hash-object", "-w", "--stdin")
	cmd.Dir, cmd.Stdin = c.dir, strings.NewReader(content)
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// withEntry returns tree with its entry name replaced by mode and id
// (git mktree writes the new tree canonically).
func (c *client) withEntry(tree, name, mode, id string) string {
	c.t.Helper()
	var in strings.Builder
	kind := map[string]string{"40000": "tree", "040000": "tree", "160000": "commit"}[mode]
	if kind == "" {
		kind = "blob"
	}
	fmt.Fprintf(&in, "%s %s %s\t%s\n", mode, kind, id, name)
	for _, l := range strings.Split(c.git("ls-tree", tree), "\n") {
		if _, n, _ := strings.Cut(l, "\t"); n != name && l != "" {
			in.WriteString(l + "\n")
		}
	}
	cmd := exec.Command("git", "mktree", "--missing")
	cmd.Dir, cmd.Stdin = c.dir, strings.NewReader(in.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("mktree: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// withTree returns a copy of commit with its tree line replaced: same
// parents, identities and message.
func (c *client) withTree(commit, tree string) string {
	c.t.Helper()
	raw := c.git("cat-file", "commit", commit) + "\n"
	_, rest, _ := strings.Cut(raw, "\n")
	return c.rawObject("commit", []byte("tree "+tree+"\n"+rest))
}

// TestAdversarialTrees: every way a tree can be other than git writes
// it, in a plan commit an agent pushes to main, a commit a human pushes
// to main under humans: workspace, and an agent's commit on its own
// branch. With receive.fsckObjects on, git refuses the pack; with it off,
// the hook refuses the commit as tree.noncanonical, naming the tree and
// the entry.
func TestAdversarialTrees(t *testing.T) {
	t.Parallel()
	for _, fsck := range []bool{true, false} {
		t.Run(fmt.Sprintf("fsckObjects=%v", fsck), func(t *testing.T) {
			t.Parallel()
			s := newServer(t, testManifest, map[string]string{"src/a.txt": "a\n", "vendor/v.txt": "original\n"})
			if !fsck {
				must(t, s.bare, "git", "config", "receive.fsckObjects", "false")
			}
			c := s.clone(t)
			res := c.runPlan(plan("dup", "src/hello.txt", "hello\n"))
			evil, good := c.blob("evil\n"), c.blob("original\n")
			empty := c.rawTree()
			for _, tc := range []struct {
				name    string
				vendor  []entry
				entry   string // the entry the rejection names
				message string
			}{
				{"a name twice, evil first", []entry{{"100644", "v.txt", evil}, {"100644", "v.txt", good}}, "v.txt", "the name appears twice"},
				{"a file and a directory of one name", []entry{{"100644", "v.txt", good}, {"100644", "v.txt.bak", evil}, {"40000", "v.txt", empty}}, "v.txt", "the name appears twice"},
				{"unsorted", []entry{{"100644", "w.txt", evil}, {"100644", "v.txt", good}}, "v.txt", "not sorted"},
				{"zero-padded mode", []entry{{"0100644", "v.txt", evil}}, "v.txt", "mode"},
				{"group-writable mode", []entry{{"100664", "v.txt", evil}}, "v.txt", "mode"},
				{"a slash in a name", []entry{{"100644", "v.txt", good}, {"100644", "x/v.txt", evil}}, "x/v.txt", "slash"},
				{".git in capitals", []entry{{"100644", ".GIT", evil}, {"100644", "v.txt", good}}, ".GIT", ".git"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					vendor := c.rawTree(tc.vendor...)
					planTree := c.withEntry(c.git("rev-parse", res.PlanCommit+"^{tree}"), "vendor", "40000", vendor)
					forged := c.withTree(res.PlanCommit, planTree)
					mainTree := c.withEntry(c.git("rev-parse", "origin/main^{tree}"), "vendor", "40000", vendor)
					human := c.withTree(c.git("commit-tree", "-p", "origin/main", "-m", "human edit", c.git("rev-parse", "origin/main^{tree}")), mainTree)
					for _, push := range []struct{ user, refspec string }{
						{"build-bot", forged + ":refs/heads/main"},
						{"build-bot", forged + ":refs/heads/aos/forged"},
						{"alice", human + ":refs/heads/main"},
						{"build-bot", human + ":refs/heads/agent-topic"},
					} {
						before := s.refs(t)
						out, ok := c.push(push.user, push.refspec)
						if ok || s.refs(t) != before {
							t.Fatalf("%s pushing %s: accepted:\n%s", push.user, push.refspec, out)
						}
						if fsck {
							if !strings.Contains(out, "fsck") {
								t.Errorf("%s pushing %s: git did not refuse the objects itself:\n%s", push.user, push.refspec, out)
							}
							continue
						}
						want := fmt.Sprintf("tree %s at \"vendor\", entry %q: %s", vendor, tc.entry, tc.message)
						if !strings.Contains(out, "[tree.noncanonical]") || !strings.Contains(out, want[:strings.Index(want, ": ")+2]) || !strings.Contains(out, tc.message) {
							t.Errorf("%s pushing %s: the rejection does not name the tree and entry (%s):\n%s", push.user, push.refspec, want, out)
						}
					}
				})
			}
			// The commit itself: two tree lines, the first (git's) the
			// plan commit's tree with an evil vendor/, the second
			// (go-git's) the plan commit's own tree. git then reads no
			// parent either: it is pushed as a new agent branch.
			t.Run("two tree lines", func(t *testing.T) {
				evilTree := c.withEntry(c.git("rev-parse", res.PlanCommit+"^{tree}"), "vendor", "40000",
					c.withEntry(c.git("rev-parse", "origin/main:vendor"), "v.txt", "100644", evil))
				raw := c.git("cat-file", "commit", res.PlanCommit) + "\n"
				first, rest, _ := strings.Cut(raw, "\n")
				forged := c.rawObject("commit", []byte("tree "+evilTree+"\n"+first+"\n"+rest))
				if got := c.git("show", forged+":vendor/v.txt"); got != "evil" {
					t.Fatalf("git reads %q from the forged commit", got)
				}
				before := s.refs(t)
				out, ok := c.push("build-bot", forged+":refs/heads/aos/two-trees")
				if ok || s.refs(t) != before {
					t.Fatalf("accepted:\n%s", out)
				}
				if fsck && !strings.Contains(out, "fsck") {
					t.Errorf("git did not refuse the commit itself:\n%s", out)
				}
				if !fsck && !strings.Contains(out, "[commit.noncanonical]") {
					t.Errorf("the hook does not refuse the commit as commit.noncanonical:\n%s", out)
				}
			})
		})
	}
}
