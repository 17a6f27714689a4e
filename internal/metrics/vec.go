package metrics

import (
	"math"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
)

// vec is the set of series of one metric, keyed by label values.
type vec[T any] struct {
	d    *desc
	newT func() *T
	mu   sync.RWMutex
	m    map[labelValues]*T
}

func newVec[T any](d *desc, newT func() *T) *vec[T] {
	return &vec[T]{d: d, newT: newT, m: make(map[labelValues]*T)}
}

func (v *vec[T]) describe() *desc { return v.d }

// with returns the series of values, creating it on first use. It panics if
// the number of values differs from the number of label names.
func (v *vec[T]) with(values []string) *T {
	if len(values) != len(v.d.labels) {
		panic("metrics: " + v.d.name + ": wrong number of label values")
	}
	var k labelValues
	copy(k[:], values)
	v.mu.RLock()
	t := v.m[k]
	v.mu.RUnlock()
	if t != nil {
		return t
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if t = v.m[k]; t == nil {
		t = v.newT()
		v.m[k] = t
	}
	return t
}

type entry[T any] struct {
	k labelValues
	t *T
}

// snapshot returns the series sorted by label values.
func (v *vec[T]) snapshot() []entry[T] {
	v.mu.RLock()
	es := make([]entry[T], 0, len(v.m))
	for k, t := range v.m {
		es = append(es, entry[T]{k, t})
	}
	v.mu.RUnlock()
	slices.SortFunc(es, func(a, b entry[T]) int { return slices.Compare(a.k[:], b.k[:]) })
	return es
}

// addFloat adds d to the float64 whose bits are in u.
func addFloat(u *atomic.Uint64, d float64) {
	for {
		old := u.Load()
		if u.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+d)) {
			return
		}
	}
}

// Counter is a value that only goes up.
type Counter struct {
	n    atomic.Uint64 // whole increments
	bits atomic.Uint64 // fractional increments, as float64 bits
}

func newCounter() *Counter { return &Counter{} }

// Inc adds 1.
func (c *Counter) Inc() { c.n.Add(1) }

// Add adds v, which must not be negative.
func (c *Counter) Add(v float64) {
	switch {
	case v < 0:
		panic("metrics: a counter cannot decrease")
	case v == math.Trunc(v) && v < 1<<53:
		c.n.Add(uint64(v))
	default:
		addFloat(&c.bits, v)
	}
}

// Value returns the current value.
func (c *Counter) Value() float64 {
	return float64(c.n.Load()) + math.Float64frombits(c.bits.Load())
}

// CounterVec is a counter with labels.
type CounterVec struct{ v *vec[Counter] }

// With returns the counter of the given label values, in the order of the
// label names. Keep the result to skip the lookup on a hot path.
func (c *CounterVec) With(values ...string) *Counter { return c.v.with(values) }

func (c *CounterVec) describe() *desc { return c.v.d }

func (c *CounterVec) appendText(b []byte) []byte {
	es := c.v.snapshot()
	if len(es) == 0 {
		return b
	}
	b = appendHeader(b, c.v.d)
	for _, e := range es {
		b = appendSample(b, c.v.d.name, "", c.v.d.labels, e.k[:], "", e.t.Value())
	}
	return b
}

// Gauge is a value that goes up and down.
type Gauge struct{ bits atomic.Uint64 }

func newGauge() *Gauge { return &Gauge{} }

// Set sets the value.
func (g *Gauge) Set(v float64) { g.bits.Store(math.Float64bits(v)) }

// Add adds v, which may be negative.
func (g *Gauge) Add(v float64) { addFloat(&g.bits, v) }

// Inc adds 1.
func (g *Gauge) Inc() { g.Add(1) }

// Dec subtracts 1.
func (g *Gauge) Dec() { g.Add(-1) }

// Value returns the current value.
func (g *Gauge) Value() float64 { return math.Float64frombits(g.bits.Load()) }

// GaugeVec is a gauge with labels.
type GaugeVec struct{ v *vec[Gauge] }

// With returns the gauge of the given label values, in the order of the
// label names.
func (g *GaugeVec) With(values ...string) *Gauge { return g.v.with(values) }

func (g *GaugeVec) describe() *desc { return g.v.d }

func (g *GaugeVec) appendText(b []byte) []byte {
	es := g.v.snapshot()
	if len(es) == 0 {
		return b
	}
	b = appendHeader(b, g.v.d)
	for _, e := range es {
		b = appendSample(b, g.v.d.name, "", g.v.d.labels, e.k[:], "", e.t.Value())
	}
	return b
}

// Histogram counts observations in fixed buckets.
type Histogram struct {
	upper  []float64       // upper bounds, shared by the series of a metric
	counts []atomic.Uint64 // per bucket (not cumulative); the last is +Inf
	sum    atomic.Uint64   // float64 bits
}

func newHistogram(upper []float64) *Histogram {
	return &Histogram{upper: upper, counts: make([]atomic.Uint64, len(upper)+1)}
}

// Observe records v.
func (h *Histogram) Observe(v float64) {
	h.counts[sort.SearchFloat64s(h.upper, v)].Add(1)
	addFloat(&h.sum, v)
}

// snapshot returns the cumulative bucket counts (the last is +Inf, which is
// also the count) and the sum. The count is the sum of the buckets, so
// that _count always equals the +Inf bucket.
func (h *Histogram) snapshot() (cum []uint64, sum float64) {
	cum = make([]uint64, len(h.counts))
	var n uint64
	for i := range h.counts {
		n += h.counts[i].Load()
		cum[i] = n
	}
	return cum, math.Float64frombits(h.sum.Load())
}

// HistogramVec is a histogram with labels.
type HistogramVec struct{ v *vec[Histogram] }

// With returns the histogram of the given label values, in the order of the
// label names.
func (h *HistogramVec) With(values ...string) *Histogram { return h.v.with(values) }

func (h *HistogramVec) describe() *desc { return h.v.d }

func (h *HistogramVec) appendText(b []byte) []byte {
	es := h.v.snapshot()
	if len(es) == 0 {
		return b
	}
	d := h.v.d
	b = appendHeader(b, d)
	for _, e := range es {
		cum, sum := e.t.snapshot()
		for i, ub := range d.buckets {
			b = appendSample(b, d.name, "_bucket", d.labels, e.k[:], formatFloat(ub), float64(cum[i]))
		}
		b = appendSample(b, d.name, "_bucket", d.labels, e.k[:], "+Inf", float64(cum[len(cum)-1]))
		b = appendSample(b, d.name, "_sum", d.labels, e.k[:], "", sum)
		b = appendSample(b, d.name, "_count", d.labels, e.k[:], "", float64(cum[len(cum)-1]))
	}
	return b
}
