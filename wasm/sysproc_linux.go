package wasm

import (
	"os/exec"
	"syscall"
)

// setChildAttrs makes the kernel kill a sandbox process when the host
// process dies.
func setChildAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
