package workflow

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/architectos/aos"
)

// mariadb is a MariaDB server the test started, in a temporary directory
// of its own, reached only through its unix socket.
type mariadb struct {
	socket string
	cmd    *exec.Cmd
}

// startMariaDB starts a real MariaDB server with its own data directory
// and socket, no TCP, and stops it by its pid when the test ends.
func startMariaDB(t *testing.T) *mariadb {
	t.Helper()
	for _, p := range []string{"mariadb-install-db", "mariadbd", "mariadb", "mysqldump"} {
		if _, err := exec.LookPath(p); err != nil {
			if _, err2 := os.Stat("/usr/sbin/" + p); err2 != nil {
				t.Fatalf("%s is not installed (apt-get install mariadb-server): %v", p, err)
			}
		}
	}
	// A unix socket's path is at most 107 bytes: the directory is short,
	// and not under /tmp, which every sandbox gets fresh.
	dir, err := os.MkdirTemp("/var/tmp", "aos-db-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	data := filepath.Join(dir, "data")
	run, tmp := filepath.Join(dir, "run"), filepath.Join(dir, "tmp")
	for _, d := range []string{run, tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	user := []string{}
	if os.Geteuid() == 0 {
		user = []string{"--user=root"}
	}
	install := exec.Command("mariadb-install-db", append([]string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=socket", "--skip-test-db",
		// Its own temporary files: servers installed at once under one
		// /tmp lose each other's.
		"--tmpdir=" + tmp}, user...)...)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	db := &mariadb{socket: filepath.Join(run, "mysqld.sock")}
	var log bytes.Buffer
	db.cmd = exec.Command(mariadbd(), append([]string{"--no-defaults", "--datadir=" + data, "--socket=" + db.socket,
		"--skip-networking", "--pid-file=" + filepath.Join(dir, "mariadb.pid"), "--log-error=" + filepath.Join(dir, "error.log"),
		"--innodb-buffer-pool-size=16M", "--skip-log-bin", "--tmpdir=" + tmp}, user...)...)
	db.cmd.Stdout, db.cmd.Stderr = &log, &log
	if err := db.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- db.cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			db.cmd.Process.Kill()
			<-done
		}
	})
	for deadline := time.Now().Add(90 * time.Second); ; {
		if c, err := net.Dial("unix", db.socket); err == nil {
			c.Close()
			break
		}
		if db.cmd.ProcessState != nil || time.Now().After(deadline) {
			errLog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("MariaDB did not start:\n%s\n%s", log.String(), errLog)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return db
}

func mariadbd() string {
	if p, err := exec.LookPath("mariadbd"); err == nil {
		return p
	}
	return "/usr/sbin/mariadbd"
}

// sql runs statements through the socket as root.
func (db *mariadb) sql(t *testing.T, stmts string) string {
	t.Helper()
	out, err := exec.Command("mariadb", "--no-defaults", "--user=root", "--socket="+db.socket, "--batch", "--skip-column-names", "-e", stmts).CombinedOutput()
	if err != nil {
		t.Fatalf("mariadb -e %q: %v\n%s", stmts, err, out)
	}
	return string(out)
}

// TestDatabaseDump backs up a real MariaDB from a plan: SANDBOX_EXEC runs
// mysqldump in bubblewrap, which reaches the server only through the
// socket the manifest grants; the dump lands where the manifest says,
// outside the repository and out of its history; the sandbox sees no
// other socket of the host, nor a network; a second run exports beside
// the first; a socket path that is not a socket keeps the job from
// running; an export into the repository is refused.
func TestDatabaseDump(t *testing.T) {
	t.Parallel()
	db := startMariaDB(t)
	db.sql(t, "CREATE DATABASE site; CREATE TABLE site.wp_posts (id INT PRIMARY KEY, title TEXT); INSERT INTO site.wp_posts VALUES (1, 'Hello from the rescued site');")
	// Another socket beside the granted one, not granted.
	other, err := net.Listen("unix", filepath.Join(filepath.Dir(db.socket), "other.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	backups := filepath.Join(t.TempDir(), "backups")
	manifest := fmt.Sprintf(`project: {name: dump}
workspace:
  writable: [wp-content/**]
environment:
  type: bwrap
tools:
  db_dump:
    command: mysqldump --no-defaults --user=root --socket=%[1]s --skip-dump-date --result-file=/export/site.sql site
    sockets: [%[1]s]
    export:
      to: %[2]s
  probe:
    command: "ls -A %[3]s; ls -A /run 2>&1; ls /export 2>&1 || echo no-export; cat /proc/net/tcp 2>/dev/null | wc -l; ls -A %[4]s 2>&1 || echo no-backups"
    sockets: [%[1]s]
`, db.socket, backups, filepath.Dir(db.socket), backups)
	dir := newRepo(t, map[string]string{"aos.yaml": manifest, "wp-content/index.php": "<?php\n"})
	plan := "version: 1\nid: backup-1\ngoal: Back up the database\ndirectives:\n  - type: SANDBOX_EXEC\n    tool: db_dump\n  - type: SANDBOX_EXEC\n    tool: probe\n"
	rt := NewRuntime(RuntimeOptions{Dir: dir})
	res, err := Run(ctx(), RunOptions{Dir: dir, Plan: PlanSource{File: writePlan(t, plan)}, Runtime: rt})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("rejected: %+v %+v", res.Report.Violations, res.Record.Jobs)
	}
	dump, err := os.ReadFile(filepath.Join(backups, "backup-1.0", "site.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(dump, []byte("INSERT INTO `wp_posts` VALUES")) || !bytes.Contains(dump, []byte("Hello from the rescued site")) {
		t.Errorf("the dump lacks the row:\n%.500s", dump)
	}
	for p, want := range map[string]os.FileMode{backups: 0o700, filepath.Join(backups, "backup-1.0"): 0o700, filepath.Join(backups, "backup-1.0", "site.sql"): 0o600} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", p, fi.Mode().Perm(), err, want)
		}
	}
	if ents, _ := os.ReadDir(backups); len(ents) != 1 {
		t.Errorf("backups holds %d entries, want the export alone", len(ents))
	}
	// The dump is in no commit and in no run record.
	if out := git(t, dir, "log", "--all", "--format=", "--name-only"); strings.Contains(out, "site.sql") {
		t.Errorf("the dump is in history:\n%s", out)
	}
	if rec := git(t, dir, "show", "aos/backup-1:.aos/runs/backup-1.json"); strings.Contains(rec, "Hello from the rescued site") {
		t.Error("the run record holds the dump")
	}
	// What the probe saw: the granted socket alone, no TCP, no export
	// directory (it has none), not the host's backups.
	tail := strings.Join(res.Record.Jobs[1].Tail, "\n")
	lines := res.Record.Jobs[1].Tail
	if len(lines) < 4 || lines[0] != "mysqld.sock" || strings.Contains(tail, "other.sock") || !strings.Contains(tail, "no-export") || !strings.Contains(tail, "no-backups") {
		t.Errorf("the sandbox saw more of the host than granted:\n%s", tail)
	}

	// The same plan again, on a fresh repository: the export goes beside
	// the first, never over it.
	dir2 := newRepo(t, map[string]string{"aos.yaml": manifest, "wp-content/index.php": "<?php\n"})
	if res, err := Run(ctx(), RunOptions{Dir: dir2, Plan: PlanSource{File: writePlan(t, plan)}, Runtime: NewRuntime(RuntimeOptions{Dir: dir2})}); err != nil || !res.OK() {
		t.Fatalf("second run: %v %+v", err, res)
	}
	if _, err := os.Stat(filepath.Join(backups, "backup-1.0-2", "site.sql")); err != nil {
		t.Errorf("the second export: %v", err)
	}

	// Grants that cannot be kept: nothing runs.
	notSock := filepath.Join(filepath.Dir(db.socket), "fake.sock")
	os.WriteFile(notSock, nil, 0o644)
	link := filepath.Join(filepath.Dir(db.socket), "link.sock")
	os.Symlink(db.socket, link)
	for _, tc := range []struct{ name, tool, rule string }{
		{"a regular file as a socket", fmt.Sprintf("command: \"true\"\n    sockets: [%s]", notSock), "sandbox.unavailable"},
		{"a symlink to the socket", fmt.Sprintf("command: \"true\"\n    sockets: [%s]", link), "sandbox.unavailable"},
		{"an export into the repository", "command: \"true\"\n    export: {to: REPO/backups}", "tools.export"},
		{"an export that leaves a symlink", fmt.Sprintf("command: \"ln -s /etc/passwd /export/x\"\n    export: {to: %s}", backups), "tools.export"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := "project: {name: dump}\nworkspace: {writable: [x/**]}\nenvironment: {type: bwrap}\ntools:\n  t:\n    " + tc.tool + "\n"
			d := newRepo(t, map[string]string{"aos.yaml": "project: {name: x}\n", "x/a": "a\n"})
			m = strings.ReplaceAll(m, "REPO", d)
			commitFiles(t, d, "manifest", map[string]string{"aos.yaml": m})
			p := "version: 1\nid: t-1\ngoal: grant\ndirectives:\n  - type: SANDBOX_EXEC\n    tool: t\n"
			res, err := Run(ctx(), RunOptions{Dir: d, Plan: PlanSource{File: writePlan(t, p)}, Runtime: NewRuntime(RuntimeOptions{Dir: d})})
			if err != nil {
				t.Fatal(err)
			}
			if res.OK() || len(res.Report.Violations) == 0 || string(res.Report.Violations[0].Rule) != tc.rule {
				t.Fatalf("want %s, got %+v", tc.rule, res.Report.Violations)
			}
			if _, err := os.Stat(filepath.Join(d, "backups")); err == nil {
				t.Error("an export was made in the repository")
			}
		})
	}
	if ents, _ := os.ReadDir(backups); len(ents) != 2 {
		t.Errorf("backups holds %d entries after the refused export, want 2", len(ents))
	}
}

// TestRescueInitDatabase: rescuewp init --db-socket gives the manifest a
// db_dump tool that backs the site's database up from a plan, through
// the socket alone, into the backups directory; names that would mean
// something to YAML or the shell are refused.
func TestRescueInitDatabase(t *testing.T) {
	t.Parallel()
	db := startMariaDB(t)
	db.sql(t, "CREATE DATABASE wp_site; CREATE TABLE wp_site.wp_options (option_name VARCHAR(64), option_value TEXT); INSERT INTO wp_site.wp_options VALUES ('blogname', 'Rescued blog');")
	site := filepath.Join(t.TempDir(), "site")
	for p, c := range map[string]string{
		"wp-includes/version.php": "<?php\n$wp_version = '6.1.9';\n",
		"wp-config.php":           "<?php\ndefine( 'DB_NAME', 'wp_site' );\ndefine( 'DB_HOST', 'localhost' );\n",
		"wp-content/index.php":    "<?php\n",
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(site, p)), 0o755)
		os.WriteFile(filepath.Join(site, p), []byte(c), 0o644)
	}
	for _, bad := range []RescueInitOptions{
		{DBSocket: db.socket, DBName: "x; rm -rf /"},
		{DBSocket: "relative.sock"},
		{DBSocket: db.socket, Backups: "/var/backups/../etc"},
		{DBSocket: db.socket, DBUser: "root --password=x"},
	} {
		bad.Dir = site
		if _, err := RescueInit(ctx(), bad); !errors.Is(err, aos.ErrUsage) {
			t.Errorf("%+v: %v, want a usage error", bad, err)
		}
	}
	if _, err := os.Stat(filepath.Join(site, ".git")); err == nil {
		t.Fatal("a refused init made a repository")
	}
	backups := filepath.Join(t.TempDir(), "backups")
	if _, err := RescueInit(ctx(), RescueInitOptions{Dir: site, DBSocket: db.socket, Backups: backups}); err != nil {
		t.Fatal(err)
	}
	git(t, site, "config", "user.name", "Operator")
	git(t, site, "config", "user.email", "op@example.com")
	plan := "version: 1\nid: backup-db\ngoal: Back up the database before the rescue\ndirectives:\n  - type: SANDBOX_EXEC\n    tool: db_dump\n"
	res, err := Run(ctx(), RunOptions{Dir: site, Plan: PlanSource{File: writePlan(t, plan)}, Runtime: NewRuntime(RuntimeOptions{Dir: site})})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("rejected: %+v %+v", res.Report.Violations, res.Record.Jobs)
	}
	dump, err := os.ReadFile(filepath.Join(backups, "backup-db.0", "wp_site.sql"))
	if err != nil || !bytes.Contains(dump, []byte("'blogname','Rescued blog'")) {
		t.Fatalf("dump: %v\n%.400s", err, dump)
	}
	if out := git(t, site, "log", "--all", "--format=", "--name-only"); strings.Contains(out, ".sql") {
		t.Errorf("the dump is in history:\n%s", out)
	}
}
