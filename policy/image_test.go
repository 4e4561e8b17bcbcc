package policy

import (
	"strings"
	"testing"
)

func TestCheckImage(t *testing.T) {
	t.Parallel()
	digest := "sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, ok := range []string{
		"busybox", "busybox:latest", "library/busybox:1.36", "example/env:latest",
		"localhost/aos-test-busybox:1", "docker.io/library/node:20-slim",
		"registry.example.com:5000/team/env:v1.2.3", "ghcr.io/o/r/sub__x.y-z:tag_1",
		"example/env@" + digest, "example/env:1@" + digest, digest,
		"docker.io/library/dir:1", "localhost/oci:2",
	} {
		if err := CheckImage(ok); err != nil {
			t.Errorf("CheckImage(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{
		"", "docker-archive:/tmp/x.tar", "docker-archive:x.tar", "oci-archive:/etc/img.tar",
		"oci:/srv/layout:tag", "dir:/etc", "dir:env", "DIR:/etc", "containers-storage:[overlay@/var/lib/x+/run/x]img",
		"containers-storage:img", "docker://busybox", "docker:busybox", "docker-daemon:busybox:latest",
		"ostree:img@/ostree/repo", "sif:/tmp/x.sif", "tarball:/tmp/x.tar",
		"-v", "--privileged", "busybox --privileged", "busybox\n", "Busybox", "busybox:", ":tag",
		"busybox:-tag", "a//b", "/abs/path", "../x", "busybox@sha256:abc", "example/env@md5:" + digest[7:],
		"host:port/x", "a:b:c", "x y",
	} {
		if err := CheckImage(bad); err == nil {
			t.Errorf("CheckImage(%q) accepts it", bad)
		}
	}
}

// FuzzCheckImage checks that no reference CheckImage accepts could be
// read by the engine as an option or a transport: it starts with a
// lowercase letter, digit or registry host, holds no space or control
// character, and its part before the first ':' is no transport.
func FuzzCheckImage(f *testing.F) {
	for _, s := range []string{"busybox:1", "docker-archive:/x", "localhost:5000/a/b:c@sha256:" + strings.Repeat("0", 64), "dir:x", "-v"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckImage(s) != nil {
			return
		}
		if s == "" || s[0] == '-' || strings.ContainsAny(s, " \t\n\r\x00") {
			t.Fatalf("accepted %q", s)
		}
		if i := strings.IndexByte(s, ':'); i > 0 && !strings.Contains(s[:i], "/") {
			for _, tr := range imageTransports {
				if strings.EqualFold(s[:i], tr) {
					t.Fatalf("accepted transport %q", s)
				}
			}
		}
	})
}
