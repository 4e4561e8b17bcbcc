// Package objdamage damages the loose objects of a git repository for the
// tests that prove git-aos fails closed, naming the object, when its
// repository is broken.
package objdamage

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Ways lists the damages [Loose] makes.
var Ways = []string{"garbage", "truncated", "swapped", "missing"}

// Loose damages the loose object id of the repository whose working tree
// is dir in one of the ways a disk or a person does: garbage, a truncated
// file, another object's file in its place (a well-formed object of the
// same kind whose content, and so whose id, is another's), or no file.
func Loose(t testing.TB, dir, id, how string) {
	t.Helper()
	p := filepath.Join(dir, ".git", "objects", id[:2], id[2:])
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%s is not a loose object: %v", id, err)
	}
	os.Chmod(p, 0o644)
	switch how {
	case "garbage":
		data = []byte("not a git object at all")
	case "truncated":
		data = data[:len(data)/2]
	case "swapped":
		kind := git(t, dir, "cat-file", "-t", id)
		body := []byte(git(t, dir, "cat-file", kind, id) + "\nchanged\n")
		var b bytes.Buffer
		zw := zlib.NewWriter(&b)
		fmt.Fprintf(zw, "%s %d\x00", kind, len(body))
		zw.Write(body)
		zw.Close()
		data = b.Bytes()
	case "missing":
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		return
	default:
		t.Fatalf("unknown damage %q", how)
	}
	if err := os.WriteFile(p, data, 0o444); err != nil {
		t.Fatal(err)
	}
}

func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}
