package metrics_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/health"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/ingest"
	"github.com/cdrhub/cdrhub/internal/metrics"
	"github.com/cdrhub/cdrhub/internal/recordings"
)

// store is a cdr.Store and cdr.WriteProber that holds nothing and always
// succeeds.
type store struct{}

func (store) UpsertRecords(_ context.Context, _ cdr.TenantID, recs []*cdr.Record, _ cdr.UpsertOptions) (cdr.UpsertResult, error) {
	return cdr.UpsertResult{Inserted: len(recs)}, nil
}
func (store) FindRecordByID(context.Context, cdr.TenantID, string) (*cdr.Record, error) {
	return nil, cdr.Errorf(cdr.ENOTFOUND, "no record")
}
func (store) FindRecords(context.Context, cdr.TenantID, cdr.Filter) ([]*cdr.Record, int, error) {
	return nil, 0, nil
}
func (store) StreamRecords(context.Context, cdr.TenantID, cdr.Filter, func([]byte, cdr.Cursor) error) error {
	return nil
}
func (store) Ping(context.Context) error       { return nil }
func (store) ProbeWrite(context.Context) error { return nil }
func (store) Close() error                     { return nil }

// serveRegistry returns a registry holding what serve registers, through
// the same registration functions and in the same order (but the rollup
// gauges, which cmd/cdrhub registers itself), and the routes serve mounts
// on it (without the APIs, which only the listener imports), after a few
// requests and store operations: so that every family those functions
// create has series, as on a running server.
func serveRegistry(tb testing.TB) (*metrics.Registry, http.Handler) {
	tb.Helper()
	reg := metrics.NewRegistry()
	metrics.RegisterRuntime(reg, "1.2.3 (test)")
	instrumented := metrics.InstrumentStore(store{}, reg)
	dbHealth := health.New(instrumented, metrics.InstrumentWriteProber(store{}, reg), reg)
	st := dbHealth.Store(instrumented)
	recordings.NewMetrics(reg)
	ingest.NewMetrics(reg, cdr.SourceTencentCCC, cdr.SourceAliyunCCC, cdr.SourceTRTCCallKit, cdr.SourceTencentDesk, cdr.SourceLaaffic)
	routes := httpserver.Routes(httpserver.Ready{DB: dbHealth, Writes: dbHealth}, reg, slog.New(slog.DiscardHandler), httpserver.APIs{})
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/records", "/no/such/route"} {
		routes.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	ctx, acme := context.Background(), cdr.MustTenantID("acme")
	st.UpsertRecords(ctx, acme, []*cdr.Record{{}}, cdr.UpsertOptions{})
	st.FindRecords(ctx, acme, cdr.Filter{})
	st.FindRecordByID(ctx, acme, "rec_missing")
	st.StreamRecords(ctx, acme, cdr.Filter{}, nil)
	return reg, routes
}

// BenchmarkScrape times one GET /metrics of serve's registry, and reports
// the size of the page.
func BenchmarkScrape(b *testing.B) {
	for _, bm := range []struct{ name, accept, encoding string }{
		{"text", "", ""},
		{"openmetrics", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5", ""},
		{"text-gzip", "", "gzip"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			reg, _ := serveRegistry(b)
			h := reg.Handler()
			var size int
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("GET", "/metrics", nil)
				if bm.accept != "" {
					req.Header.Set("Accept", bm.accept)
				}
				if bm.encoding != "" {
					req.Header.Set("Accept-Encoding", bm.encoding)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET /metrics: %d", rec.Code)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/scrape")
		})
	}
}
