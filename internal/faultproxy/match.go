package faultproxy

import (
	"bytes"
	"net/http"
	"sync/atomic"
)

// Nth matches exactly the requests numbered ns (1-based, at the proxy).
func Nth(ns ...int) Match {
	set := make(map[int]bool, len(ns))
	for _, n := range ns {
		set[n] = true
	}
	return func(n int, _ *http.Request, _ []byte) bool { return set[n] }
}

// Every matches every k-th request: k, 2k, 3k, …; nothing when k < 1.
func Every(k int) Match {
	return func(n int, _ *http.Request, _ []byte) bool { return k >= 1 && n%k == 0 }
}

// BodyContains matches the requests whose body contains s.
func BodyContains(s string) Match {
	sub := []byte(s)
	return func(_ int, _ *http.Request, body []byte) bool { return bytes.Contains(body, sub) }
}

// And matches the requests both a and b match. b is asked only when a
// matched, so And(when, Times(k, other)) counts only requests when matched.
func And(a, b Match) Match {
	return func(n int, r *http.Request, body []byte) bool {
		return a(n, r, body) && b(n, r, body)
	}
}

// Times matches the requests when matches, at most k times in total. The
// count belongs to the returned Match: give each Fault its own call of
// Times. A fault fires whenever its Match matches, so Times(k, when) as a
// Fault's When fires at most k times.
func Times(k int, when Match) Match {
	var fired atomic.Int64
	limit := int64(k)
	return func(n int, r *http.Request, body []byte) bool {
		if fired.Load() >= limit || !when(n, r, body) {
			return false
		}
		for {
			c := fired.Load()
			if c >= limit {
				return false
			}
			if fired.CompareAndSwap(c, c+1) {
				return true
			}
		}
	}
}
