//go:build race

package main

// raceEnabled: the tests run under the race detector, where the process
// end-to-end tests that kill and restart the binary skip.
const raceEnabled = true
