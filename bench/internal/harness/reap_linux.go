package harness

import (
	"errors"
	"fmt"
	"syscall"
	"time"
)

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER from linux/prctl.h.
const prSetChildSubreaper = 36

// becomeSubreaper makes this process adopt its orphaned descendants.
func becomeSubreaper() (bool, error) {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		return false, fmt.Errorf("prctl(PR_SET_CHILD_SUBREAPER): %w", errno)
	}
	return true, nil
}

// reapOrphans waits for every adopted descendant left after a command
// exited, up to limit, and returns their CPU time. It fails if one still
// runs at the limit: its work would leak into the next measurement.
func reapOrphans(limit time.Duration) (time.Duration, error) {
	var total time.Duration
	deadline := time.Now().Add(limit)
	for {
		var ws syscall.WaitStatus
		var ru syscall.Rusage
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, &ru)
		switch {
		case errors.Is(err, syscall.ECHILD):
			return total, nil
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil:
			return total, fmt.Errorf("reap descendants: %w", err)
		case pid > 0:
			total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			continue
		}
		if time.Now().After(deadline) {
			return total, fmt.Errorf("a descendant process still runs %s after the command exited", limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
