// Package metrics is a small, dependency-free Prometheus registry: counters,
// gauges (also computed at scrape time) and histograms with fixed buckets,
// each with a fixed list of label names, served in the text exposition
// format 0.0.4.
//
// Metrics are registered once at start-up; registering a name again with the
// same type, help, labels (and buckets) returns the existing metric, and
// anything else panics, as a programming error. Recording is safe for
// concurrent use and cheap: With finds a series with one read-locked map
// lookup keyed by the label values (no allocation once the series exists),
// and every update is an atomic add.
//
// Label values must come from small fixed sets (constants in the code):
// never a path, a parameter or anything else a client sends.
package metrics

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
)

// ContentType is the media type of the text exposition format 0.0.4.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// MaxLabels is the most label names one metric may have.
const MaxLabels = 4

// labelValues keys a series by its label values; unused entries are "".
type labelValues [MaxLabels]string

// desc describes a metric family.
type desc struct {
	name, help, typ string
	labels          []string
	buckets         []float64 // histograms only
}

func (d *desc) same(o *desc) bool {
	return d.name == o.name && d.help == o.help && d.typ == o.typ &&
		slices.Equal(d.labels, o.labels) && slices.Equal(d.buckets, o.buckets)
}

// collector is a registered metric family.
type collector interface {
	describe() *desc
	// appendText appends the family in the text format, or nothing if it has
	// no sample.
	appendText(b []byte) []byte
}

// Registry holds metrics and writes them in the text format.
type Registry struct {
	mu     sync.RWMutex
	byName map[string]collector
	names  []string // sorted
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byName: make(map[string]collector)}
}

// register returns the collector named d.name, creating it with newC if
// there is none. It panics if d is invalid or conflicts with the existing
// collector.
func (r *Registry) register(d *desc, newC func() collector) collector {
	if err := d.validate(); err != nil {
		panic("metrics: " + err.Error())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.byName[d.name]; ok {
		if _, isFunc := c.(*funcGauge); isFunc || !c.describe().same(d) {
			panic(fmt.Sprintf("metrics: %s is already registered differently", d.name))
		}
		return c
	}
	c := newC()
	r.byName[d.name] = c
	i, _ := slices.BinarySearch(r.names, d.name)
	r.names = slices.Insert(r.names, i, d.name)
	return c
}

// Counter registers (or returns) a counter with the given label names.
func (r *Registry) Counter(name, help string, labels ...string) *CounterVec {
	d := &desc{name: name, help: help, typ: "counter", labels: slices.Clone(labels)}
	return r.register(d, func() collector { return &CounterVec{newVec(d, newCounter)} }).(*CounterVec)
}

// Gauge registers (or returns) a gauge with the given label names.
func (r *Registry) Gauge(name, help string, labels ...string) *GaugeVec {
	d := &desc{name: name, help: help, typ: "gauge", labels: slices.Clone(labels)}
	return r.register(d, func() collector { return &GaugeVec{newVec(d, newGauge)} }).(*GaugeVec)
}

// Histogram registers (or returns) a histogram with the given upper bucket
// bounds, which must increase strictly; the +Inf bucket is implied.
func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *HistogramVec {
	d := &desc{name: name, help: help, typ: "histogram", labels: slices.Clone(labels), buckets: slices.Clone(buckets)}
	return r.register(d, func() collector {
		return &HistogramVec{newVec(d, func() *Histogram { return newHistogram(d.buckets) })}
	}).(*HistogramVec)
}

// GaugeFunc registers an unlabelled gauge whose value fn computes at every
// scrape. fn must be safe for concurrent use. Registering a name twice
// panics.
func (r *Registry) GaugeFunc(name, help string, fn func() float64) {
	r.gaugeFunc(name, help, func() (float64, bool) { return fn(), true })
}

// gaugeFunc is GaugeFunc with a value that may be missing: when fn reports
// false, the metric is left out of that scrape.
func (r *Registry) gaugeFunc(name, help string, fn func() (float64, bool)) {
	d := &desc{name: name, help: help, typ: "gauge"}
	c := &funcGauge{d: d, fn: fn}
	if r.register(d, func() collector { return c }) != c {
		panic(fmt.Sprintf("metrics: %s is already registered", name))
	}
}

// WriteTo writes every metric in the text format, families sorted by name
// and series by label values.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(r.appendText(nil))
	return int64(n), err
}

func (r *Registry) appendText(b []byte) []byte {
	r.mu.RLock()
	cs := make([]collector, len(r.names))
	for i, name := range r.names {
		cs[i] = r.byName[name]
	}
	r.mu.RUnlock()
	// Collect outside the lock: a gauge function may take its own locks.
	for _, c := range cs {
		b = c.appendText(b)
	}
	return b
}

// Handler serves the registry in the text format (for GET /metrics).
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b := r.appendText(make([]byte, 0, 8<<10))
		h := w.Header()
		h.Set("Content-Type", ContentType)
		h.Set("Content-Length", strconv.Itoa(len(b)))
		h.Set("Cache-Control", "no-store")
		if req.Method != http.MethodHead {
			w.Write(b)
		}
	})
}

// funcGauge is a gauge computed at scrape time.
type funcGauge struct {
	d  *desc
	fn func() (float64, bool)
}

func (g *funcGauge) describe() *desc { return g.d }

func (g *funcGauge) appendText(b []byte) []byte {
	v, ok := g.fn()
	if !ok {
		return b
	}
	b = appendHeader(b, g.d)
	return appendSample(b, g.d.name, "", nil, nil, "", v)
}

// validate checks the metric and label names, the label count and the
// buckets.
func (d *desc) validate() error {
	if !validName(d.name, true) {
		return fmt.Errorf("invalid metric name %q", d.name)
	}
	if len(d.labels) > MaxLabels {
		return fmt.Errorf("%s: %d labels, at most %d allowed", d.name, len(d.labels), MaxLabels)
	}
	for i, l := range d.labels {
		switch {
		case !validName(l, false) || len(l) >= 2 && l[:2] == "__":
			return fmt.Errorf("%s: invalid label name %q", d.name, l)
		case d.typ == "histogram" && l == "le":
			return fmt.Errorf("%s: a histogram may not have a label le", d.name)
		case slices.Contains(d.labels[:i], l):
			return fmt.Errorf("%s: label %q given twice", d.name, l)
		}
	}
	for i, ub := range d.buckets {
		if math.IsNaN(ub) || math.IsInf(ub, 0) || i > 0 && ub <= d.buckets[i-1] {
			return fmt.Errorf("%s: buckets must be finite and increase strictly", d.name)
		}
	}
	if d.typ == "histogram" && len(d.buckets) == 0 {
		return fmt.Errorf("%s: no buckets", d.name)
	}
	return nil
}

// validName reports whether s is a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)
// or, without colons, a label name.
func validName(s string, colon bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
			c >= '0' && c <= '9' && i > 0 || c == ':' && colon
		if !ok {
			return false
		}
	}
	return true
}
