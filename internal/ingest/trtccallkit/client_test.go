package trtccallkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/usersig"
	"github.com/cdrhub/cdrhub/internal/ingest/trtccallkit"
	"github.com/cdrhub/cdrhub/internal/ingest/vendorhttp/vendorhttptest"
	"github.com/google/go-cmp/cmp"
)

const (
	app   = uint64(1400000007)
	admin = "administrator"
	key   = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
)

// from and to are a window of one day: 2026-11-01.
var (
	from = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	to   = from.Add(24 * time.Hour)
)

// fake is a vendor that verifies each request's UserSig and answers with
// status and body.
type fake = vendorhttptest.Server[seen]

type seen struct {
	method, path string
	query        url.Values
	rawQuery     string
	header       http.Header
	body         []byte
	claims       usersig.Claims
	err          error // of the UserSig
}

func newFake(t *testing.T, tlsServer bool, answer func(w http.ResponseWriter)) *fake {
	t.Helper()
	see := func(r *http.Request, body []byte) *seen {
		q := r.URL.Query()
		id, _ := strconv.ParseUint(q.Get("sdkappid"), 10, 64)
		c, err := usersig.Verify(q.Get("usersig"), id, q.Get("identifier"), key, time.Now())
		return &seen{r.Method, r.URL.Path, q, r.URL.RawQuery, r.Header.Clone(), body, c, err}
	}
	return vendorhttptest.New(t, tlsServer, see, answer)
}

func answer(status int, body string) func(w http.ResponseWriter) {
	return vendorhttptest.Answer(status, nil, body)
}

func newClient(t *testing.T, endpoint string, edit func(*trtccallkit.Config)) *trtccallkit.Client {
	t.Helper()
	cfg := trtccallkit.Config{Endpoint: endpoint, SdkAppID: app, Identifier: admin, Key: key, Timeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := trtccallkit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const (
	page = `{"errorCode":0,"errorMessage":"Success","requestId":"req-1","data":{"totalNum":2,"page":0,` +
		`"callRecordList":[{"callId":"a","startCallTs":1793491200},  {"callId":"b","callees":["x"]}]}}`
	countPage = `{"errorCode":0,"errorMessage":"Success","requestId":"req-2","data":{"totalNum":2,"page":1,"callRecordList":[{"callId":"a"}]}}`
)

// The request: a POST with the IM REST query, a UserSig of the admin
// identifier that the repository's verifier accepts, and the window in
// inclusive Unix seconds with the page numbered from 1.
func TestRequest(t *testing.T) {
	f := newFake(t, false, answer(200, page))
	now := time.Now().Truncate(time.Second)
	c := newClient(t, f.URL, func(c *trtccallkit.Config) { c.Now = func() time.Time { return now } })
	p, err := c.Page(context.Background(), from, to, 3)
	if err != nil {
		t.Fatal(err)
	}
	got := f.Last()
	if got.err != nil {
		t.Fatalf("the UserSig does not verify: %v", got.err)
	}
	wantClaims := usersig.Claims{Version: "2.0", Identifier: admin, SDKAppID: app, Time: now.Unix(), Expire: 3600}
	if diff := cmp.Diff(wantClaims, got.claims); diff != "" {
		t.Errorf("UserSig (-want +got):\n%s", diff)
	}
	if got.method != http.MethodPost || got.path != "/v1/records/get_records_by_filter" {
		t.Errorf("%s %s", got.method, got.path)
	}
	if !strings.HasPrefix(got.rawQuery, "sdkappid=1400000007&identifier=administrator&usersig=") {
		t.Errorf("query %s", got.rawQuery)
	}
	if q := got.query; q.Get("contenttype") != "json" || len(q) != 5 {
		t.Errorf("query %v", q)
	}
	if r, err := strconv.ParseUint(got.query.Get("random"), 10, 32); err != nil {
		t.Errorf("random %q: %v (%d)", got.query.Get("random"), err, r)
	}
	wantBody := `{"startTimestamp":1793491200,"endTimestamp":1793577599,"numberPerPage":100,"page":4}`
	if string(got.body) != wantBody {
		t.Errorf("body %s, want %s", got.body, wantBody)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	wantPage := trtccallkit.Page{TotalCount: 2, RequestID: "req-1", FetchedAt: now, Records: []json.RawMessage{
		json.RawMessage(`{"callId":"a","startCallTs":1793491200}`), json.RawMessage(`{"callId":"b","callees":["x"]}`)}}
	if diff := cmp.Diff(wantPage, p); diff != "" {
		t.Errorf("page (-want +got):\n%s", diff)
	}

	f = newFake(t, false, answer(200, countPage))
	n, err := newClient(t, f.URL, nil).Count(context.Background(), from, to)
	if err != nil || n != 2 {
		t.Fatalf("Count = %d, %v; want 2", n, err)
	}
	if got := string(f.Last().body); !strings.HasSuffix(got, `"numberPerPage":1,"page":1}`) {
		t.Errorf("Count sent %s, want the first page of one record", got)
	}
}

func TestWindow(t *testing.T) {
	for _, tc := range []struct {
		name       string
		from, to   time.Time
		start, end int64
		ok         bool
	}{
		{"one day", from, to, 1793491200, 1793577599, true},
		{"one second", from, from.Add(time.Second), 1793491200, 1793491200, true},
		{"just under 7 days", from, from.Add(7*24*time.Hour - time.Second), 1793491200, 1793491200 + 7*86400 - 2, true},
		{"7 days", from, from.Add(7 * 24 * time.Hour), 0, 0, false},
		{"a year", from, from.AddDate(1, 0, 0), 0, 0, false},
		{"empty", from, from, 0, 0, false},
		{"reversed", to, from, 0, 0, false},
		{"milliseconds", from.Add(time.Millisecond), to, 0, 0, false},
		{"before 2000", time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2000, 1, 2, 0, 0, 0, 0, time.UTC), 0, 0, false},
		{"from 2000", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2000, 1, 2, 0, 0, 0, 0, time.UTC), 946684800, 946771199, true},
		{"to 10000", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), 253402214400, 253402300799, true},
		{"after 9999", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 1, 0, time.UTC), 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, end, err := trtccallkit.Window(tc.from, tc.to)
			if !tc.ok {
				if !errors.Is(err, trtccallkit.ErrWindow) || trtccallkit.KindOf(err) != trtccallkit.Invalid {
					t.Fatalf("Window = %d, %d, %v; want an invalid window", start, end, err)
				}
				return
			}
			if err != nil || start != tc.start || end != tc.end {
				t.Fatalf("Window = %d, %d, %v; want %d, %d", start, end, err, tc.start, tc.end)
			}
		})
	}
}

// A window refused, or a page number out of range, sends nothing.
func TestRefusedBeforeSending(t *testing.T) {
	f := newFake(t, false, answer(200, page))
	c := newClient(t, f.URL, nil)
	ctx := context.Background()
	long := from.Add(trtccallkit.MaxWindow)
	if _, err := c.Count(ctx, from, long); !errors.Is(err, trtccallkit.ErrWindow) {
		t.Errorf("Count of 7 days: %v", err)
	}
	if _, err := c.Page(ctx, from, long, 0); !errors.Is(err, trtccallkit.ErrWindow) {
		t.Errorf("Page of 7 days: %v", err)
	}
	for _, n := range []int{-1, 1 << 30} {
		if _, err := c.Page(ctx, from, to, n); trtccallkit.KindOf(err) != trtccallkit.Invalid {
			t.Errorf("Page %d: %v", n, err)
		}
	}
	if n := f.Requests(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// Each answer and its kind.
func TestAnswers(t *testing.T) {
	errBody := func(code int) string {
		return `{"errorCode":` + strconv.Itoa(code) + `,"errorMessage":"m","requestId":"r"}`
	}
	for _, tc := range []struct {
		name   string
		status int
		body   string
		kind   trtccallkit.Kind
		code   int
	}{
		{"throttled", 200, errBody(60007), trtccallkit.Throttled, 60007},
		{"app throttled", 200, errBody(60011), trtccallkit.Throttled, 60011},
		{"too frequent", 200, errBody(60019), trtccallkit.Throttled, 60019},
		{"429 with a code", 429, errBody(60003), trtccallkit.Throttled, 60003},
		{"429 bare", 429, "slow down", trtccallkit.Throttled, 0},
		{"expired", 200, errBody(70001), trtccallkit.Auth, 70001},
		{"garbled", 200, errBody(70003), trtccallkit.Auth, 70003},
		{"signed with another key", 200, errBody(70009), trtccallkit.Auth, 70009},
		{"identifier", 200, errBody(70013), trtccallkit.Auth, 70013},
		{"sdkappid", 200, errBody(70014), trtccallkit.Auth, 70014},
		{"no key", 200, errBody(70016), trtccallkit.Auth, 70016},
		{"no app", 200, errBody(70020), trtccallkit.Auth, 70020},
		{"verification rate-limited", 200, errBody(70050), trtccallkit.Auth, 70050},
		{"not an admin", 200, errBody(60010), trtccallkit.Auth, 60010},
		{"ip", 200, errBody(60021), trtccallkit.Auth, 60021},
		{"no package", 200, errBody(50001), trtccallkit.Auth, 50001},
		{"internal", 200, errBody(90994), trtccallkit.Transient, 90994},
		{"timeout", 200, errBody(60008), trtccallkit.Transient, 60008},
		{"parameter", 200, errBody(60003), trtccallkit.Invalid, 60003},
		{"no sdkappid", 200, errBody(60012), trtccallkit.Invalid, 60012},
		{"unknown", 200, errBody(12345), trtccallkit.Invalid, 12345},
		{"string code", 200, `{"errorCode":"70001","errorMessage":"m","requestId":"r"}`, trtccallkit.Auth, 70001},
		{"500 with a code", 500, errBody(60003), trtccallkit.Invalid, 60003},
		{"502", 502, "<html>Bad Gateway</html>", trtccallkit.Transient, 0},
		{"503 empty", 503, "", trtccallkit.Transient, 0},
		{"503 with success", 503, page, trtccallkit.Transient, 0},
		{"404", 404, "not found", trtccallkit.Invalid, 0},
		{"302", 302, "", trtccallkit.Invalid, 0},
		{"not JSON", 200, "<html>hello</html>", trtccallkit.Transient, 0},
		{"empty", 200, "", trtccallkit.Transient, 0},
		{"trailing data", 200, page + "x", trtccallkit.Transient, 0},
		{"two values", 200, page + page, trtccallkit.Transient, 0},
		{"no errorCode", 200, `{"data":{"totalNum":0,"callRecordList":[]}}`, trtccallkit.Transient, 0},
		{"errorCode null", 200, `{"errorCode":null,"data":{"totalNum":0,"callRecordList":[]}}`, trtccallkit.Transient, 0},
		{"errorCode a fraction", 200, `{"errorCode":0.5,"data":{"totalNum":0,"callRecordList":[]}}`, trtccallkit.Transient, 0},
		{"no data", 200, `{"errorCode":0,"requestId":"r"}`, trtccallkit.Transient, 0},
		{"data null", 200, `{"errorCode":0,"requestId":"r","data":null}`, trtccallkit.Transient, 0},
		{"no list", 200, `{"errorCode":0,"requestId":"r","data":{"totalNum":1}}`, trtccallkit.Transient, 0},
		{"list not a list", 200, `{"errorCode":0,"requestId":"r","data":{"totalNum":1,"callRecordList":{}}}`, trtccallkit.Transient, 0},
		{"record not an object", 200, `{"errorCode":0,"requestId":"r","data":{"totalNum":1,"callRecordList":[1]}}`, trtccallkit.Transient, 0},
		{"record a string", 200, `{"errorCode":0,"requestId":"r","data":{"totalNum":1,"callRecordList":["{}"]}}`, trtccallkit.Transient, 0},
		{"no totalNum", 200, `{"errorCode":0,"requestId":"r","data":{"callRecordList":[]}}`, trtccallkit.Transient, 0},
		{"totalNum null", 200, `{"errorCode":0,"requestId":"r","data":{"totalNum":null,"callRecordList":[]}}`, trtccallkit.Transient, 0},
		{"totalNum a string", 200, `{"errorCode":0,"requestId":"r","data":{"totalNum":"1","callRecordList":[]}}`, trtccallkit.Transient, 0},
		{"totalNum negative", 200, `{"errorCode":0,"requestId":"r","data":{"totalNum":-1,"callRecordList":[]}}`, trtccallkit.Transient, 0},
		{"more records than the total", 200, `{"errorCode":0,"requestId":"r","data":{"totalNum":1,"callRecordList":[{},{}]}}`, trtccallkit.Transient, 0},
		{"200 of another API", 200, `{"Response":{"TotalCount":0,"TelCdrList":[]}}`, trtccallkit.Transient, 0},
		{"too long", 200, `{"errorCode":0,"requestId":"r","data":{"totalNum":1,"callRecordList":[{"caller":"` + strings.Repeat("x", trtccallkit.MaxBody) + `"}]}}`, trtccallkit.Transient, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, false, answer(tc.status, tc.body))
			_, err := newClient(t, f.URL, nil).Page(context.Background(), from, to, 0)
			e, ok := errors.AsType[*trtccallkit.Error](err)
			if !ok {
				t.Fatalf("error %v, want an *Error", err)
			}
			if e.Kind != tc.kind || e.Code != tc.code {
				t.Errorf("error %v: kind %v, code %d; want %v, %d", err, e.Kind, e.Code, tc.kind, tc.code)
			}
			if strings.Contains(err.Error(), "usersig=") || strings.Contains(err.Error(), key) {
				t.Errorf("error %v holds a secret", err)
			}
		})
	}
}

// A page of more records than asked for is not the API's.
func TestCountPageTooLong(t *testing.T) {
	f := newFake(t, false, answer(200, page)) // 2 records for a page of 1
	_, err := newClient(t, f.URL, nil).Count(context.Background(), from, to)
	if trtccallkit.KindOf(err) != trtccallkit.Transient || !strings.Contains(err.Error(), "2 records on a page of 1") {
		t.Errorf("Count: %v", err)
	}
}

// Pages that are the API's: 70011 (no records), null lists, unknown
// members, numeric requestIds are read.
func TestAnswersTolerated(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		total, n   int
		reqID      string
	}{
		{"no records", `{"errorCode":70011,"errorMessage":"no record found","requestId":"r"}`, 0, 0, "r"},
		{"null list", `{"errorCode":0,"requestId":"r","data":{"totalNum":0,"callRecordList":null}}`, 0, 0, "r"},
		{"members added", `{"errorCode":0,"requestId":"r","data":{"totalNum":3,"page":1,"callRecordList":[{"new":1}],"added":[1]},"extra":{}}`, 3, 1, "r"},
		{"numeric requestId", `{"errorCode":0,"requestId":12345,"data":{"totalNum":0,"callRecordList":[]}}`, 0, 0, "12345"},
		{"no requestId", `{"errorCode":0,"data":{"totalNum":0,"callRecordList":[]}}`, 0, 0, ""},
		{"string errorCode", `{"errorCode":"0","requestId":"r","data":{"totalNum":0,"callRecordList":[]}}`, 0, 0, "r"},
		{"blank around", " \n" + page + "\n", 2, 2, "req-1"},
		{"brackets in strings", `{"errorCode":0,"requestId":"r","data":{"totalNum":1,"callRecordList":[ {"a":"],[{\"}"} ]}}`, 1, 1, "r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, false, answer(200, tc.body))
			p, err := newClient(t, f.URL, nil).Page(context.Background(), from, to, 0)
			if err != nil || p.TotalCount != tc.total || len(p.Records) != tc.n || p.Records == nil || p.RequestID != tc.reqID {
				t.Fatalf("Page = %+v, %v; want %d of %d, requestId %q", p, err, tc.n, tc.total, tc.reqID)
			}
		})
	}
}

// A vendor that does not answer within the timeout, and one that is not
// there: Transient, with no UserSig in the error; the caller's own
// cancellation is returned as it is.
func TestNoAnswer(t *testing.T) {
	release := make(chan struct{})
	hang := newFake(t, false, func(w http.ResponseWriter) { <-release })
	t.Cleanup(func() { close(release) }) // before the server closes
	c := newClient(t, hang.URL, func(c *trtccallkit.Config) { c.Timeout = 200 * time.Millisecond })
	start := time.Now()
	_, err := c.Count(context.Background(), from, to)
	if trtccallkit.KindOf(err) != trtccallkit.Transient {
		t.Errorf("hanging vendor: %v, want transient", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the timeout took %v", d)
	}
	noSecret(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err = newClient(t, hang.URL, nil).Count(ctx, from, to)
	if !errors.Is(err, context.Canceled) || trtccallkit.KindOf(err) != 0 {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, err = newClient(t, closed.URL, nil).Count(context.Background(), from, to)
	if trtccallkit.KindOf(err) != trtccallkit.Transient {
		t.Errorf("no server: %v, want transient", err)
	}
	noSecret(t, err)
}

// noSecret fails when err says the query (the UserSig) or the key.
func noSecret(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	if strings.Contains(msg, "usersig") || strings.Contains(msg, "?") || strings.Contains(msg, key) {
		t.Errorf("error %q holds the query", msg)
	}
	if !strings.Contains(msg, "/v1/records/get_records_by_filter") {
		t.Errorf("error %q does not name the URL's path", msg)
	}
}

// A vendor behind a certificate of a private CA: trusted with CAFile,
// refused without it.
func TestCAFile(t *testing.T) {
	f := newFake(t, true, answer(200, countPage))
	file := vendorhttptest.CAFile(t, f.Server)
	n, err := newClient(t, f.URL, func(c *trtccallkit.Config) { c.CAFile = file }).Count(context.Background(), from, to)
	if err != nil || n != 2 {
		t.Errorf("with the CA: %d, %v", n, err)
	}
	if got := f.Last(); got.err != nil {
		t.Errorf("the UserSig does not verify over TLS: %v", got.err)
	}
	before := f.Requests()
	_, err = newClient(t, f.URL, nil).Count(context.Background(), from, to)
	if trtccallkit.KindOf(err) != trtccallkit.Transient || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: %v", err)
	}
	noSecret(t, err)
	if f.Requests() != before {
		t.Error("a request arrived without the CA")
	}
}

func TestNew(t *testing.T) {
	noPEM := vendorhttptest.NotPEMFile(t)
	ok := trtccallkit.Config{SdkAppID: app, Identifier: admin, Key: key}
	for _, tc := range []struct {
		name string
		edit func(*trtccallkit.Config)
		ok   bool
	}{
		{"default endpoint", func(c *trtccallkit.Config) {}, true},
		{"http endpoint", func(c *trtccallkit.Config) { c.Endpoint = "http://127.0.0.1:8080" }, true},
		{"slash", func(c *trtccallkit.Config) { c.Endpoint = "https://callkit-intl.trtc.tencent-cloud.com/" }, true},
		{"no scheme", func(c *trtccallkit.Config) { c.Endpoint = "callkit.trtc.tencent-cloud.com" }, false},
		{"ftp", func(c *trtccallkit.Config) { c.Endpoint = "ftp://host" }, false},
		{"path", func(c *trtccallkit.Config) { c.Endpoint = "https://host/v1" }, false},
		{"query", func(c *trtccallkit.Config) { c.Endpoint = "https://host/?a=1" }, false},
		{"user", func(c *trtccallkit.Config) { c.Endpoint = "https://u:p@host" }, false},
		{"no app", func(c *trtccallkit.Config) { c.SdkAppID = 0 }, false},
		{"no identifier", func(c *trtccallkit.Config) { c.Identifier = "" }, false},
		{"identifier too long", func(c *trtccallkit.Config) { c.Identifier = strings.Repeat("a", usersig.MaxIdentifierLen+1) }, false},
		{"identifier not UTF-8", func(c *trtccallkit.Config) { c.Identifier = "adm\xffin" }, false},
		{"no key", func(c *trtccallkit.Config) { c.Key = "" }, false},
		{"negative timeout", func(c *trtccallkit.Config) { c.Timeout = -1 }, false},
		{"missing CA file", func(c *trtccallkit.Config) { c.CAFile = filepath.Join(t.TempDir(), "none.pem") }, false},
		{"CA file without PEM", func(c *trtccallkit.Config) { c.CAFile = noPEM }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			_, err := trtccallkit.New(cfg)
			if (err == nil) != tc.ok {
				t.Errorf("New: %v, want ok %v", err, tc.ok)
			}
			if err != nil && strings.Contains(err.Error(), key) {
				t.Errorf("New: %v names the key", err)
			}
		})
	}
}

// The engine's view: page size, window, kinds and the callId as the key.
func TestEngine(t *testing.T) {
	e := newClient(t, "http://127.0.0.1:1", nil).Engine()
	if e.PageSize() != 100 || e.MaxWindow() != 7*24*time.Hour-time.Second {
		t.Errorf("page size %d, max window %v", e.PageSize(), e.MaxWindow())
	}
	if k := e.Key(json.RawMessage(`{"callId":"c-1","startCallTs":1}`)); k != "c-1" {
		t.Errorf("Key = %q", k)
	}
	if k := e.Key(json.RawMessage(`[1]`)); k != "" {
		t.Errorf("Key of a non-object = %q", k)
	}
	if k := e.Kind(&trtccallkit.Error{Kind: trtccallkit.Throttled}); k != trtccallkit.Throttled {
		t.Errorf("Kind = %v", k)
	}
	if k := e.Kind(context.Canceled); k != 0 {
		t.Errorf("Kind of a cancellation = %v", k)
	}
}
