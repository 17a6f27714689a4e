package httpx

import (
	"sync"
	"time"
)

// Limiter is a token bucket: rps tokens a second, at most burst at once.
// The vendor APIs keep one per tenant and API block
// (docs/record-model.md §4.F).
type Limiter struct {
	mu     sync.Mutex
	rps    float64
	burst  float64
	tokens float64
	last   time.Time
}

// NewLimiter returns a full bucket.
func NewLimiter(rps float64, burst int) *Limiter {
	return &Limiter{rps: rps, burst: float64(burst), tokens: float64(burst)}
}

// Allow takes a token at now, reporting whether there was one.
func (l *Limiter) Allow(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rps)
	}
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}
