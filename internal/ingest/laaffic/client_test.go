package laaffic_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	lfauth "github.com/cdrhub/cdrhub/internal/auth/laaffic"
	"github.com/cdrhub/cdrhub/internal/ingest/laaffic"
	"github.com/cdrhub/cdrhub/internal/ingest/vendorhttp/vendorhttptest"
	"github.com/google/go-cmp/cmp"
)

const apiKey, apiSecret = "bDqJFiq9", "7bz1lzh9"

// shanghai is the account's zone; from and to are a window of one day
// there: 2026-11-01.
var (
	shanghai = mustZone("Asia/Shanghai")
	newYork  = mustZone("America/New_York")
	from     = time.Date(2026, 11, 1, 0, 0, 0, 0, shanghai)
	to       = from.Add(24 * time.Hour)
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// fake is a vendor that verifies each request's headers and answers with
// status and body.
type fake = vendorhttptest.Server[seen]

type seen struct {
	method, path string
	header       http.Header
	body         []byte
	err          error
}

func newFake(t *testing.T, tlsServer bool, answer func(w http.ResponseWriter)) *fake {
	t.Helper()
	see := func(r *http.Request, body []byte) *seen {
		key, ts, sign := lfauth.Headers(r)
		err := errors.New("unknown Api-Key")
		if key == apiKey {
			err = lfauth.Verify(key, apiSecret, ts, sign, time.Now(), 300*time.Second)
		}
		return &seen{r.Method, r.URL.RequestURI(), r.Header.Clone(), body, err}
	}
	return vendorhttptest.New(t, tlsServer, see, answer)
}

func answer(status int, body string) func(w http.ResponseWriter) {
	header := http.Header{"Content-Type": {"application/json;charset=utf-8"}, "X-Request-Id": {"req-1"}}
	return vendorhttptest.Answer(status, header, body)
}

func newClient(t *testing.T, endpoint string, edit func(*laaffic.Config)) *laaffic.Client {
	t.Helper()
	cfg := laaffic.Config{Endpoint: endpoint, APIKey: apiKey, APISecret: apiSecret, Location: shanghai, Timeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := laaffic.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const (
	page      = `{"status":"0","reason":"success","data":{"records":[{"callSessionId":"a","callStartTime":"2026-11-01 08:00:00"},  {"callSessionId":"b","labels":["x"]}],"total":2,"size":100,"current":4,"pages":1}}`
	countPage = `{"status":"0","reason":"success","data":{"records":[{"callSessionId":"a"}],"total":2,"size":1,"current":1,"pages":2}}`
)

// The request: a signed POST of ccRecordQuery to the path, current from
// 1, the window in the account's offset with an inclusive end.
func TestRequest(t *testing.T) {
	f := newFake(t, false, answer(200, page))
	now := time.Now().Truncate(time.Second)
	c := newClient(t, f.URL, func(c *laaffic.Config) { c.Now = func() time.Time { return now } })
	p, err := c.Page(context.Background(), from, to, 3)
	if err != nil {
		t.Fatal(err)
	}
	got := f.Last()
	if got.err != nil {
		t.Fatalf("the headers do not verify: %v", got.err)
	}
	if got.method != http.MethodPost || got.path != "/v3/voice/ccRecordQuery" {
		t.Errorf("%s %s, want POST /v3/voice/ccRecordQuery", got.method, got.path)
	}
	if ts := got.header.Get("Timestamp"); ts != strconv.FormatInt(now.Unix(), 10) {
		t.Errorf("Timestamp %q, want %d", ts, now.Unix())
	}
	wantBody := `{"current":4,"size":100,"params":{"strTime":"2026-11-01T00:00:00+08:00","endTime":"2026-11-01T23:59:59+08:00"}}`
	if string(got.body) != wantBody {
		t.Errorf("body %s, want %s", got.body, wantBody)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json;charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	wantPage := laaffic.Page{TotalCount: 2, RequestID: "req-1", FetchedAt: now, Records: []json.RawMessage{
		json.RawMessage(`{"callSessionId":"a","callStartTime":"2026-11-01 08:00:00"}`), json.RawMessage(`{"callSessionId":"b","labels":["x"]}`)}}
	if diff := cmp.Diff(wantPage, p); diff != "" {
		t.Errorf("page (-want +got):\n%s", diff)
	}

	f = newFake(t, false, answer(200, countPage))
	n, err := newClient(t, f.URL, func(c *laaffic.Config) { c.Path = "/voice/ccRecordQuery" }).Count(context.Background(), from, to)
	if err != nil || n != 2 {
		t.Fatalf("Count = %d, %v; want 2", n, err)
	}
	got = f.Last()
	if !strings.HasPrefix(string(got.body), `{"current":1,"size":1,`) || got.path != "/voice/ccRecordQuery" {
		t.Errorf("Count sent %s to %s, want page 1 of one record to /voice/ccRecordQuery", got.body, got.path)
	}
}

func TestWindow(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	max := laaffic.MaxWindow
	for _, tc := range []struct {
		name       string
		loc        *time.Location
		from, to   time.Time
		start, end string
		ok         bool
	}{
		{"one day", shanghai, from, to, "2026-11-01T00:00:00+08:00", "2026-11-01T23:59:59+08:00", true},
		{"one second", shanghai, from, from.Add(time.Second), "2026-11-01T00:00:00+08:00", "2026-11-01T00:00:00+08:00", true},
		{"UTC", time.UTC, from, to, "2026-10-31T16:00:00+00:00", "2026-11-01T15:59:59+00:00", true},
		{"month end", shanghai, utc("2026-01-31T15:00:00Z"), utc("2026-01-31T17:00:00Z"), "2026-01-31T23:00:00+08:00", "2026-02-01T00:59:59+08:00", true},
		{"New York fall-back", newYork, utc("2026-11-01T04:00:00Z"), utc("2026-11-01T08:00:00Z"), "2026-11-01T00:00:00-04:00", "2026-11-01T02:59:59-05:00", true},
		{"New York spring-forward", newYork, utc("2026-03-08T06:00:00Z"), utc("2026-03-08T08:00:00Z"), "2026-03-08T01:00:00-05:00", "2026-03-08T03:59:59-04:00", true},
		{"the longest", shanghai, from, from.Add(max), "2026-11-01T00:00:00+08:00", "2026-12-01T23:59:58+08:00", true},
		{"31 days", shanghai, from, from.Add(31 * 24 * time.Hour), "", "", false},
		{"a year", shanghai, from, from.AddDate(1, 0, 0), "", "", false},
		{"empty", shanghai, from, from, "", "", false},
		{"reversed", shanghai, to, from, "", "", false},
		{"milliseconds", shanghai, from.Add(time.Millisecond), to, "", "", false},
		{"before 2000", time.UTC, utc("1999-12-31T00:00:00Z"), utc("2000-01-02T00:00:00Z"), "", "", false},
		{"from 2000", time.UTC, utc("2000-01-01T00:00:00Z"), utc("2000-01-02T00:00:00Z"), "2000-01-01T00:00:00+00:00", "2000-01-01T23:59:59+00:00", true},
		{"after 9999", time.UTC, utc("9999-12-31T00:00:00Z"), utc("9999-12-31T00:00:00Z").Add(48 * time.Hour), "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, end, err := laaffic.Window(tc.from, tc.to, tc.loc)
			if !tc.ok {
				if !errors.Is(err, laaffic.ErrWindow) || laaffic.KindOf(err) != laaffic.Invalid {
					t.Fatalf("Window = %s, %s, %v; want an invalid window", start, end, err)
				}
				return
			}
			if err != nil || start != tc.start || end != tc.end {
				t.Fatalf("Window = %s, %s, %v; want %s, %s", start, end, err, tc.start, tc.end)
			}
		})
	}
}

// A window refused, or a negative page, sends nothing.
func TestRefusedBeforeSending(t *testing.T) {
	f := newFake(t, false, answer(200, page))
	c := newClient(t, f.URL, nil)
	ctx := context.Background()
	long := from.Add(laaffic.MaxWindow + time.Second)
	if _, err := c.Count(ctx, from, long); !errors.Is(err, laaffic.ErrWindow) {
		t.Errorf("Count of 31 days: %v", err)
	}
	if _, err := c.Page(ctx, from, long, 0); !errors.Is(err, laaffic.ErrWindow) {
		t.Errorf("Page of 31 days: %v", err)
	}
	if _, err := c.Page(ctx, from, to, -1); laaffic.KindOf(err) != laaffic.Invalid {
		t.Errorf("Page -1: %v", err)
	}
	if n := f.Requests(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// Each answer and its kind; no error holds a secret.
func TestAnswers(t *testing.T) {
	errBody := func(code string) string { return `{"status":"` + code + `","reason":"r"}` }
	for _, tc := range []struct {
		name   string
		status int
		body   string
		kind   laaffic.Kind
		code   string
	}{
		{"throttled", 200, errBody("-15"), laaffic.Throttled, "-15"},
		{"429 with a status", 429, errBody("-22"), laaffic.Throttled, "-22"},
		{"429 bare", 429, "slow down", laaffic.Throttled, ""},
		{"authentication", 200, errBody("-1"), laaffic.Auth, "-1"},
		{"ip", 200, errBody("-2"), laaffic.Auth, "-2"},
		{"locked", 200, errBody("-13"), laaffic.Auth, "-13"},
		{"expired", 200, errBody("-16"), laaffic.Auth, "-16"},
		{"internal", 200, errBody("-18"), laaffic.Transient, "-18"},
		{"parameter", 200, errBody("-22"), laaffic.Invalid, "-22"},
		{"time range", 200, errBody("-25"), laaffic.Invalid, "-25"},
		{"balance", 200, errBody("-10"), laaffic.Invalid, "-10"},
		{"reason not a string", 200, `{"status":"-22","reason":7}`, laaffic.Invalid, "-22"},
		{"500 with a status", 500, errBody("-22"), laaffic.Invalid, "-22"},
		{"500 with status 0", 500, page, laaffic.Transient, ""},
		{"502", 502, "<html>Bad Gateway</html>", laaffic.Transient, ""},
		{"503 empty", 503, "", laaffic.Transient, ""},
		{"404", 404, "not found", laaffic.Invalid, ""},
		{"302", 302, "", laaffic.Invalid, ""},
		{"not JSON", 200, "<html>hello</html>", laaffic.Transient, ""},
		{"empty", 200, "", laaffic.Transient, ""},
		{"trailing data", 200, page + "x", laaffic.Transient, ""},
		{"two values", 200, page + page, laaffic.Transient, ""},
		{"no status", 200, `{"data":{"total":0,"records":[]}}`, laaffic.Transient, ""},
		{"status a number", 200, `{"status":0,"data":{"total":0,"records":[]}}`, laaffic.Transient, ""},
		{"status empty", 200, `{"status":"","data":{"total":0,"records":[]}}`, laaffic.Transient, ""},
		{"no data", 200, `{"status":"0","reason":"success"}`, laaffic.Transient, ""},
		{"data null", 200, `{"status":"0","data":null}`, laaffic.Transient, ""},
		{"no records", 200, `{"status":"0","data":{"total":1}}`, laaffic.Transient, ""},
		{"records not a list", 200, `{"status":"0","data":{"total":1,"records":{}}}`, laaffic.Transient, ""},
		{"record not an object", 200, `{"status":"0","data":{"total":1,"records":[1]}}`, laaffic.Transient, ""},
		{"record a string", 200, `{"status":"0","data":{"total":1,"records":["{}"]}}`, laaffic.Transient, ""},
		{"no total", 200, `{"status":"0","data":{"records":[]}}`, laaffic.Transient, ""},
		{"total null", 200, `{"status":"0","data":{"total":null,"records":[]}}`, laaffic.Transient, ""},
		{"total a string", 200, `{"status":"0","data":{"total":"1","records":[]}}`, laaffic.Transient, ""},
		{"total negative", 200, `{"status":"0","data":{"total":-1,"records":[]}}`, laaffic.Transient, ""},
		{"total a fraction", 200, `{"status":"0","data":{"total":1.5,"records":[]}}`, laaffic.Transient, ""},
		{"more records than the total", 200, `{"status":"0","data":{"total":1,"records":[{},{}]}}`, laaffic.Transient, ""},
		{"200 of another API", 200, `{"Response":{"RequestId":"r"}}`, laaffic.Transient, ""},
		{"too long", 200, `{"status":"0","data":{"total":1,"records":[{"remark":"` + strings.Repeat("x", laaffic.MaxBody) + `"}]}}`, laaffic.Transient, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, false, answer(tc.status, tc.body))
			_, err := newClient(t, f.URL, nil).Page(context.Background(), from, to, 0)
			e, ok := errors.AsType[*laaffic.Error](err)
			if !ok {
				t.Fatalf("error %v, want an *Error", err)
			}
			if e.Kind != tc.kind || e.Code != tc.code {
				t.Errorf("error %v: kind %v, code %q; want %v, %q", err, e.Kind, e.Code, tc.kind, tc.code)
			}
			sign := f.Last().header.Get("Sign")
			if msg := err.Error(); strings.Contains(msg, apiSecret) || sign == "" || strings.Contains(msg, sign) {
				t.Errorf("the error %q holds a secret", msg)
			}
		})
	}
}

// A page of more records than asked for is not the API's.
func TestCountPageTooLong(t *testing.T) {
	f := newFake(t, false, answer(200, page))
	_, err := newClient(t, f.URL, nil).Count(context.Background(), from, to)
	if laaffic.KindOf(err) != laaffic.Transient {
		t.Errorf("two records on a page of one: %v, want transient", err)
	}
}

// Pages that are the API's: null lists and unknown members are read.
func TestAnswersTolerated(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		total, n   int
	}{
		{"null list", `{"status":"0","reason":"success","data":{"total":0,"records":null}}`, 0, 0},
		{"empty list", `{"status":"0","data":{"total":0,"records":[]}}`, 0, 0},
		{"members added", `{"status":"0","data":{"total":3,"records":[{"new":1}],"searchCount":true},"added":[1]}`, 3, 1},
		{"blank around", " \n" + page + "\n", 2, 2},
		{"tricky strings", `{"status":"0","data":{"total":1,"records":[ {"a":"],[{\"}"} ]}}`, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, false, answer(200, tc.body))
			p, err := newClient(t, f.URL, nil).Page(context.Background(), from, to, 0)
			if err != nil || p.TotalCount != tc.total || len(p.Records) != tc.n || p.Records == nil {
				t.Fatalf("Page = %+v, %v; want %d of %d", p, err, tc.n, tc.total)
			}
		})
	}
}

// A vendor that does not answer within the timeout, and one that is not
// there: Transient; the caller's own cancellation is returned as it is.
func TestNoAnswer(t *testing.T) {
	release := make(chan struct{})
	hang := newFake(t, false, func(w http.ResponseWriter) { <-release })
	t.Cleanup(func() { close(release) }) // before the server closes
	c := newClient(t, hang.URL, func(c *laaffic.Config) { c.Timeout = 200 * time.Millisecond })
	start := time.Now()
	_, err := c.Count(context.Background(), from, to)
	if laaffic.KindOf(err) != laaffic.Transient {
		t.Errorf("hanging vendor: %v, want transient", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the timeout took %v", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err = newClient(t, hang.URL, nil).Count(ctx, from, to)
	if !errors.Is(err, context.Canceled) || laaffic.KindOf(err) != 0 {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, err = newClient(t, closed.URL, nil).Count(context.Background(), from, to)
	if laaffic.KindOf(err) != laaffic.Transient {
		t.Errorf("no server: %v, want transient", err)
	}
}

// A vendor behind a certificate of a private CA: trusted with CAFile,
// refused without it.
func TestCAFile(t *testing.T) {
	f := newFake(t, true, answer(200, countPage))
	file := vendorhttptest.CAFile(t, f.Server)
	n, err := newClient(t, f.URL, func(c *laaffic.Config) { c.CAFile = file }).Count(context.Background(), from, to)
	if err != nil || n != 2 {
		t.Errorf("with the CA: %d, %v", n, err)
	}
	if got := f.Last(); got.err != nil {
		t.Errorf("the headers do not verify over TLS: %v", got.err)
	}
	before := f.Requests()
	_, err = newClient(t, f.URL, nil).Count(context.Background(), from, to)
	if laaffic.KindOf(err) != laaffic.Transient || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: %v", err)
	}
	if f.Requests() != before {
		t.Error("a request arrived without the CA")
	}
}

// A redirect is not followed: the headers are a bearer token.
func TestRedirectNotFollowed(t *testing.T) {
	other := newFake(t, false, answer(200, page))
	f := newFake(t, false, func(w http.ResponseWriter) {
		w.Header().Set("Location", other.URL+"/v3/voice/ccRecordQuery")
		w.WriteHeader(http.StatusTemporaryRedirect)
	})
	_, err := newClient(t, f.URL, nil).Page(context.Background(), from, to, 0)
	if laaffic.KindOf(err) != laaffic.Invalid || other.Requests() != 0 {
		t.Errorf("redirect: %v, %d requests elsewhere", err, other.Requests())
	}
}

func TestNew(t *testing.T) {
	noPEM := vendorhttptest.NotPEMFile(t)
	ok := laaffic.Config{APIKey: apiKey, APISecret: apiSecret, Location: shanghai}
	for _, tc := range []struct {
		name string
		edit func(*laaffic.Config)
		ok   bool
	}{
		{"default endpoint", func(c *laaffic.Config) {}, true},
		{"http endpoint", func(c *laaffic.Config) { c.Endpoint = "http://127.0.0.1:8080" }, true},
		{"slash", func(c *laaffic.Config) { c.Endpoint = "https://api.itniotech.com/" }, true},
		{"itniotech path", func(c *laaffic.Config) { c.Path = "/voice/ccRecordQuery" }, true},
		{"no scheme", func(c *laaffic.Config) { c.Endpoint = "api.laaffic.com" }, false},
		{"ftp", func(c *laaffic.Config) { c.Endpoint = "ftp://host" }, false},
		{"endpoint path", func(c *laaffic.Config) { c.Endpoint = "https://host/v3" }, false},
		{"query", func(c *laaffic.Config) { c.Endpoint = "https://host/?a=1" }, false},
		{"user", func(c *laaffic.Config) { c.Endpoint = "https://u:p@host" }, false},
		{"relative path", func(c *laaffic.Config) { c.Path = "voice/ccRecordQuery" }, false},
		{"path with a host", func(c *laaffic.Config) { c.Path = "//evil/voice" }, false},
		{"path with a query", func(c *laaffic.Config) { c.Path = "/voice?a=1" }, false},
		{"no key", func(c *laaffic.Config) { c.APIKey = "" }, false},
		{"no secret", func(c *laaffic.Config) { c.APISecret = "" }, false},
		{"no location", func(c *laaffic.Config) { c.Location = nil }, false},
		{"negative timeout", func(c *laaffic.Config) { c.Timeout = -1 }, false},
		{"missing CA file", func(c *laaffic.Config) { c.CAFile = filepath.Join(t.TempDir(), "none.pem") }, false},
		{"CA file without PEM", func(c *laaffic.Config) { c.CAFile = noPEM }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			_, err := laaffic.New(cfg)
			if (err == nil) != tc.ok {
				t.Errorf("New: %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// The engine's view: page size, longest window, kinds and the key.
func TestEngine(t *testing.T) {
	e := newClient(t, "http://127.0.0.1:1", nil).Engine()
	if e.PageSize() != 100 || e.MaxWindow() != 31*24*time.Hour-time.Second {
		t.Errorf("PageSize %d, MaxWindow %v", e.PageSize(), e.MaxWindow())
	}
	if k := e.Kind(&laaffic.Error{Kind: laaffic.Throttled}); k != laaffic.Throttled {
		t.Errorf("Kind %v", k)
	}
	if k := e.Kind(context.Canceled); k != 0 {
		t.Errorf("Kind of a cancellation %v", k)
	}
	for raw, want := range map[string]string{`{"callSessionId":"cs-1","callId":"c"}`: "cs-1", `{"callId":"c"}`: "", `[1]`: "", `{`: ""} {
		if got := e.Key(json.RawMessage(raw)); got != want {
			t.Errorf("Key(%s) = %q, want %q", raw, got, want)
		}
	}
}
