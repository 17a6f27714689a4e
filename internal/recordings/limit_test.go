package recordings

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/clocktest"
)

// newFakeClock is the tests' clock, stopped at 2026-06-01T12:00Z.
func newFakeClock() *clocktest.Clock {
	return clocktest.New(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
}

func TestBucket(t *testing.T) {
	clk := newFakeClock()
	b := NewBucket(1000, 500, clk.Now) // 1000 B/s, burst 500
	steps := []struct {
		advance time.Duration
		take    int
		wait    time.Duration
	}{
		{0, 500, 0},                      // the burst
		{0, 100, 100 * time.Millisecond}, // in debt 100
		{100 * time.Millisecond, 100, 100 * time.Millisecond}, // repaid, 100 more
		{0, 1000, 1100 * time.Millisecond},                    // debts add up
		{1100 * time.Millisecond, 0, 0},                       // repaid
		{time.Hour, 500, 0},                                   // refilled to the burst only
		{0, 1, time.Millisecond},
	}
	for i, s := range steps {
		clk.Add(s.advance)
		if got := b.Take(s.take); got != s.wait {
			t.Fatalf("step %d: Take(%d) = %v, want %v", i, s.take, got, s.wait)
		}
	}
}

// TestBucketRate: over a simulated minute of readers taking chunks and
// waiting as told, the bytes taken match the rate.
func TestBucketRate(t *testing.T) {
	clk := newFakeClock()
	const rate = 10_000
	b := NewBucket(rate, 2000, clk.Now)
	start := clk.Now()
	var total int
	for clk.Now().Sub(start) < time.Minute {
		total += 1500
		clk.Add(b.Take(1500))
	}
	elapsed := clk.Now().Sub(start).Seconds()
	if got := float64(total) / elapsed; got > rate*1.05 || got < rate*0.95 {
		t.Errorf("read at %.0f B/s, want about %d", got, rate)
	}
}

// TestHostLimits: one bucket per host, whatever reads from it; a real
// clock, with a generous tolerance.
func TestHostLimits(t *testing.T) {
	h := &hostLimits{rate: 200_000} // 200 kB/s; a burst of 20 kB
	ctx := context.Background()
	data := make([]byte, 60_000)
	start := time.Now()
	var wg sync.WaitGroup
	for range 2 { // two readers of one host: 120 kB, at least 0.5 s
		wg.Go(func() { io.Copy(io.Discard, h.reader(ctx, "Rec.Example.com", bytes.NewReader(data))) })
	}
	wg.Wait()
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("two readers of one host read 120 kB at 200 kB/s in %v", d)
	}
	// Another host has its own bucket; the same host in other case not.
	if h.m["rec.example.com"] == nil || len(h.m) != 1 {
		t.Errorf("buckets %v", h.m)
	}
	start = time.Now()
	io.Copy(io.Discard, h.reader(ctx, "other.example.com", bytes.NewReader(data[:20_000])))
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Errorf("a fresh host's burst took %v", d)
	}
	// No limit: the reader itself.
	r := bytes.NewReader(data)
	if got := (&hostLimits{}).reader(ctx, "h", r); got != io.Reader(r) {
		t.Error("no limit wraps the reader")
	}
	// A wait ends with its context.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	slow := &hostLimits{rate: 1000}
	if _, err := io.Copy(io.Discard, slow.reader(cctx, "h", bytes.NewReader(data))); err == nil {
		t.Error("reading with a canceled context succeeded")
	}
}
