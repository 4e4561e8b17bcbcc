// Package demo is the example that git aos demo runs ([Run]): a small
// WordPress site with the RescueWP manifest of the whitepaper (section
// 10.2) and three plans: one that oversteps the manifest, one that stays
// inside it but smuggles in a web shell the validators catch, and one that
// rescues the site.
package demo

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

//go:embed rescuewp
var files embed.FS

// Plans are the example's plan files, in the order the demo runs them.
var Plans = []string{"overreach.yaml", "shortcut.yaml", "rescue.yaml"}

// WriteSite writes the example site into dir, with the manifest's
// environment.type set to envType.
func WriteSite(dir, envType string) error {
	site, err := fs.Sub(files, "rescuewp/site")
	if err != nil {
		return err
	}
	return fs.WalkDir(site, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := fs.ReadFile(site, p)
		if err != nil {
			return err
		}
		if p == "aos.yaml" {
			b = []byte(strings.Replace(string(b), "ENVIRONMENT_TYPE", envType, 1))
		}
		return os.WriteFile(dst, b, 0o644)
	})
}

// Plan returns the content of one of [Plans].
func Plan(name string) ([]byte, error) {
	b, err := files.ReadFile("rescuewp/plans/" + name)
	if err != nil {
		return nil, fmt.Errorf("demo plan %s: %w", name, err)
	}
	return b, nil
}
