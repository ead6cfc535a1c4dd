//go:build unix && !linux

package devcmd

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}
