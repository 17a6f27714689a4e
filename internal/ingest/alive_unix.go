//go:build unix

package ingest

import (
	"errors"
	"syscall"
)

// ProcessAlive reports whether a process with the PID runs on this host
// (signal 0 reaches it, or it exists but belongs to another user), for
// Runner.Alive.
func ProcessAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
