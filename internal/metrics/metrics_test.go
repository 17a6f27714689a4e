package metrics

import (
	"bytes"
	"flag"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
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

func TestFormatFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{1, "1"},
		{-3, "-3"},
		{1234567, "1234567"},
		{0.0005, "0.0005"},
		{2.5, "2.5"},
		{1e20, "1e+20"},
		{1e-7, "1e-07"},
		{math.Inf(1), "+Inf"},
		{math.Inf(-1), "-Inf"},
		{math.NaN(), "NaN"},
	}
	for _, tt := range tests {
		if got := formatFloat(tt.in); got != tt.want {
			t.Errorf("formatFloat(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscape(t *testing.T) {
	tests := []struct {
		in          string
		quote       bool
		want        string
		description string
	}{
		{`a\b`, true, `a\\b`, "backslash"},
		{`a"b`, true, `a\"b`, "quote in a label value"},
		{`a"b`, false, `a"b`, "quote in help"},
		{"a\nb", false, `a\nb`, "newline"},
		{"a\xffb", true, "a\uFFFDb", "invalid UTF-8"},
		{"Zhang Min 张敏", true, "Zhang Min 张敏", "UTF-8 kept"},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			if got := string(appendEscaped(nil, tt.in, tt.quote)); got != tt.want {
				t.Errorf("appendEscaped(%q, %v) = %q, want %q", tt.in, tt.quote, got, tt.want)
			}
		})
	}
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
	for _, method := range []string{"GET", "HEAD"} {
		rec := httptest.NewRecorder()
		reg.Handler().ServeHTTP(rec, httptest.NewRequest(method, "/metrics", nil))
		want := "# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n"
		if method == "HEAD" {
			want = ""
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", method, ct)
		}
		if rec.Code != 200 || rec.Body.String() != want {
			t.Errorf("%s: %d %q, want 200 %q", method, rec.Code, rec.Body, want)
		}
	}
}

func TestRuntime(t *testing.T) {
	reg := NewRegistry()
	RegisterRuntime(reg, "1.2.3 (abc)")
	var buf bytes.Buffer
	reg.WriteTo(&buf)
	out := buf.String()
	for _, want := range []string{"\ngo_goroutines ", "\ngo_memstats_heap_alloc_bytes ", "cdrhub_build_info{version=\"1.2.3 (abc)\"} 1\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if _, err := os.Stat("/proc/self/statm"); err == nil && !strings.Contains(out, "\nprocess_resident_memory_bytes ") {
		t.Errorf("missing process_resident_memory_bytes in\n%s", out)
	}
	if v, ok := residentMemory(); ok && v <= 0 {
		t.Errorf("resident memory %v", v)
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
	cum, _ := h.With("find").snapshot()
	if cum[len(cum)-1] != workers*n {
		t.Errorf("histogram count %d, want %d", cum[len(cum)-1], workers*n)
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
