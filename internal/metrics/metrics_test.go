package metrics

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// compareGolden compares got with testdata/name, or rewrites it with -update.
func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func TestExpositionGolden(t *testing.T) {
	reg := NewRegistry()
	c := reg.Counter("test_requests_total", "Requests, with \\ and a\nnewline in the help.", "api", "path")
	c.With("native", `C:\dir`).Add(3)
	c.With("native", `say "hi"`).Inc()
	c.With("native", "two\nlines").Add(1.5)
	c.With("health", "").Inc()
	reg.Gauge("test_temperature_celsius", "A gauge without labels.").With().Set(-2.5)
	g := reg.Gauge("test_queue_depth", "A labelled gauge.", "queue")
	g.With("b").Set(7)
	g.With("a").Add(1e20)
	reg.GaugeFunc("test_answer", "A function gauge.", func() float64 { return 42 })
	reg.Gauge("test_unused", "A gauge with no series is left out.", "x")
	h := reg.Histogram("test_duration_seconds", "A histogram.", []float64{0.0005, 0.01, 1}, "op")
	for _, v := range []float64{0.0001, 0.0005, 0.003, 0.5, 7} {
		h.With("find").Observe(v)
	}
	h.With("get")
	var buf bytes.Buffer
	if _, err := reg.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "exposition.golden", buf.Bytes())
}

func TestRegisterPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func(r *Registry)
	}{
		{"bad metric name", func(r *Registry) { r.Counter("1bad", "") }},
		{"dash in name", func(r *Registry) { r.Counter("bad-name", "") }},
		{"bad label name", func(r *Registry) { r.Counter("ok", "", "a:b") }},
		{"reserved label", func(r *Registry) { r.Counter("ok", "", "__x") }},
		{"duplicate label", func(r *Registry) { r.Counter("ok", "", "a", "a") }},
		{"too many labels", func(r *Registry) { r.Counter("ok", "", "a", "b", "c", "d", "e") }},
		{"le on a histogram", func(r *Registry) { r.Histogram("ok", "", []float64{1}, "le") }},
		{"unsorted buckets", func(r *Registry) { r.Histogram("ok", "", []float64{1, 1}) }},
		{"infinite bucket", func(r *Registry) { r.Histogram("ok", "", []float64{1, math.Inf(1)}) }},
		{"no buckets", func(r *Registry) { r.Histogram("ok", "", nil) }},
		{"other type", func(r *Registry) { r.Counter("x", ""); r.Gauge("x", "") }},
		{"other labels", func(r *Registry) { r.Counter("x", "", "a"); r.Counter("x", "", "b") }},
		{"func gauge twice", func(r *Registry) {
			r.GaugeFunc("x", "", func() float64 { return 0 })
			r.GaugeFunc("x", "", func() float64 { return 0 })
		}},
		{"gauge then func gauge", func(r *Registry) { r.Gauge("x", ""); r.GaugeFunc("x", "", func() float64 { return 0 }) }},
		{"wrong number of values", func(r *Registry) { r.Counter("x", "", "a").With("1", "2") }},
		{"negative counter add", func(r *Registry) { r.Counter("x", "").With().Add(-1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.f(NewRegistry())
		})
	}
}

func TestRegisterTwiceReturnsTheSame(t *testing.T) {
	r := NewRegistry()
	a := r.Counter("x_total", "help", "a")
	b := r.Counter("x_total", "help", "a")
	a.With("1").Inc()
	if a != b || b.With("1").Value() != 1 {
		t.Error("registering the same counter twice did not return it")
	}
	h1 := r.Histogram("h", "help", []float64{1, 2})
	if h2 := r.Histogram("h", "help", []float64{1, 2}); h1 != h2 {
		t.Error("registering the same histogram twice did not return it")
	}
}

func TestCounterAdd(t *testing.T) {
	c := NewRegistry().Counter("x", "").With()
	c.Inc()
	c.Add(2)
	c.Add(0.25)
	if got := c.Value(); got != 3.25 {
		t.Errorf("Value = %v, want 3.25", got)
	}
}

func TestHandler(t *testing.T) {
	reg := NewRegistry()
	reg.Counter("x_total", "X.").With().Inc()
	reg.Histogram("y_seconds", "Y.", []float64{1}).With().Observe(0.5)
	const errs = "# HELP promhttp_metric_handler_errors_total Total number of internal errors encountered by the promhttp metric handler.\n" +
		"# TYPE promhttp_metric_handler_errors_total counter\n" +
		"promhttp_metric_handler_errors_total{cause=\"encoding\"} 0\npromhttp_metric_handler_errors_total{cause=\"gathering\"} 0\n"
	const text = errs + "# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n" +
		"# HELP y_seconds Y.\n# TYPE y_seconds histogram\n" +
		"y_seconds_bucket{le=\"1\"} 1\ny_seconds_bucket{le=\"+Inf\"} 1\ny_seconds_sum 0.5\ny_seconds_count 1\n"
	tests := []struct {
		name, accept, encoding string
		contentType, body      string
	}{
		{"text", "", "", ContentType, text},
		{"text asked for", "text/plain;version=0.0.4", "", ContentType, text},
		{"openmetrics", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5", "",
			"application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores",
			"# HELP promhttp_metric_handler_errors Total number of internal errors encountered by the promhttp metric handler.\n" +
				"# TYPE promhttp_metric_handler_errors counter\n" +
				"promhttp_metric_handler_errors_total{cause=\"encoding\"} 0.0\npromhttp_metric_handler_errors_total{cause=\"gathering\"} 0.0\n" +
				"# HELP x X.\n# TYPE x counter\nx_total 1.0\n" +
				"# HELP y_seconds Y.\n# TYPE y_seconds histogram\n" +
				"y_seconds_bucket{le=\"1.0\"} 1\ny_seconds_bucket{le=\"+Inf\"} 1\ny_seconds_sum 0.5\ny_seconds_count 1\n# EOF\n"},
		{"gzip", "", "gzip", ContentType, text},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/metrics", nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			if tt.encoding != "" {
				req.Header.Set("Accept-Encoding", tt.encoding)
			}
			rec := httptest.NewRecorder()
			reg.Handler().ServeHTTP(rec, req)
			h := rec.Header()
			if ct := h.Get("Content-Type"); ct != tt.contentType {
				t.Errorf("Content-Type %q, want %q", ct, tt.contentType)
			}
			if cc := h.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
			body := rec.Body.Bytes()
			if ce := h.Get("Content-Encoding"); ce != tt.encoding {
				t.Errorf("Content-Encoding %q, want %q", ce, tt.encoding)
			} else if ce == "gzip" {
				zr, err := gzip.NewReader(rec.Body)
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if rec.Code != 200 {
				t.Errorf("status %d", rec.Code)
			}
			if diff := cmp.Diff(tt.body, string(body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

// A family that fails to collect is left out of the page, counted (in the
// next page) and logged, and the others are served.
func TestHandlerCollectError(t *testing.T) {
	reg := NewRegistry()
	reg.Counter("x_total", "X.").With().Inc()
	if err := reg.prom.Register(failing{}); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	h := reg.Handler()
	var rec *httptest.ResponseRecorder
	for range 2 {
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	}
	if !strings.Contains(logs.String(), `level=WARN msg="serving metrics" err="error gathering metrics: `) ||
		!strings.Contains(logs.String(), "cannot read") {
		t.Errorf("logs:\n%s", logs.String())
	}
	page := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(page, "\nx_total 1\n") ||
		!strings.Contains(page, `promhttp_metric_handler_errors_total{cause="gathering"} 1`) {
		t.Errorf("%d:\n%s", rec.Code, page)
	}
	var b strings.Builder
	if _, err := reg.WriteTo(&b); err == nil || !strings.Contains(b.String(), "\nx_total 1\n") {
		t.Errorf("WriteTo: %v\n%s", err, b.String())
	}
}

// failing is a collector whose one metric fails.
type failing struct{}

var failingDesc = prometheus.NewDesc("failing", "Fails.", nil, nil)

func (failing) Describe(ch chan<- *prometheus.Desc) { ch <- failingDesc }
func (failing) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.NewInvalidMetric(failingDesc, errors.New("cannot read"))
}

func TestRuntime(t *testing.T) {
	reg := NewRegistry()
	RegisterRuntime(reg, "1.2.3 (abc)")
	RegisterRuntime(reg, "") // again: nothing more
	var buf bytes.Buffer
	if _, err := reg.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	want := []string{
		"\ngo_goroutines ", "\ngo_threads ", "\ngo_memstats_heap_alloc_bytes ", "\ngo_gc_duration_seconds_count ",
		"\ngo_info{version=\"" + runtime.Version() + "\"} 1\n",
		"cdrhub_build_info{version=\"1.2.3 (abc)\"} 1\n",
	}
	if runtime.GOOS == "linux" {
		want = append(want, "\nprocess_resident_memory_bytes ", "\nprocess_open_fds ", "\nprocess_cpu_seconds_total ", "\nprocess_start_time_seconds ")
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("missing %q in\n%s", w, out)
		}
	}
}

// TestConcurrent records from many goroutines while scraping; run it with
// -race.
func TestConcurrent(t *testing.T) {
	reg := NewRegistry()
	c := reg.Counter("c_total", "", "api", "outcome")
	g := reg.Gauge("g", "")
	h := reg.Histogram("h_seconds", "", []float64{0.1, 1}, "op")
	const workers, n = 8, 1000
	apis := []string{"native", "health", "metrics"}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				c.With(apis[(w+i)%len(apis)], "ok").Inc()
				c.With("native", "fraction").Add(0.5)
				g.With().Inc()
				h.With("find").Observe(float64(i%3) * 0.6)
			}
		}()
	}
	wg.Add(1)
	go func() { // a scraper
		defer wg.Done()
		for range 20 {
			var buf bytes.Buffer
			reg.WriteTo(&buf)
		}
	}()
	wg.Wait()
	var total float64
	for _, a := range apis {
		total += c.With(a, "ok").Value()
	}
	if total != workers*n {
		t.Errorf("counted %v, want %d", total, workers*n)
	}
	if got := c.With("native", "fraction").Value(); got != workers*n/2 {
		t.Errorf("fractional adds: %v, want %d", got, workers*n/2)
	}
	if got := g.With().Value(); got != workers*n {
		t.Errorf("gauge %v, want %d", got, workers*n)
	}
	if got := h.With("find").Count(); got != workers*n {
		t.Errorf("histogram count %d, want %d", got, workers*n)
	}
}

func BenchmarkCounterWith(b *testing.B) {
	c := NewRegistry().Counter("x_total", "", "api", "action", "outcome")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.With("native", "list_records", "ok").Inc()
		}
	})
}

func BenchmarkHistogramObserve(b *testing.B) {
	h := NewRegistry().Histogram("x_seconds", "", []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}, "api", "action")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h.With("native", "list_records").Observe(0.003)
		}
	})
}

// Recording into an existing series allocates nothing: it is on the path
// of every request.
func TestRecordDoesNotAllocate(t *testing.T) {
	reg := NewRegistry()
	c := reg.Counter("x_total", "", "api", "action", "outcome")
	h := reg.Histogram("x_seconds", "", []float64{0.1, 1}, "api", "action")
	g := reg.Gauge("x", "", "vendor")
	c.With("native", "list_records", "ok").Inc()
	h.With("native", "list_records").Observe(0.2)
	g.With("tencent_ccc").Set(1)
	if n := testing.AllocsPerRun(100, func() {
		c.With("native", "list_records", "ok").Inc()
		h.With("native", "list_records").Observe(0.2)
		g.With("tencent_ccc").Set(2)
	}); n != 0 {
		t.Errorf("%v allocations per record", n)
	}
}
