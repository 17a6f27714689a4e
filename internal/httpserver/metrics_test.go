package httpserver_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/httpx"
)

// vendorRoutes answer like a vendor API: HTTP 200 with an error code in
// the body, which the handler reports as the outcome.
var vendorRoutes = []httpserver.TestRoute{
	{Pattern: "POST /vendor/", API: "vendor", Action: "DescribeTelCdr", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.SetOutcome(r.Context(), httpx.OutcomeClientError)
		httpx.WriteJSON(w, r, http.StatusOK, map[string]string{"Code": "InvalidParameter"})
	})},
	{Pattern: "GET /vendor/fail", API: "vendor", Action: "Fail", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusBadGateway)
	})},
	{Pattern: "GET /vendor/boom", API: "vendor", Action: "Boom", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	})},
}

func TestHTTPMetricLabels(t *testing.T) {
	s := newStack(t, slog.New(slog.DiscardHandler), vendorRoutes...)
	reqs := []struct {
		req    request
		status int
	}{
		{request{method: "GET", path: "/api/v1/records", token: tenantToken}, 200},
		{request{method: "GET", path: "/api/v1/records"}, 401},
		{request{method: "GET", path: "/api/v1/records?tenant=acme", token: adminToken}, 200},
		{request{method: "POST", path: "/api/v1/records", token: tenantToken,
			body: `{"channel":"chat","source":"native","source_id":"c-1","start_at":1763700300000}`}, 200},
		{request{method: "GET", path: "/api/v1/records/rec_missing", token: tenantToken}, 404},
		{request{method: "DELETE", path: "/api/v1/records", token: tenantToken}, 404},
		{request{method: "GET", path: "/no/such/" + tenantToken}, 404},
		{request{method: "GET", path: "/healthz"}, 200},
		{request{method: "GET", path: "/readyz"}, 200},
		{request{method: "POST", path: "/vendor/?Action=DescribeTelCdr"}, 200},
		{request{method: "GET", path: "/vendor/fail"}, 502},
		{request{method: "GET", path: "/vendor/boom"}, 500},
	}
	for _, r := range reqs {
		if code, body := s.do(t, r.req); code != r.status {
			t.Errorf("%s %s: %d %s, want %d", r.req.method, r.req.path, code, body, r.status)
		}
	}
	s.scrape(t) // counted once it has been served
	page := s.scrape(t)
	for _, want := range []string{
		`cdrhub_http_requests_total{action="list_records",api="native",outcome="ok"} 2`,
		`cdrhub_http_requests_total{action="list_records",api="native",outcome="client_error"} 1`,
		`cdrhub_http_requests_total{action="upsert_records",api="native",outcome="ok"} 1`,
		`cdrhub_http_requests_total{action="get_record",api="native",outcome="client_error"} 1`,
		`cdrhub_http_requests_total{action="no_route",api="native",outcome="client_error"} 1`,
		`cdrhub_http_requests_total{action="none",api="none",outcome="client_error"} 1`,
		`cdrhub_http_requests_total{action="healthz",api="health",outcome="ok"} 1`,
		`cdrhub_http_requests_total{action="readyz",api="health",outcome="ok"} 1`,
		`cdrhub_http_requests_total{action="scrape",api="metrics",outcome="ok"} 1`,
		`cdrhub_http_requests_total{action="DescribeTelCdr",api="vendor",outcome="client_error"} 1`,
		`cdrhub_http_requests_total{action="Fail",api="vendor",outcome="server_error"} 1`,
		`cdrhub_http_requests_total{action="Boom",api="vendor",outcome="server_error"} 1`,
		`cdrhub_http_request_duration_seconds_bucket{action="list_records",api="native",le="+Inf"} 3`,
		`cdrhub_http_request_duration_seconds_count{action="list_records",api="native"} 3`,
		`cdrhub_records_upserted_total{class="inserted"} 1`,
		`cdrhub_store_operations_total{op="upsert",outcome="ok"} 1`,
		`cdrhub_store_operations_total{op="get",outcome="not_found"} 1`,
		`cdrhub_store_operations_total{op="ping",outcome="ok"} 1`,
		`cdrhub_build_info{version="test"} 1`,
	} {
		if !strings.Contains(page, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(page, "/no/such") || strings.Contains(page, tenantToken) {
		t.Errorf("a path reached a label:\n%s", page)
	}
}

func TestMetricsContentType(t *testing.T) {
	s := newStack(t, slog.New(slog.DiscardHandler))
	resp, err := http.Get(s.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8; escaping=underscores" {
		t.Errorf("Content-Type %q", ct)
	}
	if resp.Header.Get(httpx.RequestIDHeader) == "" {
		t.Error("/metrics has no request id")
	}
}

type okDB struct{}

func (okDB) Ping(context.Context) error { return nil }

// TestRoutesOwnRegistry checks that Routes, without a registry given,
// serves the HTTP and runtime metrics.
func TestRoutesOwnRegistry(t *testing.T) {
	h := httpserver.Routes(httpserver.Ready{DB: okDB{}}, nil, slog.New(slog.DiscardHandler), httpserver.APIs{})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	page := rec.Body.String()
	for _, want := range []string{
		`cdrhub_http_requests_total{action="healthz",api="health",outcome="ok"} 1` + "\n",
		"\ngo_goroutines ",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "cdrhub_build_info") {
		t.Errorf("build info without a version:\n%s", page)
	}
}
