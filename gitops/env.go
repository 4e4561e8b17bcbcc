package gitops

import "os"

func environ() []string { return os.Environ() }

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
