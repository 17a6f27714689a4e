package tencentdesk_test

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
	"github.com/cdrhub/cdrhub/internal/ingest/tencentdesk"
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

func newClient(t *testing.T, endpoint string, edit func(*tencentdesk.Config)) *tencentdesk.Client {
	t.Helper()
	cfg := tencentdesk.Config{Endpoint: endpoint, SdkAppID: app, Identifier: admin, Key: key, Timeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := tencentdesk.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const (
	page = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RequestId":"req-1","TotalCount":2,` +
		`"IMCdrList":[{"SessionId":"a","Timestamp":1793491200},  {"SessionId":"b","AgentGroupId":"3067"}]}`
	countPage = `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","TotalCount":2,"IMCdrList":[{"SessionId":"a"}]}`
)

// The request: a POST with the IM REST query, a UserSig of the admin
// identifier that the repository's verifier accepts, and the window in
// inclusive Unix seconds with the page as Limit and Offset.
func TestRequest(t *testing.T) {
	f := newFake(t, false, answer(200, page))
	now := time.Now().Truncate(time.Second)
	c := newClient(t, f.URL, func(c *tencentdesk.Config) { c.Now = func() time.Time { return now } })
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
	if got.method != http.MethodPost || got.path != "/v4/desk_http_svc/describe_im_cdr_list" {
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
	wantBody := `{"StartTimestamp":1793491200,"EndTimestamp":1793577599,"Limit":100,"Offset":300}`
	if string(got.body) != wantBody {
		t.Errorf("body %s, want %s", got.body, wantBody)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	wantPage := tencentdesk.Page{TotalCount: 2, RequestID: "req-1", FetchedAt: now, Records: []json.RawMessage{
		json.RawMessage(`{"SessionId":"a","Timestamp":1793491200}`), json.RawMessage(`{"SessionId":"b","AgentGroupId":"3067"}`)}}
	if diff := cmp.Diff(wantPage, p); diff != "" {
		t.Errorf("page (-want +got):\n%s", diff)
	}

	f = newFake(t, false, answer(200, countPage))
	n, err := newClient(t, f.URL, nil).Count(context.Background(), from, to)
	if err != nil || n != 2 {
		t.Fatalf("Count = %d, %v; want 2", n, err)
	}
	if got := string(f.Last().body); got != `{"StartTimestamp":1793491200,"EndTimestamp":1793577599,"Limit":1,"Offset":0}` {
		t.Errorf("Count sent %s, want one record at Offset 0", got)
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
		{"just under 90 days", from, from.Add(90*24*time.Hour - time.Second), 1793491200, 1793491200 + 90*86400 - 2, true},
		{"90 days", from, from.Add(90 * 24 * time.Hour), 0, 0, false},
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
			start, end, err := tencentdesk.Window(tc.from, tc.to)
			if !tc.ok {
				if !errors.Is(err, tencentdesk.ErrWindow) || tencentdesk.KindOf(err) != tencentdesk.Invalid {
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
	long := from.Add(tencentdesk.MaxWindow)
	if _, err := c.Count(ctx, from, long); !errors.Is(err, tencentdesk.ErrWindow) {
		t.Errorf("Count of 90 days: %v", err)
	}
	if _, err := c.Page(ctx, from, long, 0); !errors.Is(err, tencentdesk.ErrWindow) {
		t.Errorf("Page of 90 days: %v", err)
	}
	for _, n := range []int{-1, 1<<40/100 + 1} {
		if _, err := c.Page(ctx, from, to, n); tencentdesk.KindOf(err) != tencentdesk.Invalid {
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
		return `{"ActionStatus":"FAIL","ErrorCode":` + strconv.Itoa(code) + `,"ErrorInfo":"m"}`
	}
	ok := func(members string) string {
		return `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""` + members + `}`
	}
	for _, tc := range []struct {
		name   string
		status int
		body   string
		kind   tencentdesk.Kind
		code   int
	}{
		{"rate limited", 200, errBody(141009), tencentdesk.Throttled, 141009},
		{"gateway throttled", 200, errBody(60007), tencentdesk.Throttled, 60007},
		{"app throttled", 200, errBody(60011), tencentdesk.Throttled, 60011},
		{"too frequent", 200, errBody(60018), tencentdesk.Throttled, 60018},
		{"429 with a code", 429, errBody(141004), tencentdesk.Throttled, 141004},
		{"429 bare", 429, "slow down", tencentdesk.Throttled, 0},
		{"not a desk app", 200, errBody(141000), tencentdesk.Auth, 141000},
		{"expired", 200, errBody(70001), tencentdesk.Auth, 70001},
		{"garbled", 200, errBody(70003), tencentdesk.Auth, 70003},
		{"signed with another key", 200, errBody(70009), tencentdesk.Auth, 70009},
		{"identifier", 200, errBody(70013), tencentdesk.Auth, 70013},
		{"sdkappid", 200, errBody(70014), tencentdesk.Auth, 70014},
		{"no key", 200, errBody(70016), tencentdesk.Auth, 70016},
		{"no app", 200, errBody(70020), tencentdesk.Auth, 70020},
		{"verification rate-limited", 200, errBody(70050), tencentdesk.Auth, 70050},
		{"not imported", 200, errBody(70107), tencentdesk.Auth, 70107},
		{"not an admin", 200, errBody(60010), tencentdesk.Auth, 60010},
		{"ip", 200, errBody(60021), tencentdesk.Auth, 60021},
		{"package expired", 200, errBody(60020), tencentdesk.Auth, 60020},
		{"internal", 200, errBody(141002), tencentdesk.Transient, 141002},
		{"timeout", 200, errBody(60008), tencentdesk.Transient, 60008},
		{"parameter", 200, errBody(141004), tencentdesk.Invalid, 141004},
		{"not JSON upstream", 200, errBody(60003), tencentdesk.Invalid, 60003},
		{"no sdkappid", 200, errBody(60012), tencentdesk.Invalid, 60012},
		{"unknown", 200, errBody(12345), tencentdesk.Invalid, 12345},
		{"string code", 200, `{"ActionStatus":"FAIL","ErrorCode":"70001","ErrorInfo":"m"}`, tencentdesk.Auth, 70001},
		{"OK with a code", 200, `{"ActionStatus":"OK","ErrorCode":141009,"ErrorInfo":"m"}`, tencentdesk.Throttled, 141009},
		{"500 with a code", 500, errBody(141004), tencentdesk.Invalid, 141004},
		{"502", 502, "<html>Bad Gateway</html>", tencentdesk.Transient, 0},
		{"503 empty", 503, "", tencentdesk.Transient, 0},
		{"503 with success", 503, page, tencentdesk.Transient, 0},
		{"404", 404, "not found", tencentdesk.Invalid, 0},
		{"302", 302, "", tencentdesk.Invalid, 0},
		{"not JSON", 200, "<html>hello</html>", tencentdesk.Transient, 0},
		{"empty", 200, "", tencentdesk.Transient, 0},
		{"trailing data", 200, page + "x", tencentdesk.Transient, 0},
		{"two values", 200, page + page, tencentdesk.Transient, 0},
		{"no ErrorCode", 200, `{"ActionStatus":"OK","TotalCount":0,"IMCdrList":[]}`, tencentdesk.Transient, 0},
		{"ErrorCode null", 200, `{"ActionStatus":"OK","ErrorCode":null,"TotalCount":0,"IMCdrList":[]}`, tencentdesk.Transient, 0},
		{"ErrorCode a fraction", 200, `{"ActionStatus":"OK","ErrorCode":0.5,"TotalCount":0,"IMCdrList":[]}`, tencentdesk.Transient, 0},
		{"FAIL without a code", 200, `{"ActionStatus":"FAIL","ErrorCode":0,"ErrorInfo":"m"}`, tencentdesk.Transient, 0},
		{"no ActionStatus", 200, `{"ErrorCode":0,"TotalCount":0,"IMCdrList":[]}`, tencentdesk.Transient, 0},
		{"no list", 200, ok(`,"TotalCount":1`), tencentdesk.Transient, 0},
		{"list not a list", 200, ok(`,"TotalCount":1,"IMCdrList":{}`), tencentdesk.Transient, 0},
		{"record not an object", 200, ok(`,"TotalCount":1,"IMCdrList":[1]`), tencentdesk.Transient, 0},
		{"record a string", 200, ok(`,"TotalCount":1,"IMCdrList":["{}"]`), tencentdesk.Transient, 0},
		{"record null", 200, ok(`,"TotalCount":1,"IMCdrList":[null]`), tencentdesk.Transient, 0},
		{"no TotalCount", 200, ok(`,"IMCdrList":[]`), tencentdesk.Transient, 0},
		{"TotalCount null", 200, ok(`,"TotalCount":null,"IMCdrList":[]`), tencentdesk.Transient, 0},
		{"TotalCount a string", 200, ok(`,"TotalCount":"1","IMCdrList":[]`), tencentdesk.Transient, 0},
		{"TotalCount negative", 200, ok(`,"TotalCount":-1,"IMCdrList":[]`), tencentdesk.Transient, 0},
		{"more records than the total", 200, ok(`,"TotalCount":1,"IMCdrList":[{},{}]`), tencentdesk.Transient, 0},
		{"200 of another API", 200, `{"Response":{"TotalCount":0,"TelCdrList":[]}}`, tencentdesk.Transient, 0},
		{"200 of TUICallKit", 200, `{"errorCode":0,"errorMessage":"Success","data":{"totalNum":0,"callRecordList":[]}}`, tencentdesk.Transient, 0},
		{"too long", 200, ok(`,"TotalCount":1,"IMCdrList":[{"ClientUserNickName":"` + strings.Repeat("x", tencentdesk.MaxBody) + `"}]`), tencentdesk.Transient, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, false, answer(tc.status, tc.body))
			_, err := newClient(t, f.URL, nil).Page(context.Background(), from, to, 0)
			e, ok := errors.AsType[*tencentdesk.Error](err)
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
	if tencentdesk.KindOf(err) != tencentdesk.Transient || !strings.Contains(err.Error(), "2 records on a page of 1") {
		t.Errorf("Count: %v", err)
	}
}

// Pages that are the API's: null lists, unknown members, RequestIds
// (string or number) or none, a string ErrorCode are read.
func TestAnswersTolerated(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		total, n   int
		reqID      string
	}{
		{"cdrhub's empty page", `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","TotalCount":0,"IMCdrList":[]}`, 0, 0, ""},
		{"null list", `{"ActionStatus":"OK","ErrorCode":0,"TotalCount":0,"IMCdrList":null}`, 0, 0, ""},
		{"members added", `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","TotalCount":3,"IMCdrList":[{"New":1}],"Added":[1],"Extra":{}}`, 3, 1, ""},
		{"numeric RequestId", `{"ActionStatus":"OK","ErrorCode":0,"RequestId":12345,"TotalCount":0,"IMCdrList":[]}`, 0, 0, "12345"},
		{"string ErrorCode", `{"ActionStatus":"OK","ErrorCode":"0","TotalCount":0,"IMCdrList":[]}`, 0, 0, ""},
		{"blank around", " \n" + page + "\n", 2, 2, "req-1"},
		{"brackets in strings", `{"ActionStatus":"OK","ErrorCode":0,"TotalCount":1,"IMCdrList":[ {"a":"],[{\"}"} ]}`, 1, 1, ""},
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
	c := newClient(t, hang.URL, func(c *tencentdesk.Config) { c.Timeout = 200 * time.Millisecond })
	start := time.Now()
	_, err := c.Count(context.Background(), from, to)
	if tencentdesk.KindOf(err) != tencentdesk.Transient {
		t.Errorf("hanging vendor: %v, want transient", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the timeout took %v", d)
	}
	noSecret(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err = newClient(t, hang.URL, nil).Count(ctx, from, to)
	if !errors.Is(err, context.Canceled) || tencentdesk.KindOf(err) != 0 {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, err = newClient(t, closed.URL, nil).Count(context.Background(), from, to)
	if tencentdesk.KindOf(err) != tencentdesk.Transient {
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
	if !strings.Contains(msg, "/v4/desk_http_svc/describe_im_cdr_list") {
		t.Errorf("error %q does not name the URL's path", msg)
	}
}

// A vendor behind a certificate of a private CA: trusted with CAFile,
// refused without it.
func TestCAFile(t *testing.T) {
	f := newFake(t, true, answer(200, countPage))
	file := vendorhttptest.CAFile(t, f.Server)
	n, err := newClient(t, f.URL, func(c *tencentdesk.Config) { c.CAFile = file }).Count(context.Background(), from, to)
	if err != nil || n != 2 {
		t.Errorf("with the CA: %d, %v", n, err)
	}
	if got := f.Last(); got.err != nil {
		t.Errorf("the UserSig does not verify over TLS: %v", got.err)
	}
	before := f.Requests()
	_, err = newClient(t, f.URL, nil).Count(context.Background(), from, to)
	if tencentdesk.KindOf(err) != tencentdesk.Transient || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: %v", err)
	}
	noSecret(t, err)
	if f.Requests() != before {
		t.Error("a request arrived without the CA")
	}
}

func TestNew(t *testing.T) {
	noPEM := vendorhttptest.NotPEMFile(t)
	ok := tencentdesk.Config{SdkAppID: app, Identifier: admin, Key: key}
	for _, tc := range []struct {
		name string
		edit func(*tencentdesk.Config)
		ok   bool
	}{
		{"default endpoint", func(c *tencentdesk.Config) {}, true},
		{"http endpoint", func(c *tencentdesk.Config) { c.Endpoint = "http://127.0.0.1:8080" }, true},
		{"slash", func(c *tencentdesk.Config) { c.Endpoint = "https://adminapisgp.im.qcloud.com/" }, true},
		{"no scheme", func(c *tencentdesk.Config) { c.Endpoint = "console.tim.qq.com" }, false},
		{"ftp", func(c *tencentdesk.Config) { c.Endpoint = "ftp://host" }, false},
		{"path", func(c *tencentdesk.Config) { c.Endpoint = "https://host/v1" }, false},
		{"query", func(c *tencentdesk.Config) { c.Endpoint = "https://host/?a=1" }, false},
		{"user", func(c *tencentdesk.Config) { c.Endpoint = "https://u:p@host" }, false},
		{"no app", func(c *tencentdesk.Config) { c.SdkAppID = 0 }, false},
		{"no identifier", func(c *tencentdesk.Config) { c.Identifier = "" }, false},
		{"identifier too long", func(c *tencentdesk.Config) { c.Identifier = strings.Repeat("a", usersig.MaxIdentifierLen+1) }, false},
		{"identifier not UTF-8", func(c *tencentdesk.Config) { c.Identifier = "adm\xffin" }, false},
		{"no key", func(c *tencentdesk.Config) { c.Key = "" }, false},
		{"negative timeout", func(c *tencentdesk.Config) { c.Timeout = -1 }, false},
		{"missing CA file", func(c *tencentdesk.Config) { c.CAFile = filepath.Join(t.TempDir(), "none.pem") }, false},
		{"CA file without PEM", func(c *tencentdesk.Config) { c.CAFile = noPEM }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			_, err := tencentdesk.New(cfg)
			if (err == nil) != tc.ok {
				t.Errorf("New: %v, want ok %v", err, tc.ok)
			}
			if err != nil && strings.Contains(err.Error(), key) {
				t.Errorf("New: %v names the key", err)
			}
		})
	}
}

// The engine's view: page size, window, kinds and the SessionId as the
// key.
func TestEngine(t *testing.T) {
	e := newClient(t, "http://127.0.0.1:1", nil).Engine()
	if e.PageSize() != 100 || e.MaxWindow() != 90*24*time.Hour-time.Second {
		t.Errorf("page size %d, max window %v", e.PageSize(), e.MaxWindow())
	}
	if k := e.Key(json.RawMessage(`{"SessionId":"s-1","Timestamp":1}`)); k != "s-1" {
		t.Errorf("Key = %q", k)
	}
	if k := e.Key(json.RawMessage(`[1]`)); k != "" {
		t.Errorf("Key of a non-object = %q", k)
	}
	if k := e.Kind(&tencentdesk.Error{Kind: tencentdesk.Throttled}); k != tencentdesk.Throttled {
		t.Errorf("Kind = %v", k)
	}
	if k := e.Kind(context.Canceled); k != 0 {
		t.Errorf("Kind of a cancellation = %v", k)
	}
}
