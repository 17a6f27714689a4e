package vendorhttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/ingest"
	"github.com/cdrhub/cdrhub/internal/ingest/vendorhttp"
	"github.com/google/go-cmp/cmp"
)

func TestBaseURL(t *testing.T) {
	for _, tc := range []struct{ endpoint, want, err string }{
		{"https://ccc.example.com", "https://ccc.example.com", ""},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080", ""},
		{"ftp://example.com", "", `v: endpoint "ftp://example.com": the scheme must be https or http`},
		{"https://example.com/v1", "", `v: endpoint "https://example.com/v1": want a scheme and a host, nothing else`},
		{"https://example.com?a=1", "", "want a scheme and a host"},
		{"https://example.com#f", "", "want a scheme and a host"},
		{"https://u:p@example.com", "", "want a scheme and a host"},
		{"https://", "", "want a scheme and a host"},
		{"http://[::1", "", "v: endpoint: parse"},
	} {
		got, err := vendorhttp.BaseURL("v", tc.endpoint)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("BaseURL(%q) = %q, %v; want %q, %q", tc.endpoint, got, err, tc.want, tc.err)
		}
	}
}

func TestNewClient(t *testing.T) {
	dir := t.TempDir()
	noPEM := filepath.Join(dir, "no.pem")
	if err := os.WriteFile(noPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ caFile, err string }{
		{"", ""},
		{filepath.Join(dir, "none.pem"), "v: CA file: open"},
		{noPEM, "v: CA file " + noPEM + " holds no PEM certificate"},
	} {
		hc, err := vendorhttp.NewClient("v", tc.caFile, time.Second)
		if (err == nil) != (tc.err == "") || (err != nil && !strings.HasPrefix(err.Error(), tc.err)) {
			t.Errorf("NewClient(%q): %v, want %q", tc.caFile, err, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		tr := hc.Transport.(*http.Transport)
		if hc.Timeout != time.Second || tr.TLSClientConfig.MinVersion < 0x0303 || tr.Proxy == nil {
			t.Errorf("client: timeout %v, TLS %x, proxy set %v", hc.Timeout, tr.TLSClientConfig.MinVersion, tr.Proxy != nil)
		}
	}
}

// A redirect is answered as it is, never followed.
func TestRedirectNotFollowed(t *testing.T) {
	var followed bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed = true
		}
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	hc, _ := vendorhttp.NewClient("v", "", time.Second)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
	a, err := vendorhttp.Do(context.Background(), hc, req, 1<<10, time.Now)
	if err != nil || a.Status != http.StatusFound || followed {
		t.Errorf("Do = %d, %v, followed %v; want the 302 itself", a.Status, err, followed)
	}
}

func TestDo(t *testing.T) {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		max     int64
		want    vendorhttp.Answer
		failure *vendorhttp.Failure
	}{
		{"whole", 200, "12345", 5, vendorhttp.Answer{Status: 200, Body: []byte("12345"), At: at}, nil},
		{"error status", 503, "{}", 5, vendorhttp.Answer{Status: 503, Body: []byte("{}"), At: at}, nil},
		{"too long", 200, "123456", 5, vendorhttp.Answer{},
			&vendorhttp.Failure{Kind: ingest.Transient, Status: 200, Message: "the response body exceeds 5 bytes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-Id", "r-1")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
			a, err := vendorhttp.Do(context.Background(), srv.Client(), req, tc.max, now)
			if tc.failure != nil {
				f, ok := errors.AsType[*vendorhttp.Failure](err)
				if !ok || f.Kind != tc.failure.Kind || f.Status != tc.failure.Status || f.Message != tc.failure.Message {
					t.Errorf("Do: %v, want %v", err, tc.failure)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Header.Get("X-Request-Id") != "r-1" {
				t.Errorf("header %v", a.Header)
			}
			a.Header = nil
			if diff := cmp.Diff(tc.want, a); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

// No answer: the caller's own cancellation as it is, anything else a
// Transient Failure "no answer" with its cause.
func TestDoNoAnswer(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	req, _ := http.NewRequest(http.MethodPost, closed.URL, nil)
	_, err := vendorhttp.Do(context.Background(), http.DefaultClient, req, 10, time.Now)
	if f, ok := errors.AsType[*vendorhttp.Failure](err); !ok || f.Kind != ingest.Transient || f.Message != "no answer" || f.Err == nil {
		t.Errorf("no server: %v, want a Transient no answer", err)
	}

	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer hang.Close()
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, hang.URL, nil)
	_, err = vendorhttp.Do(ctx, http.DefaultClient, req, 10, time.Now)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	} else if _, ok := errors.AsType[*vendorhttp.Failure](err); ok {
		t.Errorf("cancelled: %v is a Failure", err)
	}
}

func TestStatusKind(t *testing.T) {
	for _, tc := range []struct {
		status          int
		kind, malformed ingest.Kind
	}{
		{200, ingest.Invalid, ingest.Transient},
		{400, ingest.Invalid, ingest.Invalid},
		{403, ingest.Invalid, ingest.Invalid},
		{408, ingest.Transient, ingest.Transient},
		{429, ingest.Throttled, ingest.Throttled},
		{500, ingest.Transient, ingest.Transient},
		{503, ingest.Transient, ingest.Transient},
	} {
		if got := vendorhttp.StatusKind(tc.status); got != tc.kind {
			t.Errorf("StatusKind(%d) = %v, want %v", tc.status, got, tc.kind)
		}
		if got := vendorhttp.MalformedKind(tc.status); got != tc.malformed {
			t.Errorf("MalformedKind(%d) = %v, want %v", tc.status, got, tc.malformed)
		}
	}
}

func TestWindowFault(t *testing.T) {
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		from, to time.Time
		unit     time.Duration
		bounded  bool
		want     string
	}{
		{"a day", from, from.Add(24 * time.Hour), time.Second, true, ""},
		{"a fraction of a second", from, from.Add(time.Millisecond), time.Second, false, "its bounds must be whole seconds"},
		{"whole milliseconds", from, from.Add(time.Millisecond), time.Millisecond, false, ""},
		{"a fraction of a millisecond", from.Add(time.Microsecond), from.Add(time.Second), time.Millisecond, false, "its bounds must be whole milliseconds"},
		{"before 2000", vendorhttp.MinTime.Add(-time.Second), from, time.Second, false, "it must not start before 2000-01-01T00:00:00Z"},
		{"from 2000", vendorhttp.MinTime, vendorhttp.MinTime.Add(time.Second), time.Second, false, ""},
		{"past 9999, bounded", from, vendorhttp.MaxTime.Add(time.Second), time.Second, true, "it must end by 10000-01-01T00:00:00Z"},
		{"to 10000, bounded", vendorhttp.MaxTime.Add(-time.Hour), vendorhttp.MaxTime, time.Second, true, ""},
		{"past 9999, unbounded", vendorhttp.MaxTime, vendorhttp.MaxTime.Add(time.Second), time.Second, false, ""},
		{"empty", from, from, time.Second, false, "it must end after it starts"},
		{"reversed", from, from.Add(-time.Second), time.Second, true, "it must end after it starts"},
	} {
		if got := vendorhttp.WindowFault(tc.from, tc.to, tc.unit, tc.bounded); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// list is the member a client's rawList stands for.
type list struct{ vendorhttp.RawList }

func (l *list) UnmarshalJSON(b []byte) error { return l.Split(b, "list") }

func TestRawList(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		set        bool
		want       []string
		err        string
	}{
		{"absent", `{}`, false, nil, ""},
		{"null", `{"list":null}`, true, nil, ""},
		{"empty", `{"list":[ ]}`, true, []string{}, ""},
		{"elements kept byte for byte", `{"list":[ {"a":"x,]}"} , [1,[2]],"s\"]",3 ,null]}`, true,
			[]string{`{"a":"x,]}"}`, `[1,[2]]`, `"s\"]"`, `3`, `null`}, ""},
		{"not an array", `{"list":{}}`, true, nil, "list is not an array"},
		{"a string", `{"list":"[]"}`, true, nil, "list is not an array"},
		{"null after a list", `{"list":[{}],"list":null}`, true, []string{`{}`}, ""},
	} {
		var v struct{ List list }
		err := json.Unmarshal([]byte(tc.body), &v)
		if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
			continue
		}
		var got []string
		if v.List.List != nil {
			got = []string{}
		}
		for _, e := range v.List.List {
			got = append(got, string(e))
		}
		if v.List.Set != tc.set || !cmp.Equal(got, tc.want) {
			t.Errorf("%s: set %v, %q; want %v, %q", tc.name, v.List.Set, got, tc.set, tc.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	cause := errors.New("dial tcp: refused")
	for _, tc := range []struct {
		status        int
		code, message string
		cause         error
		want          string
	}{
		{0, "", "", nil, "v: throttled"},
		{200, "C", "m", nil, "v: throttled: C: m"},
		{429, "", "m", cause, "v: throttled: HTTP 429: m: dial tcp: refused"},
		{0, "", "no answer", cause, "v: throttled: no answer: dial tcp: refused"},
	} {
		if got := vendorhttp.ErrorText("v", ingest.Throttled, tc.status, tc.code, tc.message, tc.cause); got != tc.want {
			t.Errorf("ErrorText = %q, want %q", got, tc.want)
		}
	}
}

func TestRecords(t *testing.T) {
	for _, tc := range []struct {
		name, body  string
		size        int
		total       int64
		want, fault string
	}{
		{"a page", `{"list":[{"a":1},{"b":2}]}`, 2, 5, `[{"a":1},{"b":2}]`, ""},
		{"null", `{"list":null}`, 2, 0, `[]`, ""},
		{"empty", `{"list":[]}`, 2, 0, `[]`, ""},
		{"absent", `{}`, 2, 0, "", "no list array"},
		{"over the page", `{"list":[{},{},{}]}`, 2, 5, "", "3 records on a page of 2"},
		{"over the total", `{"list":[{},{}]}`, 2, 1, "", "2 records of a count of 1"},
		{"not an object", `{"list":[{},[1]]}`, 2, 5, "", "list[1] is not an object"},
	} {
		var v struct{ List list }
		if err := json.Unmarshal([]byte(tc.body), &v); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, fault := v.List.Records(tc.size, tc.total, "list", "count")
		if fault != tc.fault {
			t.Errorf("%s: fault %q, want %q", tc.name, fault, tc.fault)
		}
		if tc.fault != "" {
			if got != nil {
				t.Errorf("%s: records %s with a fault", tc.name, got)
			}
			continue
		}
		if b, _ := json.Marshal(got); got == nil || string(b) != tc.want {
			t.Errorf("%s: records %s, want %s", tc.name, b, tc.want)
		}
	}
}
