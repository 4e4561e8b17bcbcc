// Command git-aos is ArchitectOS, the git extension that lets AI agents
// change repositories only through manifest-checked plans. Run it as
// "git aos"; see "git aos --help" and docs/spec.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/architectos/aos/validators"
)

func main() {
	if validators.IsChild() {
		// A sandbox process running one validator module for a parent
		// git-aos (docs/validators.md, "Isolation").
		os.Exit(validators.ChildMain(os.Stdin, os.Stdout, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
