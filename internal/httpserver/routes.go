package httpserver

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/cdrhub/cdrhub/internal/httpx"
	"github.com/cdrhub/cdrhub/internal/metrics"
)

// API is a set of routes mounted on the shared mux.
type API interface {
	Register(mux *http.ServeMux)
}

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// WriteChecker reports whether the database takes writes (health.Database).
// /readyz checks it when the Pinger it was given is one.
type WriteChecker interface {
	Writable(ctx context.Context) error
}

// Routes returns the handler of every API: health checks, /metrics, then
// each API under its own prefix, behind recovery, request ids, the access
// log and the HTTP metrics, which are recorded into reg and served with
// everything else reg holds on GET /metrics. A nil reg gets a registry of
// its own with the Go runtime metrics. Like the health checks, /metrics
// needs no authentication.
func Routes(db Pinger, reg *metrics.Registry, log *slog.Logger, apis ...API) http.Handler {
	if reg == nil {
		reg = metrics.NewRegistry()
		metrics.RegisterRuntime(reg, "")
	}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", labeled("health", "healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
	})))
	mux.Handle("GET /readyz", labeled("health", "readyz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			httpx.Logger(r.Context()).Warn("not ready", "err", err)
			httpx.WriteJSON(w, r, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database does not answer"})
			return
		}
		if wc, ok := db.(WriteChecker); ok {
			if err := wc.Writable(ctx); err != nil {
				httpx.Logger(r.Context()).Warn("not ready", "err", err)
				httpx.WriteJSON(w, r, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database not writable"})
				return
			}
		}
		httpx.WriteJSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
	})))
	mux.Handle("GET /metrics", labeled("metrics", "scrape", reg.Handler()))
	var roots []RootAPI
	for _, a := range apis {
		a.Register(mux)
		if r, ok := a.(RootAPI); ok {
			roots = append(roots, r)
		}
	}
	if len(roots) > 0 {
		mux.Handle("/{$}", rootDispatch(roots, newBudget(preAuthBudget, preAuthWait, preAuthTimeout)))
	}
	return middleware(mux, log, newHTTPMetrics(reg))
}

// labeled sets the api and action labels of h's requests.
func labeled(api, action string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r.Context(), api, action)
		h.ServeHTTP(w, r)
	})
}

// durationBuckets are the upper bounds (seconds) of
// cdrhub_http_request_duration_seconds: 0.5 ms to 10 s.
var durationBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// httpMetrics are the metrics the middleware records.
type httpMetrics struct {
	requests *metrics.CounterVec   // api, action, outcome
	duration *metrics.HistogramVec // api, action
}

func newHTTPMetrics(reg *metrics.Registry) *httpMetrics {
	return &httpMetrics{
		requests: reg.Counter("cdrhub_http_requests_total",
			"HTTP requests by API, action and outcome (ok, client_error, server_error).", "api", "action", "outcome"),
		duration: reg.Histogram("cdrhub_http_request_duration_seconds",
			"Duration of HTTP requests by API and action.", durationBuckets, "api", "action"),
	}
}

// observe records one finished request.
func (m *httpMetrics) observe(api, action, outcome string, d time.Duration) {
	m.requests.With(api, action, outcome).Inc()
	m.duration.With(api, action).Observe(d.Seconds())
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	size   int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.size += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware gives every request an id, a logger and an empty holder of
// its metric labels, logs it once when it ends (method, path without the
// query, status, size, duration, api and action, and the tenant and
// principal when a credential was verified: never headers, query
// strings or bodies, which may carry credentials), records its metrics and
// turns a panic into a 500.
func middleware(next http.Handler, log *slog.Logger, m *httpMetrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := httpx.NewRequestID()
		w.Header().Set(httpx.RequestIDHeader, id)
		ctx := httpx.WithRequest(r.Context(), id, log)
		ctx, labels := httpx.WithRouteLabels(ctx)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					api, action, _ := labels.Get()
					m.observe(api, action, httpx.OutcomeServerError, time.Since(start))
					panic(p)
				}
				httpx.Logger(ctx).Error("panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					http.Error(sw, `{"error":{"code":"internal","message":"internal error"}}`, http.StatusInternalServerError)
				}
			}
			finish(ctx, r, sw, labels, m, start)
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// finish records the metrics of a request and writes its access log line.
func finish(ctx context.Context, r *http.Request, sw *statusWriter, labels *httpx.RouteLabels, m *httpMetrics, start time.Time) {
	d := time.Since(start)
	status := sw.status
	if status == 0 {
		status = http.StatusOK // what net/http sends for a handler that wrote nothing
	}
	api, action, outcome := labels.Get()
	if outcome == "" {
		outcome = httpx.OutcomeOf(status)
	}
	m.observe(api, action, outcome, d)
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", status,
		"bytes", sw.size, "duration_ms", float64(d.Microseconds()) / 1000, "api", api, "action", action}
	if tenant, principal := labels.Principal(); principal != "" {
		attrs = append(attrs, "tenant", tenant, "principal", principal)
	}
	httpx.Logger(ctx).Info("request", attrs...)
}
