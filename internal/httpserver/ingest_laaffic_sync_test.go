package httpserver_test

// The sync engine's laaffic-family client (internal/ingest/laaffic)
// against cdrhub's own ccRecordQuery (internal/api/laaffic), served here
// because only the listener may import an API (internal/layout): the
// client's windows and errors, and the closed loop into a second store,
// with and without faults, for an account in Asia/Shanghai and one in
// America/New_York, across month ends and New York's DST changes.

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

	"github.com/cdrhub/cdrhub/internal/api/laaffic"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/faultproxy"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/ingest"
	lfclient "github.com/cdrhub/cdrhub/internal/ingest/laaffic"
	"github.com/cdrhub/cdrhub/internal/mapping"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

const (
	laffKey, laffSecret = "laff-sync-key", "laff-sync-secret"
	laffOtherKey        = "laff-other-key"
)

// laffAt is a UTC instant of the seed, in RFC 3339.
func laffAt(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func laffZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// The seed's range and the runs' clock: records from the end of February
// to the start of November 2026.
var (
	laffFrom = laffAt("2026-02-20T00:00:00Z")
	laffNow  = laffAt("2026-11-05T00:00:00Z")
	// New York's fall-back: 01:00–02:00 local is EDT from 05:00Z to
	// 06:00Z, then EST again from 06:00Z to 07:00Z.
	laffRepeatFrom, laffRepeatTo = laffAt("2026-11-01T06:00:00Z"), laffAt("2026-11-01T07:00:00Z")
)

// laffScenario is an upstream account's zone, the path its client
// queries, and the downstream tenant's own zone, which is not the one its
// laaffic records are read in.
type laffScenario struct {
	zone, path, downZone string
}

var laffScenarios = []laffScenario{
	{"Asia/Shanghai", "", "America/Los_Angeles"},
	{"America/New_York", "/voice/ccRecordQuery", "Asia/Shanghai"},
}

// laffUpstream is cdrhub serving ccRecordQuery over a real store for
// tenant acme in loc, and the start (ms) of every voice record of acme by
// the callSessionId it is served with.
type laffUpstream struct {
	srv   *httptest.Server
	store cdr.Store
	loc   *time.Location
	mu    sync.Mutex
	start map[string]int64
	raws  map[string]string // the laaffic records as ingested
}

// newLaffUpstream serves acme's Api-Key at rps and burst, in loc, and an
// Api-Key of tenant other.
func newLaffUpstream(t *testing.T, loc *time.Location, rps float64, burst int) *laffUpstream {
	t.Helper()
	store := storetest.Open(t, sqlstore.Options{CacheMiB: 4})
	api, err := laaffic.New(store, []laaffic.Tenant{
		{ID: cdr.MustTenantID("acme"), APIKey: laffKey, APISecret: laffSecret, Location: loc, RPS: rps, Burst: burst},
		{ID: cdr.MustTenantID("other"), APIKey: laffOtherKey, APISecret: laffSecret, Location: loc, RPS: rps, Burst: burst},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	u := &laffUpstream{store: store, loc: loc, start: map[string]int64{}, raws: map[string]string{},
		srv: httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: store}, nil, slog.New(slog.DiscardHandler), httpserver.APIs{Laaffic: api}))}
	t.Cleanup(u.srv.Close)
	u.seed(t)
	return u
}

// laffNative is a native voice record of acme.
func laffNative(id string, at time.Time) *cdr.Record {
	return &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: id, StartAt: at.UnixMilli(),
		Direction: cdr.DirectionOutbound, Disposition: cdr.DispositionAnswered,
		Caller: cdr.Party{Address: "+86 20 6666 8888"}, Callee: cdr.Party{Address: "+1 212 555 0100"}}
}

// laffNativeID is the callSessionId a native record is served with: its
// cdrhub id.
func laffNativeID(sourceID string) string { return cdr.RecordID("acme", cdr.SourceNative, sourceID) }

// laffRaw is a laaffic record starting at the local time start.
func laffRaw(id, start, remark string) string {
	return fmt.Sprintf(`{"callSessionId":"%s","called":"8613200000001","caller":"12125550100","ccode":"86","agentName":"Seats01",`+
		`"callDuration":42,"callType":3,"hangupReason":1,"hangingDirection":0,"labels":["x"],"remark":"%s",`+
		`"callStartTime":"%s","answerTime":"","callEndTime":"","voiceUrl":""}`, id, remark, start)
}

// decode reads a laaffic record in the upstream's zone.
func (u *laffUpstream) decode(t *testing.T, raw string) *cdr.Record {
	t.Helper()
	rec, err := mapping.NewFormats(mapping.Tenant{Location: u.loc}).Decoders[cdr.SourceLaaffic].Decode(json.RawMessage(raw))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// laffLocalStarts are the local times of the seeded laaffic records, in
// the account's zone: month ends, and New York's skipped and repeated
// hours (01:30 of 2026-11-01 read at EDT, the earlier).
var laffLocalStarts = []string{
	"2026-02-28 23:59:59", "2026-03-01 00:00:00", "2026-03-08 01:59:59", "2026-03-08 03:00:00",
	"2026-10-31 23:30:00", "2026-11-01 01:30:00", "2026-11-01 02:00:00",
}

// seed writes, for acme, native voice records every 10 minutes around
// the month ends (February to March, October to November, which in New
// York holds the fall-back) and every 5 minutes around New York's
// spring-forward, with the seconds on each side of the changes; the
// laaffic records of laffLocalStarts; an rtc record, never listed. And a
// voice record of tenant other, never acme's.
func (u *laffUpstream) seed(t *testing.T) {
	t.Helper()
	var recs []*cdr.Record
	native := func(id string, at time.Time) {
		recs = append(recs, laffNative(id, at))
		u.start[laffNativeID(id)] = at.UnixMilli()
	}
	for _, span := range []struct {
		name     string
		from, to time.Time
		step     time.Duration
	}{
		{"feb", laffAt("2026-02-28T12:00:00Z"), laffAt("2026-03-01T08:00:00Z"), 10 * time.Minute},
		{"spring", laffAt("2026-03-08T05:30:00Z"), laffAt("2026-03-08T08:30:00Z"), 5 * time.Minute},
		{"oct", laffAt("2026-10-31T14:00:00Z"), laffAt("2026-11-01T08:00:00Z"), 10 * time.Minute},
	} {
		for at := span.from; at.Before(span.to); at = at.Add(span.step) {
			native(fmt.Sprintf("%s-%s", span.name, at.Format("0102T1504")), at)
		}
	}
	for _, at := range []string{"2026-03-08T06:59:59Z", "2026-03-08T07:00:01Z", "2026-11-01T05:59:59Z", "2026-11-01T06:00:01Z", "2026-11-01T06:59:59Z"} {
		native("edge-"+at, laffAt(at))
	}
	for i, local := range laffLocalStarts {
		id := fmt.Sprintf("laff-sync-%d", i)
		raw := laffRaw(id, local, "r")
		u.raws[id] = raw
		rec := u.decode(t, raw)
		u.start[id] = rec.StartAt
		recs = append(recs, rec)
	}
	recs = append(recs, &cdr.Record{Channel: cdr.ChannelRTC, Source: cdr.SourceNative, SourceID: "rtc", StartAt: laffAt("2026-03-01T00:00:00Z").UnixMilli()})
	ctx := context.Background()
	if _, err := u.store.UpsertRecords(ctx, cdr.MustTenantID("acme"), recs, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.store.UpsertRecords(ctx, cdr.MustTenantID("other"), []*cdr.Record{laffNative("other", laffAt("2026-03-01T00:00:00Z"))}, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
}

// insert writes a native voice record of acme upstream.
func (u *laffUpstream) insert(t *testing.T, id string, at time.Time) {
	t.Helper()
	if _, err := u.store.UpsertRecords(context.Background(), cdr.MustTenantID("acme"), []*cdr.Record{laffNative(id, at)}, cdr.UpsertOptions{}); err != nil {
		t.Error(err)
		return
	}
	u.mu.Lock()
	u.start[laffNativeID(id)] = at.UnixMilli()
	u.mu.Unlock()
}

// in is the number of acme's voice records in [from, to).
func (u *laffUpstream) in(from, to time.Time) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, at := range u.start {
		if at >= from.UnixMilli() && at < to.UnixMilli() {
			n++
		}
	}
	return n
}

func (u *laffUpstream) total() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.start)
}

// wantStart is where the downstream must place a record served with id:
// its upstream start, except that a record rendered from the second pass
// through New York's repeated hour reads back at the first (the text
// carries no offset), an hour earlier.
func (u *laffUpstream) wantStart(id string) int64 {
	u.mu.Lock()
	at := u.start[id]
	u.mu.Unlock()
	if _, isRaw := u.raws[id]; !isRaw && u.loc.String() == "America/New_York" && at >= laffRepeatFrom.UnixMilli() && at < laffRepeatTo.UnixMilli() {
		return at - time.Hour.Milliseconds()
	}
	return at
}

func laffClient(t *testing.T, endpoint string, sc laffScenario, loc *time.Location, edit func(*lfclient.Config)) *lfclient.Client {
	t.Helper()
	cfg := lfclient.Config{Endpoint: endpoint, Path: sc.path, APIKey: laffKey, APISecret: laffSecret, Location: loc, Timeout: 10 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := lfclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// laffServed is every record c lists in [from, to), read in windows of
// at most MaxWindow, by callSessionId: each must come once.
func laffServed(t *testing.T, c *lfclient.Client, from, to time.Time) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for wf := from; wf.Before(to); wf = wf.Add(lfclient.MaxWindow) {
		wt := wf.Add(lfclient.MaxWindow)
		if wt.After(to) {
			wt = to
		}
		n, err := c.Count(ctx, wf, wt)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for number := range lfclient.PageCount(n) {
			p, err := c.Page(ctx, wf, wt, number)
			if err != nil {
				t.Fatalf("page %d: %v", number, err)
			}
			if p.TotalCount != n || p.FetchedAt.IsZero() {
				t.Errorf("page %d: total %d, fetched %v", number, p.TotalCount, p.FetchedAt)
			}
			if want := min(lfclient.PageSize, n-number*lfclient.PageSize); len(p.Records) != want {
				t.Errorf("page %d: %d records, want %d", number, len(p.Records), want)
			}
			for i, rec := range p.Records {
				var info struct {
					CallSessionID string `json:"callSessionId"`
				}
				if err := json.Unmarshal(rec, &info); err != nil || info.CallSessionID == "" {
					t.Fatalf("page %d record %d: %s (%v)", number, i, rec, err)
				}
				if _, dup := out[info.CallSessionID]; dup {
					t.Errorf("%s listed twice", info.CallSessionID)
				}
				out[info.CallSessionID] = string(rec)
				got++
			}
		}
		if got != n {
			t.Errorf("[%s, %s): %d records in the pages, count %d", wf, wt, got, n)
		}
	}
	return out
}

// Count, then every page, then Count again, as the engine will: the count
// is the window's voice records, each comes exactly once, whatever the
// zone and wherever the bounds fall (month ends, DST changes, inside the
// repeated hour); the longest window is accepted.
func TestLaffClientWindows(t *testing.T) {
	for _, sc := range laffScenarios {
		t.Run(sc.zone, func(t *testing.T) {
			loc := laffZone(t, sc.zone)
			u := newLaffUpstream(t, loc, 1000, 1000)
			c := laffClient(t, u.srv.URL, sc, loc, nil)
			ctx := context.Background()
			for _, tc := range []struct {
				name     string
				from, to time.Time
			}{
				{"everything", laffFrom, laffNow},
				{"the longest window", laffAt("2026-02-27T00:00:00Z"), laffAt("2026-02-27T00:00:00Z").Add(lfclient.MaxWindow)},
				{"Shanghai's March", laffAt("2026-02-28T16:00:00Z"), laffAt("2026-03-31T16:00:00Z")},
				{"New York's March", laffAt("2026-03-01T05:00:00Z"), laffAt("2026-04-01T04:00:00Z")},
				{"Shanghai's month end second", laffAt("2026-02-28T15:59:59Z"), laffAt("2026-02-28T16:00:01Z")},
				{"the spring-forward's second", laffAt("2026-03-08T06:59:59Z"), laffAt("2026-03-08T07:00:01Z")},
				{"the hour before the spring-forward", laffAt("2026-03-08T06:00:00Z"), laffAt("2026-03-08T07:00:00Z")},
				{"the first pass of 01:00", laffAt("2026-11-01T05:00:00Z"), laffRepeatFrom},
				{"the second pass of 01:00", laffRepeatFrom, laffRepeatTo},
				{"inside the repeated hour", laffAt("2026-11-01T05:30:00Z"), laffAt("2026-11-01T06:30:00Z")},
				{"empty", laffAt("2026-06-01T00:00:00Z"), laffAt("2026-06-02T00:00:00Z")},
			} {
				t.Run(tc.name, func(t *testing.T) {
					want := u.in(tc.from, tc.to)
					if want == 0 && tc.name != "empty" {
						t.Fatalf("the seed holds no record in the window")
					}
					served := laffServed(t, c, tc.from, tc.to)
					if len(served) != want {
						t.Fatalf("%d records served, the seed holds %d", len(served), want)
					}
					for id := range served {
						if at := u.start[id]; at < tc.from.UnixMilli() || at >= tc.to.UnixMilli() {
							t.Errorf("%s at %s served outside the window", id, time.UnixMilli(at).UTC())
						}
					}
					if tc.to.Sub(tc.from) <= lfclient.MaxWindow {
						if n, err := c.Count(ctx, tc.from, tc.to); err != nil || n != want {
							t.Errorf("second Count = %d, %v; want %d", n, err, want)
						}
						p, err := c.Page(ctx, tc.from, tc.to, lfclient.PageCount(want))
						if err != nil || len(p.Records) != 0 || p.TotalCount != want {
							t.Errorf("the page past the end: %d records of %d, %v", len(p.Records), p.TotalCount, err)
						}
					}
				})
			}
			// The laaffic records come back byte for byte as they were
			// ingested.
			served := laffServed(t, c, laffFrom, laffNow)
			for id, raw := range u.raws {
				if served[id] != raw {
					t.Errorf("%s: served\n %s\ningested\n %s", id, served[id], raw)
				}
			}
		})
	}
}

// The errors of a real cdrhub, by kind; none holds a secret.
func TestLaffClientErrors(t *testing.T) {
	sc := laffScenarios[0]
	loc := laffZone(t, sc.zone)
	u := newLaffUpstream(t, loc, 1000, 1000)
	day := laffAt("2026-03-01T00:00:00Z")
	for _, tc := range []struct {
		name     string
		edit     func(*lfclient.Config)
		from, to time.Time
		kind     lfclient.Kind
		code     string
	}{
		{"wrong secret", func(c *lfclient.Config) { c.APISecret = "not-the-secret" }, day, day.Add(time.Hour), lfclient.Auth, "-1"},
		{"unknown key", func(c *lfclient.Config) { c.APIKey = "nobody" }, day, day.Add(time.Hour), lfclient.Auth, "-1"},
		{"signed in the future", func(c *lfclient.Config) { c.Now = func() time.Time { return time.Now().Add(time.Hour) } }, day, day.Add(time.Hour), lfclient.Auth, "-16"},
		{"expired", func(c *lfclient.Config) { c.Now = func() time.Time { return time.Now().Add(-time.Hour) } }, day, day.Add(time.Hour), lfclient.Auth, "-16"},
		{"no such path", func(c *lfclient.Config) { c.Path = "/v3/voice/nothing" }, day, day.Add(time.Hour), lfclient.Invalid, ""},
		{"over 31 days", nil, day, day.Add(lfclient.MaxWindow + time.Second), lfclient.Invalid, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := laffClient(t, u.srv.URL, sc, loc, tc.edit).Count(context.Background(), tc.from, tc.to)
			e, ok := errors.AsType[*lfclient.Error](err)
			if !ok || e.Kind != tc.kind || e.Code != tc.code {
				t.Fatalf("Count: %v; want %v %q", err, tc.kind, tc.code)
			}
			if tc.name == "over 31 days" && !errors.Is(err, lfclient.ErrWindow) {
				t.Errorf("not refused before sending: %v", err)
			}
			if strings.Contains(err.Error(), laffSecret) {
				t.Errorf("the error %v holds the secret", err)
			}
		})
	}
}

// An Api-Key limited to one request a second, burst one: the second
// request in a row is Throttled, status -15.
func TestLaffClientThrottled(t *testing.T) {
	sc := laffScenarios[0]
	loc := laffZone(t, sc.zone)
	u := newLaffUpstream(t, loc, 1, 1)
	c := laffClient(t, u.srv.URL, sc, loc, nil)
	ctx := context.Background()
	day := laffAt("2026-03-01T00:00:00Z")
	if _, err := c.Count(ctx, day, day.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err := c.Page(ctx, day, day.Add(time.Hour), 0)
	e, ok := errors.AsType[*lfclient.Error](err)
	if !ok || e.Kind != lfclient.Throttled || e.Code != "-15" {
		t.Fatalf("second request: %v; want throttled", err)
	}
}

// laffLoop is a downstream store syncing acme's laaffic records from an
// endpoint.
type laffLoop struct {
	u     *laffUpstream
	down  storetest.Subject
	job   ingest.Job
	shift *time.Duration
	end   time.Time
	slept int
}

// newLaffLoop syncs through endpoint with a client in the upstream's
// zone and a decoder in the same zone, not the downstream tenant's own.
func newLaffLoop(t *testing.T, u *laffUpstream, sc laffScenario, endpoint string) *laffLoop {
	t.Helper()
	l := &laffLoop{u: u, down: storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 4}), shift: new(time.Duration)}
	// The client signs with the real clock (the upstream checks it) moved
	// a second on per run, so that each run's versions are newer.
	c := laffClient(t, endpoint, sc, u.loc, func(c *lfclient.Config) { c.Now = func() time.Time { return time.Now().Add(*l.shift) } })
	l.end = laffNow.Add(-time.Minute)
	l.job = ingest.Job{
		Tenant: cdr.MustTenantID("acme"), Source: cdr.SourceLaaffic, Client: c.Engine(),
		Decoder: mapping.NewFormats(mapping.Tenant{Location: u.loc}).Decoders[cdr.SourceLaaffic],
		Store:   l.down.Store, State: l.down.SyncState,
		From: laffFrom, Lookback: 300 * 24 * time.Hour, Settle: time.Minute,
		MaxWindowRecords: 40, // the dense days take several windows
		Now:              func() time.Time { return laffNow },
		Sleep:            func(ctx context.Context, d time.Duration) error { l.slept++; return nil },
	}
	return l
}

// run runs the job once; it must verify every window.
func (l *laffLoop) run(t *testing.T) ingest.Result {
	t.Helper()
	*l.shift += time.Second
	res, err := ingest.Run(context.Background(), l.job)
	if err != nil || res.Failed || res.Rejected != 0 {
		t.Fatalf("Run: %+v, %v", res, err)
	}
	if res.Checkpoint != l.end.UnixMilli() {
		t.Errorf("checkpoint %d, want %d", res.Checkpoint, l.end.UnixMilli())
	}
	for _, w := range res.Windows {
		if d := time.Duration(w.To-w.From) * time.Millisecond; d > lfclient.MaxWindow {
			t.Errorf("a window of %v", d)
		}
	}
	return res
}

// check: the downstream holds each served record exactly once, raw as
// served, at the instant the upstream holds it (wantStart); every audit
// row is verified. Read in the downstream tenant's own zone, the records
// would not be where they are.
func (l *laffLoop) check(t *testing.T, sc laffScenario, want map[string]string) {
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
	own := mapping.NewFormats(mapping.Tenant{Location: laffZone(t, sc.downZone)}).Decoders[cdr.SourceLaaffic]
	seen, misplaced := map[string]bool{}, 0
	for _, r := range recs {
		if r.Source != cdr.SourceLaaffic || r.Channel != cdr.ChannelVoice || seen[r.SourceID] {
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
		if at := l.u.wantStart(r.SourceID); full.StartAt != at {
			t.Errorf("%s: starts at %s, upstream at %s", r.SourceID, time.UnixMilli(full.StartAt).UTC(), time.UnixMilli(at).UTC())
		}
		if wrong, err := own.Decode(full.Raw); err == nil && wrong.StartAt != full.StartAt {
			misplaced++
		}
	}
	if misplaced != len(recs) {
		t.Errorf("read in %s, %d of %d records would be misplaced; want all", sc.downZone, misplaced, len(recs))
	}
	ws, err := l.down.SyncState.SyncWindows(ctx, acme, cdr.SourceLaaffic, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if w.Outcome != cdr.WindowVerified || w.ErrorCode != "" {
			t.Errorf("audit row %+v", w)
		}
	}
	if cp, err := l.down.SyncState.Checkpoint(ctx, acme, cdr.SourceLaaffic); err != nil || cp != l.end.UnixMilli() {
		t.Errorf("checkpoint %d, %v; want %d", cp, err, l.end.UnixMilli())
	}
}

// The closed loop: every record served arrives once, raw as served, where
// the upstream holds it; a second run writes nothing; a record changed
// upstream inside the look-back is updated.
func TestLaffSyncClosedLoop(t *testing.T) {
	for _, sc := range laffScenarios {
		t.Run(sc.zone, func(t *testing.T) {
			u := newLaffUpstream(t, laffZone(t, sc.zone), 1000, 1000)
			l := newLaffLoop(t, u, sc, u.srv.URL)
			direct := laffClient(t, u.srv.URL, sc, u.loc, nil)
			total := u.total()

			first := l.run(t)
			if first.Inserted != total || first.Updated != 0 || first.Unchanged != 0 {
				t.Errorf("first run: inserted %d, updated %d, unchanged %d; want %d inserted", first.Inserted, first.Updated, first.Unchanged, total)
			}
			if len(first.Windows) < 12 {
				t.Errorf("first run: %d windows; want the range in 31-day windows, the dense ones split", len(first.Windows))
			}
			served := laffServed(t, direct, l.job.From, l.end)
			if len(served) != total {
				t.Fatalf("the upstream serves %d records, holds %d", len(served), total)
			}
			l.check(t, sc, served)

			second := l.run(t)
			if second.Inserted != 0 || second.Updated != 0 || second.Unchanged != total {
				t.Errorf("second run: inserted %d, updated %d, unchanged %d; want all %d unchanged", second.Inserted, second.Updated, second.Unchanged, total)
			}

			// The laaffic record of the repeated hour changed upstream,
			// inside the look-back.
			raw := laffRaw("laff-sync-5", laffLocalStarts[5], "changed")
			if res, err := u.store.UpsertRecords(context.Background(), cdr.MustTenantID("acme"), []*cdr.Record{u.decode(t, raw)}, cdr.UpsertOptions{}); err != nil || res.Updated != 1 {
				t.Fatalf("upstream change: %+v, %v", res, err)
			}
			third := l.run(t)
			if third.Inserted != 0 || third.Updated != 1 || third.Unchanged != total-1 {
				t.Errorf("third run: inserted %d, updated %d, unchanged %d; want one updated", third.Inserted, third.Updated, third.Unchanged)
			}
			served = laffServed(t, direct, l.job.From, l.end)
			if served["laff-sync-5"] != raw {
				t.Errorf("the upstream serves %s", served["laff-sync-5"])
			}
			l.check(t, sc, served)
			if l.slept != 0 {
				t.Errorf("slept %d times without faults", l.slept)
			}
		})
	}
}

// The closed loop through a proxy that throttles (-15), answers 502,
// drops a connection and inserts records upstream while a window is
// read: the run retries, re-reads, and ends equal.
func TestLaffSyncFaults(t *testing.T) {
	for _, sc := range laffScenarios {
		t.Run(sc.zone, func(t *testing.T) {
			u := newLaffUpstream(t, laffZone(t, sc.zone), 1000, 1000)
			var mu sync.Mutex
			var window struct {
				Params struct {
					StrTime string `json:"strTime"`
				} `json:"params"`
			}
			inserted := 0
			pageOfWindow := func(n int, r *http.Request, body []byte) bool {
				mu.Lock()
				defer mu.Unlock()
				return n > 8 && strings.Contains(string(body), `"size":100`) && json.Unmarshal(body, &window) == nil
			}
			var late []string
			insert := func() {
				mu.Lock()
				inserted++
				id := fmt.Sprintf("late-%d", inserted)
				at, err := time.Parse(time.RFC3339, window.Params.StrTime)
				late = append(late, id)
				mu.Unlock()
				if err != nil {
					t.Error(err)
					return
				}
				u.insert(t, id, at)
			}
			throttled := []byte(`{"status":"-15","reason":"Query too frequently"}`)
			jsonType := http.Header{"Content-Type": {"application/json;charset=utf-8"}}
			p, err := faultproxy.New(u.srv.URL,
				faultproxy.Fault{Name: "throttled", When: faultproxy.Nth(2, 3), Action: faultproxy.Respond(200, jsonType, throttled)},
				faultproxy.Fault{Name: "502", When: faultproxy.Nth(5), Action: faultproxy.Respond(502, nil, []byte("bad gateway"))},
				faultproxy.Fault{Name: "dropped", When: faultproxy.Nth(7), Action: faultproxy.Drop()},
				faultproxy.Fault{Name: "inserted mid-window", When: faultproxy.Times(2, pageOfWindow), Action: faultproxy.Before(insert)},
			)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			l := newLaffLoop(t, u, sc, p.URL())
			res := l.run(t)
			for name, want := range map[string]int{"throttled": 2, "502": 1, "dropped": 1, "inserted mid-window": 2} {
				if got := p.Injected()[name]; got != want {
					t.Errorf("fault %q fired %d times, want %d", name, got, want)
				}
			}
			if l.slept < 4 {
				t.Errorf("%d retries, want one per throttled, 502 and dropped request", l.slept)
			}
			total := u.total()
			if res.Inserted != total {
				t.Errorf("inserted %d, the upstream holds %d", res.Inserted, total)
			}
			served := laffServed(t, laffClient(t, u.srv.URL, sc, u.loc, nil), l.job.From, l.end)
			if len(served) != total || len(late) != 2 {
				t.Fatalf("the upstream serves %d records, holds %d, %d inserted late", len(served), total, len(late))
			}
			for _, id := range late {
				if served[laffNativeID(id)] == "" {
					t.Errorf("%s is not served", id)
				}
			}
			l.check(t, sc, served)

			// Once the faults are gone, a run writes nothing new.
			p.SetFaults()
			if again := l.run(t); again.Inserted != 0 || again.Updated != 0 || again.Unchanged != total {
				t.Errorf("run after the faults: %+v; want all %d unchanged", again, total)
			}
		})
	}
}
