package metrics

import (
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// labelValues keys a series by its label values; unused entries are "".
type labelValues [MaxLabels]string

// vec is the set of series of one metric, keyed by label values: a cache
// in front of the client's vec, whose lookup hashes and checks the values
// at every call.
type vec[T any] struct {
	d    *desc
	newT func(values []string) *T
	mu   sync.RWMutex
	m    map[labelValues]*T
}

func newVec[T any](d *desc, newT func(values []string) *T) *vec[T] {
	return &vec[T]{d: d, newT: newT, m: make(map[labelValues]*T)}
}

// with returns the series of values, creating it on first use. It panics if
// the number of values differs from the number of label names, or if a
// value is not valid UTF-8.
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
		// A copy, so that values does not escape: the caller's variadic
		// slice stays on its stack.
		t = v.newT(slices.Clone(values))
		v.m[k] = t
	}
	return t
}

// value reads the value of a counter or gauge.
func value(m prometheus.Metric) float64 {
	var pb dto.Metric
	if err := m.Write(&pb); err != nil {
		panic("metrics: " + err.Error())
	}
	if c := pb.GetCounter(); c != nil {
		return c.GetValue()
	}
	return pb.GetGauge().GetValue()
}

// Counter is a value that only goes up.
type Counter struct{ c prometheus.Counter }

// Inc adds 1.
func (c *Counter) Inc() { c.c.Inc() }

// Add adds v, which must not be negative.
func (c *Counter) Add(v float64) {
	if v < 0 {
		panic("metrics: a counter cannot decrease")
	}
	c.c.Add(v)
}

// Value returns the current value.
func (c *Counter) Value() float64 { return value(c.c) }

// CounterVec is a counter with labels.
type CounterVec struct{ v *vec[Counter] }

// With returns the counter of the given label values, in the order of the
// label names. Keep the result to skip the lookup on a hot path.
func (c *CounterVec) With(values ...string) *Counter { return c.v.with(values) }

// Gauge is a value that goes up and down.
type Gauge struct{ g prometheus.Gauge }

// Set sets the value.
func (g *Gauge) Set(v float64) { g.g.Set(v) }

// Add adds v, which may be negative.
func (g *Gauge) Add(v float64) { g.g.Add(v) }

// Inc adds 1.
func (g *Gauge) Inc() { g.g.Inc() }

// Dec subtracts 1.
func (g *Gauge) Dec() { g.g.Dec() }

// Value returns the current value.
func (g *Gauge) Value() float64 { return value(g.g) }

// GaugeVec is a gauge with labels.
type GaugeVec struct{ v *vec[Gauge] }

// With returns the gauge of the given label values, in the order of the
// label names.
func (g *GaugeVec) With(values ...string) *Gauge { return g.v.with(values) }

// Histogram counts observations in fixed buckets.
type Histogram struct{ h prometheus.Observer }

// Observe records v.
func (h *Histogram) Observe(v float64) { h.h.Observe(v) }

// Count returns the number of observations.
func (h *Histogram) Count() uint64 {
	var pb dto.Metric
	if err := h.h.(prometheus.Metric).Write(&pb); err != nil {
		panic("metrics: " + err.Error())
	}
	return pb.GetHistogram().GetSampleCount()
}

// HistogramVec is a histogram with labels.
type HistogramVec struct{ v *vec[Histogram] }

// With returns the histogram of the given label values, in the order of the
// label names.
func (h *HistogramVec) With(values ...string) *Histogram { return h.v.with(values) }
