package httpserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/httpx"
	"github.com/cdrhub/cdrhub/internal/metrics"
)

type fakeDB struct{ err error }

func (f *fakeDB) Ping(context.Context) error { return f.err }

// testRoutes are the routes of TestRoutes beside the table's.
var testRoutes = []route{
	{pattern: "GET /boom", api: "test", action: "boom", handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") })},
	{pattern: "GET /id", api: "test", action: "id", handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.Logger(r.Context()).Info("inside")
		w.Write([]byte(httpx.RequestID(r.Context())))
	})},
}

// withRoutes is Routes with extra routes after the table's.
func withRoutes(ready Ready, log *slog.Logger, apis APIs, extra ...route) http.Handler {
	reg := metrics.NewRegistry()
	return mount(append(table(ready, reg, apis), extra...), reg, log)
}

func TestRoutes(t *testing.T) {
	var logs bytes.Buffer
	db := &fakeDB{}
	h := withRoutes(Ready{DB: db}, slog.New(slog.NewJSONHandler(&logs, nil)), APIs{}, testRoutes...)
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path+"?secret=hunter2", nil))
		return rec
	}
	if rec := get("/healthz"); rec.Code != 200 {
		t.Errorf("healthz %d", rec.Code)
	}
	if rec := get("/readyz"); rec.Code != 200 {
		t.Errorf("readyz %d", rec.Code)
	}
	db.err = errors.New("database is down")
	if rec := get("/readyz"); rec.Code != 503 {
		t.Errorf("readyz with the database down: %d", rec.Code)
	}
	if rec := get("/healthz"); rec.Code != 200 {
		t.Errorf("healthz with the database down: %d", rec.Code)
	}
	rec := get("/boom")
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"internal"`) {
		t.Errorf("panic: %d %s", rec.Code, rec.Body)
	}
	rec = get("/id")
	id := rec.Header().Get(httpx.RequestIDHeader)
	if len(id) != 32 || rec.Body.String() != id {
		t.Errorf("request id header %q, context %q", id, rec.Body)
	}
	var inside, access bool
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"msg":"inside"`) {
			inside = strings.Contains(line, `"request_id":"`+id+`"`)
		}
		if strings.Contains(line, `"msg":"request"`) && strings.Contains(line, `"path":"/id"`) {
			access = strings.Contains(line, `"request_id":"`+id+`"`) && strings.Contains(line, `"status":200`)
		}
	}
	if !inside || !access {
		t.Errorf("request id missing from log lines (handler %v, access %v):\n%s", inside, access, logs.String())
	}
	if strings.Contains(logs.String(), "hunter2") {
		t.Errorf("the query string reached the log:\n%s", logs.String())
	}
}

func TestServeDrainsAndStops(t *testing.T) {
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		w.Write([]byte("done"))
	})
	s, err := Listen("127.0.0.1:0", h, TLSFiles{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, 5*time.Second) }()
	body := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + s.Addr().String() + "/")
		if err != nil {
			body <- err.Error()
			return
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		body <- b.String()
	}()
	<-started
	cancel()
	if got := <-body; got != "done" {
		t.Errorf("in-flight request got %q", got)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := http.Get("http://" + s.Addr().String() + "/"); err == nil {
		t.Error("still accepting after shutdown")
	}
}

// rootAPI claims requests to "/" that carry X-Test, or Test among their
// parameters.
type rootAPI struct{}

func (rootAPI) ClaimsHeaders(r *http.Request) bool { return r.Header.Get("X-Test") != "" }
func (rootAPI) Claims(r *http.Request, params url.Values) bool {
	return params.Get("Test") != ""
}
func (rootAPI) ServeRoot(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Write([]byte("claimed:" + string(body)))
}

func TestRootDispatch(t *testing.T) {
	h := withRoutes(Ready{DB: &fakeDB{}}, slog.New(slog.DiscardHandler), APIs{}, route{pattern: rootPattern, api: "test", action: "test", claim: rootAPI{}})
	serve := func(req *http.Request) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	req := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
	req.Header.Set("X-Test", "1")
	if rec := serve(req); rec.Body.String() != "claimed:{}" {
		t.Errorf("header claim: %d %s", rec.Code, rec.Body)
	}
	req = httptest.NewRequest("POST", "/", strings.NewReader("Test=1&a=b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if rec := serve(req); rec.Body.String() != "claimed:Test=1&a=b" {
		t.Errorf("form claim: %d %s", rec.Code, rec.Body)
	}
	if rec := serve(httptest.NewRequest("GET", "/?Test=1", nil)); !strings.HasPrefix(rec.Body.String(), "claimed:") {
		t.Errorf("query claim: %d %s", rec.Code, rec.Body)
	}
	if rec := serve(httptest.NewRequest("POST", "/", strings.NewReader("{}"))); rec.Code != 404 || !strings.Contains(rec.Body.String(), "not_found") {
		t.Errorf("unclaimed: %d %s", rec.Code, rec.Body)
	}
}
