//go:build unix

package smime

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system) the test process has used:
// on a busy machine it measures the work itself, where wall time measures
// the waiting for a core too.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
