//go:build !unix

package ingest

// ProcessAlive reports every process as running where it cannot tell, so
// that no lease is taken over before it expires.
func ProcessAlive(pid int) bool { return true }
