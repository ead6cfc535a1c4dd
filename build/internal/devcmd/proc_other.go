//go:build !unix

package devcmd

import (
	"os"
	"os/exec"
)

func setProcAttr(*exec.Cmd) {}

func interrupt(cmd *exec.Cmd) { _ = cmd.Process.Signal(os.Interrupt) }

func kill(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
