//go:build unix

package runcmd

import (
	"os/exec"
	"syscall"
	"time"
)

// setProcessGroup puts the task in its own process group so that a
// cancelled run stops the whole tree it started (sh, the tool, its children).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		pgid := cmd.Process.Pid
		err := syscall.Kill(-pgid, syscall.SIGTERM)
		go func() {
			time.Sleep(3 * time.Second)
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}()
		return err
	}
	// Close the output pipe even when a background child keeps it open.
	cmd.WaitDelay = 5 * time.Second
}
