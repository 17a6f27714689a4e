package httpserver_test

// The sync engine's Alibaba CCC client (internal/ingest/aliyunccc)
// against cdrhub's own ListCallDetailRecords (internal/api/aliyunccc),
// served here because only the listener may import an API
// (internal/layout): the client's windows and errors, and the closed loop
// into a second store, with and without faults.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/faultproxy"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/ingest"
	aliclient "github.com/cdrhub/cdrhub/internal/ingest/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/mapping"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

const (
	aliKeyID, aliSecret = "LTAIsyncEXAMPLE", "ali-sync-secret"
	aliOtherKeyID       = "LTAIotherEXAMPLE"
	aliInstance         = "ccc-acme"
	aliOtherInstance    = "ccc-other"
)

// The seed's range and the runs' clock: records from 2026-10-01 over five
// hours; the runs read up to aliNow − a minute.
var (
	aliBase = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	aliNow  = aliBase.Add(6 * time.Hour)
)

// aliUpstream is cdrhub serving ListCallDetailRecords over a real store,
// and the start (ms) of every voice record of acme by the ContactId it is
// served with.
type aliUpstream struct {
	srv   *httptest.Server
	store cdr.Store
	mu    sync.Mutex
	start map[string]int64
	raws  map[string]string // the Alibaba records as ingested
}

// newAliUpstream serves acme (aliInstance) and other, at rps and burst,
// with acme's records of seed.
func newAliUpstream(t *testing.T, rps float64, burst int) *aliUpstream {
	t.Helper()
	store := storetest.Open(t, sqlstore.Options{CacheMiB: 4})
	api, err := aliyunccc.New(store, []aliyunccc.Tenant{
		{ID: cdr.MustTenantID("acme"), InstanceID: aliInstance, RPS: rps, Burst: burst,
			Credentials: []aliyunccc.Credential{{AccessKeyID: aliKeyID, AccessKeySecret: aliSecret}}},
		{ID: cdr.MustTenantID("other"), InstanceID: aliOtherInstance, RPS: rps, Burst: burst,
			Credentials: []aliyunccc.Credential{{AccessKeyID: aliOtherKeyID, AccessKeySecret: aliSecret}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	u := &aliUpstream{store: store, start: map[string]int64{}, raws: map[string]string{},
		srv: httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: store}, nil, slog.New(slog.DiscardHandler), httpserver.APIs{AliyunCCC: api}))}
	t.Cleanup(u.srv.Close)
	u.seed(t)
	return u
}

// aliDecoder is the aliyun_ccc decoder of a tenant whose InstanceId is
// aliInstance, upstream and downstream.
func aliDecoder() mapping.Decoder {
	return mapping.NewFormats(mapping.Tenant{AliyunCCCInstanceID: aliInstance}).Decoders[cdr.SourceAliyunCCC]
}

// aliNative is a native voice record of acme.
func aliNative(id string, at int64) *cdr.Record {
	return &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: id, StartAt: at,
		Direction: cdr.DirectionOutbound, Disposition: cdr.DispositionAnswered,
		Caller: cdr.Party{Address: "+86 21 6666 8888"}, Callee: cdr.Party{Address: "+86 139 0000 0001"}}
}

// aliRaw is an Alibaba CallDetailRecord starting at ms.
func aliRaw(id string, ms int64, reason string) string {
	return fmt.Sprintf(`{"AgentIds":"agent@ccc-acme","AgentNames":"Ann","CallDuration":"60","CalledNumber":"02166668888",`+
		`"CallingNumber":"13800001111","ContactDisposition":"Success","ContactId":"%s","ContactType":"Inbound",`+
		`"EstablishedTime":%d,"InstanceId":"ccc-acme","ReleaseInitiator":"customer","ReleaseReason":"%s","ReleaseTime":%d,`+
		`"RingTime":5,"SkillGroupIds":"sales@ccc-acme","SkillGroupNames":"Sales","StartTime":%d,"TalkTime":55}`,
		id, ms+5000, reason, ms+60000, ms)
}

// contactID is the ContactId a record is served with.
func (u *aliUpstream) contactID(t *testing.T, rec *cdr.Record) string {
	t.Helper()
	if rec.Source == cdr.SourceAliyunCCC {
		return rec.SourceID
	}
	r := *rec
	if err := r.Prepare(cdr.MustTenantID("acme"), 1); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// seed writes, for acme: 300 native voice records a minute apart, five
// of them sharing one instant, and one on each side of each hour mark, a
// millisecond apart; 7 Alibaba records (raw CallDetailRecord); an rtc
// record, never listed. And a native voice record for tenant other,
// never acme's.
func (u *aliUpstream) seed(t *testing.T) {
	t.Helper()
	var recs []*cdr.Record
	for i := range 300 {
		at := aliBase.Add(time.Duration(i) * time.Minute).UnixMilli()
		if i >= 100 && i < 105 {
			at = aliBase.Add(100 * time.Minute).UnixMilli() // ties
		}
		recs = append(recs, aliNative(fmt.Sprintf("n%d", i), at+1500))
	}
	for h := 1; h <= 4; h++ {
		mark := aliBase.Add(time.Duration(h) * time.Hour).UnixMilli()
		recs = append(recs, aliNative(fmt.Sprintf("before-%d", h), mark-1), aliNative(fmt.Sprintf("at-%d", h), mark))
	}
	for i := range 7 {
		id := fmt.Sprintf("job-sync-%d", i)
		raw := aliRaw(id, aliBase.UnixMilli()+int64(i)*1700_000+30_000, "r")
		rec, err := aliDecoder().Decode(json.RawMessage(raw))
		if err != nil {
			t.Fatal(err)
		}
		u.raws[id] = raw
		recs = append(recs, rec)
	}
	for _, r := range recs {
		u.start[u.contactID(t, r)] = r.StartAt
	}
	recs = append(recs, &cdr.Record{Channel: cdr.ChannelRTC, Source: cdr.SourceNative, SourceID: "rtc", StartAt: aliBase.UnixMilli() + 5000})
	ctx := context.Background()
	if _, err := u.store.UpsertRecords(ctx, cdr.MustTenantID("acme"), recs, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.store.UpsertRecords(ctx, cdr.MustTenantID("other"), []*cdr.Record{aliNative("other", aliBase.UnixMilli()+1000)}, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
}

// insert writes a native voice record of acme upstream.
func (u *aliUpstream) insert(t *testing.T, id string, at int64) {
	t.Helper()
	rec := aliNative(id, at)
	if _, err := u.store.UpsertRecords(context.Background(), cdr.MustTenantID("acme"), []*cdr.Record{rec}, cdr.UpsertOptions{}); err != nil {
		t.Error(err)
		return
	}
	u.mu.Lock()
	u.start[u.contactID(t, aliNative(id, at))] = at
	u.mu.Unlock()
}

// in is the number of acme's voice records in [from, to).
func (u *aliUpstream) in(from, to time.Time) int {
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

func (u *aliUpstream) total() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.start)
}

func aliClient(t *testing.T, endpoint string, edit func(*aliclient.Config)) *aliclient.Client {
	t.Helper()
	cfg := aliclient.Config{Endpoint: endpoint, AccessKeyID: aliKeyID, AccessKeySecret: aliSecret, InstanceID: aliInstance, Timeout: 10 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := aliclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// aliServed is every record c lists in [from, to), a window of under
// MaxWindow, by ContactId: each must come once, the pages in order of
// StartTime, TotalCount on the first page only.
func aliServed(t *testing.T, c *aliclient.Client, from, to time.Time) map[string]string {
	t.Helper()
	ctx := context.Background()
	n, err := c.Count(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	last := int64(0)
	for number := range aliclient.PageCount(n) {
		p, err := c.Page(ctx, from, to, number)
		if err != nil {
			t.Fatalf("page %d: %v", number, err)
		}
		if want := map[bool]int{true: n, false: 0}[number == 0]; p.TotalCount != want || p.FetchedAt.IsZero() || p.RequestID == "" {
			t.Errorf("page %d: total %d (want %d), fetched %v, RequestId %q", number, p.TotalCount, want, p.FetchedAt, p.RequestID)
		}
		if want := min(aliclient.PageSize, n-number*aliclient.PageSize); len(p.Records) != want {
			t.Errorf("page %d: %d records, want %d", number, len(p.Records), want)
		}
		for i, rec := range p.Records {
			var info struct {
				ContactId string
				StartTime int64
			}
			if err := json.Unmarshal(rec, &info); err != nil || info.ContactId == "" {
				t.Fatalf("page %d record %d: %s (%v)", number, i, rec, err)
			}
			if _, dup := out[info.ContactId]; dup {
				t.Errorf("%s listed twice", info.ContactId)
			}
			if info.StartTime < last {
				t.Errorf("%s at %d listed after %d: not ascending", info.ContactId, info.StartTime, last)
			}
			last = info.StartTime
			out[info.ContactId] = string(rec)
		}
	}
	if len(out) != n {
		t.Errorf("[%s, %s): %d records in the pages, count %d", from, to, len(out), n)
	}
	return out
}

// Count, then every page, then Count again, as the engine will: the count
// is the window's voice records, each comes exactly once, wherever the
// bounds fall (a millisecond either side of an hour mark); the page past
// the end is empty; the longest window is accepted.
func TestAliClientWindows(t *testing.T) {
	u := newAliUpstream(t, 1000, 1000)
	c := aliClient(t, u.srv.URL, nil)
	ctx := context.Background()
	mark := aliBase.Add(time.Hour)
	for _, tc := range []struct {
		name     string
		from, to time.Time
	}{
		{"everything", aliBase.Add(-time.Hour), aliNow},
		{"the longest window", aliNow.Add(-aliclient.MaxWindow + time.Second), aliNow},
		{"the hour before a mark", mark.Add(-time.Hour), mark},
		{"the hour from a mark", mark, mark.Add(time.Hour)},
		{"the millisecond before a mark", mark.Add(-time.Millisecond), mark},
		{"the second from a mark", mark, mark.Add(time.Second)},
		{"the ties' second", aliBase.Add(100*time.Minute + time.Second), aliBase.Add(100*time.Minute + 2*time.Second)},
		{"empty", aliBase.Add(-24 * time.Hour), aliBase.Add(-time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := u.in(tc.from, tc.to)
			if want == 0 && tc.name != "empty" {
				t.Fatalf("the seed holds no record in the window")
			}
			served := aliServed(t, c, tc.from, tc.to)
			if len(served) != want {
				t.Fatalf("%d records served, the seed holds %d", len(served), want)
			}
			for id := range served {
				if at := u.start[id]; at < tc.from.UnixMilli() || at >= tc.to.UnixMilli() {
					t.Errorf("%s at %s served outside the window", id, time.UnixMilli(at).UTC())
				}
			}
			if n, err := c.Count(ctx, tc.from, tc.to); err != nil || n != want {
				t.Errorf("second Count = %d, %v; want %d", n, err, want)
			}
			p, err := c.Page(ctx, tc.from, tc.to, aliclient.PageCount(want))
			if err != nil || len(p.Records) != 0 {
				t.Errorf("the page past the end: %d records, %v", len(p.Records), err)
			}
		})
	}
	// The Alibaba records come back byte for byte as they were ingested.
	served := aliServed(t, c, aliBase.Add(-time.Hour), aliNow)
	for id, raw := range u.raws {
		if served[id] != raw {
			t.Errorf("%s: served\n %s\ningested\n %s", id, served[id], raw)
		}
	}
}

// The errors of a real cdrhub, by kind; none holds the secret.
func TestAliClientErrors(t *testing.T) {
	u := newAliUpstream(t, 1000, 1000)
	hour := aliBase.Add(time.Hour)
	for _, tc := range []struct {
		name string
		edit func(*aliclient.Config)
		kind aliclient.Kind
		code string
	}{
		{"wrong secret", func(c *aliclient.Config) { c.AccessKeySecret = "not-the-secret" }, aliclient.Auth, "SignatureDoesNotMatch"},
		{"unknown key", func(c *aliclient.Config) { c.AccessKeyID = "LTAInobody" }, aliclient.Auth, "InvalidAccessKeyId.NotFound"},
		{"signed in the future", func(c *aliclient.Config) { c.Now = func() time.Time { return time.Now().Add(time.Hour) } }, aliclient.Auth, "InvalidTimeStamp.Expired"},
		{"signed long ago", func(c *aliclient.Config) { c.Now = func() time.Time { return time.Now().Add(-time.Hour) } }, aliclient.Auth, "InvalidTimeStamp.Expired"},
		{"another tenant's instance", func(c *aliclient.Config) { c.InstanceID = aliOtherInstance }, aliclient.Invalid, "NotExists.InstanceId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := aliClient(t, u.srv.URL, tc.edit).Count(context.Background(), hour, hour.Add(time.Hour))
			e, ok := errors.AsType[*aliclient.Error](err)
			if !ok || e.Kind != tc.kind || e.Code != tc.code || e.RequestID == "" {
				t.Fatalf("Count: %v; want %v %q with a RequestId", err, tc.kind, tc.code)
			}
			if strings.Contains(err.Error(), aliSecret) {
				t.Errorf("the error %v holds the secret", err)
			}
		})
	}
}

// An AccessKey limited to one request a second, burst one: the second
// request in a row is Throttled, Throttling.User.
func TestAliClientThrottled(t *testing.T) {
	u := newAliUpstream(t, 1, 1)
	c := aliClient(t, u.srv.URL, nil)
	ctx := context.Background()
	hour := aliBase.Add(time.Hour)
	if _, err := c.Count(ctx, hour, hour.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err := c.Page(ctx, hour, hour.Add(time.Hour), 0)
	e, ok := errors.AsType[*aliclient.Error](err)
	if !ok || e.Kind != aliclient.Throttled || e.Code != "Throttling.User" || e.Status != http.StatusBadRequest {
		t.Fatalf("second request: %v; want throttled", err)
	}
}

// aliLoop is a downstream store syncing acme's records from an endpoint.
type aliLoop struct {
	u     *aliUpstream
	down  storetest.Subject
	job   ingest.Job
	shift *time.Duration
	end   time.Time
	slept int
}

// newAliLoop syncs through endpoint, windows split above maxRecords.
func newAliLoop(t *testing.T, u *aliUpstream, endpoint string, maxRecords int) *aliLoop {
	t.Helper()
	l := &aliLoop{u: u, down: storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 4}), shift: new(time.Duration)}
	// The client signs with the real clock (the upstream checks it) moved
	// a second on per run, so that each run's versions are newer.
	c := aliClient(t, endpoint, func(c *aliclient.Config) { c.Now = func() time.Time { return time.Now().Add(*l.shift) } })
	l.end = aliNow.Add(-time.Minute)
	l.job = ingest.Job{
		Tenant: cdr.MustTenantID("acme"), Source: cdr.SourceAliyunCCC, Client: c.Engine(),
		Decoder: aliDecoder(), Store: l.down.Store, State: l.down.SyncState,
		From: aliBase.Add(-time.Hour), Lookback: 8 * time.Hour, Settle: time.Minute,
		MaxWindowRecords: maxRecords,
		Now:              func() time.Time { return aliNow },
		Sleep:            func(ctx context.Context, d time.Duration) error { l.slept++; return nil },
	}
	return l
}

// run runs the job once; it must verify every window, none over the
// job's MaxWindowRecords.
func (l *aliLoop) run(t *testing.T) ingest.Result {
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
		if w.VendorCount > l.job.MaxWindowRecords {
			t.Errorf("window [%d, %d) of %d records, over %d", w.From, w.To, w.VendorCount, l.job.MaxWindowRecords)
		}
	}
	return res
}

// check: the downstream holds each served record exactly once, raw as
// served, at the instant the upstream holds it; every audit row is
// verified.
func (l *aliLoop) check(t *testing.T, want map[string]string) {
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
		if r.Source != cdr.SourceAliyunCCC || r.Channel != cdr.ChannelVoice || seen[r.SourceID] {
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
		l.u.mu.Lock()
		at := l.u.start[r.SourceID]
		l.u.mu.Unlock()
		if full.StartAt != at {
			t.Errorf("%s: starts at %d, upstream at %d", r.SourceID, full.StartAt, at)
		}
	}
	ws, err := l.down.SyncState.SyncWindows(ctx, acme, cdr.SourceAliyunCCC, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if w.Outcome != cdr.WindowVerified || w.ErrorCode != "" {
			t.Errorf("audit row %+v", w)
		}
	}
	if cp, err := l.down.SyncState.Checkpoint(ctx, acme, cdr.SourceAliyunCCC); err != nil || cp != l.end.UnixMilli() {
		t.Errorf("checkpoint %d, %v; want %d", cp, err, l.end.UnixMilli())
	}
}

// The closed loop, windows capped at 60 records as MaxWindowRecords caps
// them at 10,000 (a window of more cannot be paged): the range is split
// and every record arrives once, raw as served; a second run writes
// nothing; a record changed upstream inside the look-back is updated.
func TestAliSyncClosedLoop(t *testing.T) {
	u := newAliUpstream(t, 1000, 1000)
	l := newAliLoop(t, u, u.srv.URL, 60)
	direct := aliClient(t, u.srv.URL, nil)
	total := u.total()

	first := l.run(t)
	if first.Inserted != total || first.Updated != 0 || first.Unchanged != 0 {
		t.Errorf("first run: inserted %d, updated %d, unchanged %d; want %d inserted", first.Inserted, first.Updated, first.Unchanged, total)
	}
	if least := (total + 59) / 60; len(first.Windows) < least {
		t.Errorf("first run: %d windows; want at least %d, the range split", len(first.Windows), least)
	}
	served := aliServed(t, direct, l.job.From, l.end)
	if len(served) != total {
		t.Fatalf("the upstream serves %d records, holds %d", len(served), total)
	}
	l.check(t, served)

	second := l.run(t)
	if second.Inserted != 0 || second.Updated != 0 || second.Unchanged != total {
		t.Errorf("second run: inserted %d, updated %d, unchanged %d; want all %d unchanged", second.Inserted, second.Updated, second.Unchanged, total)
	}

	// An Alibaba record changed upstream, inside the look-back.
	raw := aliRaw("job-sync-3", aliBase.UnixMilli()+3*1700_000+30_000, "changed")
	rec, err := aliDecoder().Decode(json.RawMessage(raw))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := u.store.UpsertRecords(context.Background(), cdr.MustTenantID("acme"), []*cdr.Record{rec}, cdr.UpsertOptions{}); err != nil || res.Updated != 1 {
		t.Fatalf("upstream change: %+v, %v", res, err)
	}
	third := l.run(t)
	if third.Inserted != 0 || third.Updated != 1 || third.Unchanged != total-1 {
		t.Errorf("third run: inserted %d, updated %d, unchanged %d; want one updated", third.Inserted, third.Updated, third.Unchanged)
	}
	served = aliServed(t, direct, l.job.From, l.end)
	if served["job-sync-3"] != raw {
		t.Errorf("the upstream serves %s", served["job-sync-3"])
	}
	l.check(t, served)
	if l.slept != 0 {
		t.Errorf("slept %d times without faults", l.slept)
	}
}

// The closed loop through a proxy that throttles (Throttling.User, 400),
// answers 502, drops a connection and inserts records upstream while a
// window of several pages is read: the run retries, re-reads, and ends
// equal.
func TestAliSyncFaults(t *testing.T) {
	u := newAliUpstream(t, 1000, 1000)
	var mu sync.Mutex
	var late []string
	// windowStart is the StartTime of a page request of a whole page.
	windowStart := func(r *http.Request) (int64, bool) {
		q := r.URL.Query()
		at, err := strconv.ParseInt(q.Get("StartTime"), 10, 64)
		return at, err == nil && q.Get("PageSize") == "100"
	}
	pageOfWindow := func(n int, r *http.Request, body []byte) bool {
		_, ok := windowStart(r)
		return n > 8 && ok
	}
	var lastStart int64
	remember := func(n int, r *http.Request, body []byte) bool {
		if at, ok := windowStart(r); ok {
			mu.Lock()
			lastStart = at
			mu.Unlock()
		}
		return false
	}
	insert := func() {
		mu.Lock()
		id := fmt.Sprintf("late-%d", len(late)+1)
		late = append(late, id)
		at := lastStart
		mu.Unlock()
		u.insert(t, id, at)
	}
	throttled := []byte(`{"RequestId":"F00D","HostId":"ccc.cn-shanghai.aliyuncs.com","Code":"Throttling.User","Message":"Request was denied due to user flow control.","Recommend":"","HttpStatusCode":400}`)
	header := http.Header{"Content-Type": {"application/json;charset=utf-8"}, "X-Ratelimit-User": {"Limit:20,Remain:0,TimeLeft:50,Reset:1"}}
	p, err := faultproxy.New(u.srv.URL,
		faultproxy.Fault{Name: "remember", When: remember},
		faultproxy.Fault{Name: "throttled", When: faultproxy.Nth(2, 3), Action: faultproxy.Respond(400, header, throttled)},
		faultproxy.Fault{Name: "502", When: faultproxy.Nth(5), Action: faultproxy.Respond(502, nil, []byte("bad gateway"))},
		faultproxy.Fault{Name: "dropped", When: faultproxy.Nth(7), Action: faultproxy.Drop()},
		faultproxy.Fault{Name: "inserted mid-window", When: faultproxy.Times(2, pageOfWindow), Action: faultproxy.Before(insert)},
	)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	l := newAliLoop(t, u, p.URL(), 250) // windows of several pages
	res := l.run(t)
	for name, want := range map[string]int{"throttled": 2, "502": 1, "dropped": 1, "inserted mid-window": 2} {
		if got := p.Injected()[name]; got != want {
			t.Errorf("fault %q fired %d times, want %d", name, got, want)
		}
	}
	if l.slept < 4 {
		t.Errorf("%d retries, want one per throttled, 502 and dropped request", l.slept)
	}
	multi := 0
	for _, w := range res.Windows {
		if w.Pages > 1 {
			multi++
		}
	}
	if multi == 0 {
		t.Errorf("no window of several pages in %+v", res.Windows)
	}
	total := u.total()
	if res.Inserted != total {
		t.Errorf("inserted %d, the upstream holds %d", res.Inserted, total)
	}
	served := aliServed(t, aliClient(t, u.srv.URL, nil), l.job.From, l.end)
	if len(served) != total || len(late) != 2 {
		t.Fatalf("the upstream serves %d records, holds %d, %d inserted late", len(served), total, len(late))
	}
	l.check(t, served)

	// Once the faults are gone, a run writes nothing new.
	p.SetFaults()
	if again := l.run(t); again.Inserted != 0 || again.Updated != 0 || again.Unchanged != total {
		t.Errorf("run after the faults: %+v; want all %d unchanged", again, total)
	}
}
