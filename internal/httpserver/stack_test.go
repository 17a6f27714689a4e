package httpserver_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/metrics"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// Secrets of the test stack; no log line may contain any of them.
const (
	tenantToken = "tenant-tok-6f1d2c9e8b"
	adminToken  = "admin-tok-3a7e5b0c4d"
	wrongToken  = "wrong-tok-9c8b7a6f5e"
	headerKey   = "header-key-0e1f2a3b4c"
)

// stack is the handler stack of cdrhub serve: httpserver routes over the
// native API over an instrumented store, with one registry, and the extra
// routes a test gives.
type stack struct {
	srv *httptest.Server
	db  cdr.Store // the store itself
	reg *metrics.Registry
}

func newStack(t *testing.T, log *slog.Logger, extra ...httpserver.TestRoute) *stack {
	t.Helper()
	db := storetest.Open(t, sqlstore.Options{CacheMiB: 4})
	reg := metrics.NewRegistry()
	metrics.RegisterRuntime(reg, "test")
	store := metrics.InstrumentStore(db, reg)
	api, err := native.New(store, []native.Token{
		{Name: "acme", Secret: tenantToken, Tenant: "acme"},
		{Name: "ops", Secret: adminToken},
	}, []string{"acme"}, native.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	apis := httpserver.APIs{Native: api}
	h := httpserver.Routes(httpserver.Ready{DB: store}, reg, log, apis)
	if len(extra) > 0 {
		h = httpserver.RoutesWith(httpserver.Ready{DB: store}, reg, log, apis, extra...)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &stack{srv: srv, db: db, reg: reg}
}

// request is one request to the stack.
type request struct {
	method, path, token, body string
	header                    map[string]string
}

// do sends req and returns the status and the body.
func (s *stack) do(t *testing.T, req request) (int, string) {
	t.Helper()
	r, err := http.NewRequest(req.method, s.srv.URL+req.path, strings.NewReader(req.body))
	if err != nil {
		t.Fatal(err)
	}
	if req.token != "" {
		r.Header.Set("Authorization", "Bearer "+req.token)
	}
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// scrape returns the /metrics page.
func (s *stack) scrape(t *testing.T) string {
	t.Helper()
	code, body := s.do(t, request{method: "GET", path: "/metrics"})
	if code != 200 {
		t.Fatalf("GET /metrics: %d %s", code, body)
	}
	return body
}
