package httpserver_test

// The sync engine's Tencent Cloud Desk client (internal/ingest/tencentdesk)
// against cdrhub's own describe_im_cdr_list (internal/api/imrest), served
// here because only the listener may import an API (internal/layout):
// the client's windows and errors, and the closed loop into a second
// store, with and without faults.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/imrest"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/faultproxy"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/ingest"
	deskclient "github.com/cdrhub/cdrhub/internal/ingest/tencentdesk"
	"github.com/cdrhub/cdrhub/internal/mapping"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

const (
	deskApp        = uint64(1400000301)
	deskAdmin      = "administrator"
	deskKey        = "desk-sync-im-key"
	deskOtherApp   = uint64(1400000302) // tenant other's Desk
	deskCallKitApp = uint64(1400000303) // acme's TUICallKit app, not a Desk
)

// deskBase is the start of the seeded records: 2026-10-01T00:00:00Z.
var deskBase = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// deskTenant is acme's mapping settings, upstream and downstream: Desk
// records carry no scope id.
var deskTenant = mapping.Tenant{}

// deskUpstream is cdrhub serving describe_im_cdr_list over a real store,
// and the start_at (ms) of every chat record of tenant acme.
type deskUpstream struct {
	srv    *httptest.Server
	store  cdr.Store
	mu     sync.Mutex
	starts []int64
	raws   map[string]string // SessionId → the Desk records as ingested
}

// newDeskUpstream serves acme's Desk app (deskApp, admin deskAdmin) at rps
// and burst, acme's TUICallKit-only app and tenant other's Desk app, with
// the records of seed.
func newDeskUpstream(t *testing.T, rps float64, burst int) *deskUpstream {
	t.Helper()
	store := storetest.Open(t, sqlstore.Options{CacheMiB: 4})
	block := func(tenant string) *imrest.Block {
		return &imrest.Block{Tenant: cdr.MustTenantID(tenant), Admins: []string{deskAdmin}, RPS: rps, Burst: burst}
	}
	api, err := imrest.New(store, []imrest.App{
		{SdkAppID: deskApp, Key: deskKey, Desk: block("acme")},
		{SdkAppID: deskCallKitApp, Key: deskKey, CallKit: block("acme")},
		{SdkAppID: deskOtherApp, Key: "other-im-key", Desk: block("other")},
	})
	if err != nil {
		t.Fatal(err)
	}
	u := &deskUpstream{store: store, raws: map[string]string{},
		srv: httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: store}, nil, slog.New(slog.DiscardHandler), httpserver.APIs{IMREST: api}))}
	t.Cleanup(u.srv.Close)
	u.seed(t)
	return u
}

// deskNative is a native chat record of acme.
func deskNative(id string, at int64) *cdr.Record {
	total := int64(42)
	return &cdr.Record{Channel: cdr.ChannelChat, Source: cdr.SourceNative, SourceID: id, StartAt: at, TotalS: &total,
		Direction: cdr.DirectionInbound, Disposition: cdr.DispositionAnswered,
		Caller: cdr.Party{Address: "client-" + id, Name: "Client " + id}}
}

// deskRaw is a Desk IMCdrInfo of a session at at.
func deskRaw(id string, at time.Time, status string) string {
	return fmt.Sprintf(`{"SessionId":"%s","AgentGroupId":"3067","AgentGroupName":"Online","AgentId":"agent@example.com",`+
		`"ChannelType":"SDK","ClientUserId":"client-%s","ClientUserNickName":"N","Duration":10,"EndStatus":"%s",`+
		`"SatisfactionSelected":5,"Timestamp":%d}`, id, id, status, at.Unix())
}

// deskDecode is acme's Desk decoder.
func deskDecode(t *testing.T, raw string) *cdr.Record {
	t.Helper()
	rec, err := mapping.NewFormats(deskTenant).Decoders[cdr.SourceTencentDesk].Decode(json.RawMessage(raw))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// seed writes, for acme: 230 native chat records a minute apart, five of
// them sharing one instant, and one on each side of the hour marks; 7
// Desk records (raw IMCdrInfo); a voice and an rtc record, never listed.
// And a chat record for tenant other, never acme's.
func (u *deskUpstream) seed(t *testing.T) {
	t.Helper()
	var recs []*cdr.Record
	add := func(r *cdr.Record) {
		recs = append(recs, r)
		if r.Channel == cdr.ChannelChat {
			u.starts = append(u.starts, r.StartAt)
		}
	}
	for i := range 230 {
		at := deskBase.Add(time.Duration(i) * time.Minute).UnixMilli()
		if i >= 100 && i < 105 {
			at = deskBase.Add(100 * time.Minute).UnixMilli() // ties
		}
		add(deskNative(fmt.Sprintf("n%d", i), at))
	}
	for h := 1; h <= 3; h++ {
		mark := deskBase.Add(time.Duration(h) * time.Hour).UnixMilli()
		add(deskNative(fmt.Sprintf("before-%d", h), mark-1))
		add(deskNative(fmt.Sprintf("at-%d", h), mark))
	}
	for i := range 7 {
		id := fmt.Sprintf("desk-sync-%d", i)
		raw := deskRaw(id, deskBase.Add(time.Duration(i)*1700*time.Second+30*time.Second), "UserEndedSession")
		u.raws[id] = raw
		add(deskDecode(t, raw))
	}
	add(&cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "voice",
		StartAt: deskBase.UnixMilli() + 5000, Caller: cdr.Party{Address: "+86 20 6666 8888"}})
	add(&cdr.Record{Channel: cdr.ChannelRTC, Source: cdr.SourceNative, SourceID: "rtc", StartAt: deskBase.UnixMilli() + 6000,
		Direction: cdr.DirectionInternal, Caller: cdr.Party{Address: "user-a"}, Callee: cdr.Party{Address: "user-b"}})
	ctx := context.Background()
	if _, err := u.store.UpsertRecords(ctx, cdr.MustTenantID("acme"), recs, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.store.UpsertRecords(ctx, cdr.MustTenantID("other"), []*cdr.Record{deskNative("other", deskBase.UnixMilli()+1000)}, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
}

// insert writes a native chat record of acme upstream.
func (u *deskUpstream) insert(t *testing.T, id string, at time.Time) {
	t.Helper()
	if _, err := u.store.UpsertRecords(context.Background(), cdr.MustTenantID("acme"), []*cdr.Record{deskNative(id, at.UnixMilli())}, cdr.UpsertOptions{}); err != nil {
		t.Error(err)
		return
	}
	u.mu.Lock()
	u.starts = append(u.starts, at.UnixMilli())
	u.mu.Unlock()
}

// in is the number of acme's chat records in [from, to).
func (u *deskUpstream) in(from, to time.Time) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, at := range u.starts {
		if at >= from.UnixMilli() && at < to.UnixMilli() {
			n++
		}
	}
	return n
}

func deskNewClient(t *testing.T, endpoint string, edit func(*deskclient.Config)) *deskclient.Client {
	t.Helper()
	cfg := deskclient.Config{Endpoint: endpoint, SdkAppID: deskApp, Identifier: deskAdmin, Key: deskKey, Timeout: 10 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := deskclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// deskServed is every record c lists in [from, to), by SessionId: each
// must come once.
func deskServed(t *testing.T, c *deskclient.Client, from, to time.Time) map[string]string {
	t.Helper()
	ctx := context.Background()
	n, err := c.Count(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for number := range deskclient.PageCount(n) {
		p, err := c.Page(ctx, from, to, number)
		if err != nil {
			t.Fatalf("page %d: %v", number, err)
		}
		if p.TotalCount != n || p.FetchedAt.IsZero() {
			t.Errorf("page %d: total %d, fetched %v", number, p.TotalCount, p.FetchedAt)
		}
		if want := min(deskclient.PageSize, n-number*deskclient.PageSize); len(p.Records) != want {
			t.Errorf("page %d: %d records, want %d", number, len(p.Records), want)
		}
		for i, rec := range p.Records {
			var info struct{ SessionId string }
			if err := json.Unmarshal(rec, &info); err != nil || info.SessionId == "" {
				t.Fatalf("page %d record %d: %s (%v)", number, i, rec, err)
			}
			if _, dup := out[info.SessionId]; dup {
				t.Errorf("%s listed twice", info.SessionId)
			}
			out[info.SessionId] = string(rec)
		}
	}
	if len(out) != n {
		t.Errorf("%d distinct records in the pages, count %d", len(out), n)
	}
	return out
}

// Count, then every page, then Count again, as the engine will: the count
// is the window's chat records, each comes exactly once; adjacent windows
// neither overlap nor leave a gap (EndTimestamp is inclusive, so the
// client sends to − 1 s), and a page past the end is empty.
func TestDeskClientWindows(t *testing.T) {
	u := newDeskUpstream(t, 1000, 1000)
	c := deskNewClient(t, u.srv.URL, nil)
	ctx := context.Background()
	hour := func(h int) time.Time { return deskBase.Add(time.Duration(h) * time.Hour) }
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     int // also checked against the seed
	}{
		{"everything", deskBase, hour(24), 243},
		{"first hour", hour(0), hour(1), 60 + 1 + 3}, // 60 minutes, before-1, 3 Desk records
		{"second hour", hour(1), hour(2), 60 + 2 + 2},
		{"second and third hours", hour(1), hour(3), 120 + 4 + 4},
		{"one second at a mark", hour(2), hour(2).Add(time.Second), 2}, // n120 and at-2
		{"the second before a mark", hour(2).Add(-time.Second), hour(2), 1},
		{"empty", hour(10), hour(11), 0},
		{"just under 90 days", deskBase.Add(-45 * 24 * time.Hour), deskBase.Add(45*24*time.Hour - time.Second), 243},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := u.in(tc.from, tc.to); got != tc.want {
				t.Fatalf("the seed holds %d records in the window, the table says %d", got, tc.want)
			}
			served := deskServed(t, c, tc.from, tc.to)
			if len(served) != tc.want {
				t.Fatalf("%d records served, want %d", len(served), tc.want)
			}
			if n, err := c.Count(ctx, tc.from, tc.to); err != nil || n != tc.want {
				t.Errorf("second Count = %d, %v; want %d", n, err, tc.want)
			}
			p, err := c.Page(ctx, tc.from, tc.to, deskclient.PageCount(tc.want))
			if err != nil || len(p.Records) != 0 || p.TotalCount != tc.want {
				t.Errorf("the page past the end: %d records of %d, %v", len(p.Records), p.TotalCount, err)
			}
		})
	}
	// The Desk records come back byte for byte as they were ingested.
	served := deskServed(t, c, deskBase, hour(24))
	for id, raw := range u.raws {
		if served[id] != raw {
			t.Errorf("%s: served\n %s\ningested\n %s", id, served[id], raw)
		}
	}
}

// The errors of a real cdrhub, by kind.
func TestDeskClientErrors(t *testing.T) {
	u := newDeskUpstream(t, 1000, 1000)
	day := deskBase.Add(24 * time.Hour)
	for _, tc := range []struct {
		name     string
		edit     func(*deskclient.Config)
		from, to time.Time
		kind     deskclient.Kind
		code     int
	}{
		{"wrong key", func(c *deskclient.Config) { c.Key = "not-the-key" }, deskBase, day, deskclient.Auth, 70009},
		{"not an admin", func(c *deskclient.Config) { c.Identifier = "alice" }, deskBase, day, deskclient.Auth, 60010},
		{"unknown app", func(c *deskclient.Config) { c.SdkAppID = 1400009999 }, deskBase, day, deskclient.Auth, 70020},
		{"another tenant's app", func(c *deskclient.Config) { c.SdkAppID = deskOtherApp }, deskBase, day, deskclient.Auth, 70009},
		{"not a Desk app", func(c *deskclient.Config) { c.SdkAppID = deskCallKitApp }, deskBase, day, deskclient.Auth, deskclient.CodeNotDesk},
		{"signed in the future", func(c *deskclient.Config) { c.Now = func() time.Time { return time.Now().Add(time.Hour) } }, deskBase, day, deskclient.Auth, 70009},
		{"expired", func(c *deskclient.Config) { c.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) } }, deskBase, day, deskclient.Auth, 70001},
		{"90 days", nil, deskBase, deskBase.Add(deskclient.MaxWindow), deskclient.Invalid, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := deskNewClient(t, u.srv.URL, tc.edit).Count(context.Background(), tc.from, tc.to)
			e, ok := errors.AsType[*deskclient.Error](err)
			if !ok || e.Kind != tc.kind || e.Code != tc.code {
				t.Fatalf("Count: %v; want %v %d", err, tc.kind, tc.code)
			}
			if tc.code != 0 && e.Message == "" {
				t.Errorf("no ErrorInfo: %v", err)
			}
			if tc.code == 0 && !errors.Is(err, deskclient.ErrWindow) {
				t.Errorf("not refused before sending: %v", err)
			}
			if strings.Contains(err.Error(), "usersig") || strings.Contains(err.Error(), deskKey) {
				t.Errorf("the error %v holds a secret", err)
			}
		})
	}
}

// An app limited to one request a second, burst one: the second request
// in a row is Throttled (141009).
func TestDeskClientThrottled(t *testing.T) {
	u := newDeskUpstream(t, 1, 1)
	c := deskNewClient(t, u.srv.URL, nil)
	ctx := context.Background()
	if _, err := c.Count(ctx, deskBase, deskBase.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err := c.Page(ctx, deskBase, deskBase.Add(time.Hour), 0)
	e, ok := errors.AsType[*deskclient.Error](err)
	if !ok || e.Kind != deskclient.Throttled || e.Code != imrest.CodeDeskRateLimit {
		t.Fatalf("second request: %v; want throttled", err)
	}
}

// deskLoop is a downstream store syncing acme's Desk records from an
// endpoint.
type deskLoop struct {
	down  storetest.Subject
	job   ingest.Job
	shift *time.Duration
	end   time.Time
	slept int
}

func newDeskLoop(t *testing.T, endpoint string) *deskLoop {
	t.Helper()
	l := &deskLoop{down: storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 4}), shift: new(time.Duration)}
	// The client signs with the real clock (the upstream checks it) moved
	// a second on per run, so that each run's versions are newer.
	c := deskNewClient(t, endpoint, func(c *deskclient.Config) { c.Now = func() time.Time { return time.Now().Add(*l.shift) } })
	now := deskBase.Add(6 * time.Hour)
	l.end = now.Add(-time.Minute)
	l.job = ingest.Job{
		Tenant: cdr.MustTenantID("acme"), Source: cdr.SourceTencentDesk, Client: c.Engine(),
		Decoder: mapping.NewFormats(deskTenant).Decoders[cdr.SourceTencentDesk],
		Store:   l.down.Store, State: l.down.SyncState,
		From: deskBase.Add(-time.Hour), Lookback: 8 * time.Hour, Settle: time.Minute,
		MaxWindowRecords: 100, // the 243 records take several windows
		Now:              func() time.Time { return now },
		Sleep:            func(ctx context.Context, d time.Duration) error { l.slept++; return nil },
	}
	return l
}

// run runs the job once; it must verify every window.
func (l *deskLoop) run(t *testing.T) ingest.Result {
	t.Helper()
	*l.shift += time.Second
	res, err := ingest.Run(context.Background(), l.job)
	if err != nil || res.Failed || res.Rejected != 0 {
		t.Fatalf("Run: %+v, %v", res, err)
	}
	if res.Checkpoint != l.end.UnixMilli() {
		t.Errorf("checkpoint %d, want %d", res.Checkpoint, l.end.UnixMilli())
	}
	return res
}

// check: the downstream holds each served record exactly once, raw as
// served, and every audit row is verified.
func (l *deskLoop) check(t *testing.T, want map[string]string) {
	t.Helper()
	ctx := context.Background()
	acme := cdr.MustTenantID("acme")
	recs, total, err := l.down.FindRecords(ctx, acme, cdr.Filter{Count: true})
	if err != nil {
		t.Fatal(err)
	}
	if total != len(want) || len(recs) != len(want) {
		t.Fatalf("downstream holds %d records, want %d", total, len(want))
	}
	seen := map[string]bool{}
	for _, r := range recs {
		if r.Source != cdr.SourceTencentDesk || r.Channel != cdr.ChannelChat || seen[r.SourceID] {
			t.Errorf("record %s: source %s, channel %s, seen before %v", r.ID, r.Source, r.Channel, seen[r.SourceID])
		}
		seen[r.SourceID] = true
		full, err := l.down.FindRecordByID(ctx, acme, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if string(full.Raw) != want[r.SourceID] {
			t.Errorf("%s: raw\n %s\nserved\n %s", r.SourceID, full.Raw, want[r.SourceID])
		}
	}
	ws, err := l.down.SyncState.SyncWindows(ctx, acme, cdr.SourceTencentDesk, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if w.Outcome != cdr.WindowVerified || w.ErrorCode != "" {
			t.Errorf("audit row %+v", w)
		}
	}
	if cp, err := l.down.SyncState.Checkpoint(ctx, acme, cdr.SourceTencentDesk); err != nil || cp != l.end.UnixMilli() {
		t.Errorf("checkpoint %d, %v; want %d", cp, err, l.end.UnixMilli())
	}
}

// The closed loop: every record served arrives once, raw as served; a
// second run writes nothing; a record changed upstream inside the
// look-back is updated.
func TestDeskSyncClosedLoop(t *testing.T) {
	u := newDeskUpstream(t, 1000, 1000)
	l := newDeskLoop(t, u.srv.URL)
	direct := deskNewClient(t, u.srv.URL, nil)
	total := len(u.starts)

	first := l.run(t)
	if first.Inserted != total || first.Updated != 0 || first.Unchanged != 0 {
		t.Errorf("first run: inserted %d, updated %d, unchanged %d; want %d inserted", first.Inserted, first.Updated, first.Unchanged, total)
	}
	if len(first.Windows) < 3 {
		t.Errorf("first run: %d windows; want the window split", len(first.Windows))
	}
	served := deskServed(t, direct, l.job.From, l.end)
	if len(served) != total {
		t.Fatalf("the upstream serves %d records, holds %d", len(served), total)
	}
	l.check(t, served)

	second := l.run(t)
	if second.Inserted != 0 || second.Updated != 0 || second.Unchanged != total {
		t.Errorf("second run: inserted %d, updated %d, unchanged %d; want all %d unchanged", second.Inserted, second.Updated, second.Unchanged, total)
	}

	// A Desk record changed upstream, inside the look-back.
	raw := deskRaw("desk-sync-3", deskBase.Add(3*1700*time.Second+30*time.Second), "AgentEndedSession")
	if res, err := u.store.UpsertRecords(context.Background(), cdr.MustTenantID("acme"), []*cdr.Record{deskDecode(t, raw)}, cdr.UpsertOptions{}); err != nil || res.Updated != 1 {
		t.Fatalf("upstream change: %+v, %v", res, err)
	}
	third := l.run(t)
	if third.Inserted != 0 || third.Updated != 1 || third.Unchanged != total-1 {
		t.Errorf("third run: inserted %d, updated %d, unchanged %d; want one updated", third.Inserted, third.Updated, third.Unchanged)
	}
	served = deskServed(t, direct, l.job.From, l.end)
	if served["desk-sync-3"] != raw {
		t.Errorf("the upstream serves %s", served["desk-sync-3"])
	}
	l.check(t, served)
	if l.slept != 0 {
		t.Errorf("slept %d times without faults", l.slept)
	}
}

// The closed loop through a proxy that throttles (141009), answers 502,
// drops a connection and inserts records upstream while a window is read:
// the run retries, re-reads, and ends equal.
func TestDeskSyncFaults(t *testing.T) {
	u := newDeskUpstream(t, 1000, 1000)
	var mu sync.Mutex
	var window struct{ StartTimestamp int64 }
	inserted := 0
	pageOfWindow := func(n int, r *http.Request, body []byte) bool {
		mu.Lock()
		defer mu.Unlock()
		return n > 8 && strings.Contains(string(body), `"Limit":100`) && json.Unmarshal(body, &window) == nil
	}
	insert := func() {
		mu.Lock()
		inserted++
		id, at := fmt.Sprintf("late-%d", inserted), time.Unix(window.StartTimestamp, 0)
		mu.Unlock()
		u.insert(t, id, at)
	}
	throttled := []byte(`{"ActionStatus":"FAIL","ErrorCode":141009,"ErrorInfo":"API rate limiting"}`)
	json := http.Header{"Content-Type": {"application/json"}}
	p, err := faultproxy.New(u.srv.URL,
		faultproxy.Fault{Name: "throttled", When: faultproxy.Nth(2, 3), Action: faultproxy.Respond(200, json, throttled)},
		faultproxy.Fault{Name: "502", When: faultproxy.Nth(5), Action: faultproxy.Respond(502, nil, []byte("bad gateway"))},
		faultproxy.Fault{Name: "dropped", When: faultproxy.Nth(7), Action: faultproxy.Drop()},
		faultproxy.Fault{Name: "inserted mid-window", When: faultproxy.Times(2, pageOfWindow), Action: faultproxy.Before(insert)},
	)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	l := newDeskLoop(t, p.URL())
	res := l.run(t)
	for name, want := range map[string]int{"throttled": 2, "502": 1, "dropped": 1, "inserted mid-window": 2} {
		if got := p.Injected()[name]; got != want {
			t.Errorf("fault %q fired %d times, want %d", name, got, want)
		}
	}
	if l.slept < 4 {
		t.Errorf("%d retries, want one per throttled, 502 and dropped request", l.slept)
	}
	total := len(u.starts)
	if res.Inserted != total {
		t.Errorf("inserted %d, the upstream holds %d", res.Inserted, total)
	}
	served := deskServed(t, deskNewClient(t, u.srv.URL, nil), l.job.From, l.end)
	if len(served) != total || served[deskLateID("late-1")] == "" || served[deskLateID("late-2")] == "" {
		t.Fatalf("the upstream serves %d records, holds %d, the late ones included", len(served), total)
	}
	l.check(t, served)

	// Once the faults are gone, a run writes nothing new.
	p.SetFaults()
	if again := l.run(t); again.Inserted != 0 || again.Updated != 0 || again.Unchanged != total {
		t.Errorf("run after the faults: %+v; want all %d unchanged", again, total)
	}
}

// deskLateID is the SessionId a native record inserted upstream is served
// with: its cdrhub id.
func deskLateID(sourceID string) string {
	return cdr.RecordID("acme", cdr.SourceNative, sourceID)
}
