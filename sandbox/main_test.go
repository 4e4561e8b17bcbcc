package sandbox

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/architectos/aos"
)

// testImage is the busybox image the container tests run, built by
// TestMain from the host's busybox-static when it is missing.
const testImage = "localhost/aos-test-busybox:1"

// testRuntime is the OCI runtime the container tests ask for: crun fails on
// cgroup v1 hosts where runc works.
const testRuntime = "runc"

// imageErr is why the test image could not be built, if it could not.
var imageErr error

func TestMain(m *testing.M) {
	if os.Getenv(killChildEnv) != "" {
		os.Exit(killChildMain())
	}
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "aos-sandbox-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	// Podman's default file limit cannot be set where the hard limit is
	// lower; an empty default_ulimits keeps the caller's.
	conf := filepath.Join(tmp, "containers.conf")
	if err := os.WriteFile(conf, []byte("[containers]\ndefault_ulimits = []\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.Setenv("CONTAINERS_CONF", conf)
	imageErr = buildTestImage(tmp)
	return m.Run()
}

// buildTestImage imports a one-binary busybox root file system as testImage
// unless podman already has it.
func buildTestImage(tmp string) error {
	podman, err := exec.LookPath("podman")
	if err != nil {
		return fmt.Errorf("podman is not installed: apt-get install podman runc")
	}
	if exec.Command(podman, "image", "exists", testImage).Run() == nil {
		return nil
	}
	bb, err := os.ReadFile("/usr/bin/busybox")
	if err != nil {
		return fmt.Errorf("busybox is not installed: apt-get install busybox-static: %w", err)
	}
	out, err := exec.Command("/usr/bin/busybox", "--list").Output()
	if err != nil {
		return fmt.Errorf("busybox --list: %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []string{"bin/", "tmp/", "etc/", "root/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755}); err != nil {
			return err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: int64(len(bb))}); err != nil {
		return err
	}
	if _, err := tw.Write(bb); err != nil {
		return err
	}
	for _, a := range strings.Fields(string(out)) {
		if a == "busybox" {
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777}); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	tarball := filepath.Join(tmp, "rootfs.tar")
	if err := os.WriteFile(tarball, buf.Bytes(), 0o644); err != nil {
		return err
	}
	if out, err := exec.Command(podman, "import", tarball, testImage).CombinedOutput(); err != nil {
		return fmt.Errorf("podman import: %v: %s", err, out)
	}
	return nil
}

// backend is one sandbox backend under test.
type backend struct {
	name    string
	env     aos.Environment
	tool    string // program the backend needs
	install string // how to install it
	isolate bool   // isolates files and network
}

func backends() []backend {
	return []backend{
		{name: "bwrap", env: aos.Environment{Type: "bwrap"}, tool: "bwrap", install: "apt-get install bubblewrap", isolate: true},
		{name: "podman", env: aos.Environment{Type: "podman", Image: testImage}, tool: "podman", install: "apt-get install podman runc busybox-static", isolate: true},
		{name: "host", env: aos.Environment{Type: "host"}},
	}
}

// require fails t, saying what to install, when b cannot run here.
func (b backend) require(t testing.TB) {
	t.Helper()
	if b.tool != "" {
		if _, err := exec.LookPath(b.tool); err != nil {
			t.Fatalf("%s is not installed: %s", b.tool, b.install)
		}
	}
	if b.name == "podman" && imageErr != nil {
		t.Fatalf("test image %s: %v", testImage, imageErr)
	}
}

// spec returns a Spec for b with a fresh workspace and generous limits.
func (b backend) spec(t testing.TB, command string, args ...string) Spec {
	t.Helper()
	b.require(t)
	return Spec{
		Name:       strings.ReplaceAll(t.Name(), "/", "."),
		Env:        b.env,
		Dir:        t.TempDir(),
		MountPoint: "/workspace",
		Command:    command,
		Args:       args,
		Timeout:    60 * time.Second,
		MaxOutput:  1 << 20,
		Runtime:    testRuntime,
	}
}

// workspacePath is where a job of b sees its workspace.
func (b backend) workspacePath(s Spec) string {
	if b.name == "host" {
		return s.Dir
	}
	return s.MountPoint
}

func mustRun(t testing.TB, s Spec) Result {
	t.Helper()
	res, err := Run(context.Background(), s)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}
