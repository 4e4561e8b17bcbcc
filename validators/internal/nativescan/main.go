// Command nativescan runs one built-in validator's checks, compiled
// natively, over the files under its arguments, and prints how many
// findings it made. It is the native side of scripts/bench-scan.sh, which
// compares it with "git aos validate" running the same checks as the
// built-in WebAssembly module, whole process included; it is not shipped.
//
//	nativescan BUILTIN DIR...
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/architectos/aos/validators/rules"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: nativescan BUILTIN DIR...")
		os.Exit(2)
	}
	c, err := rules.NewChecker(os.Args[1], nil, nil, rules.Parsers{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	n := 0
	for _, root := range os.Args[2:] {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == ".git" {
				return filepath.SkipDir
			}
			if !d.Type().IsRegular() {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			if !rules.Wants(os.Args[1], filepath.ToSlash(rel)) {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			n += len(c.Check(filepath.ToSlash(rel), data))
			return nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	fmt.Println(n, "findings")
}
