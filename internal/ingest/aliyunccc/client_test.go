package aliyunccc_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/pop"
	"github.com/cdrhub/cdrhub/internal/ingest/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/ingest/vendorhttp/vendorhttptest"
	"github.com/google/go-cmp/cmp"
)

const (
	keyID, keySecret = "LTAIfakeEXAMPLE", "fake-access-key-secret"
	instance         = "ccc-test"
)

// from and to are a window of one day: 2026-11-01.
var (
	from = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	to   = from.Add(24 * time.Hour)
)

// fake is a vendor that verifies each request's signature, and that its
// nonce was never used, and answers with answer.
type fake = vendorhttptest.Server[seen]

type seen struct {
	method string
	header http.Header
	query  url.Values
	body   []byte
	result pop.Result
	err    error
}

func newFake(t *testing.T, tlsServer bool, answer func(w http.ResponseWriter)) *fake {
	t.Helper()
	nonces := pop.NewNonceStore(pop.DefaultWindow, nil)
	see := func(r *http.Request, body []byte) *seen {
		res, err := pop.Verify(r, body, pop.KeyMap{keyID: keySecret}, time.Now(), pop.Options{Nonces: nonces})
		return &seen{r.Method, r.Header.Clone(), r.URL.Query(), body, res, err}
	}
	return vendorhttptest.New(t, tlsServer, see, answer)
}

func answer(status int, body string) func(w http.ResponseWriter) {
	return answerWith(status, nil, body)
}

func answerWith(status int, header http.Header, body string) func(w http.ResponseWriter) {
	h := header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/json;charset=utf-8")
	return vendorhttptest.Answer(status, h, body)
}

func newClient(t *testing.T, endpoint string, edit func(*aliyunccc.Config)) *aliyunccc.Client {
	t.Helper()
	cfg := aliyunccc.Config{Endpoint: endpoint, AccessKeyID: keyID, AccessKeySecret: keySecret, InstanceID: instance, Timeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := aliyunccc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const (
	page = `{"Code":"OK","HttpStatusCode":200,"Message":"","RequestId":"req-1","Data":{"PageNumber":1,"PageSize":100,"TotalCount":2,` +
		`"List":[{"ContactId":"a","StartTime":1793491200000},  {"ContactId":"b","AgentIds":"x"}]}}`
	laterPage = `{"Code":"OK","HttpStatusCode":200,"Message":"","RequestId":"req-3","Data":{"PageNumber":4,"PageSize":100,"TotalCount":0,` +
		`"List":[{"ContactId":"c"}]}}`
	countPage = `{"Code":"OK","HttpStatusCode":200,"Message":"","RequestId":"req-2","Data":{"PageNumber":1,"PageSize":1,"TotalCount":2,` +
		`"List":[{"ContactId":"a","StartTime":1793491200000}]}}`
)

// The request: an ACS3-signed bodiless POST of ListCallDetailRecords with
// its parameters in the query, the window in inclusive Unix milliseconds
// and the page from 1, as the verifier of cdrhub's own API reads it.
func TestRequest(t *testing.T) {
	f := newFake(t, false, answer(200, laterPage))
	now := time.Now().Truncate(time.Second)
	c := newClient(t, f.URL, func(c *aliyunccc.Config) { c.Now = func() time.Time { return now } })
	p, err := c.Page(context.Background(), from, to, 3)
	if err != nil {
		t.Fatal(err)
	}
	got := f.Last()
	if got.err != nil {
		t.Fatalf("the signature does not verify: %v", got.err)
	}
	want := pop.Result{Scheme: pop.SchemeV3, AccessKeyID: keyID, Action: "ListCallDetailRecords", Version: "2020-07-01",
		Params: url.Values{"InstanceId": {instance}, "StartTime": {"1793491200000"}, "EndTime": {"1793577599999"},
			"SortOrder": {"ASC"}, "PageSize": {"100"}, "PageNumber": {"4"}}}
	if diff := cmp.Diff(want, got.result); diff != "" {
		t.Errorf("verified (-want +got):\n%s", diff)
	}
	if got.method != http.MethodPost || len(got.body) != 0 || got.header.Get("Content-Type") != "" {
		t.Errorf("%s with a body of %d bytes, Content-Type %q; want a bodiless POST", got.method, len(got.body), got.header.Get("Content-Type"))
	}
	if d := got.header.Get("x-acs-date"); d != now.UTC().Format("2006-01-02T15:04:05Z") {
		t.Errorf("x-acs-date %q", d)
	}
	wantPage := aliyunccc.Page{TotalCount: 0, RequestID: "req-3", FetchedAt: now, Records: []json.RawMessage{json.RawMessage(`{"ContactId":"c"}`)}}
	if diff := cmp.Diff(wantPage, p); diff != "" {
		t.Errorf("page (-want +got):\n%s", diff)
	}
	// The first page is PageNumber 1, with its records as served.
	f = newFake(t, false, answer(200, page))
	p, err = newClient(t, f.URL, nil).Page(context.Background(), from, to, 0)
	if err != nil || p.TotalCount != 2 || len(p.Records) != 2 || string(p.Records[1]) != `{"ContactId":"b","AgentIds":"x"}` {
		t.Fatalf("Page 0 = %+v, %v", p, err)
	}
	if n := f.Last().query.Get("PageNumber"); n != "1" {
		t.Errorf("Page 0 asked PageNumber %s", n)
	}
}

// Count asks page 1 of one record; each request carries a nonce of its
// own, which the verifier's nonce store accepts.
func TestCount(t *testing.T) {
	f := newFake(t, false, answer(200, countPage))
	c := newClient(t, f.URL, nil)
	nonces := map[string]bool{}
	for range 3 {
		n, err := c.Count(context.Background(), from, to)
		if err != nil || n != 2 {
			t.Fatalf("Count = %d, %v; want 2", n, err)
		}
		got := f.Last()
		if got.err != nil {
			t.Fatalf("refused: %v", got.err)
		}
		if q := got.query; q.Get("PageSize") != "1" || q.Get("PageNumber") != "1" {
			t.Errorf("Count sent %v, want page 1 of one record", q)
		}
		nonces[got.header.Get("x-acs-signature-nonce")] = true
	}
	if len(nonces) != 3 {
		t.Errorf("%d nonces over 3 requests", len(nonces))
	}
}

func TestWindow(t *testing.T) {
	const start = int64(1793491200000)
	for _, tc := range []struct {
		name       string
		from, to   time.Time
		start, end int64
		ok         bool
	}{
		{"one day", from, to, start, start + 86400000 - 1, true},
		{"one second", from, from.Add(time.Second), start, start + 999, true},
		{"milliseconds", from.Add(time.Millisecond), from.Add(3 * time.Millisecond), start + 1, start + 2, true},
		{"just under 90 days", from, from.Add(90*24*time.Hour - time.Second), start, start + 90*86400000 - 1001, true},
		{"90 days", from, from.Add(90 * 24 * time.Hour), 0, 0, false},
		{"a year", from, from.AddDate(1, 0, 0), 0, 0, false},
		{"empty", from, from, 0, 0, false},
		{"reversed", to, from, 0, 0, false},
		{"microseconds", from.Add(time.Microsecond), to, 0, 0, false},
		{"before 2000", time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2000, 1, 2, 0, 0, 0, 0, time.UTC), 0, 0, false},
		{"from 2000", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2000, 1, 2, 0, 0, 0, 0, time.UTC), 946684800000, 946771199999, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, end, err := aliyunccc.Window(tc.from, tc.to)
			if !tc.ok {
				if !errors.Is(err, aliyunccc.ErrWindow) || aliyunccc.KindOf(err) != aliyunccc.Invalid {
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

// A window refused, a negative page, or a page past the API's hundredth,
// sends nothing.
func TestRefusedBeforeSending(t *testing.T) {
	f := newFake(t, false, answer(200, page))
	c := newClient(t, f.URL, nil)
	ctx := context.Background()
	long := from.Add(aliyunccc.MaxWindow)
	if _, err := c.Count(ctx, from, long); !errors.Is(err, aliyunccc.ErrWindow) {
		t.Errorf("Count of 90 days: %v", err)
	}
	if _, err := c.Page(ctx, from, long, 0); !errors.Is(err, aliyunccc.ErrWindow) {
		t.Errorf("Page of 90 days: %v", err)
	}
	for _, n := range []int{-1, aliyunccc.MaxPages, aliyunccc.MaxPages + 1} {
		if _, err := c.Page(ctx, from, to, n); aliyunccc.KindOf(err) != aliyunccc.Invalid {
			t.Errorf("Page %d: %v", n, err)
		}
	}
	if n := f.Requests(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	if _, err := c.Page(ctx, from, to, aliyunccc.MaxPages-1); err != nil {
		t.Errorf("the last page: %v", err)
	}
	if got := f.Last().query.Get("PageNumber"); got != "100" {
		t.Errorf("the last page asked PageNumber %s", got)
	}
	if most := aliyunccc.MaxWindowRecords; most != 10000 {
		t.Errorf("MaxWindowRecords %d", most)
	}
}

// errBody is a POP error envelope, as cdrhub and the gateway send it.
func errBody(code string, status int) string {
	return `{"RequestId":"r","HostId":"ccc.cn-shanghai.aliyuncs.com","Code":"` + code + `","Message":"m","Recommend":"https://api.aliyun.com/troubleshoot","HttpStatusCode":` +
		strings.TrimSpace(http.StatusText(0)+itoa(status)) + `}`
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// Each answer and its kind.
func TestAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		kind   aliyunccc.Kind
		code   string
	}{
		{"throttled", 400, errBody("Throttling", 400), aliyunccc.Throttled, "Throttling"},
		{"throttled user", 400, errBody("Throttling.User", 400), aliyunccc.Throttled, "Throttling.User"},
		{"throttled api", 400, errBody("Throttling.Api", 400), aliyunccc.Throttled, "Throttling.Api"},
		{"429 with a code", 429, errBody("Throttling.Api", 429), aliyunccc.Throttled, "Throttling.Api"},
		{"429 bare", 429, "slow down", aliyunccc.Throttled, ""},
		{"503 bare", 503, "", aliyunccc.Throttled, ""},
		{"503 unavailable", 503, errBody("ServiceUnavailable", 503), aliyunccc.Throttled, "ServiceUnavailable"},
		{"signature", 400, errBody("SignatureDoesNotMatch", 400), aliyunccc.Auth, "SignatureDoesNotMatch"},
		{"signature 403", 403, errBody("SignatureDoesNotMatch", 403), aliyunccc.Auth, "SignatureDoesNotMatch"},
		{"key unknown", 404, errBody("InvalidAccessKeyId.NotFound", 404), aliyunccc.Auth, "InvalidAccessKeyId.NotFound"},
		{"key inactive", 400, errBody("InvalidAccessKeyId.Inactive", 400), aliyunccc.Auth, "InvalidAccessKeyId.Inactive"},
		{"RAM", 403, errBody("Forbidden.RAM", 403), aliyunccc.Auth, "Forbidden.RAM"},
		{"key disabled", 403, errBody("Forbidden.AccessKeyDisabled", 403), aliyunccc.Auth, "Forbidden.AccessKeyDisabled"},
		{"no permission", 403, errBody("NoPermission", 403), aliyunccc.Auth, "NoPermission"},
		{"clock off", 400, errBody("InvalidTimeStamp.Expired", 400), aliyunccc.Auth, "InvalidTimeStamp.Expired"},
		{"nonce used", 400, errBody("SignatureNonceUsed", 400), aliyunccc.Transient, "SignatureNonceUsed"},
		{"internal", 500, errBody("InternalService.Common", 500), aliyunccc.Transient, "InternalService.Common"},
		{"internal error", 500, errBody("InternalError", 500), aliyunccc.Transient, "InternalError"},
		{"parameter format", 400, errBody("Parameter.Format", 400), aliyunccc.Invalid, "Parameter.Format"},
		{"parameter maximum", 400, errBody("Parameter.Maximum", 400), aliyunccc.Invalid, "Parameter.Maximum"},
		{"missing", 400, errBody("MissingInstanceId", 400), aliyunccc.Invalid, "MissingInstanceId"},
		{"instance", 404, errBody("NotExists.InstanceId", 404), aliyunccc.Invalid, "NotExists.InstanceId"},
		{"incomplete signature", 400, errBody("IncompleteSignature", 400), aliyunccc.Invalid, "IncompleteSignature"},
		{"unknown code at 500", 500, errBody("Something", 500), aliyunccc.Transient, "Something"},
		{"an error code at 200", 200, errBody("Throttling.User", 200), aliyunccc.Throttled, "Throttling.User"},
		{"502", 502, "<html>Bad Gateway</html>", aliyunccc.Transient, ""},
		{"504 JSON without a code", 504, `{"Message":"timeout"}`, aliyunccc.Transient, ""},
		{"404", 404, "not found", aliyunccc.Invalid, ""},
		{"302", 302, "", aliyunccc.Invalid, ""},
		{"not JSON", 200, "<html>hello</html>", aliyunccc.Transient, ""},
		{"empty", 200, "", aliyunccc.Transient, ""},
		{"trailing data", 200, page + "x", aliyunccc.Transient, ""},
		{"two values", 200, page + page, aliyunccc.Transient, ""},
		{"an array", 200, `[]`, aliyunccc.Transient, ""},
		{"no Data", 200, `{"Code":"OK","RequestId":"r"}`, aliyunccc.Transient, ""},
		{"Data null", 200, `{"Code":"OK","RequestId":"r","Data":null}`, aliyunccc.Transient, ""},
		{"Data not an object", 200, `{"Code":"OK","RequestId":"r","Data":[]}`, aliyunccc.Transient, ""},
		{"no List", 200, `{"Code":"OK","RequestId":"r","Data":{"TotalCount":1}}`, aliyunccc.Transient, ""},
		{"List not a list", 200, `{"Code":"OK","RequestId":"r","Data":{"TotalCount":1,"List":{}}}`, aliyunccc.Transient, ""},
		{"record not an object", 200, `{"Code":"OK","RequestId":"r","Data":{"TotalCount":1,"List":[1]}}`, aliyunccc.Transient, ""},
		{"record a string", 200, `{"Code":"OK","RequestId":"r","Data":{"TotalCount":1,"List":["{}"]}}`, aliyunccc.Transient, ""},
		{"record null", 200, `{"Code":"OK","RequestId":"r","Data":{"TotalCount":1,"List":[null]}}`, aliyunccc.Transient, ""},
		{"no TotalCount on page 1", 200, `{"Code":"OK","RequestId":"r","Data":{"List":[]}}`, aliyunccc.Transient, ""},
		{"TotalCount null", 200, `{"Code":"OK","RequestId":"r","Data":{"TotalCount":null,"List":[]}}`, aliyunccc.Transient, ""},
		{"TotalCount a string", 200, `{"Code":"OK","RequestId":"r","Data":{"TotalCount":"1","List":[]}}`, aliyunccc.Transient, ""},
		{"TotalCount negative", 200, `{"Code":"OK","RequestId":"r","Data":{"TotalCount":-1,"List":[]}}`, aliyunccc.Transient, ""},
		{"TotalCount a fraction", 200, `{"Code":"OK","RequestId":"r","Data":{"TotalCount":1.5,"List":[]}}`, aliyunccc.Transient, ""},
		{"more records than the total", 200, `{"Code":"OK","RequestId":"r","Data":{"TotalCount":1,"List":[{},{}]}}`, aliyunccc.Transient, ""},
		{"no RequestId", 200, `{"Code":"OK","Data":{"TotalCount":0,"List":[]}}`, aliyunccc.Transient, ""},
		{"RequestId a number", 200, `{"Code":"OK","RequestId":1,"Data":{"TotalCount":0,"List":[]}}`, aliyunccc.Transient, ""},
		{"200 of another API", 200, `{"Response":{"TotalCount":1,"TelCdrList":[],"RequestId":"r"}}`, aliyunccc.Transient, ""},
		{"too long", 200, `{"Code":"OK","RequestId":"r","Data":{"TotalCount":1,"List":[{"ContactId":"` + strings.Repeat("x", aliyunccc.MaxBody) + `"}]}}`, aliyunccc.Transient, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, false, answer(tc.status, tc.body))
			_, err := newClient(t, f.URL, nil).Page(context.Background(), from, to, 0)
			e, ok := errors.AsType[*aliyunccc.Error](err)
			if !ok {
				t.Fatalf("error %v, want an *Error", err)
			}
			if e.Kind != tc.kind || e.Code != tc.code {
				t.Errorf("error %v: kind %v, code %q; want %v, %q", err, e.Kind, e.Code, tc.kind, tc.code)
			}
			if tc.status != 200 && e.Status != tc.status {
				t.Errorf("status %d, want %d", e.Status, tc.status)
			}
		})
	}
}

// A page of 100 records is the most a page may hold; 101 is not the API's.
func TestPageSize(t *testing.T) {
	list := func(n int) string {
		recs := make([]string, n)
		for i := range recs {
			recs[i] = `{"ContactId":"` + strconv.Itoa(i) + `"}`
		}
		return `{"Code":"OK","RequestId":"r","Data":{"TotalCount":500,"List":[` + strings.Join(recs, ",") + `]}}`
	}
	f := newFake(t, false, answer(200, list(100)))
	if p, err := newClient(t, f.URL, nil).Page(context.Background(), from, to, 0); err != nil || len(p.Records) != 100 {
		t.Errorf("100 records: %d, %v", len(p.Records), err)
	}
	f = newFake(t, false, answer(200, list(101)))
	if _, err := newClient(t, f.URL, nil).Page(context.Background(), from, to, 0); aliyunccc.KindOf(err) != aliyunccc.Transient {
		t.Errorf("101 records: %v", err)
	}
	// Count asks for one record: two are not its answer.
	f = newFake(t, false, answer(200, list(2)))
	if _, err := newClient(t, f.URL, nil).Count(context.Background(), from, to); aliyunccc.KindOf(err) != aliyunccc.Transient {
		t.Errorf("Count answered with 2 records: %v", err)
	}
}

// The throttling headers' TimeLeft (ms) is kept as RetryAfter, the longer
// of the two, as darabonba reads it.
func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"none", nil, 0},
		{"user", http.Header{"X-Ratelimit-User": {"Limit:1,Remain:0,TimeLeft:2000,Reset:1234"}}, 2 * time.Second},
		{"user api", http.Header{"X-Ratelimit-User-Api": {"Limit:1,Remain:0,TimeLeft:1500,Reset:1234"}}, 1500 * time.Millisecond},
		{"the longer", http.Header{"X-Ratelimit-User-Api": {"Limit:1,Remain:0,TimeLeft:300,Reset:1"}, "X-Ratelimit-User": {"TimeLeft:700"}}, 700 * time.Millisecond},
		{"not a number", http.Header{"X-Ratelimit-User": {"Limit:1,TimeLeft:soon"}}, 0},
		{"over a day", http.Header{"X-Ratelimit-User": {"TimeLeft:86400001"}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, false, answerWith(400, tc.header, errBody("Throttling.User", 400)))
			_, err := newClient(t, f.URL, nil).Count(context.Background(), from, to)
			e, ok := errors.AsType[*aliyunccc.Error](err)
			if !ok || e.Kind != aliyunccc.Throttled || e.TimeLeft != tc.want || e.RetryAfter() != tc.want {
				t.Fatalf("error %v; want throttled, retry after %v", err, tc.want)
			}
		})
	}
}

// Pages that are the API's: null lists, members added, later pages
// without their TotalCount are read.
func TestAnswersTolerated(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		number     int
		total, n   int
	}{
		{"null list", `{"Code":"OK","RequestId":"r","Data":{"TotalCount":0,"List":null}}`, 0, 0, 0},
		{"members added", `{"Code":"OK","RequestId":"r","Data":{"TotalCount":3,"List":[{"New":1}],"Added":[1]},"Extra":{}}`, 0, 3, 1},
		{"blank around", " \n" + page + "\n", 0, 2, 2},
		{"no Code", `{"RequestId":"r","Data":{"TotalCount":1,"List":[ {"A":"],[{\"}"} ]}}`, 0, 1, 1},
		{"a later page without TotalCount", `{"Code":"OK","RequestId":"r","Data":{"List":[{"ContactId":"x"}]}}`, 1, 0, 1},
		{"a later page's TotalCount 0", `{"Code":"OK","RequestId":"r","Data":{"TotalCount":0,"List":[{"ContactId":"x"}]}}`, 5, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, false, answer(200, tc.body))
			p, err := newClient(t, f.URL, nil).Page(context.Background(), from, to, tc.number)
			if err != nil || p.TotalCount != tc.total || len(p.Records) != tc.n || p.Records == nil {
				t.Fatalf("Page = %+v, %v; want %d of %d", p, err, tc.n, tc.total)
			}
		})
	}
}

// No error holds the secret or the signature.
func TestNoSecretInErrors(t *testing.T) {
	f := newFake(t, false, answer(400, errBody("SignatureDoesNotMatch", 400)))
	_, err := newClient(t, f.URL, nil).Count(context.Background(), from, to)
	sig := f.Last().header.Get("Authorization")
	_, sig, _ = strings.Cut(sig, "Signature=")
	if err == nil || sig == "" || strings.Contains(err.Error(), keySecret) || strings.Contains(err.Error(), sig) {
		t.Errorf("error %v (signature %q)", err, sig)
	}
}

// A vendor that does not answer within the timeout, and one that is not
// there: Transient; the caller's own cancellation is returned as it is.
func TestNoAnswer(t *testing.T) {
	release := make(chan struct{})
	hang := newFake(t, false, func(w http.ResponseWriter) { <-release })
	t.Cleanup(func() { close(release) }) // before the server closes
	c := newClient(t, hang.URL, func(c *aliyunccc.Config) { c.Timeout = 200 * time.Millisecond })
	start := time.Now()
	_, err := c.Count(context.Background(), from, to)
	if aliyunccc.KindOf(err) != aliyunccc.Transient {
		t.Errorf("hanging vendor: %v, want transient", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the timeout took %v", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err = newClient(t, hang.URL, nil).Page(ctx, from, to, 0)
	if !errors.Is(err, context.Canceled) || aliyunccc.KindOf(err) != 0 {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, err = newClient(t, closed.URL, nil).Count(context.Background(), from, to)
	if aliyunccc.KindOf(err) != aliyunccc.Transient {
		t.Errorf("no server: %v, want transient", err)
	}
}

// A vendor behind a certificate of a private CA: trusted with CAFile,
// refused without it.
func TestCAFile(t *testing.T) {
	f := newFake(t, true, answer(200, countPage))
	file := vendorhttptest.CAFile(t, f.Server)
	n, err := newClient(t, f.URL, func(c *aliyunccc.Config) { c.CAFile = file }).Count(context.Background(), from, to)
	if err != nil || n != 2 {
		t.Errorf("with the CA: %d, %v", n, err)
	}
	if got := f.Last(); got.err != nil {
		t.Errorf("the signature does not verify over TLS: %v", got.err)
	}
	before := f.Requests()
	_, err = newClient(t, f.URL, nil).Count(context.Background(), from, to)
	if aliyunccc.KindOf(err) != aliyunccc.Transient || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: %v", err)
	}
	if f.Requests() != before {
		t.Error("a request arrived without the CA")
	}
}

func TestNew(t *testing.T) {
	noPEM := vendorhttptest.NotPEMFile(t)
	ok := aliyunccc.Config{Region: "cn-shanghai", AccessKeyID: keyID, AccessKeySecret: keySecret, InstanceID: instance}
	for _, tc := range []struct {
		name string
		edit func(*aliyunccc.Config)
		ok   bool
	}{
		{"default endpoint", func(c *aliyunccc.Config) {}, true},
		{"http endpoint", func(c *aliyunccc.Config) { c.Endpoint = "http://127.0.0.1:8080"; c.Region = "" }, true},
		{"slash", func(c *aliyunccc.Config) { c.Endpoint = "https://ccc.aliyuncs.com/" }, true},
		{"no region, no endpoint", func(c *aliyunccc.Config) { c.Region = "" }, false},
		{"region with a dot", func(c *aliyunccc.Config) { c.Region = "evil.com/x" }, false},
		{"region upper case", func(c *aliyunccc.Config) { c.Region = "CN-SHANGHAI" }, false},
		{"no scheme", func(c *aliyunccc.Config) { c.Endpoint = "ccc.aliyuncs.com" }, false},
		{"ftp", func(c *aliyunccc.Config) { c.Endpoint = "ftp://host" }, false},
		{"path", func(c *aliyunccc.Config) { c.Endpoint = "https://host/api" }, false},
		{"query", func(c *aliyunccc.Config) { c.Endpoint = "https://host/?a=1" }, false},
		{"user", func(c *aliyunccc.Config) { c.Endpoint = "https://u:p@host" }, false},
		{"no key id", func(c *aliyunccc.Config) { c.AccessKeyID = "" }, false},
		{"no secret", func(c *aliyunccc.Config) { c.AccessKeySecret = "" }, false},
		{"no instance", func(c *aliyunccc.Config) { c.InstanceID = "" }, false},
		{"negative timeout", func(c *aliyunccc.Config) { c.Timeout = -1 }, false},
		{"missing CA file", func(c *aliyunccc.Config) { c.CAFile = filepath.Join(t.TempDir(), "none.pem") }, false},
		{"CA file without PEM", func(c *aliyunccc.Config) { c.CAFile = noPEM }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			_, err := aliyunccc.New(cfg)
			if (err == nil) != tc.ok {
				t.Errorf("New: %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// The default endpoint is the region's, and the Host it signs.
func TestDefaultEndpoint(t *testing.T) {
	var host string
	hc := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		host = r.URL.Scheme + "://" + r.Host
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(countPage)), Header: http.Header{}}, nil
	})}
	c := newClient(t, "", func(c *aliyunccc.Config) { c.Region = "cn-hangzhou"; c.HTTPClient = hc })
	if _, err := c.Count(context.Background(), from, to); err != nil {
		t.Fatal(err)
	}
	if host != "https://ccc.cn-hangzhou.aliyuncs.com" || aliyunccc.DefaultEndpoint("cn-hangzhou") != host {
		t.Errorf("sent to %q", host)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The engine's view: page size, longest window, kinds and keys.
func TestEngine(t *testing.T) {
	e := newClient(t, "http://127.0.0.1:1", nil).Engine()
	if e.PageSize() != 100 || e.MaxWindow() != 90*24*time.Hour-time.Second {
		t.Errorf("page size %d, longest window %v", e.PageSize(), e.MaxWindow())
	}
	if k := e.Kind(&aliyunccc.Error{Kind: aliyunccc.Auth}); k != aliyunccc.Auth {
		t.Errorf("kind %v", k)
	}
	if k := e.Kind(context.Canceled); k != 0 {
		t.Errorf("kind of a cancellation %v", k)
	}
	for raw, want := range map[string]string{`{"ContactId":"job-1","StartTime":1}`: "job-1", `{"StartTime":1}`: "", `[1]`: "", `{"ContactId":1}`: ""} {
		if got := e.Key(json.RawMessage(raw)); got != want {
			t.Errorf("Key(%s) = %q, want %q", raw, got, want)
		}
	}
}
