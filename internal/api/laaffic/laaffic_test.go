package laaffic_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/laaffic"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/httpx"
	lafmap "github.com/cdrhub/cdrhub/internal/mapping/laaffic"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

const (
	acmeKey, acmeSecret     = "bDqJFiq9", "7bz1lzh9"
	globexKey, globexSecret = "gLoBeX01", "globexsecret"
	lockedKey, lockedSecret = "LoCkEd01", "lockedsecret"
)

var (
	shanghai = time.FixedZone("Asia/Shanghai", 8*3600)
	base     = time.Date(2026, 11, 1, 0, 0, 0, 0, shanghai)
)

// TestSignVector is the documented example of docs/wire-contracts.md §8.6.
func TestSignVector(t *testing.T) {
	sum := md5.Sum([]byte("bDqJFiq9" + "7bz1lzh9" + "1630468800"))
	if got := hex.EncodeToString(sum[:]); got != "05d7a50893e22a5c4bb3216ae3396c7c" {
		t.Fatalf("MD5 = %s", got)
	}
}

type env struct {
	srv   *httptest.Server
	store cdr.Store
	logs  *bytes.Buffer // JSON lines; read only after srv.Close
}

func terms(r *cdr.Record) []cdr.Term { return lafmap.Terms(r) }

func newEnv(t *testing.T, rps float64, burst int, trusted []netip.Prefix) *env {
	t.Helper()
	store := storetest.Open(t, sqlstore.Options{CacheMiB: 4, Terms: terms})
	api, err := laaffic.New(store, []laaffic.Tenant{
		{ID: cdr.MustTenantID("acme"), APIKey: acmeKey, APISecret: acmeSecret, Location: shanghai, RPS: rps, Burst: burst},
		{ID: cdr.MustTenantID("globex"), APIKey: globexKey, APISecret: globexSecret, Location: shanghai, RPS: rps, Burst: burst},
		{ID: cdr.MustTenantID("initech"), APIKey: lockedKey, APISecret: lockedSecret, RPS: rps, Burst: burst,
			IPAllow: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}},
	}, trusted)
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	srv := httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: store}, nil, slog.New(slog.NewJSONHandler(logs, nil)), httpserver.APIs{Laaffic: api}))
	t.Cleanup(srv.Close)
	for _, tn := range []string{"acme", "globex"} {
		var recs []*cdr.Record
		for i := range 8 {
			r := &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: fmt.Sprintf("n%d", i),
				StartAt: base.Add(time.Duration(i) * time.Hour).UnixMilli(), Direction: cdr.DirectionInbound, Disposition: cdr.DispositionAnswered,
				HangupBy: cdr.HangupByCustomer, Caller: cdr.Party{Address: fmt.Sprintf("+86 132 0000 %04d", i)}, Callee: cdr.Party{Address: "+86 20 6666 8888"},
				Agents: []cdr.Agent{{Name: []string{"Seats01", "Seats02"}[i%2]}}, Queues: []cdr.Queue{{Name: "Sales"}}, CountryCode: "86", Note: tn}
			if i%4 == 3 {
				r.Direction, r.Disposition, r.CountryCode, r.Tags = cdr.DirectionOutbound, cdr.DispositionBusy, "91", []string{"Intended customers"}
			}
			recs = append(recs, r)
		}
		raw := fmt.Sprintf(`{"callSessionId":"cs-1","caller":"8613200000001","called":"8613300000001","ccode":"86","ccodeName":"China","agentName":"Seats09","agentGroupName":"Support","callDuration":60,"callType":2,"hangupReason":9,"hangingDirection":0,"labels":[],"remark":"%s","callStartTime":"2026-11-01 09:30:00","answerTime":"2026-11-01 09:30:05","callEndTime":"2026-11-01 09:31:05","voiceUrl":""}`, tn)
		rec, err := lafmap.Ingest(json.RawMessage(raw), shanghai)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
		if _, err := store.UpsertRecords(context.Background(), cdr.MustTenantID(tn), recs, cdr.UpsertOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return &env{srv: srv, store: store, logs: logs}
}

type answer struct {
	id     string // the X-Request-Id of the answer
	Status string `json:"status"`
	Reason string `json:"reason"`
	Data   *struct {
		Records []map[string]any `json:"records"`
		Total   int              `json:"total"`
		Size    int              `json:"size"`
		Current int              `json:"current"`
		Pages   int              `json:"pages"`
	} `json:"data"`
}

// post sends body the way the platform's Java SDK does: JSON with the
// Api-Key, Timestamp and Sign headers.
func (e *env) post(t *testing.T, path, key, secret string, ts int64, body string, header map[string]string) answer {
	t.Helper()
	return e.postContext(context.Background(), t, path, key, secret, ts, body, header)
}

// postContext is post with a context.
func (e *env) postContext(ctx context.Context, t *testing.T, path, key, secret string, ts int64, body string, header map[string]string) answer {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+path, strings.NewReader(body))
	stamp := fmt.Sprint(ts)
	sum := md5.Sum([]byte(key + secret + stamp))
	req.Header.Set("Content-Type", "application/json;charset=utf-8")
	req.Header.Set("Api-Key", key)
	req.Header.Set("Timestamp", stamp)
	req.Header.Set("Sign", strings.ToUpper(hex.EncodeToString(sum[:]))) // any case
	req.Header.Set("origin", "java-sdk")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Errorf("HTTP %d", resp.StatusCode)
	}
	a := answer{id: resp.Header.Get(httpx.RequestIDHeader)}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return a
}

func query(params string) string {
	return `{"current":1,"size":100,"params":{"strTime":"2026-11-01T00:00:00+08:00","endTime":"2026-11-02T00:00:00+08:00"` + params + `}}`
}

func TestQuery(t *testing.T) {
	e := newEnv(t, 1000, 1000, nil)
	now := time.Now().Unix()
	for _, path := range []string{"/voice/ccRecordQuery", "/v3/voice/ccRecordQuery"} {
		a := e.post(t, path, acmeKey, acmeSecret, now, query(""), nil)
		if a.Status != "0" || a.Data == nil || a.Data.Total != 9 || len(a.Data.Records) != 9 || a.Data.Pages != 1 {
			t.Fatalf("%s: %+v", path, a)
		}
		for _, r := range a.Data.Records {
			if r["remark"] != "acme" {
				t.Errorf("record of another tenant: %v", r)
			}
		}
	}
	a := e.post(t, "/voice/ccRecordQuery", acmeKey, acmeSecret, now, `{"current":2,"size":4,"params":{"strTime":"2026-11-01 00:00:00","endTime":"2026-11-02 00:00:00"}}`, nil)
	if a.Data == nil || a.Data.Total != 9 || len(a.Data.Records) != 4 || a.Data.Pages != 3 || a.Data.Current != 2 {
		t.Errorf("page 2: %+v", a.Data)
	}
	for params, want := range map[string]int{
		`,"sipGroupName":"Support"`:                  1,
		`,"seatNameList":["Seats01"]`:                4,
		`,"callType":[3]`:                            2,
		`,"hangupReason":[9]`:                        7,
		`,"hangupReason":[7]`:                        2,
		`,"hangingDirection":[0]`:                    9,
		`,"calledOrCaller":"13200000003"`:            1,
		`,"calledOrCaller":"6666"`:                   8,
		`,"ccode":["91"]`:                            2,
		`,"labelNames":["Intended customers","x"]`:   2,
		`,"callType":[2],"seatNameList":["Seats02"]`: 2,
	} {
		a := e.post(t, "/voice/ccRecordQuery", acmeKey, acmeSecret, now, query(params), nil)
		if a.Data == nil || a.Data.Total != want {
			t.Errorf("%s: %+v, want %d", params, a, want)
		}
	}
	// The newer endpoint: startTime, keyId and encryptCalled.
	a = e.post(t, "/v3/cc/record/query", acmeKey, acmeSecret, now,
		`{"current":1,"size":10,"params":{"startTime":"2026-11-01T00:00:00+08:00","endTime":"2026-11-02T00:00:00+08:00"}}`, nil)
	if a.Status != "0" || a.Data == nil || a.Data.Total != 9 || a.Data.Records[0]["keyId"] == nil || a.Data.Records[0]["encryptCalled"] == nil {
		t.Errorf("cc/record/query: %+v", a)
	}
}

func TestStatuses(t *testing.T) {
	e := newEnv(t, 1000, 1000, []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	now := time.Now().Unix()
	// The window's exact edge is pinned with a fixed clock in
	// internal/auth/laaffic; here the wall clock ticks between requests, so
	// the refused timestamps sit well outside it.
	for _, tc := range []struct {
		name        string
		path        string
		key, secret string
		ts          int64
		body        string
		header      map[string]string
		want        string
	}{
		{"bad secret", "/voice/ccRecordQuery", acmeKey, "wrong", now, query(""), nil, "-1"},
		{"unknown key", "/voice/ccRecordQuery", "nobody", acmeSecret, now, query(""), nil, "-1"},
		{"stale timestamp", "/voice/ccRecordQuery", acmeKey, acmeSecret, now - 330, query(""), nil, "-16"},
		{"future timestamp", "/voice/ccRecordQuery", acmeKey, acmeSecret, now + 330, query(""), nil, "-16"},
		{"allow-list, via a trusted proxy, refused", "/voice/ccRecordQuery", lockedKey, lockedSecret, now, query(""), map[string]string{"X-Forwarded-For": "198.51.100.7"}, "-2"},
		{"allow-list, via a trusted proxy, allowed", "/voice/ccRecordQuery", lockedKey, lockedSecret, now, query(""), map[string]string{"X-Forwarded-For": "203.0.113.9, 127.0.0.1"}, "0"},
		{"no current", "/voice/ccRecordQuery", acmeKey, acmeSecret, now, `{"size":1,"params":{"strTime":"2026-11-01T00:00:00+08:00","endTime":"2026-11-02T00:00:00+08:00"}}`, nil, "-22"},
		{"size 101", "/voice/ccRecordQuery", acmeKey, acmeSecret, now, strings.Replace(query(""), `"size":100`, `"size":101`, 1), nil, "-22"},
		{"no strTime", "/voice/ccRecordQuery", acmeKey, acmeSecret, now, `{"current":1,"size":1,"params":{"endTime":"2026-11-02T00:00:00+08:00"}}`, nil, "-22"},
		{"startTime on the old endpoint", "/voice/ccRecordQuery", acmeKey, acmeSecret, now, `{"current":1,"size":1,"params":{"startTime":"2026-11-01T00:00:00+08:00","endTime":"2026-11-02T00:00:00+08:00"}}`, nil, "-22"},
		{"no startTime on cc/record/query", "/v3/cc/record/query", acmeKey, acmeSecret, now, query(""), nil, "-22"},
		{"bad time", "/voice/ccRecordQuery", acmeKey, acmeSecret, now, strings.Replace(query(""), "2026-11-01T00:00:00+08:00", "yesterday", 1), nil, "-22"},
		{"32 days", "/voice/ccRecordQuery", acmeKey, acmeSecret, now, strings.Replace(query(""), "2026-11-02T00:00:00+08:00", "2026-12-03T00:00:00+08:00", 1), nil, "-25"},
		{"wrong type", "/voice/ccRecordQuery", acmeKey, acmeSecret, now, query(`,"callType":["1"]`), nil, "-22"},
		{"malformed", "/voice/ccRecordQuery", acmeKey, acmeSecret, now, `{"current":`, nil, "-22"},
	} {
		a := e.post(t, tc.path, tc.key, tc.secret, tc.ts, tc.body, tc.header)
		if a.Status != tc.want || (tc.want != "0" && (a.Reason == "" || a.Data != nil)) {
			t.Errorf("%s: %+v, want status %s", tc.name, a, tc.want)
		}
	}
	// Without a trusted proxy the header is not believed: loopback is refused.
	e2 := newEnv(t, 1000, 1000, nil)
	if a := e2.post(t, "/voice/ccRecordQuery", lockedKey, lockedSecret, now, query(""), map[string]string{"X-Forwarded-For": "203.0.113.9"}); a.Status != "-2" {
		t.Errorf("X-Forwarded-For believed from an untrusted peer: %+v", a)
	}
}

func TestRateLimitAndFailure(t *testing.T) {
	e := newEnv(t, 1, 2, nil)
	now := time.Now().Unix()
	var got []string
	for range 3 {
		got = append(got, e.post(t, "/voice/ccRecordQuery", acmeKey, acmeSecret, now, query(""), nil).Status)
	}
	if strings.Join(got, ",") != "0,0,-15" {
		t.Errorf("statuses %v", got)
	}
	if a := e.post(t, "/voice/ccRecordQuery", globexKey, globexSecret, now, query(""), nil); a.Status != "0" {
		t.Errorf("globex limited by acme: %+v", a)
	}
	e.store.Close()
	if a := e.post(t, "/voice/ccRecordQuery", globexKey, globexSecret, now, query(""), nil); a.Status != "-18" || strings.Contains(a.Reason, "sql") {
		t.Errorf("database closed: %+v", a)
	}
}
