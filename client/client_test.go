package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/client"
	"github.com/google/go-cmp/cmp"
)

const token = "s3cret"

// fake answers like /api/v1 and records what it was asked.
type fake struct {
	t        *testing.T
	status   int
	body     string
	gotPath  string
	gotQuery url.Values
	gotCT    string
	gotBody  string
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+token {
		f.t.Errorf("Authorization %q", r.Header.Get("Authorization"))
	}
	b, _ := io.ReadAll(r.Body)
	f.gotPath, f.gotQuery, f.gotCT, f.gotBody = r.URL.Path, r.URL.Query(), r.Header.Get("Content-Type"), string(b)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	io.WriteString(w, f.body)
}

func newClient(t *testing.T, f *fake, opts ...client.Option) *client.Client {
	t.Helper()
	f.t = t
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL+"/", token, append([]client.Option{client.WithHTTPClient(srv.Client())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestUpsertRecords(t *testing.T) {
	f := &fake{status: 200, body: `{"inserted":1,"updated":0,"unchanged":2,"stale":1,"rejected":1,"errors":[{"line":3,"code":"invalid","field":"start_at","message":"required"}]}`}
	c := newClient(t, f, client.WithTenant("acme"))
	got, err := c.UpsertRecords(context.Background(), strings.NewReader("{}\n"), "application/x-ndjson", true)
	if err != nil {
		t.Fatal(err)
	}
	want := client.UpsertResponse{Inserted: 1, Unchanged: 2, Stale: 1, Rejected: 1,
		Errors: []client.LineError{{Line: 3, Code: "invalid", Field: "start_at", Message: "required"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if f.gotPath != "/api/v1/records" || f.gotQuery.Get("dry_run") != "true" || f.gotQuery.Get("tenant") != "acme" ||
		f.gotCT != "application/x-ndjson" || f.gotBody != "{}\n" {
		t.Errorf("request %s %v %q %q", f.gotPath, f.gotQuery, f.gotCT, f.gotBody)
	}
}

func TestListAndGet(t *testing.T) {
	f := &fake{status: 200, body: `{"records":[{"id":"rec_a","channel":"voice","source":"native","source_id":"a","start_at":1700000000000,"direction":"unknown","call_type":"direct","disposition":"unknown","hangup_by":"unknown"}],"next_cursor":"cur","total":7}`}
	c := newClient(t, f)
	got, err := c.ListRecords(context.Background(), url.Values{"channel": {"voice"}, "count": {"true"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Records) != 1 || got.NextCursor != "cur" || got.Total == nil || *got.Total != 7 {
		t.Fatalf("got %+v", got)
	}
	if !strings.HasPrefix(string(got.Records[0]), `{"id":"rec_a",`) {
		t.Errorf("raw record %s", got.Records[0])
	}
	if f.gotQuery.Get("channel") != "voice" || f.gotQuery.Has("tenant") {
		t.Errorf("query %v", f.gotQuery)
	}
	// A caller decodes a record into a type of its own.
	var rec struct {
		ID      string `json:"id"`
		StartAt int64  `json:"start_at"`
	}
	if err := json.Unmarshal(got.Records[0], &rec); err != nil || rec.ID != "rec_a" || rec.StartAt != 1700000000000 {
		t.Errorf("decoded %+v, %v", rec, err)
	}

	f.body = `{"id":"rec_a","source_id":"a","future_field":[1]}`
	raw, err := c.GetRecord(context.Background(), "rec_a")
	if err != nil || string(raw) != f.body || f.gotPath != "/api/v1/records/rec_a" {
		t.Errorf("GetRecord: %s %v (path %s)", raw, err, f.gotPath)
	}
	f.status, f.body = 404, `{"error":{"code":"not_found","message":"no record rec_b"}}`
	var e *client.Error
	if raw, err := c.GetRecord(context.Background(), "rec_b"); raw != nil || !errors.As(err, &e) || e.Code != "not_found" {
		t.Errorf("GetRecord of a missing record: %s %v", raw, err)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		want      client.Error
		retryable bool
	}{
		{"envelope", 400, `{"error":{"code":"invalid","message":"channel: unknown value \"fax\""}}`,
			client.Error{StatusCode: 400, Code: "invalid", Message: `channel: unknown value "fax"`}, false},
		{"unauthorized", 401, `{"error":{"code":"unauthorized","message":"invalid bearer token"}}`,
			client.Error{StatusCode: 401, Code: "unauthorized", Message: "invalid bearer token"}, false},
		{"unavailable", 503, `{"error":{"code":"unavailable","message":"database busy"}}`,
			client.Error{StatusCode: 503, Code: "unavailable", Message: "database busy"}, true},
		{"no envelope", 502, `<html>bad gateway</html>`,
			client.Error{StatusCode: 502, Code: "internal", Message: "HTTP 502 Bad Gateway without an error envelope"}, false},
		{"proxy 503", 503, ``,
			client.Error{StatusCode: 503, Code: "unavailable", Message: "HTTP 503 Service Unavailable without an error envelope"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, &fake{status: tt.status, body: tt.body})
			_, err := c.ListRecords(context.Background(), nil)
			var e *client.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *client.Error", err, err)
			}
			if diff := cmp.Diff(tt.want, *e); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if client.Retryable(err) != tt.retryable {
				t.Errorf("Retryable = %v", !tt.retryable)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

func TestNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	c, err := client.New(base, token)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpsertRecords(context.Background(), strings.NewReader("{}"), "application/x-ndjson", false)
	var e *client.Error
	if err == nil || errors.As(err, &e) || !client.Retryable(err) {
		t.Errorf("error %v: want a retryable network error", err)
	}

	// A cut answer is a network error too; a cancelled context is not retryable.
	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, `{"records":[`)
	}))
	defer cut.Close()
	c, _ = client.New(cut.URL, token)
	if _, err := c.ListRecords(context.Background(), nil); err == nil || !client.Retryable(err) {
		t.Errorf("cut answer: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.ListRecords(ctx, nil); err == nil || client.Retryable(err) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestNew(t *testing.T) {
	for _, base := range []string{"", "localhost:8080", "ftp://x", "http://"} {
		if _, err := client.New(base, token); err == nil {
			t.Errorf("New(%q) accepted", base)
		}
	}
	if _, err := client.New("http://x", ""); err == nil {
		t.Error("empty token accepted")
	}
	f := &fake{status: 200, body: `{"records":[]}`}
	f.t = t
	srv := httptest.NewServer(http.StripPrefix("/cdrhub", f))
	defer srv.Close()
	c, err := client.New(srv.URL+"/cdrhub/api/v1/", token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListRecords(context.Background(), nil); err != nil || f.gotPath != "/api/v1/records" {
		t.Errorf("behind a prefix: %v, path %s", err, f.gotPath)
	}
}
