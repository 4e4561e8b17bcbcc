package workflow

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/architectos/aos/cue"
	"github.com/architectos/aos/gitops"
)

// gitEnv isolates git from the machine's configuration and fixes
// identities and dates, so that commit ids are reproducible.
var gitTestEnv = []string{
	"GIT_CONFIG_NOSYSTEM=1",
	"GIT_AUTHOR_NAME=Agent Smith",
	"GIT_AUTHOR_EMAIL=agent@example.com",
	"GIT_COMMITTER_NAME=ArchitectOS",
	"GIT_COMMITTER_EMAIL=aos@example.com",
	"GIT_AUTHOR_DATE=2026-01-02T03:04:05Z",
	"GIT_COMMITTER_DATE=2026-01-02T03:04:05Z",
}

func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "aos-workflow-home-")
	if err != nil {
		panic(err)
	}
	os.WriteFile(filepath.Join(home, ".gitconfig"), []byte("[init]\n\tdefaultBranch = main\n"), 0o644)
	os.Setenv("HOME", home)
	os.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(home, ".gitconfig"))
	for _, kv := range gitTestEnv {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	if what := os.Getenv("AOS_TEST_CHILD"); what != "" {
		os.Exit(childMain(what))
	}
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

// childMain runs apply, run or verify in a process that a test kills or
// measures.
func childMain(what string) int {
	dir, arg := os.Getenv("AOS_TEST_DIR"), os.Getenv("AOS_TEST_ARG")
	if p := os.Getenv("AOS_TEST_CPUPROFILE"); p != "" {
		if f, err := os.Create(p + "." + what); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	var ok bool
	var err error
	var result any
	switch what {
	case "apply":
		var res *RunResult
		if res, err = Apply(context.Background(), RunOptions{Dir: dir, Rev: arg}); err == nil {
			ok, result = res.OK(), res
		}
	case "run":
		var res *RunResult
		if res, err = Run(context.Background(), RunOptions{Dir: dir, Plan: PlanSource{File: arg}}); err == nil {
			ok, result = res.OK(), res
		}
	case "verify":
		var res *VerifyResult
		if res, err = Verify(context.Background(), VerifyOptions{Dir: dir, Rev: arg}); err == nil {
			ok = res.Report.OK
		}
	}
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 1
	}
	if !ok {
		if res, isRun := result.(*RunResult); isRun && res != nil {
			for _, v := range res.Report.Violations {
				os.Stderr.WriteString(v.String() + "\n")
			}
		}
		return 3
	}
	return 0
}

// git runs git in dir and returns its trimmed output.
func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// newRepo makes a repository whose first commit on main holds files.
func newRepo(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	writeFiles(t, dir, files)
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "init")
	return dir
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// commitFiles commits files on the current branch.
func commitFiles(t testing.TB, dir, msg string, files map[string]string) string {
	t.Helper()
	writeFiles(t, dir, files)
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", msg)
	return git(t, dir, "rev-parse", "HEAD")
}

// writePlan writes a plan file outside the repository.
func writePlan(t testing.TB, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// snapshot is what a command must leave alone: refs, HEAD, index and
// working tree.
type snapshot struct{ refs, head, status, index string }

func takeSnapshot(t testing.TB, dir string) snapshot {
	t.Helper()
	idx, _ := os.ReadFile(filepath.Join(dir, ".git", "index"))
	return snapshot{
		refs:   git(t, dir, "for-each-ref", "--format=%(refname) %(objectname)"),
		head:   git(t, dir, "symbolic-ref", "-q", "HEAD") + " " + git(t, dir, "rev-parse", "HEAD"),
		status: git(t, dir, "status", "--porcelain", "--ignored"),
		index:  string(idx),
	}
}

const siteManifest = `project:
  name: site
workspace:
  read_only: [wp-includes/**]
  writable: [wp-content/**, wp-config.php, notes/**]
  ignored: [cache/**]
policies:
  allow_delete: true
  require_approval:
    - name: config-review
      paths: [wp-config.php]
      reviewers: ["@ops"]
      reason: production configuration
`

var siteFiles = map[string]string{
	"project.yml":                        siteManifest,
	"wp-config.php":                      "<?php define('DB_NAME', 'wp');\n",
	"wp-content/plugins/hello/hello.php": "<?php echo \"hello\";\n",
	"wp-content/index.php":               "<?php // Silence is golden.\n",
	"wp-includes/load.php":               "<?php\n",
	"cache/page.html":                    "secret cached page\n",
}

const rescuePlan = `version: 1
id: rescue-1
goal: Quarantine a plugin and fix the configuration
directives:
  - type: LS
    path: wp-content/plugins
  - type: FILE_READ
    path: wp-content/plugins/hello/hello.php
  - type: STAT
    path: wp-includes/load.php
  - type: FILE_WRITE
    path: notes/quarantine/hello.php.txt
    content: |
      <?php echo "hello";
  - type: FILE_APPEND
    path: notes/quarantine/hello.php.txt
    content_base64: Ly8gcXVhcmFudGluZWQK
  - type: FILE_DELETE
    path: wp-content/plugins/hello/hello.php
  - type: APPLY_PATCH
    patch: |
      diff --git a/wp-config.php b/wp-config.php
      --- a/wp-config.php
      +++ b/wp-config.php
      @@ -1 +1 @@
      -<?php define('DB_NAME', 'wp');
      +<?php define('DB_NAME', 'wordpress');
  - type: DIFF
    path: wp-config.php
  - type: GET_MANIFEST
  - type: GET_HISTORY
`

func srcOf(name, data string) cue.Source { return cue.Source{Name: name, Data: []byte(data)} }

func openRepo(t testing.TB, dir string) *gitops.Repo {
	t.Helper()
	r, err := gitops.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
