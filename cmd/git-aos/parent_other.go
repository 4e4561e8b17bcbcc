//go:build !linux

package main

// followGitParent does nothing where parent-death signals do not exist.
func followGitParent() {}
