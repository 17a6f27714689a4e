package main

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/auth/pop"
	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/auth/usersig"
	"github.com/cdrhub/cdrhub/internal/dbtest"
	"github.com/google/go-cmp/cmp"
)

// Credentials of the tenant of the PostgreSQL process tests, one per API.
const (
	pgSdkAppID   = 1400000101
	pgSecretID   = "AKIDpgtest000000000000"
	pgSecretKey  = "pg-secret-key-0000000000"
	pgInstanceID = "ccc-pg"
	pgAccessID   = "LTAIpgtest00"
	pgAccessKey  = "pg-access-secret-000000"
	pgIMApp      = 1400000102
	pgIMKey      = "pg-im-key-00000000000000"
	pgAdmin      = "administrator"
	pgAPIKey     = "pgkey"
	pgAPISecret  = "pg-api-secret"
)

// writePGConfig writes a configuration whose database is the PostgreSQL of
// dsn and whose tenant acme has every API.
func writePGConfig(t *testing.T, dsn string) string {
	t.Helper()
	cfg := fmt.Sprintf(`server: {listen: "127.0.0.1:0"}
storage: {driver: postgres, dsn: %q}
tenants:
  - id: acme
    timezone: Asia/Shanghai
    native: {tokens: [{name: test, token: %s}]}
    tencent_ccc: {sdk_app_id: %d, credentials: [{secret_id: %s, secret_key: %s}]}
    aliyun_ccc: {instance_id: %s, credentials: [{access_key_id: %s, access_key_secret: %s}]}
    trtc_callkit: {sdk_app_id: %d, admin_identifiers: [%s], secret_key: %s}
    tencent_desk: {sdk_app_id: %d, admin_identifiers: [%s], secret_key: %s}
    laaffic: {api_key: %s, api_secret: %s}
`, dsn, testToken, pgSdkAppID, pgSecretID, pgSecretKey, pgInstanceID, pgAccessID, pgAccessKey,
		pgIMApp, pgAdmin, pgIMKey, pgIMApp, pgAdmin, pgIMKey, pgAPIKey, pgAPISecret)
	path := filepath.Join(t.TempDir(), "cdrhub.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// recentNDJSON is n native records of every channel in the last hours, so
// that each API's default and maximum windows hold them.
func recentNDJSON(n int, prefix string, now time.Time) string {
	var b strings.Builder
	for i := range n {
		ch := []string{"voice", "rtc", "chat"}[i%3]
		at := now.Add(-time.Duration(i+1) * time.Minute).UnixMilli()
		fmt.Fprintf(&b, `{"channel":%q,"source":"native","source_id":"%s-%d","start_at":%d,"caller":{"address":"+8613900%06d"},"callee":{"address":"+862066668888"}}`+"\n",
			ch, prefix, i, at, i)
	}
	return b.String()
}

// answer is one API's reply: its HTTP status and JSON body.
type answer struct {
	status int
	body   map[string]any
	raw    []byte
}

func (a answer) String() string { return fmt.Sprintf("HTTP %d %s", a.status, a.raw) }

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: b}
	if err := json.Unmarshal(b, &a.body); err != nil {
		t.Fatalf("%s %s: HTTP %d, not JSON: %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return a
}

// probe is one list request through one API, and how to read its answer.
type probe struct {
	name string
	call func(t *testing.T, addr string, now time.Time) answer
	// ok reports whether the answer lists records; failed whether it is
	// the API's internal or database error.
	ok, failed func(a answer) bool
}

func field(m map[string]any, path ...string) any {
	var v any = m
	for _, k := range path {
		mm, _ := v.(map[string]any)
		v = mm[k]
	}
	return v
}

var probes = []probe{
	{"native", func(t *testing.T, addr string, now time.Time) answer {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/records?limit=20&count=true", nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		return do(t, req)
	}, func(a answer) bool { return a.status == 200 && len(field(a.body, "records").([]any)) > 0 },
		func(a answer) bool { return a.status == 503 && field(a.body, "error", "code") == "unavailable" }},

	{"tencent_ccc", func(t *testing.T, addr string, now time.Time) answer {
		body := fmt.Sprintf(`{"SdkAppId":%d,"StartTimeStamp":%d,"EndTimeStamp":%d,"PageSize":20,"PageNumber":0}`,
			pgSdkAppID, now.Add(-48*time.Hour).Unix(), now.Unix())
		req, _ := http.NewRequest("POST", "http://"+addr+"/", strings.NewReader(body))
		req.Header.Set("X-TC-Action", "DescribeTelCdr")
		req.Header.Set("X-TC-Version", "2020-02-10")
		if err := tc3.SignTC3(req, []byte(body), tc3.Credential{SecretID: pgSecretID, SecretKey: pgSecretKey}, "ccc", time.Now()); err != nil {
			t.Fatal(err)
		}
		return do(t, req)
	}, func(a answer) bool { return a.status == 200 && field(a.body, "Response", "TotalCount") != nil },
		func(a answer) bool {
			return a.status == 200 && field(a.body, "Response", "Error", "Code") == "InternalError.DBError"
		}},

	{"aliyun_ccc", func(t *testing.T, addr string, now time.Time) answer {
		q := url.Values{"InstanceId": {pgInstanceID}, "StartTime": {fmt.Sprint(now.Add(-48 * time.Hour).UnixMilli())},
			"EndTime": {fmt.Sprint(now.UnixMilli())}, "PageNumber": {"1"}, "PageSize": {"20"}}
		req, _ := http.NewRequest("POST", "http://"+addr+"/?"+q.Encode(), nil)
		req.Header.Set("x-acs-action", "ListCallDetailRecords")
		req.Header.Set("x-acs-version", "2020-07-01")
		if err := pop.SignV3(req, nil, pgAccessID, pgAccessKey, time.Now(), ""); err != nil {
			t.Fatal(err)
		}
		return do(t, req)
	}, func(a answer) bool { return a.status == 200 && field(a.body, "Data", "TotalCount") != nil },
		func(a answer) bool { return a.status >= 500 && field(a.body, "Code") != nil }},

	{"trtc_callkit", func(t *testing.T, addr string, now time.Time) answer {
		body := fmt.Sprintf(`{"startTimestamp":%d,"numberPerPage":20}`, now.Add(-48*time.Hour).Unix())
		req, _ := http.NewRequest("POST", "http://"+addr+"/v1/records/get_records_by_filter?"+imQuery(t), strings.NewReader(body))
		return do(t, req)
	}, func(a answer) bool { return a.status == 200 && field(a.body, "errorCode") == float64(0) },
		func(a answer) bool { return field(a.body, "errorCode") == float64(90994) }},

	{"tencent_desk", func(t *testing.T, addr string, now time.Time) answer {
		body := fmt.Sprintf(`{"StartTimestamp":%d,"EndTimestamp":%d,"Limit":20}`, now.Add(-48*time.Hour).Unix(), now.Unix())
		req, _ := http.NewRequest("POST", "http://"+addr+"/v4/desk_http_svc/describe_im_cdr_list?"+imQuery(t), strings.NewReader(body))
		return do(t, req)
	}, func(a answer) bool { return a.status == 200 && field(a.body, "ErrorCode") == float64(0) },
		func(a answer) bool {
			return field(a.body, "ActionStatus") == "FAIL" && field(a.body, "ErrorCode") == float64(141002)
		}},

	{"laaffic", func(t *testing.T, addr string, now time.Time) answer {
		zone := time.FixedZone("CST", 8*3600)
		body := fmt.Sprintf(`{"current":1,"size":20,"params":{"strTime":%q,"endTime":%q}}`,
			now.Add(-48*time.Hour).In(zone).Format(time.RFC3339), now.In(zone).Format(time.RFC3339))
		req, _ := http.NewRequest("POST", "http://"+addr+"/v3/voice/ccRecordQuery", strings.NewReader(body))
		ts := fmt.Sprint(time.Now().Unix())
		sum := md5.Sum([]byte(pgAPIKey + pgAPISecret + ts))
		req.Header.Set("Content-Type", "application/json;charset=utf-8")
		req.Header.Set("Api-Key", pgAPIKey)
		req.Header.Set("Timestamp", ts)
		req.Header.Set("Sign", hex.EncodeToString(sum[:]))
		return do(t, req)
	}, func(a answer) bool { return a.status == 200 && field(a.body, "status") == "0" },
		func(a answer) bool { return field(a.body, "status") == "-18" }},
}

func imQuery(t *testing.T) string {
	sig, err := usersig.Gen(pgIMApp, pgIMKey, pgAdmin, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{"sdkappid": {fmt.Sprint(pgIMApp)}, "identifier": {pgAdmin}, "usersig": {sig},
		"random": {"1"}, "contenttype": {"json"}}.Encode()
}

// metricValue returns the value of one series of the server's /metrics,
// or -1 if it has none.
func metricValue(t *testing.T, addr, series string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(page), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var n float64
			if _, err := fmt.Sscan(v, &n); err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return n
		}
	}
	return -1
}

func ready(addr string) bool {
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

// With PostgreSQL stopped under a running cdrhub, every API answers its
// vendor's internal or database error, /readyz fails, a write is refused
// rather than acknowledged, and all comes back by itself once the server
// is up again, with every acknowledged record there.
func TestPostgresOutage(t *testing.T) {
	c := dbtest.StartCluster(t)
	p := start(t, "--config", writePGConfig(t, c.DSN()))
	now := time.Now()
	code, resp := p.request(t, "POST", "/api/v1/records", recentNDJSON(300, "a", now))
	if code != 200 || resp["inserted"] != float64(300) {
		t.Fatalf("ingest: %d %v", code, resp)
	}
	for _, pr := range probes {
		if a := pr.call(t, p.addr, now); !pr.ok(a) {
			t.Fatalf("%s before the outage: %s", pr.name, a)
		}
	}

	c.Stop(t)
	if ready(p.addr) {
		t.Error("/readyz answers 200 with the database down")
	}
	for _, pr := range probes {
		if a := pr.call(t, p.addr, now); !pr.failed(a) {
			t.Errorf("%s with the database down: %s", pr.name, a)
		}
	}
	code, resp = p.request(t, "POST", "/api/v1/records", recentNDJSON(10, "lost", now))
	if code != 503 {
		t.Errorf("ingest with the database down: %d %v, want 503", code, resp)
	}

	c.Start(t)
	up := time.Now()
	for !ready(p.addr) {
		if time.Since(up) > 20*time.Second {
			t.Fatalf("/readyz still failing 20 s after the database came back:\n%s", p.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("ready again %v after the database came back", time.Since(up).Round(time.Millisecond))
	// Only a probe write ended the failure (nothing else wrote since): the
	// store's write prober reached /readyz instrumented.
	if n := metricValue(t, p.addr, `cdrhub_store_operations_total{op="probe_write",outcome="ok"}`); n < 1 {
		t.Errorf("%v successful probe writes counted, want at least 1", n)
	}
	for _, pr := range probes {
		var a answer
		for range 50 { // each pool connection from before the restart may fail once
			if a = pr.call(t, p.addr, now); pr.ok(a) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if !pr.ok(a) {
			t.Errorf("%s after the database came back: %s", pr.name, a)
		}
	}
	code, resp = p.request(t, "GET", "/api/v1/records?limit=1&count=true", "")
	if code != 200 || resp["total"] != float64(300) {
		t.Errorf("after the outage: %d total %v, want the 300 acknowledged records", code, resp["total"])
	}
	code, resp = p.request(t, "POST", "/api/v1/records", recentNDJSON(300, "a", now))
	if code != 200 || resp["unchanged"] != float64(300) {
		t.Errorf("re-sending after the outage: %d %v, want all unchanged", code, resp)
	}
	if strings.Contains(p.stderr.String(), pgSecretKey) || strings.Contains(p.stderr.String(), c.DSN()) {
		t.Error("the log holds a secret or the DSN")
	}
}

// Two processes on one database are one service: what one ingests, the
// other answers through every API, the same way.
func TestTwoProcessesOneDatabase(t *testing.T) {
	cfg := writePGConfig(t, dbtest.Postgres(t))
	p1 := start(t, "--config", cfg)
	p2 := start(t, "--config", cfg)
	now := time.Now()
	// Both ingest the same records at once: the advisory lock per tenant
	// keeps the classification exact, so each record is inserted once.
	res := make(chan map[string]any, 2)
	for _, p := range []*process{p1, p2} {
		go func() {
			_, resp := p.request(t, "POST", "/api/v1/records", recentNDJSON(600, "x", now))
			res <- resp
		}()
	}
	inserted := 0.0
	for range 2 {
		r := <-res
		n, _ := r["inserted"].(float64)
		u, _ := r["unchanged"].(float64)
		if n+u != 600 {
			t.Fatalf("concurrent ingest: %v", r)
		}
		inserted += n
	}
	if inserted != 600 {
		t.Errorf("%v records inserted by the two processes, want 600 (each once)", inserted)
	}
	for _, pr := range probes {
		a1, a2 := pr.call(t, p1.addr, now), pr.call(t, p2.addr, now)
		if !pr.ok(a1) || !pr.ok(a2) {
			t.Errorf("%s: %s / %s", pr.name, a1, a2)
			continue
		}
		if diff := cmp.Diff(withoutRequestIDs(a1.body), withoutRequestIDs(a2.body)); diff != "" {
			t.Errorf("%s answers differ between the processes (-first +second):\n%s", pr.name, diff)
		}
	}
}

// withoutRequestIDs drops the per-request ids of a vendor answer.
func withoutRequestIDs(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if !strings.EqualFold(k, "requestid") && k != "request_id" {
				out[k] = withoutRequestIDs(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutRequestIDs(e)
		}
		return out
	}
	return v
}

// A service started before its database waits for it, then serves.
func TestServeWaitsForDatabase(t *testing.T) {
	c := dbtest.StartCluster(t)
	c.Stop(t)
	started := make(chan error, 1)
	go func() {
		time.Sleep(2 * time.Second)
		started <- c.TryStart()
	}()
	p := start(t, "--config", writePGConfig(t, c.DSN()))
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.stderr.String(), "database unavailable; retrying") {
		t.Errorf("no retry logged:\n%s", p.stderr)
	}
	code, resp := p.request(t, "POST", "/api/v1/records", recentNDJSON(3, "w", time.Now()))
	if code != 200 || resp["inserted"] != float64(3) {
		t.Errorf("ingest: %d %v", code, resp)
	}
}
