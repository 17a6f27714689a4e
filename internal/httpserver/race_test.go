//go:build race

package httpserver_test

// raceEnabled: the tests run under the race detector, where the browser
// tests skip.
const raceEnabled = true
