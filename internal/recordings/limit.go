package recordings

import (
	"context"
	"io"
	"strings"
	"sync"
	"time"
)

// Bucket is a token bucket over bytes: it refills at Rate bytes a second
// up to Burst, and a reader takes the bytes it read from it, waiting when
// that leaves the bucket in debt until the debt is repaid. Its methods are
// safe for concurrent use; the waits of concurrent readers queue up, so
// that together they read at Rate.
type Bucket struct {
	rate  float64 // bytes per second
	burst float64
	now   func() time.Time

	mu     sync.Mutex
	tokens float64 // negative: debt
	last   time.Time
}

// NewBucket returns a full bucket of burst bytes refilling at rate bytes
// a second, reading the time from now (time.Now when nil).
func NewBucket(rate, burst int64, now func() time.Time) *Bucket {
	if now == nil {
		now = time.Now
	}
	return &Bucket{rate: float64(rate), burst: float64(burst), now: now, tokens: float64(burst), last: now()}
}

// Take takes n bytes from the bucket and returns how long the caller must
// wait before using them (0 when the bucket held them).
func (b *Bucket) Take(n int) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.burst, b.tokens+d.Seconds()*b.rate)
		b.last = now
	}
	b.tokens -= float64(n)
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// Wait takes n bytes, waiting as long as Take says or until ctx ends.
func (b *Bucket) Wait(ctx context.Context, n int) error {
	d := b.Take(n)
	if d <= 0 {
		return ctx.Err()
	}
	return sleep(ctx, d)
}

// limitedReader reads through a Bucket: each read takes the bytes it read,
// reads at most a Bucket's burst at once.
type limitedReader struct {
	ctx   context.Context
	r     io.Reader
	b     *Bucket
	chunk int
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if len(p) > l.chunk {
		p = p[:l.chunk]
	}
	n, err := l.r.Read(p)
	if n > 0 {
		if werr := l.b.Wait(l.ctx, n); werr != nil && err == nil {
			err = werr
		}
	}
	return n, err
}

// hostLimits keeps one Bucket per host, shared by every tenant and
// goroutine reading from it.
type hostLimits struct {
	rate int64 // bytes per second; 0 is no limit
	now  func() time.Time

	mu sync.Mutex
	m  map[string]*Bucket
}

// reader returns r limited to the rate of host, or r when there is no
// limit.
func (h *hostLimits) reader(ctx context.Context, host string, r io.Reader) io.Reader {
	if h.rate <= 0 {
		return r
	}
	host = strings.ToLower(host)
	h.mu.Lock()
	b := h.m[host]
	if b == nil {
		if h.m == nil {
			h.m = make(map[string]*Bucket)
		}
		b = NewBucket(h.rate, burstOf(h.rate), h.now)
		h.m[host] = b
	}
	h.mu.Unlock()
	return &limitedReader{ctx: ctx, r: r, b: b, chunk: int(burstOf(h.rate))}
}

// burstOf is the burst of a host's bucket: a tenth of a second of its
// rate, at least 4 KiB and at most the copy buffer.
func burstOf(rate int64) int64 {
	return min(max(rate/10, 4<<10), bufSize)
}
