//go:build !unix

package runcmd

import (
	"os/exec"
	"time"
)

// setProcessGroup only bounds the wait where process groups do not exist.
func setProcessGroup(cmd *exec.Cmd) { cmd.WaitDelay = 5 * time.Second }
