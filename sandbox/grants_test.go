package sandbox

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/architectos/aos"
)

// grantDir returns a directory outside /tmp (which every sandbox gets
// fresh) holding a granted socket and one that is not granted.
func grantDir(t *testing.T) (dir, granted string) {
	t.Helper()
	dir, err := os.MkdirTemp("/var/tmp", "aos-grant-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	granted = filepath.Join(dir, "db.sock")
	for _, p := range []string{granted, filepath.Join(dir, "other.sock")} {
		l, err := net.Listen("unix", p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
	}
	return dir, granted
}

// TestGrants: a granted socket appears in the sandbox at its path, alone
// of its directory; the export directory is the only writable place of
// the host the job sees, at its mount.
func TestGrants(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"bwrap", "podman"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := backendNamed(t, name)
			dir, sock := grantDir(t)
			export := t.TempDir()
			s := b.spec(t, `test -S `+sock+` && echo socket; ls -A `+dir+`; echo dumped > /export/site.sql; ls -A /export`)
			s.Sockets = []string{sock}
			s.Export, s.ExportMount = export, "/export"
			res := mustRun(t, s)
			if res.ExitCode != 0 {
				t.Fatalf("exit %d:\n%s", res.ExitCode, res.Output)
			}
			if got := strings.TrimSpace(string(res.Output)); got != "socket\ndb.sock\nsite.sql" {
				t.Errorf("the job saw:\n%s\nwant the granted socket alone, and its export", got)
			}
			if b, err := os.ReadFile(filepath.Join(export, "site.sql")); err != nil || string(b) != "dumped\n" {
				t.Errorf("export: %q %v", b, err)
			}
		})
	}
}

// TestGrantsRefused: a socket that is not one, a symlink to one, a path
// under what the sandbox provides, and an export on the host backend
// keep the job from running.
func TestGrantsRefused(t *testing.T) {
	t.Parallel()
	dir, sock := grantDir(t)
	file := filepath.Join(dir, "file.sock")
	link := filepath.Join(dir, "link.sock")
	os.WriteFile(file, nil, 0o644)
	os.Symlink(sock, link)
	ws := t.TempDir()
	good := Spec{Name: "g", Env: aos.Environment{Type: "bwrap"}, Dir: ws, MountPoint: "/workspace", Command: "true", Timeout: time.Minute, MaxOutput: 1024}
	for _, tc := range []struct {
		name   string
		change func(*Spec)
	}{
		{"a regular file", func(s *Spec) { s.Sockets = []string{file} }},
		{"a symlink to a socket", func(s *Spec) { s.Sockets = []string{link} }},
		{"a directory", func(s *Spec) { s.Sockets = []string{dir} }},
		{"missing", func(s *Spec) { s.Sockets = []string{filepath.Join(dir, "none.sock")} }},
		{"relative", func(s *Spec) { s.Sockets = []string{"db.sock"} }},
		{"unclean", func(s *Spec) { s.Sockets = []string{dir + "/../" + filepath.Base(dir) + "/db.sock"} }},
		{"under /proc", func(s *Spec) { s.Sockets = []string{"/proc/self/fd/0"} }},
		{"under /tmp", func(s *Spec) { s.Sockets = []string{"/tmp/x.sock"} }},
		{"export on the host backend", func(s *Spec) { s.Env.Type = "host"; s.Export, s.ExportMount = t.TempDir(), "/export" }},
		{"export mount relative", func(s *Spec) { s.Export, s.ExportMount = t.TempDir(), "export" }},
		{"export missing", func(s *Spec) { s.Export, s.ExportMount = filepath.Join(dir, "none"), "/export" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := good
			tc.change(&s)
			if _, err := Run(context.Background(), s); !errors.Is(err, ErrBadSpec) {
				t.Errorf("error %v, want a bad spec", err)
			}
		})
	}
	s := good
	s.Sockets = []string{sock}
	if res, err := Run(context.Background(), s); err != nil || res.ExitCode != 0 {
		t.Errorf("the good grant: %v %+v", err, res)
	}
}

// TestChangedFilesVariable: AOS_CHANGED_FILES names the list git-aos
// wrote, whatever the manifest's variables say, and the list is
// read-only in the sandbox.
func TestChangedFilesVariable(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"bwrap", "podman", "host"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := backendNamed(t, name)
			list := filepath.Join(t.TempDir(), "changed")
			if err := os.WriteFile(list, []byte("a.php\x00b c.php\x00"), 0o444); err != nil {
				t.Fatal(err)
			}
			s := b.spec(t, `echo "$AOS_CHANGED_FILES"; xargs -0 -n 1 echo < "$AOS_CHANGED_FILES"; if (echo x >> "$AOS_CHANGED_FILES") 2>/dev/null; then echo writable; fi`)
			s.Env.Variables = map[string]string{"AOS_CHANGED_FILES": "/etc/passwd"}
			s.Changed = list
			res := mustRun(t, s)
			want := ChangedPath + "\na.php\nb c.php"
			if name == "host" {
				want = list + "\na.php\nb c.php"
				if os.Geteuid() == 0 {
					want += "\nwritable" // root writes where it likes; the host isolates nothing
				}
			}
			if got := strings.TrimSpace(string(res.Output)); res.ExitCode != 0 || got != want {
				t.Errorf("exit %d, output:\n%s\nwant:\n%s", res.ExitCode, got, want)
			}
		})
	}
}
