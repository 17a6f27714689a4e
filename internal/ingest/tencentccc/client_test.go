package tencentccc_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/ingest/tencentccc"
	"github.com/cdrhub/cdrhub/internal/ingest/vendorhttp/vendorhttptest"
	"github.com/google/go-cmp/cmp"
)

const (
	secretID, secretKey = "AKIDfakeEXAMPLE", "fake-secret-key"
	app                 = int64(1400000007)
)

// from and to are a window of one day: 2026-11-01.
var (
	from = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	to   = from.Add(24 * time.Hour)
)

// fake is a vendor that verifies each request's signature and answers
// with status and body.
type fake = vendorhttptest.Server[seen]

type seen struct {
	header http.Header
	body   []byte
	result tc3.Result
	err    error
}

func newFake(t *testing.T, tlsServer bool, answer func(w http.ResponseWriter)) *fake {
	t.Helper()
	see := func(r *http.Request, body []byte) *seen {
		res, err := tc3.Verify(r, body, tc3.KeyMap{secretID: secretKey}, time.Now(), tc3.Options{Service: "ccc"})
		return &seen{r.Header.Clone(), body, res, err}
	}
	return vendorhttptest.New(t, tlsServer, see, answer)
}

func answer(status int, body string) func(w http.ResponseWriter) {
	return vendorhttptest.Answer(status, nil, body)
}

func newClient(t *testing.T, endpoint string, edit func(*tencentccc.Config)) *tencentccc.Client {
	t.Helper()
	cfg := tencentccc.Config{Endpoint: endpoint, SecretID: secretID, SecretKey: secretKey, SdkAppID: app, Timeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := tencentccc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const (
	page      = `{"Response":{"TotalCount":2,"TelCdrList":[{"SessionId":"a","Time":1793491200},  {"SessionId":"b","SeatUser":{"UserId":"x"}}],"TelCdrs":[],"RequestId":"req-1"}}`
	countPage = `{"Response":{"TotalCount":2,"TelCdrList":[{"SessionId":"a","Time":1793491200}],"RequestId":"req-2"}}`
)

// The request: a TC3-signed POST of DescribeTelCdr with the window in
// inclusive Unix seconds, as the verifier of cdrhub's own API reads it.
func TestRequest(t *testing.T) {
	f := newFake(t, false, answer(200, page))
	now := time.Now().Truncate(time.Second)
	c := newClient(t, f.URL, func(c *tencentccc.Config) {
		c.Region = "ap-guangzhou"
		c.Now = func() time.Time { return now }
	})
	p, err := c.Page(context.Background(), from, to, 3)
	if err != nil {
		t.Fatal(err)
	}
	got := f.Last()
	if got.err != nil {
		t.Fatalf("the signature does not verify: %v", got.err)
	}
	want := tc3.Result{Scheme: tc3.SchemeTC3, SecretID: secretID, Action: "DescribeTelCdr", Version: "2020-02-10",
		Region: "ap-guangzhou", Timestamp: now}
	if diff := cmp.Diff(want, got.result); diff != "" {
		t.Errorf("verified (-want +got):\n%s", diff)
	}
	wantBody := `{"SdkAppId":1400000007,"StartTimeStamp":1793491200,"EndTimeStamp":1793577599,"PageSize":100,"PageNumber":3}`
	if string(got.body) != wantBody {
		t.Errorf("body %s, want %s", got.body, wantBody)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	wantPage := tencentccc.Page{TotalCount: 2, RequestID: "req-1", FetchedAt: now, Records: []json.RawMessage{
		json.RawMessage(`{"SessionId":"a","Time":1793491200}`), json.RawMessage(`{"SessionId":"b","SeatUser":{"UserId":"x"}}`)}}
	if diff := cmp.Diff(wantPage, p); diff != "" {
		t.Errorf("page (-want +got):\n%s", diff)
	}

	f = newFake(t, false, answer(200, countPage))
	n, err := newClient(t, f.URL, nil).Count(context.Background(), from, to)
	if err != nil || n != 2 {
		t.Fatalf("Count = %d, %v; want 2", n, err)
	}
	if got := string(f.Last().body); !strings.Contains(got, `"PageSize":1,"PageNumber":0}`) {
		t.Errorf("Count sent %s, want a page of one record", got)
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, end, err := tencentccc.Window(tc.from, tc.to)
			if !tc.ok {
				if !errors.Is(err, tencentccc.ErrWindow) || tencentccc.KindOf(err) != tencentccc.Invalid {
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

// A window refused, or a negative page, sends nothing.
func TestRefusedBeforeSending(t *testing.T) {
	f := newFake(t, false, answer(200, page))
	c := newClient(t, f.URL, nil)
	ctx := context.Background()
	long := from.Add(tencentccc.MaxWindow)
	if _, err := c.Count(ctx, from, long); !errors.Is(err, tencentccc.ErrWindow) {
		t.Errorf("Count of 90 days: %v", err)
	}
	if _, err := c.Page(ctx, from, long, 0); !errors.Is(err, tencentccc.ErrWindow) {
		t.Errorf("Page of 90 days: %v", err)
	}
	if _, err := c.Page(ctx, from, to, -1); tencentccc.KindOf(err) != tencentccc.Invalid {
		t.Errorf("Page -1: %v", err)
	}
	if n := f.Requests(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// Each answer and its kind.
func TestAnswers(t *testing.T) {
	errBody := func(code string) string {
		return `{"Response":{"Error":{"Code":"` + code + `","Message":"m"},"RequestId":"r"}}`
	}
	for _, tc := range []struct {
		name   string
		status int
		body   string
		kind   tencentccc.Kind
		code   string
	}{
		{"throttled", 200, errBody("RequestLimitExceeded"), tencentccc.Throttled, "RequestLimitExceeded"},
		{"throttled per uin", 200, errBody("RequestLimitExceeded.UinLimitExceeded"), tencentccc.Throttled, "RequestLimitExceeded.UinLimitExceeded"},
		{"429 with a code", 429, errBody("LimitExceeded"), tencentccc.Throttled, "LimitExceeded"},
		{"429 bare", 429, "slow down", tencentccc.Throttled, ""},
		{"signature", 200, errBody("AuthFailure.SignatureFailure"), tencentccc.Auth, "AuthFailure.SignatureFailure"},
		{"secret id", 200, errBody("AuthFailure.SecretIdNotFound"), tencentccc.Auth, "AuthFailure.SecretIdNotFound"},
		{"unauthorized", 200, errBody("UnauthorizedOperation"), tencentccc.Auth, "UnauthorizedOperation"},
		{"ip", 200, errBody("IpNotInWhitelist"), tencentccc.Auth, "IpNotInWhitelist"},
		{"internal", 200, errBody("InternalError"), tencentccc.Transient, "InternalError"},
		{"db", 200, errBody("InternalError.DBError"), tencentccc.Transient, "InternalError.DBError"},
		{"unavailable", 200, errBody("ServiceUnavailable"), tencentccc.Transient, "ServiceUnavailable"},
		{"parameter", 200, errBody("InvalidParameterValue"), tencentccc.Invalid, "InvalidParameterValue"},
		{"instance", 200, errBody("InvalidParameterValue.InstanceNotExist"), tencentccc.Invalid, "InvalidParameterValue.InstanceNotExist"},
		{"500 with a code", 500, errBody("InvalidParameter"), tencentccc.Invalid, "InvalidParameter"},
		{"502", 502, "<html>Bad Gateway</html>", tencentccc.Transient, ""},
		{"503 empty", 503, "", tencentccc.Transient, ""},
		{"404", 404, "not found", tencentccc.Invalid, ""},
		{"302", 302, "", tencentccc.Invalid, ""},
		{"not JSON", 200, "<html>hello</html>", tencentccc.Transient, ""},
		{"empty", 200, "", tencentccc.Transient, ""},
		{"trailing data", 200, page + "x", tencentccc.Transient, ""},
		{"two values", 200, page + page, tencentccc.Transient, ""},
		{"no Response", 200, `{"TotalCount":1}`, tencentccc.Transient, ""},
		{"no TelCdrList", 200, `{"Response":{"TotalCount":1,"RequestId":"r"}}`, tencentccc.Transient, ""},
		{"TelCdrList not a list", 200, `{"Response":{"TotalCount":1,"TelCdrList":{},"RequestId":"r"}}`, tencentccc.Transient, ""},
		{"record not an object", 200, `{"Response":{"TotalCount":1,"TelCdrList":[1],"RequestId":"r"}}`, tencentccc.Transient, ""},
		{"no TotalCount", 200, `{"Response":{"TelCdrList":[],"RequestId":"r"}}`, tencentccc.Transient, ""},
		{"TotalCount null", 200, `{"Response":{"TotalCount":null,"TelCdrList":[],"RequestId":"r"}}`, tencentccc.Transient, ""},
		{"TotalCount a string", 200, `{"Response":{"TotalCount":"1","TelCdrList":[],"RequestId":"r"}}`, tencentccc.Transient, ""},
		{"TotalCount negative", 200, `{"Response":{"TotalCount":-1,"TelCdrList":[],"RequestId":"r"}}`, tencentccc.Transient, ""},
		{"more records than the total", 200, `{"Response":{"TotalCount":1,"TelCdrList":[{},{}],"RequestId":"r"}}`, tencentccc.Transient, ""},
		{"no RequestId", 200, `{"Response":{"TotalCount":0,"TelCdrList":[]}}`, tencentccc.Transient, ""},
		{"Error without a code", 200, `{"Response":{"Error":{"Message":"m"},"RequestId":"r"}}`, tencentccc.Transient, ""},
		{"200 of another API", 200, `{"Code":"OK","Data":{}}`, tencentccc.Transient, ""},
		{"too long", 200, `{"Response":{"TotalCount":1,"TelCdrList":[{"Remark":"` + strings.Repeat("x", tencentccc.MaxBody) + `"}],"RequestId":"r"}}`, tencentccc.Transient, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, false, answer(tc.status, tc.body))
			_, err := newClient(t, f.URL, nil).Page(context.Background(), from, to, 0)
			e, ok := errors.AsType[*tencentccc.Error](err)
			if !ok {
				t.Fatalf("error %v, want an *Error", err)
			}
			if e.Kind != tc.kind || e.Code != tc.code {
				t.Errorf("error %v: kind %v, code %q; want %v, %q", err, e.Kind, e.Code, tc.kind, tc.code)
			}
		})
	}
}

// Pages that are the API's: null lists and unknown members are read.
func TestAnswersTolerated(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		total, n   int
	}{
		{"null list", `{"Response":{"TotalCount":0,"TelCdrList":null,"RequestId":"r"}}`, 0, 0},
		{"members added", `{"Response":{"TotalCount":3,"TelCdrList":[{"New":1}],"Added":[1],"RequestId":"r"}}`, 3, 1},
		{"blank around", " \n" + page + "\n", 2, 2},
		{"unknown top-level member", `{"Response":{"TotalCount":1,"TelCdrList":[ {"A":"],[{\"}"} ],"RequestId":"r"},"Extra":1}`, 1, 1},
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
	c := newClient(t, hang.URL, func(c *tencentccc.Config) { c.Timeout = 200 * time.Millisecond })
	start := time.Now()
	_, err := c.Count(context.Background(), from, to)
	if tencentccc.KindOf(err) != tencentccc.Transient {
		t.Errorf("hanging vendor: %v, want transient", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the timeout took %v", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err = newClient(t, hang.URL, nil).Count(ctx, from, to)
	if !errors.Is(err, context.Canceled) || tencentccc.KindOf(err) != 0 {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, err = newClient(t, closed.URL, nil).Count(context.Background(), from, to)
	if tencentccc.KindOf(err) != tencentccc.Transient {
		t.Errorf("no server: %v, want transient", err)
	}
}

// A vendor behind a certificate of a private CA: trusted with CAFile,
// refused without it.
func TestCAFile(t *testing.T) {
	f := newFake(t, true, answer(200, countPage))
	file := vendorhttptest.CAFile(t, f.Server)
	n, err := newClient(t, f.URL, func(c *tencentccc.Config) { c.CAFile = file }).Count(context.Background(), from, to)
	if err != nil || n != 2 {
		t.Errorf("with the CA: %d, %v", n, err)
	}
	if got := f.Last(); got.err != nil {
		t.Errorf("the signature does not verify over TLS: %v", got.err)
	}
	before := f.Requests()
	_, err = newClient(t, f.URL, nil).Count(context.Background(), from, to)
	if tencentccc.KindOf(err) != tencentccc.Transient || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: %v", err)
	}
	if f.Requests() != before {
		t.Error("a request arrived without the CA")
	}
}

func TestNew(t *testing.T) {
	noPEM := vendorhttptest.NotPEMFile(t)
	ok := tencentccc.Config{SecretID: secretID, SecretKey: secretKey, SdkAppID: app}
	for _, tc := range []struct {
		name string
		edit func(*tencentccc.Config)
		ok   bool
	}{
		{"default endpoint", func(c *tencentccc.Config) {}, true},
		{"http endpoint", func(c *tencentccc.Config) { c.Endpoint = "http://127.0.0.1:8080" }, true},
		{"slash", func(c *tencentccc.Config) { c.Endpoint = "https://ccc.tencentcloudapi.com/" }, true},
		{"no scheme", func(c *tencentccc.Config) { c.Endpoint = "ccc.tencentcloudapi.com" }, false},
		{"ftp", func(c *tencentccc.Config) { c.Endpoint = "ftp://host" }, false},
		{"path", func(c *tencentccc.Config) { c.Endpoint = "https://host/api" }, false},
		{"query", func(c *tencentccc.Config) { c.Endpoint = "https://host/?a=1" }, false},
		{"user", func(c *tencentccc.Config) { c.Endpoint = "https://u:p@host" }, false},
		{"no secret id", func(c *tencentccc.Config) { c.SecretID = "" }, false},
		{"no secret key", func(c *tencentccc.Config) { c.SecretKey = "" }, false},
		{"no app", func(c *tencentccc.Config) { c.SdkAppID = 0 }, false},
		{"negative timeout", func(c *tencentccc.Config) { c.Timeout = -1 }, false},
		{"missing CA file", func(c *tencentccc.Config) { c.CAFile = filepath.Join(t.TempDir(), "none.pem") }, false},
		{"CA file without PEM", func(c *tencentccc.Config) { c.CAFile = noPEM }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			_, err := tencentccc.New(cfg)
			if (err == nil) != tc.ok {
				t.Errorf("New: %v, want ok %v", err, tc.ok)
			}
		})
	}
}
