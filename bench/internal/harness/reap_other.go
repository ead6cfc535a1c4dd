//go:build !linux

package harness

import "time"

// becomeSubreaper does nothing here: only Linux adopts orphans for us, so
// CPU time elsewhere counts only what the command itself waited for.
func becomeSubreaper() (bool, error) { return false, nil }

func reapOrphans(time.Duration) (time.Duration, error) { return 0, nil }
