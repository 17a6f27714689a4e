// Package metrics is cdrhub's Prometheus registry: counters, gauges (also
// computed at scrape time) and histograms with fixed buckets, each with a
// fixed list of label names, held in a prometheus.Registry beside the
// standard Go runtime and process collectors (RegisterRuntime), and served
// by promhttp in the text exposition format or, when the scraper asks for
// it, OpenMetrics.
//
// Metrics are registered once at start-up; registering a name again with the
// same type, help, labels (and buckets) returns the existing metric, and
// anything else panics, as a programming error. Recording is safe for
// concurrent use and cheap: With finds a series with one read-locked map
// lookup keyed by the label values (no allocation once the series exists).
//
// Label values must come from small fixed sets (constants in the code):
// never a path, a parameter or anything else a client sends.
package metrics

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
)

// ContentType is the media type of the text exposition format 0.0.4, which
// Handler serves to a scraper that does not ask for OpenMetrics.
const ContentType = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"

// MaxLabels is the most label names one metric may have.
const MaxLabels = 4

// desc describes a metric family.
type desc struct {
	name, help, typ string
	labels          []string
	buckets         []float64 // histograms only
	fn              bool      // a GaugeFunc, never registered twice
}

func (d *desc) same(o *desc) bool {
	return !d.fn && !o.fn && d.name == o.name && d.help == o.help && d.typ == o.typ &&
		slices.Equal(d.labels, o.labels) && slices.Equal(d.buckets, o.buckets)
}

// family is a registered metric family: d, and the *CounterVec, *GaugeVec
// or *HistogramVec that records it (nil for a GaugeFunc).
type family struct {
	d   *desc
	vec any
}

// Registry holds metrics in a prometheus.Registry and serves them.
type Registry struct {
	prom *prometheus.Registry

	mu     sync.Mutex
	byName map[string]family
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{prom: prometheus.NewRegistry(), byName: make(map[string]family)}
}

// register returns the vec of the family named d.name, creating it and its
// collector with create if there is none. It panics if d is invalid or
// conflicts with what is registered.
func (r *Registry) register(d *desc, create func() (vec any, c prometheus.Collector)) any {
	if err := d.validate(); err != nil {
		panic("metrics: " + err.Error())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.byName[d.name]; ok {
		if !f.d.same(d) {
			panic(fmt.Sprintf("metrics: %s is already registered differently", d.name))
		}
		return f.vec
	}
	vec, c := create()
	if err := r.prom.Register(c); err != nil {
		panic(fmt.Sprintf("metrics: %s: %v", d.name, err))
	}
	r.byName[d.name] = family{d: d, vec: vec}
	return vec
}

// Counter registers (or returns) a counter with the given label names.
func (r *Registry) Counter(name, help string, labels ...string) *CounterVec {
	d := &desc{name: name, help: help, typ: "counter", labels: slices.Clone(labels)}
	return r.register(d, func() (any, prometheus.Collector) {
		pv := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, d.labels)
		return &CounterVec{newVec(d, func(values []string) *Counter {
			return &Counter{c: pv.WithLabelValues(values...)}
		})}, pv
	}).(*CounterVec)
}

// Gauge registers (or returns) a gauge with the given label names.
func (r *Registry) Gauge(name, help string, labels ...string) *GaugeVec {
	d := &desc{name: name, help: help, typ: "gauge", labels: slices.Clone(labels)}
	return r.register(d, func() (any, prometheus.Collector) {
		pv := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, d.labels)
		return &GaugeVec{newVec(d, func(values []string) *Gauge {
			return &Gauge{g: pv.WithLabelValues(values...)}
		})}, pv
	}).(*GaugeVec)
}

// Histogram registers (or returns) a histogram with the given upper bucket
// bounds, which must increase strictly; the +Inf bucket is implied.
func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *HistogramVec {
	d := &desc{name: name, help: help, typ: "histogram", labels: slices.Clone(labels), buckets: slices.Clone(buckets)}
	return r.register(d, func() (any, prometheus.Collector) {
		pv := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: slices.Clone(d.buckets)}, d.labels)
		return &HistogramVec{newVec(d, func(values []string) *Histogram {
			return &Histogram{h: pv.WithLabelValues(values...)}
		})}, pv
	}).(*HistogramVec)
}

// GaugeFunc registers an unlabelled gauge whose value fn computes at every
// scrape. fn must be safe for concurrent use. Registering a name twice
// panics.
func (r *Registry) GaugeFunc(name, help string, fn func() float64) {
	d := &desc{name: name, help: help, typ: "gauge", fn: true}
	r.register(d, func() (any, prometheus.Collector) {
		return nil, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn)
	})
}

// WriteTo writes every metric in the text format, families sorted by name
// and series by label values. A family that fails to collect is left out
// and its error returned after the others are written.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	mfs, gatherErr := r.prom.Gather()
	var n int64
	for _, mf := range mfs {
		k, err := expfmt.MetricFamilyToText(w, mf)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, gatherErr
}

// Handler serves the registry for GET /metrics: in OpenMetrics when the
// scraper's Accept header asks for it, else in the text format, gzipped
// when the scraper accepts it. A family that fails to collect is logged
// (through slog's default logger), counted in
// promhttp_metric_handler_errors_total and left out; the others are
// served.
func (r *Registry) Handler() http.Handler {
	h := promhttp.HandlerFor(r.prom, promhttp.HandlerOpts{
		EnableOpenMetrics: true,
		ErrorHandling:     promhttp.ContinueOnError,
		ErrorLog:          errorLog{},
		Registry:          r.prom,
	})
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, req)
	})
}

// errorLog logs what promhttp reports (a family that failed to collect, a
// scraper gone before its page was written) as one warning.
type errorLog struct{}

func (errorLog) Println(v ...any) {
	slog.Warn("serving metrics", "err", strings.TrimSpace(fmt.Sprintln(v...)))
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
		return errors.New(d.name + ": no buckets")
	}
	return nil
}

// validName reports whether s is a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)
// or, without colons, a label name: the names the text format 0.0.4 spells
// without quoting.
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
