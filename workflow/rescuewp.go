package workflow

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/validators/rules"
)

// RescueChecksums returns the checksums file of the pristine WordPress
// tree at dir, in the shape of the WordPress.org checksums API, under the
// version its wp-includes/version.php names (docs/rescuewp.md).
func RescueChecksums(dir string) ([]byte, error) {
	sums, err := rules.ChecksumsOf(os.DirFS(dir))
	if err != nil {
		return nil, aos.WithHint(fmt.Errorf("%s: %w", dir, err), "give the directory of a pristine WordPress release, the one holding wp-includes/")
	}
	return sums.Encode()
}

// RescueInitOptions configure [RescueInit].
type RescueInitOptions struct {
	// Dir is the WordPress directory to turn into a repository.
	Dir string
	// Checksums is a checksums file on disk for the wp-core validator
	// (the WordPress.org checksums API's shape); "" leaves wp-core off.
	Checksums string
	// DBSocket, when set, is the unix socket of the site's MariaDB or
	// MySQL server: the manifest then has a db_dump tool that runs
	// mysqldump with that socket granted, exporting the dump to Backups.
	DBSocket string
	// DBName is the database to dump; "" is wp-config.php's DB_NAME.
	DBName string
	// DBUser is the user mysqldump connects as; "" is root.
	DBUser string
	// Backups is the host directory dumps are exported to; "" is
	// /var/backups/rescuewp/<project name>.
	Backups string
}

// RescueInitResult is what [RescueInit] made.
type RescueInitResult struct {
	Dir      string
	Version  string // WordPress's, from wp-includes/version.php
	Manifest string // the manifest's path in the repository
	Commit   string // the commit holding the site as found
	// WPCore reports whether the wp-core validator is on: it needs the
	// checksums.
	WPCore bool
}

// The files RescueInit writes, relative to the site.
const (
	RescueManifest      = "aos.yaml"
	RescueChecksumsFile = "aos-rescue/wp-core-checksums.json"
	rescueHtaccess      = "aos-rescue/.htaccess"
	rescueReadme        = "aos-rescue/README.md"
)

// ErrNotWordPress means a directory given as a WordPress site is not one.
var ErrNotWordPress = errors.New("not a WordPress site")

// RescueInit turns the WordPress directory opts.Dir into a git repository
// whose first commit holds the site as found, with the RescueWP manifest
// of docs/rescuewp.md: the core read-only, plugins, themes and uploads
// writable, the validators on (wp-core against the checksums given), a
// php -l test suite in bubblewrap, deletes and the configuration behind
// approval, and nothing under aos-rescue/ served by the web server.
func RescueInit(ctx context.Context, opts RescueInitOptions) (*RescueInitResult, error) {
	dir := opts.Dir
	vsrc, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rules.VersionFile)))
	if err != nil {
		return nil, aos.WithHint(fmt.Errorf("%s: %w: %v", dir, ErrNotWordPress, err), "give the directory that holds wp-config.php, wp-admin/ and wp-includes/")
	}
	version, err := rules.WordPressVersion(vsrc)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", dir, rules.VersionFile, err)
	}
	if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
		return nil, aos.WithHint(fmt.Errorf("%s %w", dir, gitops.ErrIsRepository), "run it on a copy of the site that is not a repository yet")
	}
	if name, err := gitops.FindManifestFile(dir); err == nil && name != "" {
		return nil, aos.WithHint(fmt.Errorf("%s has a manifest already: %s", dir, filepath.Base(name)), "move it away, or write the RescueWP manifest yourself (docs/rescuewp.md)")
	}
	res := &RescueInitResult{Dir: dir, Version: version, Manifest: RescueManifest}
	var sums []byte
	if opts.Checksums != "" {
		if sums, err = readChecksums(opts.Checksums, version); err != nil {
			return nil, err
		}
		res.WPCore = true
	}
	core, err := topCoreFiles(dir, sums)
	if err != nil {
		return nil, err
	}
	name := siteName(dir)
	var dump *dbDump
	if opts.DBSocket != "" {
		if dump, err = dumpTool(dir, name, opts); err != nil {
			return nil, err
		}
	}
	files := map[string][]byte{
		RescueManifest: []byte(rescueManifest(name, version, core, res.WPCore, dump)),
		rescueHtaccess: []byte(rescueHtaccessText),
		rescueReadme:   []byte(rescueReadmeText),
	}
	if sums != nil {
		files[RescueChecksumsFile] = sums
	}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if _, err := os.Lstat(dst); err == nil {
			return nil, aos.WithHint(fmt.Errorf("%s exists already", dst), "RescueInit writes it: move it away first")
		}
	}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(dst, files[p], 0o644); err != nil {
			return nil, err
		}
	}
	if res.Commit, err = gitops.InitCommit(ctx, dir, "main", "RescueWP: the site as found, WordPress "+version+"\n\nThe manifest and aos-rescue/ are written by git aos rescuewp init.\n"); err != nil {
		return nil, err
	}
	return res, nil
}

// readChecksums reads a checksums file and checks that it holds the sums
// of version.
func readChecksums(file, version string) ([]byte, error) {
	fi, err := os.Stat(file)
	if err != nil {
		return nil, aos.Usage(fmt.Errorf("--checksums: %w", err))
	}
	if fi.Size() > rules.MaxChecksumsSize {
		return nil, fmt.Errorf("%s: a checksums file of %d bytes is over the %d allowed", file, fi.Size(), rules.MaxChecksumsSize)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	c, err := rules.ParseChecksums(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if _, err := c.For(version); err != nil {
		return nil, aos.WithHint(fmt.Errorf("%s: %w", file, err),
			"the site is WordPress "+version+": fetch https://api.wordpress.org/core/checksums/1.0/?version="+version+", or run git aos rescuewp checksums on a pristine "+version+" tree")
	}
	return data, nil
}

// topCoreFiles returns the files at the top of the site that belong to
// WordPress and are read-only in the manifest: those the checksums name,
// or without checksums those the site holds that a release has
// (index.php, xmlrpc.php, the wp-*.php files but wp-config.php,
// license.txt, readme.html).
func topCoreFiles(dir string, sums []byte) ([]string, error) {
	var out []string
	if sums != nil {
		c, err := rules.ParseChecksums(sums)
		if err != nil {
			return nil, err
		}
		for _, v := range c.Versions {
			for p := range v {
				if !strings.Contains(p, "/") && p != "wp-config.php" && !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
		}
		slices.Sort(out)
		return out, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || n == "wp-config.php" {
			continue
		}
		if n == "index.php" || n == "xmlrpc.php" || n == "license.txt" || n == "readme.html" || strings.HasPrefix(n, "wp-") && strings.HasSuffix(n, ".php") {
			out = append(out, n)
		}
	}
	return out, nil
}

var nonName = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// siteName is the project name for the site in dir.
func siteName(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	n := strings.Trim(nonName.ReplaceAllString(filepath.Base(abs), "_"), "_")
	if n == "" {
		n = "site"
	}
	return "rescuewp_" + n
}

// dbDump is the db_dump tool of the manifest.
type dbDump struct {
	socket, name, user, backups string
}

var (
	dbNameRe   = regexp.MustCompile(`^[A-Za-z0-9_$-]{1,64}$`)
	hostPathRe = regexp.MustCompile(`^(/[A-Za-z0-9_.@+-]+)+$`)
	// defineRe finds wp-config.php's define( 'DB_NAME', '...' ).
	defineRe = regexp.MustCompile(`define\(\s*['"]DB_NAME['"]\s*,\s*['"]([^'"]*)['"]\s*\)`)
)

// dumpTool checks the options of the db_dump tool: names mysqldump
// takes as they are, and clean absolute paths, so that nothing in them
// means anything to YAML or the shell.
func dumpTool(dir, project string, opts RescueInitOptions) (*dbDump, error) {
	d := &dbDump{socket: opts.DBSocket, name: opts.DBName, user: opts.DBUser, backups: opts.Backups}
	if d.user == "" {
		d.user = "root"
	}
	if d.backups == "" {
		d.backups = "/var/backups/rescuewp/" + project
	}
	if d.name == "" {
		cfg, err := os.ReadFile(filepath.Join(dir, "wp-config.php"))
		if err != nil {
			return nil, aos.Usage(fmt.Errorf("--db-socket without --db-name: %w", err))
		}
		m := defineRe.FindSubmatch(cfg)
		if m == nil {
			return nil, aos.Usage(errors.New("--db-socket without --db-name, and wp-config.php defines no DB_NAME"))
		}
		d.name = string(m[1])
	}
	for _, c := range []struct {
		flag, v string
		re      *regexp.Regexp
	}{
		{"--db-socket", d.socket, hostPathRe}, {"--backups", d.backups, hostPathRe},
		{"--db-name", d.name, dbNameRe}, {"--db-user", d.user, dbNameRe},
	} {
		if !c.re.MatchString(c.v) || strings.Contains(c.v, "/../") || strings.Contains(c.v, "/./") || strings.HasSuffix(c.v, "/..") || strings.HasSuffix(c.v, "/.") {
			return nil, aos.Usage(fmt.Errorf("%s %q: want %s", c.flag, c.v, map[bool]string{true: "a clean absolute path of letters, digits and ._@+-", false: "a name of letters, digits and _$-"}[c.re == hostPathRe]))
		}
	}
	return d, nil
}

// rescueManifest is the manifest RescueInit writes (docs/rescuewp.md).
func rescueManifest(name, version string, core []string, wpcore bool, dump *dbDump) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# The RescueWP manifest (docs/rescuewp.md, whitepaper section 10.2), written
# by git aos rescuewp init for WordPress %s.
project:
  name: %s
  description: RescueWP rescue of a WordPress %s site.

workspace:
  root: /workspace/site
  read_only:
    - wp-admin/**
    - wp-includes/**
`, version, name, version)
	for _, p := range core {
		fmt.Fprintf(&b, "    - %q\n", p)
	}
	b.WriteString(`  writable:
    - wp-content/plugins/**
    - wp-content/mu-plugins/**
    - wp-content/themes/**
    - wp-content/uploads/**
    - wp-content/languages/**
    - wp-config.php
    - .htaccess
    - aos-rescue/**
  ignored:
    - wp-content/cache/**
    - wp-content/upgrade/**

environment:
  type: bwrap

tools:
  php_lint: "php -l"
`)
	if dump != nil {
		fmt.Fprintf(&b, `  # A backup of the database: mysqldump reaches the server only through
  # its socket; the dump goes to %[4]s/<plan id>.<directive>/,
  # never into the repository (docs/spec.md 10.6).
  db_dump:
    command: mysqldump --no-defaults --user=%[2]s --socket=%[1]s --single-transaction --skip-dump-date --result-file=/export/%[3]s.sql %[3]s
    description: dump of the database %[3]s
    timeout_seconds: 600
    sockets: [%[1]s]
    export:
      to: %[4]s
`, dump.socket, dump.user, dump.name, dump.backups)
	}
	b.WriteString(`
tests:
  # php -l of every PHP file the plan changed (AOS_CHANGED_FILES, docs/spec.md
  # 10.3), four at a time.
  php_lint:
    command: |
      out=$(xargs -0 -r -n 1 -P 4 sh -c 'case $1 in *.[pP][hH][pP]|*.phtml|*.inc) exec php -d display_errors=stdout -d error_reporting=-1 -l "$1";; esac' lint < "$AOS_CHANGED_FILES" 2>&1) && exit 0
      printf '%s\n' "$out" | grep -v '^No syntax errors detected'
      exit 1
    timeout_seconds: 600

# A site is judged whole (git aos validate --all) and sites are large:
# each validator may use two minutes of CPU time rather than five seconds.
validators:
  secrets:
    builtin: secrets
    timeout_ms: 120000
  php:
    builtin: php-malware
    timeout_ms: 120000
  syntax:
    builtin: syntax
    timeout_ms: 120000
`)
	if wpcore {
		fmt.Fprintf(&b, `  core:
    builtin: wp-core
    timeout_ms: 120000
    config:
      checksums: %s
`, RescueChecksumsFile)
	} else {
		b.WriteString(`  # wp-core is off: git aos rescuewp init had no checksums (--checksums FILE).
`)
	}
	b.WriteString(`
policies:
  allow_delete: true
  require_tests_on_write: true
  require_approval:
    - name: removal
      directives: [FILE_DELETE, QUARANTINE]
      reviewers: ["@site-owner"]
      reason: a file leaves the site
    - name: config-review
      paths: [wp-config.php, .htaccess]
      reviewers: ["@site-owner"]
      reason: production configuration
`)
	return b.String()
}

// rescueHtaccessText keeps the web server from serving or running
// anything under aos-rescue/.
const rescueHtaccessText = `# Written by git aos rescuewp init: nothing under aos-rescue/ is served,
# least of all the quarantine (docs/rescuewp.md).
<IfModule mod_authz_core.c>
	Require all denied
</IfModule>
<IfModule !mod_authz_core.c>
	Order allow,deny
	Deny from all
</IfModule>
Options -Indexes -ExecCGI
<IfModule mod_php.c>
	php_flag engine off
</IfModule>
<IfModule mod_php7.c>
	php_flag engine off
</IfModule>
`

const rescueReadmeText = `# aos-rescue

What the rescue keeps for the record, never served by the web server
(.htaccess here; for nginx, ` + "`location ^~ /aos-rescue/ { deny all; }`" + `):

- wp-core-checksums.json: the checksums of WordPress's core the wp-core
  validator compares the core with;
- quarantine/: files moved out of the site by QUARANTINE, byte for byte,
  under names without an extension.
`
