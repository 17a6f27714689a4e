package imrest_test

import (
	"context"
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

	"github.com/cdrhub/cdrhub/internal/api/imrest"
	"github.com/cdrhub/cdrhub/internal/auth/usersig"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/httpx/httpxtest"
	deskmap "github.com/cdrhub/cdrhub/internal/mapping/tencentdesk"
	trtcmap "github.com/cdrhub/cdrhub/internal/mapping/trtccallkit"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

const (
	acmeApp, acmeKey     = uint64(1400000001), "acme-im-key"
	globexApp, globexKey = uint64(1400000002), "globex-im-key"
	deskOnlyApp, deskKey = uint64(1400000003), "desk-only-key"
	admin                = "administrator"
	// acmeMaxLifetime is acme's max_usersig_lifetime; the other apps
	// have none.
	acmeMaxLifetime = 24 * time.Hour
)

var base = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

type env struct {
	srv   *httptest.Server
	store cdr.Store
	reads *atomic.Int64     // the API's reads of the store
	logs  *httpxtest.Buffer // the server's log, JSON lines
}

func terms(r *cdr.Record) []cdr.Term {
	switch r.Channel {
	case cdr.ChannelRTC:
		return trtcmap.Terms(r)
	case cdr.ChannelChat:
		return deskmap.Terms(r)
	}
	return nil
}

func newEnv(t *testing.T, rps float64, burst int) *env {
	t.Helper()
	store := storetest.Open(t, sqlstore.Options{CacheMiB: 4, Terms: terms})
	block := func(tn string) *imrest.Block {
		return &imrest.Block{Tenant: cdr.MustTenantID(tn), Admins: []string{admin}, RPS: rps, Burst: burst, ByCallIDRPS: rps, ByCallIDBurst: burst}
	}
	reads := new(atomic.Int64)
	api, err := imrest.New(storetest.CountReads(store, reads), []imrest.App{
		{SdkAppID: acmeApp, Key: acmeKey, MaxUserSigLifetime: acmeMaxLifetime, CallKit: block("acme"), Desk: block("acme")},
		{SdkAppID: globexApp, Key: globexKey, CallKit: block("globex")},
		{SdkAppID: deskOnlyApp, Key: deskKey, Desk: block("initech")},
	})
	if err != nil {
		t.Fatal(err)
	}
	logs := &httpxtest.Buffer{}
	srv := httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: store}, nil, slog.New(slog.NewJSONHandler(logs, nil)), httpserver.APIs{IMREST: api}))
	t.Cleanup(srv.Close)
	for _, tn := range []string{"acme", "globex"} {
		var recs []*cdr.Record
		for i := range 6 {
			recs = append(recs, &cdr.Record{Channel: cdr.ChannelRTC, Source: cdr.SourceNative, SourceID: fmt.Sprintf("rtc%d", i),
				StartAt: base.Add(time.Duration(i) * time.Hour).UnixMilli(), Disposition: []cdr.Disposition{cdr.DispositionAnswered, cdr.DispositionRejected}[i%2],
				Caller: cdr.Party{Address: "user_" + tn}, Callee: cdr.Party{Address: "user_bob"}, Note: tn})
			recs = append(recs, &cdr.Record{Channel: cdr.ChannelChat, Source: cdr.SourceNative, SourceID: fmt.Sprintf("chat%d", i),
				StartAt: base.Add(time.Duration(i)*time.Hour + time.Minute).UnixMilli(), Direction: cdr.DirectionInbound,
				Disposition: cdr.DispositionAnswered, Caller: cdr.Party{Address: fmt.Sprintf("client-%d", i%2)}, Note: tn})
		}
		rtc := fmt.Sprintf(`{"callId":"call-1","sdkAppId":%d,"mediaType":"video","roomId":"r1","startCallTs":%d,"acceptTs":%d,"endTs":%d,"caller":"user_%s","callees":["user_bob","user_carol"],"totalUserNumber":3,"callType":"group","callResult":"normal_end"}`,
			acmeApp, base.Unix()+1800, base.Unix()+1810, base.Unix()+2400, tn)
		rec, err := trtcmap.Ingest(json.RawMessage(rtc))
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
		chat := fmt.Sprintf(`{"SessionId":"s-1","AgentGroupId":"3067","AgentGroupName":"Online","AgentId":"agent@%s","ChannelType":"SDK","ClientUserId":"client-9","ClientUserNickName":"N","Duration":10,"EndStatus":"UserEndedSession","SatisfactionSelected":5,"Timestamp":%d}`,
			tn, base.Unix()+3000)
		if rec, err = deskmap.Ingest(json.RawMessage(chat), nil); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
		if _, err := store.UpsertRecords(context.Background(), cdr.MustTenantID(tn), recs, cdr.UpsertOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return &env{srv: srv, store: store, reads: reads, logs: logs}
}

// post sends body to path as app with a UserSig made with key for
// identifier, and decodes the answer.
func (e *env) post(t *testing.T, path string, app uint64, key, identifier, body string) map[string]any {
	t.Helper()
	sig, err := usersig.Gen(app, key, identifier, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return e.raw(t, "POST", path, url.Values{"sdkappid": {fmt.Sprint(app)}, "identifier": {identifier}, "usersig": {sig},
		"random": {"12345"}, "contenttype": {"json"}}, body)
}

func (e *env) raw(t *testing.T, method, path string, q url.Values, body string) map[string]any {
	t.Helper()
	m, _ := e.send(t, method, path, q, body)
	return m
}

// send is raw, and returns the answer's headers too.
func (e *env) send(t *testing.T, method, path string, q url.Values, body string) (map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path+"?"+q.Encode(), strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s: status %d %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %s", path, b)
	}
	return m, resp.Header
}

const (
	filterPath = "/v1/records/get_records_by_filter"
	byIDPath   = "/v1/records/get_record_by_callId"
	deskPath   = "/v4/desk_http_svc/describe_im_cdr_list"
)

func window(extra string) string {
	return fmt.Sprintf(`{"startTimestamp":%d,"endTimestamp":%d%s}`, base.Unix(), base.Unix()+86400, extra)
}

func deskWindow(extra string) string {
	return fmt.Sprintf(`{"StartTimestamp":%d,"EndTimestamp":%d%s}`, base.Unix(), base.Unix()+86400, extra)
}

func num(v any) int { f, _ := v.(float64); return int(f) }

func TestCallKit(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	m := e.post(t, filterPath, acmeApp, acmeKey, admin, window(""))
	data, _ := m["data"].(map[string]any)
	list, _ := data["callRecordList"].([]any)
	if num(m["errorCode"]) != 0 || m["errorMessage"] != "Success" || m["requestId"] == "" || num(data["totalNum"]) != 7 || len(list) != 7 || num(data["page"]) != 0 {
		t.Fatalf("%v", m)
	}
	// Pages of 3: page 1 and 2 say more remain, page 3 is the last (0).
	for page, want := range map[int]int{1: 1, 2: 2, 3: 0} {
		m := e.post(t, filterPath, acmeApp, acmeKey, admin, window(fmt.Sprintf(`,"numberPerPage":3,"page":%d`, page)))
		data, _ := m["data"].(map[string]any)
		if num(data["page"]) != want || num(data["totalNum"]) != 7 {
			t.Errorf("page %d: %v", page, data)
		}
	}
	for filter, want := range map[string]int{`,"callResult":"reject"`: 3, `,"callType":"group"`: 1, `,"callResult":"normal_end","callType":"single"`: 3} {
		m := e.post(t, filterPath, acmeApp, acmeKey, admin, window(filter))
		data, _ := m["data"].(map[string]any)
		if num(data["totalNum"]) != want {
			t.Errorf("%s: %v, want %d", filter, data, want)
		}
	}
	m = e.post(t, byIDPath, acmeApp, acmeKey, admin, `{"callId":"call-1"}`)
	data, _ = m["data"].(map[string]any)
	if num(m["errorCode"]) != 0 || data["callId"] != "call-1" || data["caller"] != "user_acme" {
		t.Errorf("by callId: %v", m)
	}
	if m := e.post(t, "/records/get_record_by_callId", acmeApp, acmeKey, admin, `{"callId":"nope"}`); num(m["errorCode"]) != imrest.CodeNoRecord {
		t.Errorf("unknown callId: %v", m)
	}
	// globex shares nothing with acme.
	m = e.post(t, filterPath, globexApp, globexKey, admin, window(""))
	data, _ = m["data"].(map[string]any)
	for _, r := range data["callRecordList"].([]any) {
		if c := r.(map[string]any)["caller"]; c != "user_globex" {
			t.Errorf("globex sees %v", r)
		}
	}
}

func TestDesk(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	m := e.post(t, deskPath, acmeApp, acmeKey, admin, deskWindow(""))
	list, _ := m["IMCdrList"].([]any)
	if m["ActionStatus"] != "OK" || num(m["ErrorCode"]) != 0 || num(m["TotalCount"]) != 7 || len(list) != 7 {
		t.Fatalf("%v", m)
	}
	for extra, want := range map[string][2]int{`,"Limit":2`: {7, 2}, `,"Limit":5,"Offset":5`: {7, 2}, `,"ClientUserId":"client-1"`: {3, 3}, `,"ClientUserId":"client-9"`: {1, 1}} {
		m := e.post(t, deskPath, acmeApp, acmeKey, admin, deskWindow(extra))
		if l, _ := m["IMCdrList"].([]any); num(m["TotalCount"]) != want[0] || len(l) != want[1] {
			t.Errorf("%s: total %v, %d records; want %v", extra, m["TotalCount"], len(l), want)
		}
	}
}

func TestErrors(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	expired, _ := usersig.Gen(acmeApp, acmeKey, admin, time.Second, time.Now().Add(-time.Hour))
	params := func(app uint64, id, sig string) url.Values {
		return url.Values{"sdkappid": {fmt.Sprint(app)}, "identifier": {id}, "usersig": {sig}, "contenttype": {"json"}}
	}
	for _, tc := range []struct {
		name string
		m    map[string]any
		want int
	}{
		{"unknown sdkappid", e.post(t, filterPath, 1400009999, acmeKey, admin, window("")), usersig.CodeSDKAppIDNotFound},
		{"wrong key", e.post(t, filterPath, acmeApp, "wrong", admin, window("")), usersig.CodeSigMismatch},
		{"other app's sig", e.raw(t, "POST", filterPath, params(acmeApp, admin, mustSig(t, globexApp, globexKey, admin)), window("")), usersig.CodeSDKAppIDMismatch},
		{"identifier mismatch", e.raw(t, "POST", filterPath, params(acmeApp, "someone", mustSig(t, acmeApp, acmeKey, admin)), window("")), usersig.CodeIdentifierMismatch},
		{"expired", e.raw(t, "POST", filterPath, params(acmeApp, admin, expired), window("")), usersig.CodeExpired},
		{"garbage sig", e.raw(t, "POST", filterPath, params(acmeApp, admin, "not-a-sig"), window("")), usersig.CodeInvalid},
		{"not an admin", e.post(t, filterPath, acmeApp, acmeKey, "user_1", window("")), imrest.CodeNotAdmin},
		{"desk-only app on B", e.post(t, filterPath, deskOnlyApp, deskKey, admin, window("")), imrest.CodeNoCallKit},
		{"B-only app on E", e.post(t, deskPath, globexApp, globexKey, admin, deskWindow("")), imrest.CodeNotDesk},
		{"bad JSON", e.post(t, filterPath, acmeApp, acmeKey, admin, `{"startTimestamp":`), imrest.CodeJSONParse},
		{"empty body", e.post(t, filterPath, acmeApp, acmeKey, admin, ``), imrest.CodeJSONParse},
		{"no start", e.post(t, filterPath, acmeApp, acmeKey, admin, `{}`), imrest.CodeJSONParse},
		{"string time", e.post(t, filterPath, acmeApp, acmeKey, admin, `{"startTimestamp":"1"}`), imrest.CodeJSONParse},
		{"E limit 101", e.post(t, deskPath, acmeApp, acmeKey, admin, deskWindow(`,"Limit":101`)), imrest.CodeDeskInvalid},
		{"E no end", e.post(t, deskPath, acmeApp, acmeKey, admin, `{"StartTimestamp":1}`), imrest.CodeDeskInvalid},
		{"E start after end", e.post(t, deskPath, acmeApp, acmeKey, admin, `{"StartTimestamp":5,"EndTimestamp":1}`), imrest.CodeDeskInvalid},
		{"GET", e.raw(t, "GET", filterPath, params(acmeApp, admin, mustSig(t, acmeApp, acmeKey, admin)), ""), imrest.CodeHTTPParse},
		{"no sdkappid", e.raw(t, "POST", filterPath, url.Values{"identifier": {admin}}, window("")), imrest.CodeSdkAppIDMissing},
	} {
		code := num(tc.m["errorCode"])
		if _, desk := tc.m["ErrorCode"]; desk {
			code = num(tc.m["ErrorCode"])
			if tc.m["ActionStatus"] != "FAIL" {
				t.Errorf("%s: ActionStatus %v", tc.name, tc.m["ActionStatus"])
			}
		}
		if code != tc.want {
			t.Errorf("%s: code %d, want %d (%v)", tc.name, code, tc.want, tc.m)
		}
		if strings.Contains(fmt.Sprint(tc.m), acmeKey) {
			t.Errorf("%s: the key is in the answer", tc.name)
		}
	}
}

func mustSig(t *testing.T, app uint64, key, id string) string {
	s, err := usersig.Gen(app, key, id, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRateLimits(t *testing.T) {
	e := newEnv(t, 1, 2)
	var b, d []int
	for range 3 {
		b = append(b, num(e.post(t, filterPath, acmeApp, acmeKey, admin, window(""))["errorCode"]))
		d = append(d, num(e.post(t, deskPath, acmeApp, acmeKey, admin, deskWindow(""))["ErrorCode"]))
	}
	if fmt.Sprint(b) != fmt.Sprint([]int{0, 0, imrest.CodeRateLimit}) || fmt.Sprint(d) != fmt.Sprint([]int{0, 0, imrest.CodeDeskRateLimit}) {
		t.Errorf("B %v, E %v", b, d)
	}
	// get_record_by_callId has its own bucket.
	if m := e.post(t, byIDPath, acmeApp, acmeKey, admin, `{"callId":"call-1"}`); num(m["errorCode"]) != 0 {
		t.Errorf("by callId limited by the list's traffic: %v", m)
	}
}
