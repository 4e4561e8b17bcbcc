// Command git-aos is ArchitectOS, the git extension that lets AI agents
// change repositories only through manifest-checked plans. Run it as
// "git aos"; see "git aos --help" and docs/spec.md.
//
// It is the command-line front end of the use cases in packages workflow
// and hooks: each command parses its flags into options, makes one call,
// and renders the result with package report.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/architectos/aos/workflow"
)

func main() {
	if workflow.IsSandboxChild() {
		// A sandbox process running one validator module for a parent
		// git-aos (docs/validators.md, "Isolation").
		os.Exit(workflow.SandboxChildMain(os.Stdin, os.Stdout, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	followGitParent()
	endProfile := startProfile()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	endProfile()
	stop()
	os.Exit(code)
}
