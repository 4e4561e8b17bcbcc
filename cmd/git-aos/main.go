// Command git-aos is ArchitectOS, the git extension that lets AI agents
// change repositories only through manifest-checked plans. Run it as
// "git aos"; see "git aos --help" and docs/spec.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
