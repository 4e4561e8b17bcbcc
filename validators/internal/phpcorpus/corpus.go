// Package phpcorpus finds the clean PHP applications the tests read:
// WordPress (Debian's wordpress package, /usr/share/wordpress), MediaWiki
// and phpMyAdmin (Debian's mediawiki and phpmyadmin packages, unpacked by
// scripts/test.sh under $AOS_PHP_CORPUS, by default /var/tmp/aos-php-corpus).
package phpcorpus

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// Tree is one application's tree.
type Tree struct {
	Name string // wordpress, mediawiki, phpmyadmin
	Root string
}

// Dir returns the directory scripts/test.sh unpacks packages into.
func Dir() string {
	if d := os.Getenv("AOS_PHP_CORPUS"); d != "" {
		return d
	}
	return "/var/tmp/aos-php-corpus"
}

// Trees returns the three trees, failing t if one is missing.
func Trees(t testing.TB) []Tree {
	t.Helper()
	trees := []Tree{
		{"wordpress", "/usr/share/wordpress"},
		{"mediawiki", filepath.Join(Dir(), "mediawiki", "usr/share/mediawiki")},
		{"phpmyadmin", filepath.Join(Dir(), "phpmyadmin", "usr/share/phpmyadmin")},
	}
	for _, tr := range trees {
		if _, err := os.Stat(tr.Root); err != nil {
			t.Fatalf("%s is missing (sh scripts/test.sh installs it): %v", tr.Name, err)
		}
	}
	return trees
}

// File is a file of a tree.
type File struct {
	Path string // on disk
	Rel  string // relative to the tree's root, /-separated
}

// Files returns the regular files under root whose relative path keep
// accepts, following symbolic links to files (Debian links bundled
// libraries into its trees), sorted.
func Files(root string, keep func(rel string) bool) ([]File, error) {
	var out []File
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !keep(rel) {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			fi, err := os.Stat(p)
			if err != nil || !fi.Mode().IsRegular() {
				return nil // dangling, or a directory link
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		out = append(out, File{Path: p, Rel: rel})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", root, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rel < out[j].Rel })
	return out, nil
}
