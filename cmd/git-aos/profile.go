package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
)

// startProfile writes a CPU profile of this process to the file named by
// AOS_CPUPROFILE, when it is set, and returns the function that ends it;
// "%p" in the name is replaced by the process id, since one git push runs
// more than one git-aos (the pre-receive and post-receive hooks). It is
// for profiling the commands that only run as children of git, such as
// the hooks under a real push:
//
//	AOS_CPUPROFILE=/tmp/hook-%p.prof git push ...
//	go tool pprof -top git-aos /tmp/hook-*.prof
//
// The variable is a developer's tool, not a user's setting, and is not
// in the user documentation. A file that cannot be created is reported
// on stderr and the command runs unprofiled.
func startProfile() func() {
	name := os.Getenv("AOS_CPUPROFILE")
	if name == "" {
		return func() {}
	}
	f, err := os.Create(strings.ReplaceAll(name, "%p", strconv.Itoa(os.Getpid())))
	if err != nil {
		fmt.Fprintf(os.Stderr, "git-aos: warning: cpu profile: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "git-aos: warning: cpu profile: %v\n", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
