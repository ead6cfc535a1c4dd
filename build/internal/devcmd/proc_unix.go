//go:build unix

package devcmd

import (
	"os/exec"
	"syscall"
)

// setProcAttr gives the program its own process group, so that Ctrl-C
// reaches mono alone and mono stops the programs in order, and (on Linux)
// asks the kernel to end the program if mono dies.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
}

func interrupt(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }

func kill(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
