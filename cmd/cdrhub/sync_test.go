package main

// Sync end to end, process against process: an upstream cdrhub serving
// DescribeTelCdr, a fault-injecting proxy, and the cdrhub sync command of
// a downstream whose database is SQLite or PostgreSQL; a downstream serve
// (sync disabled) answers the same queries from the same database.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/dbtest"
	"github.com/cdrhub/cdrhub/internal/faultproxy"
	tcclient "github.com/cdrhub/cdrhub/internal/ingest/tencentccc"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/google/go-cmp/cmp"
)

// The upstream's and the downstream's Tencent credentials: the downstream
// serves its own, and pulls with the upstream's.
const (
	syncApp                = 1400000301
	upSecretID, upKey      = "AKIDupstream000000001", "upstream-secret-key-0001"
	downSecretID, downKey  = "AKIDdownstream0000001", "downstream-secret-key-01"
	syncToken, syncUpToken = "sync-down-token", "sync-up-token"
)

type syncRig struct {
	dir      string
	up       *process
	down     *process // serve over the downstream database, sync disabled
	proxy    *faultproxy.Proxy
	cfg      string // the downstream configuration, sync enabled
	from     time.Time
	storage  string // the downstream storage block
	sqlite   string // the downstream SQLite path; "" on PostgreSQL
	dsn      string // the downstream PostgreSQL DSN; "" on SQLite
	inserted int    // records inserted upstream by faults
}

// newSyncRig starts the upstream and the proxy, and writes the downstream
// configuration over SQLite (dsn "") or PostgreSQL.
func newSyncRig(t *testing.T, dsn string) *syncRig {
	t.Helper()
	dir := t.TempDir()
	r := &syncRig{dir: dir, from: time.Now().Add(-4 * time.Hour).Truncate(time.Second), dsn: dsn}
	upCfg := filepath.Join(dir, "up.yaml")
	writeFile(t, upCfg, fmt.Sprintf(`server: {listen: "127.0.0.1:0"}
storage: {driver: sqlite, path: %q}
tenants:
  - id: up
    native: {tokens: [{name: seed, token: %s}]}
    tencent_ccc: {sdk_app_id: %d, credentials: [{secret_id: %s, secret_key: %s}], rate_limit: {rps: 10000, burst: 10000}}
`, filepath.Join(dir, "up", "cdrhub.db"), syncUpToken, syncApp, upSecretID, upKey))
	r.up = start(t, "--config", upCfg)
	var err error
	if r.proxy, err = faultproxy.New("http://" + r.up.addr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.proxy.Close() })
	if dsn == "" {
		r.sqlite = filepath.Join(dir, "down", "cdrhub.db")
		r.storage = fmt.Sprintf("{driver: sqlite, path: %q}", r.sqlite)
	} else {
		r.storage = fmt.Sprintf("{driver: postgres, dsn: %q}", dsn)
	}
	r.cfg = filepath.Join(dir, "down.yaml")
	writeFile(t, r.cfg, r.downConfig(true))
	return r
}

func (r *syncRig) downConfig(enabled bool) string {
	return fmt.Sprintf(`server: {listen: "127.0.0.1:0"}
storage: %s
tenants:
  - id: down
    native: {tokens: [{name: check, token: %s}]}
    tencent_ccc:
      sdk_app_id: %d
      credentials: [{secret_id: %s, secret_key: %s}]
      rate_limit: {rps: 10000, burst: 10000}
      sync: {enabled: %v, endpoint: %q, secret_id: %s, secret_key: %s, settle: 0s, lookback: 6h,
             from: %d, rate_limit: {rps: 2000, burst: 2000}, max_window_records: 50}
`, r.storage, syncToken, syncApp, downSecretID, downKey, enabled, r.proxy.URL(), upSecretID, upKey, r.from.UnixMilli())
}

// serveDown starts the downstream serve, sync disabled, once.
func (r *syncRig) serveDown(t *testing.T) {
	t.Helper()
	if r.down != nil {
		return
	}
	path := filepath.Join(r.dir, "down-serve.yaml")
	writeFile(t, path, r.downConfig(false))
	r.down = start(t, "--config", path)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func tencentRecord(id string, at time.Time, remark string) string {
	return fmt.Sprintf(`{"SessionId":%q,"Caller":"13800001111","Callee":"02066668888","Time":%d,"Direction":0,"CallType":2,`+
		`"Duration":60,"EndStatus":1,"EndStatusString":"ok","Remark":%q}`, id, at.Unix(), remark)
}

// post upserts NDJSON records upstream, in format.
func (r *syncRig) post(t testing.TB, format, ndjson string) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+r.up.addr+"/api/v1/records?format="+format, strings.NewReader(ndjson))
	req.Header.Set("Authorization", "Bearer "+syncUpToken)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("seed: HTTP %d", resp.StatusCode)
	}
}

// seed writes n Tencent records and n native records of each channel
// upstream, between from and a minute ago.
func (r *syncRig) seed(t *testing.T, n int) {
	t.Helper()
	span := time.Since(r.from) - time.Minute
	var tc, native strings.Builder
	for i := range n {
		at := r.from.Add(time.Duration(rand.Int64N(int64(span))))
		fmt.Fprintln(&tc, tencentRecord(fmt.Sprintf("tc-%d", i), at, ""))
		for j, ch := range []string{"voice", "rtc", "chat"} {
			fmt.Fprintf(&native, `{"channel":%q,"source":"native","source_id":"n-%d-%d","start_at":%d,"caller":{"address":"+8613900%06d"},"callee":{"address":"+862066668888"}}`+"\n",
				ch, i, j, at.Add(time.Duration(j)*time.Second).UnixMilli(), i)
		}
	}
	r.post(t, "tencent_ccc", tc.String())
	r.post(t, "native", native.String())
}

// insertInto returns a fault action that inserts a Tencent record
// upstream at the start of the window of the request it fires on.
func (r *syncRig) insertInto(t *testing.T) (faultproxy.Match, func()) {
	var mu sync.Mutex
	var window struct{ StartTimeStamp int64 }
	when := func(n int, req *http.Request, body []byte) bool {
		mu.Lock()
		defer mu.Unlock()
		return json.Unmarshal(body, &window) == nil && window.StartTimeStamp > 0
	}
	insert := func() {
		mu.Lock()
		at := time.Unix(window.StartTimeStamp, 0)
		r.inserted++
		id := fmt.Sprintf("late-%d", r.inserted)
		mu.Unlock()
		r.post(t, "tencent_ccc", tencentRecord(id, at, "inserted while read")+"\n")
	}
	return when, insert
}

// laterThan matches the requests after the nth.
func laterThan(n int) faultproxy.Match {
	return func(i int, _ *http.Request, _ []byte) bool { return i > n }
}

// sync runs cdrhub sync with the downstream configuration and returns its
// exit status and output.
func (r *syncRig) sync(t *testing.T, args ...string) (int, string) {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"sync", "--config", r.cfg, "--log-level", "info"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String()
}

// served is every record a server's DescribeTelCdr lists in the synced
// range, by SessionId, as served.
func served(t *testing.T, addr, id, key string, from, to time.Time) map[string]string {
	return servedApp(t, addr, id, key, syncApp, from, to)
}

func servedApp(t *testing.T, addr, id, key string, app int64, from, to time.Time) map[string]string {
	t.Helper()
	c, err := tcclient.New(tcclient.Config{Endpoint: "http://" + addr, SecretID: id, SecretKey: key, SdkAppID: app})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	out := map[string]string{}
	n, err := c.Count(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	for number := range tcclient.PageCount(n) {
		p, err := c.Page(ctx, from, to, number)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range p.Records {
			var info struct{ SessionId string }
			if err := json.Unmarshal(raw, &info); err != nil {
				t.Fatal(err)
			}
			if _, dup := out[info.SessionId]; dup {
				t.Errorf("%s listed twice", info.SessionId)
			}
			out[info.SessionId] = string(raw)
		}
	}
	if len(out) != n {
		t.Errorf("listed %d records, counted %d", len(out), n)
	}
	return out
}

// storedCount is how many records the downstream tenant holds.
func (r *syncRig) storedCount(t *testing.T) int {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+r.down.addr+"/api/v1/records?limit=1&count=true", nil)
	req.Header.Set("Authorization", "Bearer "+syncToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Total int }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Total
}

// equal checks that the downstream answers DescribeTelCdr over the synced
// range as the upstream does, and holds each record once.
func (r *syncRig) equal(t *testing.T, to time.Time) {
	t.Helper()
	r.serveDown(t)
	from := r.from.Add(-12 * time.Hour) // before any window a look-back reads
	want := served(t, r.up.addr, upSecretID, upKey, from, to)
	got := served(t, r.down.addr, downSecretID, downKey, from, to)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("downstream DescribeTelCdr differs from upstream (-up +down):\n%s", diff)
	}
	if n := r.storedCount(t); n != len(want) {
		t.Errorf("downstream holds %d records, upstream serves %d", n, len(want))
	}
}

// open opens the downstream's database, while no process or another
// runs over it.
func (r *syncRig) open(t *testing.T) interface {
	cdr.Store
	cdr.SyncState
} {
	t.Helper()
	var st interface {
		cdr.Store
		cdr.SyncState
	}
	var err error
	if r.dsn == "" {
		st, err = sqlstore.OpenSQLite(context.Background(), r.sqlite, sqlstore.Options{Lean: true})
	} else {
		st, err = sqlstore.OpenPostgres(context.Background(), r.dsn, sqlstore.Options{Lean: true})
	}
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// state reads the downstream's sync state from its database.
func (r *syncRig) state(t *testing.T) (int64, []cdr.SyncWindow) {
	t.Helper()
	ctx := context.Background()
	st := r.open(t)
	defer st.Close()
	down := cdr.MustTenantID("down")
	cp, err := st.Checkpoint(ctx, down, cdr.SourceTencentCCC)
	if err != nil {
		t.Fatal(err)
	}
	var all []cdr.SyncWindow
	for after := int64(0); ; {
		ws, err := st.SyncWindows(ctx, down, cdr.SourceTencentCCC, after, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ws) == 0 {
			return cp, all
		}
		all = append(all, ws...)
		after = ws[len(ws)-1].ID
	}
}

// syncDatabases runs fn on a downstream SQLite database, then PostgreSQL.
func syncDatabases(t *testing.T, fn func(t *testing.T, dsn string)) {
	if raceEnabled {
		t.Skip("process end-to-end test: runs without -race")
	}
	t.Run("sqlite", func(t *testing.T) { fn(t, "") })
	t.Run("postgres", func(t *testing.T) { fn(t, dbtest.Postgres(t)) })
}

func TestSyncThroughFaults(t *testing.T) {
	syncDatabases(t, testSyncThroughFaults)
}

func testSyncThroughFaults(t *testing.T, dsn string) {
	r := newSyncRig(t, dsn)
	r.seed(t, 150)
	throttled := []byte(`{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"request limit exceeded"},"RequestId":"f-1"}}`)
	json := http.Header{"Content-Type": {"application/json"}}
	when, insert := r.insertInto(t)
	r.proxy.SetFaults(
		faultproxy.Fault{Name: "throttled", When: faultproxy.Nth(2, 3), Action: faultproxy.Respond(200, json, throttled)},
		faultproxy.Fault{Name: "502", When: faultproxy.Nth(5), Action: faultproxy.Respond(502, nil, []byte("bad gateway"))},
		faultproxy.Fault{Name: "slow", When: faultproxy.Nth(7), Action: faultproxy.Delay(300 * time.Millisecond)},
		faultproxy.Fault{Name: "dropped", When: faultproxy.Nth(9), Action: faultproxy.Drop()},
		faultproxy.Fault{Name: "dropped after forward", When: faultproxy.Nth(11), Action: faultproxy.DropAfterForward()},
		faultproxy.Fault{Name: "truncated", When: faultproxy.Nth(13), Action: faultproxy.Truncate(20)},
		faultproxy.Fault{Name: "inserted mid-window", Action: faultproxy.Before(insert),
			When: faultproxy.And(faultproxy.And(laterThan(15), faultproxy.BodyContains(`"PageSize":100`)), faultproxy.Times(2, when))},
	)
	code, out := r.sync(t)
	if code != 0 || !strings.Contains(out, "sync down/tencent_ccc: ok") {
		t.Fatalf("sync: exit %d\n%s", code, out)
	}
	for _, f := range []string{"throttled", "502", "slow", "dropped", "dropped after forward", "truncated", "inserted mid-window"} {
		if r.proxy.Injected()[f] == 0 {
			t.Errorf("fault %q never fired (%d requests)", f, r.proxy.Requests())
		}
	}
	cp, ws := r.state(t)
	moved := 0
	for _, w := range ws {
		if w.Outcome != cdr.WindowVerified {
			t.Errorf("window %+v not verified", w)
		}
		if w.VendorCount != w.Inserted+w.Updated+w.Unchanged+w.Rejected {
			moved++ // read again after the count moved: the audit row holds both reads
		}
	}
	if moved == 0 {
		t.Errorf("no window shows a re-read, though %d records were inserted mid-window: %+v\n%s", r.inserted, ws, out)
	}
	r.equal(t, time.Now().Truncate(time.Second))

	// A record changed upstream inside the look-back is updated; the
	// others are read again unchanged.
	r.proxy.SetFaults()
	r.post(t, "tencent_ccc", tencentRecord("tc-7", r.from.Add(time.Hour), "changed")+"\n")
	code, out = r.sync(t)
	if code != 0 || !strings.Contains(out, "1 updated") {
		t.Fatalf("sync after a change: exit %d\n%s", code, out)
	}
	r.equal(t, time.Now().Truncate(time.Second))

	// A window that never settles: every request inserts a record into
	// it. The run fails with status 1 and the checkpoint stays.
	cp, _ = r.state(t)
	r.proxy.SetFaults(faultproxy.Fault{Name: "never settles", When: when, Action: faultproxy.Before(insert)})
	code, out = r.sync(t)
	if code != 1 || !strings.Contains(out, "count_moved") {
		t.Fatalf("sync of a window that never settles: exit %d, want 1\n%s", code, out)
	}
	if after, ws := r.state(t); after != cp || ws[len(ws)-1].Outcome != cdr.WindowFailed || ws[len(ws)-1].ErrorCode != "count_moved" {
		t.Errorf("checkpoint %d → %d, last window %+v; want the checkpoint kept and the window failed", cp, after, ws[len(ws)-1])
	}
	r.proxy.SetFaults()
	if code, out = r.sync(t); code != 0 {
		t.Fatalf("sync once settled: exit %d\n%s", code, out)
	}
	r.equal(t, time.Now().Truncate(time.Second))
}

func TestSyncCrash(t *testing.T) {
	syncDatabases(t, testSyncCrash)
}

// The downstream cdrhub sync is killed with SIGKILL at random points and
// started again, at least 10 times: the checkpoint never moves backwards
// nor past a window not verified, no record is stored twice, and a last
// run leaves the downstream equal to the upstream.
func testSyncCrash(t *testing.T, dsn string) {
	r := newSyncRig(t, dsn)
	r.seed(t, 600)
	r.proxy.SetFaults(faultproxy.Fault{Name: "slow", Action: faultproxy.Delay(10 * time.Millisecond)})
	var last int64
	audited := 0
	killSyncs(t, r.cfg, 1500*time.Millisecond, func(run int) bool {
		cp, ws := r.state(t)
		if cp < last {
			t.Fatalf("run %d: the checkpoint moved back from %d to %d", run, last, cp)
		}
		last = cp
		checkContiguous(t, r.from.UnixMilli(), cp, ws)
		if n, want := r.stored(t), 1200; n > want {
			t.Fatalf("run %d: %d records stored, the upstream has %d", run, n, want)
		}
		worked := len(ws) > audited
		audited = len(ws)
		return worked
	})
	r.proxy.SetFaults()
	if code, out := r.sync(t); code != 0 {
		t.Fatalf("the run after the kills: exit %d\n%s", code, out)
	}
	r.equal(t, time.Now().Truncate(time.Second))
}

// checkContiguous fails unless the verified windows cover [from, cp)
// without a gap: the checkpoint is never past a window not verified.
func checkContiguous(t *testing.T, from, cp int64, ws []cdr.SyncWindow) {
	t.Helper()
	if cp == 0 {
		return
	}
	reach := from
	for changed := true; changed; {
		changed = false
		for _, w := range ws {
			if w.Outcome == cdr.WindowVerified && w.From <= reach && w.To > reach {
				reach, changed = w.To, true
			}
		}
	}
	if reach < cp {
		t.Fatalf("checkpoint %d past the verified windows, which reach %d from %d", cp, reach, from)
	}
}

// stored counts the downstream tenant's records in its database.
func (r *syncRig) stored(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	st := r.open(t)
	defer st.Close()
	_, n, err := st.FindRecords(ctx, cdr.MustTenantID("down"), cdr.Filter{Count: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The README's mirror of the demo works as written: the configuration of
// "Try it against the demo", with the demo's credentials, address and a
// temporary database put in, syncs every voice call of a running
// serve --demo, and the mirror's DescribeTelCdr answers as the demo's.
func TestSyncReadmeMirror(t *testing.T) {
	if raceEnabled {
		t.Skip("process end-to-end test: runs without -race")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "<!-- mirror.yaml")
	_, block, ok2 := strings.Cut(after, "```yaml\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README: no mirror.yaml block")
	}
	dir := t.TempDir()
	m := demoLine(t, dir, regexp.MustCompile(`Tencent CCC \(API 3\.0 at http://([^/]+)/\): SdkAppId \d+, SecretId (\S+), SecretKey (\S+)`))
	addr, id, key := m[1], m[2], m[3]
	cfg := strings.NewReplacer("DEMO_SECRET_ID", id, "DEMO_SECRET_KEY", key,
		"http://localhost:8080", "http://"+addr, "127.0.0.1:8081", "127.0.0.1:0",
		"./mirror-data/cdrhub.db", filepath.Join(dir, "mirror", "cdrhub.db")).Replace(block)
	path := filepath.Join(dir, "mirror.yaml")
	writeFile(t, path, cfg)
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "sync", "--config", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "sync mirror/tencent_ccc: ok") {
		t.Fatalf("cdrhub sync: %v\n%s", err, out)
	}
	mirror := start(t, "--config", path)
	// The demo's calls span 90 days: two windows under the API's 90.
	now := time.Now().Truncate(time.Second)
	mid, from := now.Add(-60*24*time.Hour), now.Add(-120*24*time.Hour)
	want := servedApp(t, addr, id, key, demoSdkAppID, from, mid)
	got := servedApp(t, mirror.addr, "AKIDmirror00000000001", "mirror-secret-key", demoSdkAppID, from, mid)
	maps.Copy(want, servedApp(t, addr, id, key, demoSdkAppID, mid, now))
	maps.Copy(got, servedApp(t, mirror.addr, "AKIDmirror00000000001", "mirror-secret-key", demoSdkAppID, mid, now))
	if len(want) < 1000 {
		t.Errorf("the demo serves %d Tencent records; want its voice calls", len(want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the mirror's DescribeTelCdr differs from the demo's (-demo +mirror):\n%s", diff)
	}
}

// serve runs an enabled source within 10 s of start-up, reports it on
// GET /api/v1/sync and in the metrics, and stops cleanly on SIGTERM.
func TestServeSyncs(t *testing.T) {
	if raceEnabled {
		t.Skip("process end-to-end test: runs without -race")
	}
	r := newSyncRig(t, "")
	r.seed(t, 40)
	started := time.Now()
	p := start(t, "--config", r.cfg)
	status := func() map[string]any {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+p.addr+"/api/v1/sync", nil)
		req.Header.Set("Authorization", "Bearer "+syncToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct{ Sources []map[string]any }
		if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&body) != nil || len(body.Sources) != 1 {
			t.Fatalf("GET /api/v1/sync: HTTP %d %+v", resp.StatusCode, body)
		}
		return body.Sources[0]
	}
	var s map[string]any
	for deadline := time.Now().Add(20 * time.Second); ; {
		s = status()
		if run, _ := s["last_run"].(map[string]any); run != nil && run["outcome"] == "ok" && s["state"] == "idle" {
			if at := time.UnixMilli(int64(run["started_at"].(float64))); at.Sub(started) > 11*time.Second {
				t.Errorf("the first run started %v after start-up, want within 10 s", at.Sub(started))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no run within 20 s: %v\n%s", s, p.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if rec, _ := s["records"].(map[string]any); rec["inserted"] != float64(80) || s["enabled"] != true || s["checkpoint"].(float64) == 0 {
		t.Errorf("status %v: want 80 records inserted", s)
	}
	resp, err := http.Get("http://" + p.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`cdrhub_sync_runs_total{outcome="ok",vendor="tencent_ccc"} 1`,
		`cdrhub_sync_records_total{class="inserted",vendor="tencent_ccc"} 80`,
		`cdrhub_sync_checkpoint_age_seconds{vendor="tencent_ccc"}`,
		`cdrhub_sync_horizon_seconds{vendor="tencent_ccc"}`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(string(metrics), "tenant=") || strings.Contains(string(metrics), `"down"`) {
		t.Errorf("a sync metric names a tenant")
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, p.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10 s after SIGTERM")
	}
	for _, line := range strings.Split(p.stderr.String(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			t.Errorf("logged an error: %s", line)
		}
		if strings.Contains(line, upKey) || strings.Contains(line, downKey) {
			t.Errorf("logged a secret: %s", line)
		}
	}
}

// cdrhub sync without an enabled source exits 2; --status lists the
// configured sources; bad flags are refused before anything runs.
func TestSyncCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "cdrhub.yaml")
	writeFile(t, cfg, fmt.Sprintf(`storage: {driver: sqlite, path: %q}
tenants:
  - id: acme
    tencent_ccc: {sdk_app_id: 1400000009, credentials: [{secret_id: AKIDacme, secret_key: k}]}
`, filepath.Join(dir, "cdrhub.db")))
	command := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"sync", "--config", cfg}, args...), &out, &errOut, func(string) string { return "" })
		return out.String() + errOut.String(), err
	}
	out, err := command()
	if e, ok := errors.AsType[*exitError](err); !ok || e.code != 2 || !strings.Contains(err.Error(), "no source is enabled") {
		t.Errorf("sync without an enabled source: %v\n%s", err, out)
	}
	out, err = command("--status")
	if err != nil || !strings.Contains(out, "TENANT") || !regexp.MustCompile(`acme\s+tencent_ccc\s+false\s+stopped`).MatchString(out) {
		t.Errorf("sync --status: %v\n%s", err, out)
	}
	for _, args := range [][]string{
		{"--from", "yesterday"}, {"--to", "1999-12-31T00:00:00Z"}, {"--source", "native"},
		{"--from", "2026-06-02T00:00:00Z", "--to", "2026-06-01T00:00:00Z"}, {"--tenant", "initech"}, {"extra"},
	} {
		if _, err := command(args...); err == nil || errors.As(err, new(*exitError)) {
			t.Errorf("sync %v: %v, want a usage error", args, err)
		}
	}
}

// everyVendor is an upstream cdrhub serving all five APIs of tenant up,
// seeded with n native records of each channel, behind a fault proxy, and
// a downstream configuration with one tenant per vendor, each syncing that
// vendor's API through the proxy into a database on SQLite (dsn "") or
// PostgreSQL.
type everyVendor struct {
	n      int
	from   time.Time
	proxy  *faultproxy.Proxy
	cfg    string
	sqlite string
	dsn    string
}

// everyVendorSources are the downstream tenants and the source each syncs.
var everyVendorSources = map[string]cdr.Source{"d-tc": cdr.SourceTencentCCC, "d-ali": cdr.SourceAliyunCCC,
	"d-callkit": cdr.SourceTRTCCallKit, "d-desk": cdr.SourceTencentDesk, "d-laaffic": cdr.SourceLaaffic}

func newEveryVendor(t *testing.T, n int, dsn string) *everyVendor {
	t.Helper()
	dir := t.TempDir()
	upCfg := filepath.Join(dir, "up.yaml")
	writeFile(t, upCfg, fmt.Sprintf(`server: {listen: "127.0.0.1:0"}
storage: {driver: sqlite, path: %q}
tenants:
  - id: up
    timezone: America/New_York
    native: {tokens: [{name: seed, token: %s}]}
    tencent_ccc: {sdk_app_id: 1400000501, credentials: [{secret_id: AKIDup0000000000000501, secret_key: up-tc-key}], rate_limit: {rps: 10000, burst: 10000}}
    aliyun_ccc: {instance_id: ccc-up, credentials: [{access_key_id: LTAIup000501, access_key_secret: up-ali-secret}], rate_limit: {rps: 10000, burst: 10000}}
    trtc_callkit: {sdk_app_id: 1400000502, admin_identifiers: [administrator], secret_key: up-im-key-0000000000, rate_limit: {rps: 10000, burst: 10000}}
    tencent_desk: {sdk_app_id: 1400000502, admin_identifiers: [administrator], secret_key: up-im-key-0000000000, rate_limit: {rps: 10000, burst: 10000}}
    laaffic: {api_key: upkey, api_secret: up-laaffic-secret, rate_limit: {rps: 10000, burst: 10000}}
`, filepath.Join(dir, "up", "cdrhub.db"), syncUpToken))
	up := start(t, "--config", upCfg)
	v := &everyVendor{n: n, from: time.Now().Add(-3 * time.Hour).Truncate(time.Second), dsn: dsn}
	var seed strings.Builder
	step := 2 * time.Hour / time.Duration(n)
	for i := range n {
		for j, ch := range []string{"voice", "rtc", "chat"} {
			fmt.Fprintf(&seed, `{"channel":%q,"source":"native","source_id":"n-%d-%d","start_at":%d,"caller":{"address":"+8613900%06d"},"callee":{"address":"+862066668888"}}`+"\n",
				ch, i, j, v.from.Add(time.Duration(i)*step+time.Duration(j)*time.Second).UnixMilli(), i)
		}
	}
	req, _ := http.NewRequest("POST", "http://"+up.addr+"/api/v1/records", strings.NewReader(seed.String()))
	req.Header.Set("Authorization", "Bearer "+syncUpToken)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("seed: %v %v", resp, err)
	}
	var err error
	if v.proxy, err = faultproxy.New("http://" + up.addr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.proxy.Close() })
	storage := fmt.Sprintf("{driver: postgres, dsn: %q}", dsn)
	if dsn == "" {
		v.sqlite = filepath.Join(dir, "down", "cdrhub.db")
		storage = fmt.Sprintf("{driver: sqlite, path: %q}", v.sqlite)
	}
	sync := fmt.Sprintf(`enabled: true, endpoint: %q, settle: 0s, lookback: 6h, from: %d, rate_limit: {rps: 10000, burst: 10000}, max_window_records: 50`,
		v.proxy.URL(), v.from.Add(-time.Hour).UnixMilli())
	v.cfg = filepath.Join(dir, "down.yaml")
	writeFile(t, v.cfg, fmt.Sprintf(`storage: %s
tenants:
  - id: d-tc
    tencent_ccc: {sdk_app_id: 1400000501, credentials: [{secret_id: AKIDdown00000000000501, secret_key: k}],
      sync: {%[2]s, secret_id: AKIDup0000000000000501, secret_key: up-tc-key}}
  - id: d-ali
    aliyun_ccc: {instance_id: ccc-up, credentials: [{access_key_id: LTAIdown0501, access_key_secret: k}],
      sync: {%[2]s, access_key_id: LTAIup000501, access_key_secret: up-ali-secret}}
  - id: d-callkit
    trtc_callkit: {sdk_app_id: 1400000502, admin_identifiers: [administrator], secret_key: down-im-key-00000000,
      sync: {%[2]s, secret_key: up-im-key-0000000000}}
  - id: d-desk
    tencent_desk: {sdk_app_id: 1400000503, admin_identifiers: [administrator], secret_key: down-im-key-00000000,
      sync: {%[2]s, sdk_app_id: 1400000502, secret_key: up-im-key-0000000000}}
  - id: d-laaffic
    timezone: Asia/Tokyo
    laaffic: {api_key: downkey, api_secret: k,
      sync: {%[2]s, api_key: upkey, api_secret: up-laaffic-secret, timezone: America/New_York}}
`, storage, sync))
	return v
}

// open opens the downstream database, while no process runs over it.
func (v *everyVendor) open(t *testing.T) interface {
	cdr.Store
	cdr.SyncState
} {
	r := &syncRig{sqlite: v.sqlite, dsn: v.dsn}
	return r.open(t)
}

// check verifies each downstream tenant against what the upstream holds:
// when complete, every record of its channel once; else no more than that,
// and none twice. It returns each source's checkpoint, and how many audit
// rows of windows the sources have in all.
func (v *everyVendor) check(t *testing.T, complete bool) (map[string]int64, int) {
	t.Helper()
	st := v.open(t)
	defer st.Close()
	ctx := context.Background()
	cps, windows := map[string]int64{}, 0
	for tenant, source := range everyVendorSources {
		tn := cdr.MustTenantID(tenant)
		recs, total, err := st.FindRecords(ctx, tn, cdr.Filter{Count: true, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if complete && total != v.n || total > v.n {
			t.Errorf("%s holds %d records, want %s %d", tenant, total, map[bool]string{true: "", false: "at most"}[complete], v.n)
		}
		seen := map[string]bool{}
		for _, r := range recs {
			if r.Source != source || seen[r.SourceID] {
				t.Errorf("%s: record %s of source %s, seen before %v", tenant, r.SourceID, r.Source, seen[r.SourceID])
			}
			seen[r.SourceID] = true
		}
		cp, err := st.Checkpoint(ctx, tn, source)
		if err != nil {
			t.Fatal(err)
		}
		ws, err := st.SyncWindows(ctx, tn, source, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		checkContiguous(t, v.from.Add(-time.Hour).UnixMilli(), cp, ws)
		cps[tenant], windows = cp, windows+len(ws)
	}
	return cps, windows
}

// Every vendor's API of an upstream cdrhub synced by one cdrhub sync, each
// into its own downstream tenant: every voice record through Tencent CCC,
// Alibaba CCC and laaffic, every rtc record through TUICallKit, every chat
// through Desk, each once; then again with cdrhub sync killed with SIGKILL
// at random points at least 10 times, every source's checkpoint never
// moving back nor past a window not verified, no record twice, and all of
// them complete after a last run. On SQLite and PostgreSQL.
func TestSyncEveryVendor(t *testing.T) {
	syncDatabases(t, testSyncEveryVendor)
}

func testSyncEveryVendor(t *testing.T, dsn string) {
	v := newEveryVendor(t, 300, dsn)
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	// Slow answers stretch the runs so that the kills land inside them.
	v.proxy.SetFaults(faultproxy.Fault{Name: "slow", Action: faultproxy.Delay(4 * time.Millisecond)})
	last := map[string]int64{}
	audited := 0
	killSyncs(t, v.cfg, 2500*time.Millisecond, func(run int) bool {
		cps, windows := v.check(t, false)
		for tenant, cp := range cps {
			if cp < last[tenant] {
				t.Fatalf("run %d: %s's checkpoint moved back from %d to %d", run, tenant, last[tenant], cp)
			}
			last[tenant] = cp
		}
		worked := windows > audited
		audited = windows
		return worked
	})
	v.proxy.SetFaults()
	out, err := exec.Command(bin, "sync", "--config", v.cfg).CombinedOutput()
	if err != nil {
		t.Fatalf("the run after the kills: %v\n%s", err, out)
	}
	for tenant, source := range everyVendorSources {
		if !strings.Contains(string(out), "sync "+tenant+"/"+string(source)+": ok") {
			t.Errorf("%s/%s did not sync:\n%s", tenant, source, out)
		}
	}
	v.check(t, true)
}

// killSyncs runs cdrhub sync with the configuration cfg, killing it with
// SIGKILL after a random wait of up to maxWait, until it has killed it 10
// times (a run that ends first must end well). After each run check
// inspects the state and reports whether the run recorded a window; unless
// at least half the runs did, the kills came too early to test much.
func killSyncs(t *testing.T, cfg string, maxWait time.Duration, check func(run int) bool) {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	kills, worked, run := 0, 0, 0
	for kills < 10 {
		if run++; run > 40 {
			t.Fatalf("%d runs, only %d killed", run, kills)
		}
		cmd := exec.Command(bin, "sync", "--config", cfg)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("sync ended on its own: %v\n%s", err, out.String())
			}
		case <-time.After(50*time.Millisecond + time.Duration(rand.Int64N(int64(maxWait)))):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			kills++
		}
		if check(run) {
			worked++
		}
	}
	if worked < run/2 {
		t.Errorf("%d of %d runs recorded a window before they ended: the kills came too early to test much", worked, run)
	}
}
