package native_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/httpx/httpxtest"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
	"github.com/google/go-cmp/cmp"
)

const (
	acmeToken   = "acme-secret-token"
	globexToken = "globex-secret-token"
	adminToken  = "admin-secret-token"
)

type env struct {
	srv   *httptest.Server
	store cdr.Store
	api   *native.API
	reads *atomic.Int64     // the API's reads of the store
	logs  *httpxtest.Buffer // the server's log, JSON lines
}

func newEnv(t *testing.T, limits native.Limits) *env {
	t.Helper()
	store := storetest.Open(t, sqlstore.Options{CacheMiB: 4})
	reads := new(atomic.Int64)
	api := newAPI(t, storetest.CountReads(store, reads), limits)
	logs := &httpxtest.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	srv := httptest.NewServer(validated(t, httpserver.Routes(httpserver.Ready{DB: store}, nil, log, httpserver.APIs{Native: api})))
	t.Cleanup(srv.Close)
	return &env{srv: srv, store: store, api: api, reads: reads, logs: logs}
}

// newAPI returns the native API over store with the tests' tokens: acme's,
// globex's and the admin ops.
func newAPI(t *testing.T, store cdr.Store, limits native.Limits) *native.API {
	t.Helper()
	api, err := native.New(store, []native.Token{
		{Name: "acme", Secret: acmeToken, Tenant: "acme"},
		{Name: "globex", Secret: globexToken, Tenant: "globex"},
		{Name: "ops", Secret: adminToken},
	}, []string{"acme", "globex"}, limits)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// do sends a request and decodes the JSON response into out (if not nil).
func (e *env) do(t *testing.T, method, path, token, contentType, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, b, err)
		}
	}
	return resp.StatusCode
}

func rec(sourceID string, start int64, extra string) string {
	return fmt.Sprintf(`{"channel":"voice","source":"native","source_id":%q,"start_at":%d%s}`, sourceID, start, extra)
}

func post(t *testing.T, e *env, token, ct, body string) (int, native.UpsertResponse) {
	t.Helper()
	var resp native.UpsertResponse
	code := e.do(t, "POST", "/api/v1/records", token, ct, body, &resp)
	return code, resp
}

func TestAuth(t *testing.T) {
	e := newEnv(t, native.DefaultLimits)
	tests := []struct {
		name, path, token string
		want              int
		code              string
	}{
		{"no token", "/api/v1/records", "", 401, "unauthorized"},
		{"bad token", "/api/v1/records", "nope", 401, "unauthorized"},
		{"tenant token", "/api/v1/records", acmeToken, 200, ""},
		{"own tenant named", "/api/v1/records?tenant=acme", acmeToken, 200, ""},
		{"other tenant named", "/api/v1/records?tenant=globex", acmeToken, 403, "forbidden"},
		{"admin without tenant", "/api/v1/records", adminToken, 400, "invalid"},
		{"admin with tenant", "/api/v1/records?tenant=globex", adminToken, 200, ""},
		{"admin with unknown tenant", "/api/v1/records?tenant=initech", adminToken, 404, "not_found"},
		{"unknown route", "/api/v1/nothing", acmeToken, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body native.ErrorBody
			got := e.do(t, "GET", tt.path, tt.token, "", "", &body)
			if got != tt.want || body.Error.Code != tt.code {
				t.Errorf("status %d code %q, want %d %q", got, body.Error.Code, tt.want, tt.code)
			}
		})
	}
}

func TestUpsertCounts(t *testing.T) {
	e := newEnv(t, native.DefaultLimits)
	body := "[" + rec("a", 1700000000000, "") + "," + rec("b", 1700000001000, `,"version":5`) + "]"
	code, resp := post(t, e, acmeToken, "application/json", body)
	if code != 200 || resp.Inserted != 2 || resp.Rejected != 0 {
		t.Fatalf("first post: %d %+v", code, resp)
	}
	body2 := "[" + rec("b", 1700000001000, `,"version":4`) + "," + rec("b", 1700000001000, `,"version":6,"note":"x"`) + "]"
	code, resp = post(t, e, acmeToken, "application/json", body2)
	want := native.UpsertResponse{Updated: 1, Unchanged: 1, Stale: 1, Errors: []native.LineError{}}
	if code != 200 || !cmp.Equal(resp, want) {
		t.Errorf("second post: %d %+v, want %+v", code, resp, want)
	}
}

func TestUpsertBadLines(t *testing.T) {
	e := newEnv(t, native.Limits{MaxBody: 1 << 20, MaxRecords: 100, MaxRecord: 400})
	lines := []string{
		rec("ok-1", 1700000000000, ""),
		`{"channel":"voice","source":`, // malformed
		rec("enum", 1700000000000, `,"direction":"sideways"`),
		rec("seconds", 1700000000, ""),
		rec("negative", 1700000000000, `,"talk_s":-3`),
		rec("unknown-field", 1700000000000, `,"start_time":1`),
		rec("wrong-type", 1700000000000, `,"caller":{"address":12}`),
		rec("tenant", 1700000000000, `,"tenant":"globex"`),
		rec("big", 1700000000000, `,"note":"`+strings.Repeat("x", 400)+`"`),
		"",
		rec("ok-2", 1700000000000, ""),
		`{"channel":"rtc","source":"tencent_ccc","source_id":"x","start_at":1700000000000}`,
		`[1]`,
	}
	code, resp := post(t, e, acmeToken, "application/x-ndjson", strings.Join(lines, "\n"))
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	want := []native.LineError{
		{Line: 2, Code: "invalid"},
		{Line: 3, Source: "native", SourceID: "enum", Code: "invalid", Field: "direction"},
		{Line: 4, Source: "native", SourceID: "seconds", Code: "invalid", Field: "start_at"},
		{Line: 5, Source: "native", SourceID: "negative", Code: "invalid", Field: "talk_s"},
		{Line: 6, Code: "invalid", Field: "start_time"},
		{Line: 7, Code: "invalid", Field: "caller.address"},
		{Line: 8, Source: "native", SourceID: "tenant", Code: "invalid", Field: "tenant"},
		{Line: 9, Code: "too_large"},
		{Line: 12, Source: "tencent_ccc", SourceID: "x", Code: "invalid", Field: "channel"},
		{Line: 13, Code: "invalid"},
	}
	for i := range resp.Errors {
		if resp.Errors[i].Message == "" {
			t.Errorf("line %d: empty message", resp.Errors[i].Line)
		}
		resp.Errors[i].Message = ""
	}
	if diff := cmp.Diff(want, resp.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if resp.Inserted != 2 || resp.Rejected != len(want) {
		t.Errorf("inserted %d rejected %d", resp.Inserted, resp.Rejected)
	}
	var list native.ListResponse
	e.do(t, "GET", "/api/v1/records", acmeToken, "", "", &list)
	if len(list.Records) != 2 {
		t.Errorf("%d records stored, want the 2 valid lines", len(list.Records))
	}
}

func TestUpsertRequestErrors(t *testing.T) {
	e := newEnv(t, native.Limits{MaxBody: 2000, MaxRecords: 3, MaxRecord: 1000})
	many := "[" + strings.Repeat(rec("m", 1700000000000, "")+",", 3) + rec("m", 1700000000000, "") + "]"
	tests := []struct {
		name, ct, body, path string
		want                 int
		code                 string
	}{
		{"object not array", "application/json", rec("x", 1700000000000, ""), "", 400, "invalid"},
		{"malformed array", "application/json", `[{"a":1},`, "", 400, "invalid"},
		{"trailing data", "application/json", `[] []`, "", 400, "invalid"},
		{"too many records", "application/json", many, "", 413, "too_large"},
		{"body too large", "application/x-ndjson", strings.Repeat(" ", 2001), "", 413, "too_large"},
		{"unsupported type", "text/csv", "a,b", "", 400, "invalid"},
		{"unknown parameter", "application/json", "[]", "?force=1", 400, "invalid"},
		{"bad dry_run", "application/json", "[]", "?dry_run=maybe", 400, "invalid"},
		{"vendor format", "application/json", "[]", "?format=laaffic", 400, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body native.ErrorBody
			got := e.do(t, "POST", "/api/v1/records"+tt.path, acmeToken, tt.ct, tt.body, &body)
			if got != tt.want || body.Error.Code != tt.code || body.Error.Message == "" {
				t.Errorf("status %d %+v, want %d %q", got, body.Error, tt.want, tt.code)
			}
		})
	}
	var list native.ListResponse
	e.do(t, "GET", "/api/v1/records", acmeToken, "", "", &list)
	if len(list.Records) != 0 {
		t.Errorf("rejected requests wrote %d records", len(list.Records))
	}
	// The service keeps serving.
	if code, resp := post(t, e, acmeToken, "", rec("after", 1700000000000, "")); code != 200 || resp.Inserted != 1 {
		t.Errorf("after the errors: %d %+v", code, resp)
	}
}

func TestDryRun(t *testing.T) {
	e := newEnv(t, native.DefaultLimits)
	var resp native.UpsertResponse
	e.do(t, "POST", "/api/v1/records?dry_run=true", acmeToken, "application/x-ndjson", rec("d", 1700000000000, "")+"\n"+rec("d", 1700000000000, ""), &resp)
	if resp.Inserted != 1 || resp.Unchanged != 1 {
		t.Errorf("dry run %+v", resp)
	}
	if code := e.do(t, "GET", "/api/v1/records/"+cdr.RecordID("acme", "native", "d"), acmeToken, "", "", nil); code != 404 {
		t.Errorf("dry run wrote the record: %d", code)
	}
}

func TestGetRecord(t *testing.T) {
	e := newEnv(t, native.DefaultLimits)
	post(t, e, acmeToken, "", rec("g", 1700000000000, `,"caller":{"address":"+86 139 1234 5678","digits":"999"},"raw":{"x":1}`))
	post(t, e, globexToken, "", rec("g", 1700000000000, `,"note":"globex"`))
	id := cdr.RecordID("acme", "native", "g")
	var got cdr.Record
	if code := e.do(t, "GET", "/api/v1/records/"+id, acmeToken, "", "", &got); code != 200 {
		t.Fatalf("status %d", code)
	}
	if got.ID != id || got.Caller.Digits != "8613912345678" || got.Raw != nil || got.Note != "" {
		t.Errorf("got %+v", got)
	}
	tests := []struct {
		path, token string
		want        int
	}{
		{"/api/v1/records/" + id, globexToken, 404},
		{"/api/v1/records/" + cdr.RecordID("globex", "native", "g"), acmeToken, 404},
		{"/api/v1/records/" + id + "?include=raw", acmeToken, 200},
		{"/api/v1/records/" + id + "?include=everything", acmeToken, 400},
		{"/api/v1/records/" + id + "?as=tencent_ccc", acmeToken, 400},
		{"/api/v1/records/" + id + "?x=1", acmeToken, 400},
		{"/api/v1/records/rec_missing", acmeToken, 404},
	}
	for _, tt := range tests {
		if code := e.do(t, "GET", tt.path, tt.token, "", "", nil); code != tt.want {
			t.Errorf("GET %s: %d, want %d", tt.path, code, tt.want)
		}
	}
}

func TestListPagesAndFilters(t *testing.T) {
	e := newEnv(t, native.DefaultLimits)
	var lines []string
	for i := range 25 {
		ch := []string{"voice", "rtc", "chat"}[i%3]
		lines = append(lines, fmt.Sprintf(`{"channel":%q,"source":"native","source_id":"p%02d","start_at":%d,"tags":["t%d"],"caller":{"address":"+86 139 0000 %04d"}}`,
			ch, i, 1700000000000+int64(i%10)*1000, i%2, i))
	}
	post(t, e, acmeToken, "application/x-ndjson", strings.Join(lines, "\n"))
	post(t, e, globexToken, "application/x-ndjson", strings.Join(lines, "\n"))

	seen := map[string]int{}
	path := "/api/v1/records?limit=4&order=asc&count=true"
	var pages int
	for {
		var resp native.ListResponse
		if code := e.do(t, "GET", path, acmeToken, "", "", &resp); code != 200 {
			t.Fatalf("GET %s: %d", path, code)
		}
		if resp.Total == nil || *resp.Total != 25 {
			t.Errorf("total %v", resp.Total != nil)
		}
		for _, r := range resp.Records {
			seen[r.SourceID]++
			if r.Tenant != "acme" {
				t.Errorf("record of %s", r.Tenant)
			}
		}
		pages++
		if resp.NextCursor == "" {
			break
		}
		path = "/api/v1/records?limit=4&order=asc&count=true&cursor=" + resp.NextCursor
	}
	if len(seen) != 25 || pages != 7 {
		t.Errorf("%d records in %d pages, want 25 in 7", len(seen), pages)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", id, n)
		}
	}

	var first native.ListResponse
	e.do(t, "GET", "/api/v1/records?limit=2&channel=voice", acmeToken, "", "", &first)
	filters := []struct {
		query string
		want  int
	}{
		{"channel=voice", 9},
		{"channel=voice,rtc", 17},
		{"channel=voice&channel=chat", 17},
		{"tag=t1", 12},
		{"phone=13900000003", 1},
		{"phone=13900000004", 0}, // an rtc record: user ids are no phone numbers
		{"phone_contains=0000", 9},
		{"source=native&source_id=p01,p02", 2},
		{"from=1700000005000&to=1700000007000", 4},
		{"from=2023-11-14T22:13:25Z", 10},
		{"has_recording=false", 25},
		{"has_recording=true", 0},
	}
	for _, f := range filters {
		var resp native.ListResponse
		if code := e.do(t, "GET", "/api/v1/records?count=true&"+f.query, acmeToken, "", "", &resp); code != 200 || *resp.Total != f.want || len(resp.Records) != f.want {
			t.Errorf("%s: status %d, %d records, total %v; want %d", f.query, code, len(resp.Records), *resp.Total, f.want)
		}
	}
	bad := []string{
		"limit=1001", "limit=0", "limit=x", "channel=fax", "order=up", "from=1700000000", "from=yesterday",
		"source_id=p01", "csat_min=0", "csat_min=4&csat_max=2", "bogus=1", "phone_contains=12",
		"cursor=garbage", "cursor=" + first.NextCursor, // a voice cursor on an unfiltered list
		"channel=voice&order=asc&cursor=" + first.NextCursor,
		"from=1700000007000&to=1700000005000",
	}
	for _, q := range bad {
		var body native.ErrorBody
		if code := e.do(t, "GET", "/api/v1/records?"+q, acmeToken, "", "", &body); code != 400 || body.Error.Code != "invalid" {
			t.Errorf("%s: %d %+v, want 400 invalid", q, code, body)
		}
	}
	var next native.ListResponse
	if code := e.do(t, "GET", "/api/v1/records?limit=2&channel=voice&cursor="+url.QueryEscape(first.NextCursor), acmeToken, "", "", &next); code != 200 || len(next.Records) != 2 || next.Records[0].StartAt > first.Records[1].StartAt {
		t.Errorf("the cursor with its own filters: %d %+v", code, next)
	}
}

// TestVersionZero: an explicit "version":0 is a version (only an absent one
// becomes the receive time), it is listed and read back as "version":0, and
// a listed record posted back is unchanged.
func TestVersionZero(t *testing.T) {
	e := newEnv(t, native.DefaultLimits)
	start := time.Now().UnixMilli()
	steps := []struct {
		name, id, extra string
		want            native.UpsertResponse
		version         int64 // of the stored record afterwards; -1: the receive time
	}{
		{"explicit 0", "z", `,"version":0`, native.UpsertResponse{Inserted: 1}, 0},
		{"0 again", "z", `,"version":0`, native.UpsertResponse{Unchanged: 1}, 0},
		{"version 1", "z", `,"version":1,"note":"x"`, native.UpsertResponse{Updated: 1}, 1},
		{"back to 0", "z", `,"version":0`, native.UpsertResponse{Unchanged: 1, Stale: 1}, 1},
		{"null is absent", "n", `,"version":null`, native.UpsertResponse{Inserted: 1}, -1},
		{"absent", "a", ``, native.UpsertResponse{Inserted: 1}, -1},
		{"version 1 after an absent one", "a", `,"version":1,"note":"x"`, native.UpsertResponse{Unchanged: 1, Stale: 1}, -1},
	}
	for _, st := range steps {
		code, resp := post(t, e, acmeToken, "application/x-ndjson", rec(st.id, 1700000000000, st.extra))
		st.want.Errors = []native.LineError{}
		if diff := cmp.Diff(st.want, resp); code != 200 || diff != "" {
			t.Fatalf("%s: status %d (-want +got):\n%s", st.name, code, diff)
		}
		var got map[string]any
		e.do(t, "GET", "/api/v1/records/"+cdr.RecordID("acme", "native", st.id), acmeToken, "", "", &got)
		v, ok := got["version"].(float64)
		switch {
		case !ok:
			t.Errorf("%s: no version in %v", st.name, got)
		case st.version >= 0 && int64(v) != st.version:
			t.Errorf("%s: version %v, want %d", st.name, v, st.version)
		case st.version < 0 && (int64(v) < start || int64(v) > time.Now().UnixMilli()):
			t.Errorf("%s: version %v, want the receive time", st.name, v)
		}
	}

	// The listed records (as export writes them) post back unchanged,
	// version 0 included.
	var list struct{ Records []json.RawMessage }
	if code := e.do(t, "GET", "/api/v1/records?source_id=z,a,n&source=native", acmeToken, "", "", &list); code != 200 || len(list.Records) != 3 {
		t.Fatalf("list: %d, %d records", code, len(list.Records))
	}
	var lines []string
	for _, r := range list.Records {
		if !strings.Contains(string(r), `"version":`) {
			t.Errorf("listed without a version: %s", r)
		}
		lines = append(lines, string(r))
	}
	post(t, e, acmeToken, "", rec("zero", 1700000000000, `,"version":0`))
	var zero json.RawMessage
	e.do(t, "GET", "/api/v1/records/"+cdr.RecordID("acme", "native", "zero"), acmeToken, "", "", &zero)
	if !strings.Contains(string(zero), `"version":0,`) {
		t.Errorf("read without version 0: %s", zero)
	}
	e.do(t, "GET", "/api/v1/records?source_id=zero&source=native", acmeToken, "", "", &list)
	if len(list.Records) != 1 || !strings.Contains(string(list.Records[0]), `"version":0,`) {
		t.Fatalf("listed without version 0: %s", list.Records)
	}
	lines = append(lines, string(list.Records[0]))
	code, resp := post(t, e, acmeToken, "application/x-ndjson", strings.Join(lines, "\n"))
	want := native.UpsertResponse{Unchanged: 4, Errors: []native.LineError{}}
	if diff := cmp.Diff(want, resp); code != 200 || diff != "" {
		t.Errorf("posting the listed records back: status %d (-want +got):\n%s", code, diff)
	}
}
