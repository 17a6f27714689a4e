package httpserver

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/api/imrest"
	"github.com/cdrhub/cdrhub/internal/api/laaffic"
	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/api/tencentccc"
	"github.com/cdrhub/cdrhub/internal/console"
	"github.com/cdrhub/cdrhub/internal/httpx"
	"github.com/cdrhub/cdrhub/internal/metrics"
)

// APIs are the APIs the listener serves. A nil one is not mounted.
type APIs struct {
	Native     *native.API     // /api/v1
	TencentCCC *tencentccc.API // "/": Tencent Cloud API 3.0
	AliyunCCC  *aliyunccc.API  // "/": Alibaba Cloud POP
	IMREST     *imrest.API     // TRTC TUICallKit and Tencent Desk
	Laaffic    *laaffic.API    // the laaffic-family record query
	// Sync reports the sync sources on GET /api/v1/sync (with Native).
	Sync native.SyncReporter
	// Stats serves GET /api/v1/stats (with Native).
	Stats native.StatsReader
	// Console serves the web console under /console/, and GET / that no
	// API claims is sent there (docs/console.md §1).
	Console *console.Console
}

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// WriteChecker reports whether the database takes writes (health.Database).
type WriteChecker interface {
	Writable(ctx context.Context) error
}

// Ready is what GET /readyz checks: that the database answers (DB) and,
// when Writes is set, that it takes writes.
type Ready struct {
	DB     Pinger
	Writes WriteChecker
}

// route is one entry of the listener's table: a pattern of the mux, the
// metric labels of the requests it takes and what serves them.
type route struct {
	pattern string // as http.ServeMux takes it: "[METHOD ]PATH"
	// api and action are the metric labels (httpx.SetRoute), set before
	// handler runs. A claim of "/" is labeled by its API, per request
	// (action lists the values it may set, separated by |).
	api, action string
	handler     http.Handler
	claim       RootAPI // a claimant of rootPattern instead of a handler
}

// rootPattern is where API 3.0 and POP requests arrive: each goes to the
// first claimant in the table that claims it (rootDispatch).
const rootPattern = "/{$}"

// table is every route of the listener, in order: health checks, /metrics,
// each API's paths, then the claimants of "/". A request no route takes
// is labeled api="none",action="none" and gets a 404.
func table(ready Ready, reg *metrics.Registry, apis APIs) []route {
	rs := []route{
		{pattern: "GET /healthz", api: "health", action: "healthz", handler: http.HandlerFunc(healthz)},
		{pattern: "GET /readyz", api: "health", action: "readyz", handler: readyz(ready)},
		{pattern: "GET /metrics", api: "metrics", action: "scrape", handler: reg.Handler()},
	}
	if n := apis.Native; n != nil {
		rs = append(rs,
			route{pattern: "POST /api/v1/records", api: "native", action: "upsert_records", handler: n.UpsertRecords()},
			route{pattern: "GET /api/v1/records", api: "native", action: "list_records", handler: n.ListRecords()},
			route{pattern: "GET /api/v1/records/{id}", api: "native", action: "get_record", handler: n.GetRecord()},
			route{pattern: "GET /api/v1/export", api: "native", action: "export", handler: n.ExportRecords()},
			route{pattern: "GET /api/v1/openapi.json", api: "native", action: "openapi", handler: n.OpenAPI()},
			// GET also takes HEAD. A GET with a signature needs no token.
			route{pattern: "GET /api/v1/records/{id}/recordings/{n}", api: "native", action: "get_recording", handler: n.GetRecording()},
			route{pattern: "PUT /api/v1/records/{id}/recordings/{n}", api: "native", action: "put_recording", handler: n.PutRecording()},
			route{pattern: "POST /api/v1/records/{id}/recordings/{n}/link", api: "native", action: "link_recording", handler: n.LinkRecording()},
		)
		if apis.Sync != nil {
			rs = append(rs, route{pattern: "GET /api/v1/sync", api: "native", action: "sync_status", handler: n.SyncStatus(apis.Sync)})
		}
		if apis.Stats != nil {
			rs = append(rs, route{pattern: "GET /api/v1/stats", api: "native", action: "stats", handler: n.Stats(apis.Stats)})
		}
		rs = append(rs, route{pattern: "/api/v1/", api: "native", action: "no_route", handler: n.NoRoute()})
	}
	if im := apis.IMREST; im != nil {
		// TUICallKit's paths with and without /v1, as clients use both.
		for _, p := range []string{"/v1/records/", "/records/"} {
			rs = append(rs,
				route{pattern: p + "get_records_by_filter", api: "trtc_callkit", action: "get_records_by_filter", handler: im.RecordsByFilter()},
				route{pattern: p + "get_record_by_callId", api: "trtc_callkit", action: "get_record_by_callId", handler: im.RecordByCallID()},
			)
		}
		rs = append(rs, route{pattern: "/v4/desk_http_svc/describe_im_cdr_list", api: "tencent_desk", action: "describe_im_cdr_list", handler: im.DescribeIMCdrList()})
	}
	if l := apis.Laaffic; l != nil {
		rs = append(rs,
			route{pattern: "/voice/ccRecordQuery", api: "laaffic", action: "ccRecordQuery", handler: l.CCRecordQuery()},
			route{pattern: "/v3/voice/ccRecordQuery", api: "laaffic", action: "ccRecordQuery", handler: l.CCRecordQuery()},
			route{pattern: "/v3/cc/record/query", api: "laaffic", action: "cc_record_query", handler: l.RecordQuery()},
		)
	}
	if c := apis.Console; c != nil {
		for _, cr := range c.Routes() {
			rs = append(rs, route{pattern: cr.Pattern, api: "console", action: cr.Action, handler: cr.Handler})
		}
	}
	// "/": a request is offered to the claimants in this order, first by
	// its headers alone (Tencent: X-TC-Action or a TC3- Authorization;
	// Alibaba: an ACS3- Authorization), then by its query and form body
	// (Tencent: Action with Version=2020-02-10; Alibaba: an x-acs-action
	// header, or Signature with Version=2020-07-01). See root.go.
	if t := apis.TencentCCC; t != nil {
		rs = append(rs, route{pattern: rootPattern, api: "tencent_ccc", action: "DescribeTelCdr|DescribeProtectedTelCdr|unknown", claim: t})
	}
	if a := apis.AliyunCCC; a != nil {
		rs = append(rs, route{pattern: rootPattern, api: "aliyun_ccc", action: "ListCallDetailRecords|GetCallDetailRecord|GetMonoRecording|unknown", claim: a})
	}
	if apis.Console != nil {
		// Last: a GET or HEAD of "/" that no API claimed.
		rs = append(rs, route{pattern: "GET " + rootPattern, api: "console", action: "redirect", handler: console.Redirect()})
	}
	return rs
}

// Routes returns the handler of every route of apis (table): health
// checks, /metrics, then each API's paths, behind recovery, request ids,
// the access log and the HTTP metrics, which are recorded into reg and
// served with everything else reg holds on GET /metrics. A nil reg gets a
// registry of its own with the Go runtime metrics. Like the health checks,
// /metrics needs no authentication.
func Routes(ready Ready, reg *metrics.Registry, log *slog.Logger, apis APIs) http.Handler {
	if reg == nil {
		reg = metrics.NewRegistry()
		metrics.RegisterRuntime(reg, "")
	}
	return mount(table(ready, reg, apis), reg, log)
}

// mount serves routes on one mux behind the middleware: each handler
// with its labels, and the claimants of "/" in their order.
func mount(routes []route, reg *metrics.Registry, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	var claims []RootAPI
	var unclaimed http.Handler // of a GET or HEAD of "/" no API claims
	for _, rt := range routes {
		switch {
		case rt.claim != nil:
			if rt.pattern != rootPattern {
				panic("httpserver: a claim of " + rt.pattern + ", not of " + rootPattern)
			}
			claims = append(claims, rt.claim)
		case rt.pattern == "GET "+rootPattern:
			unclaimed = labeled(rt.api, rt.action, rt.handler)
		default:
			mux.Handle(rt.pattern, labeled(rt.api, rt.action, rt.handler))
		}
	}
	if len(claims) > 0 || unclaimed != nil {
		mux.Handle(rootPattern, rootDispatch(claims, unclaimed, newBudget(preAuthBudget, preAuthWait, preAuthTimeout)))
	}
	return middleware(mux, log, newHTTPMetrics(reg))
}

func healthz(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers whether the database answers and, when ready.Writes is
// set, takes writes.
func readyz(ready Ready) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready.DB.Ping(ctx); err != nil {
			httpx.Logger(r.Context()).Warn("not ready", "err", err)
			httpx.WriteJSON(w, r, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database does not answer"})
			return
		}
		if ready.Writes != nil {
			if err := ready.Writes.Writable(ctx); err != nil {
				httpx.Logger(r.Context()).Warn("not ready", "err", err)
				httpx.WriteJSON(w, r, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database not writable"})
				return
			}
		}
		httpx.WriteJSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
	})
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
		w, r = httpx.CloseIfUnread(w, r)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					// A response ended on purpose without its end (an
					// export that failed mid-stream): logged, counted as a
					// server error, and the connection closed by net/http.
					if _, _, outcome := labels.Get(); outcome == "" {
						httpx.SetOutcome(ctx, httpx.OutcomeServerError)
					}
					finish(ctx, r, sw, labels, m, start)
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
	set := outcome != ""
	if !set {
		outcome = httpx.OutcomeOf(status)
	}
	m.observe(api, action, outcome, d)
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", status,
		"bytes", sw.size, "duration_ms", float64(d.Microseconds()) / 1000, "api", api, "action", action}
	if set && outcome != httpx.OutcomeOf(status) {
		// What the status does not say: an API's error answered with
		// 200, or a response aborted after it began.
		attrs = append(attrs, "outcome", outcome)
	}
	if tenant, principal := labels.Principal(); principal != "" {
		attrs = append(attrs, "tenant", tenant, "principal", principal)
	}
	httpx.Logger(ctx).Info("request", attrs...)
}
