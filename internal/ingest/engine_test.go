package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/ingest"
	"github.com/cdrhub/cdrhub/internal/mapping"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

var (
	base   = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	tenant = cdr.MustTenantID("acme")
)

// fakeErr is a vendor error of a kind.
type fakeErr struct{ kind ingest.Kind }

func (e *fakeErr) Error() string { return "fake vendor: " + e.kind.String() }

// waitErr is a throttling error that says how long to wait.
type waitErr struct {
	fakeErr
	wait time.Duration
}

func (e *waitErr) RetryAfter() time.Duration { return e.wait }

// fake is a scripted vendor: records by start second, newest first in
// pages; fail, when set, answers each call (op "count" or "page") before
// the data does; onCount runs after every Count.
type fake struct {
	mu      sync.Mutex
	recs    []fakeRec
	size    int
	maxWin  time.Duration
	fail    func(op string, from, to time.Time) error
	onCount func(f *fake, from, to time.Time)
	calls   []string
	now     func() time.Time // the fetch time of pages
}

type fakeRec struct {
	at  int64 // Unix s
	raw json.RawMessage
}

func telCdr(id string, at time.Time, remark string) fakeRec {
	return fakeRec{at.Unix(), json.RawMessage(fmt.Sprintf(`{"SessionId":%q,"Caller":"13800001111","Callee":"02066668888","Time":%d,`+
		`"Direction":0,"CallType":2,"Duration":60,"EndStatus":1,"EndStatusString":"ok","Remark":%q}`, id, at.Unix(), remark))}
}

func (f *fake) in(from, to time.Time) []fakeRec {
	var out []fakeRec
	for _, r := range f.recs {
		if r.at >= from.Unix() && r.at < to.Unix() {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at > out[j].at })
	return out
}

func (f *fake) call(op string, from, to time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("%s %s-%s", op, from.Format("15:04:05"), to.Format("15:04:05")))
	if f.fail != nil {
		return f.fail(op, from, to)
	}
	return nil
}

func (f *fake) Count(ctx context.Context, from, to time.Time) (int, error) {
	if err := f.call("count", from, to); err != nil {
		return 0, err
	}
	f.mu.Lock()
	n := len(f.in(from, to))
	f.mu.Unlock()
	if f.onCount != nil {
		f.onCount(f, from, to)
	}
	return n, nil
}

func (f *fake) Page(ctx context.Context, from, to time.Time, n int) ([]json.RawMessage, int, time.Time, error) {
	if err := f.call("page", from, to); err != nil {
		return nil, 0, time.Time{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	all := f.in(from, to)
	var out []json.RawMessage
	for i := n * f.size; i < len(all) && i < (n+1)*f.size; i++ {
		out = append(out, all[i].raw)
	}
	return out, len(all), f.now(), nil
}

func (f *fake) PageSize() int            { return f.size }
func (f *fake) MaxWindow() time.Duration { return f.maxWin }
func (f *fake) Key(raw json.RawMessage) string {
	var v struct{ SessionId string }
	json.Unmarshal(raw, &v)
	return v.SessionId
}
func (f *fake) Kind(err error) ingest.Kind {
	if e, ok := errors.AsType[*fakeErr](err); ok {
		return e.kind
	}
	if e, ok := errors.AsType[*waitErr](err); ok {
		return e.kind
	}
	return 0
}

type env struct {
	store cdr.Store
	state cdr.SyncState
	f     *fake
	now   time.Time
	slept []time.Duration
}

func newEnv(t *testing.T, f *fake) *env {
	t.Helper()
	s := storetest.OpenSubject(t, sqlstore.Options{})
	e := &env{store: s.Store, state: s.SyncState, f: f, now: base.Add(2 * time.Hour)}
	f.now = func() time.Time { return e.now }
	return e
}

func (e *env) job() ingest.Job {
	return ingest.Job{
		Tenant: tenant, Source: cdr.SourceTencentCCC, Client: e.f,
		Decoder: mapping.NewFormats(mapping.Tenant{}).Decoders[cdr.SourceTencentCCC],
		Store:   e.store, State: e.state,
		From: base, Lookback: 10 * time.Minute, Settle: time.Minute,
		Now: func() time.Time { return e.now },
		Sleep: func(ctx context.Context, d time.Duration) error {
			e.slept = append(e.slept, d)
			return ctx.Err()
		},
	}
}

func (e *env) windows(t *testing.T) []cdr.SyncWindow {
	t.Helper()
	ws, err := e.state.SyncWindows(context.Background(), tenant, cdr.SourceTencentCCC, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func (e *env) checkpoint(t *testing.T) int64 {
	t.Helper()
	cp, err := e.state.Checkpoint(context.Background(), tenant, cdr.SourceTencentCCC)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func (e *env) lastError(t *testing.T) *cdr.SyncError {
	t.Helper()
	ss, err := e.state.SyncSources(context.Background(), tenant, time.Now())
	if err != nil || len(ss) != 1 {
		t.Fatalf("SyncSources: %v, %v", ss, err)
	}
	return ss[0].LastError
}

func (e *env) stored(t *testing.T) int {
	t.Helper()
	_, n, err := e.store.FindRecords(context.Background(), tenant, cdr.Filter{Count: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSplitsLargeWindows(t *testing.T) {
	f := &fake{size: 4, maxWin: time.Hour}
	for i := range 25 {
		f.recs = append(f.recs, telCdr(fmt.Sprintf("s%d", i), base.Add(time.Duration(i)*2*time.Minute), ""))
	}
	for i := range 12 { // twelve in one second: a one-second window is not split
		f.recs = append(f.recs, telCdr(fmt.Sprintf("tie%d", i), base.Add(50*time.Minute), ""))
	}
	e := newEnv(t, f)
	j := e.job()
	j.MaxWindowRecords = 10
	res, err := ingest.Run(context.Background(), j)
	if err != nil || res.Failed {
		t.Fatalf("Run: %+v, %v", res, err)
	}
	end := base.Add(2*time.Hour - time.Minute).UnixMilli()
	if res.Checkpoint != end || e.checkpoint(t) != end {
		t.Errorf("checkpoint %d (state %d), want %d", res.Checkpoint, e.checkpoint(t), end)
	}
	ws := e.windows(t)
	if !slices.EqualFunc(ws, res.Windows, func(a, b cdr.SyncWindow) bool { a.ID, b.ID = 0, 0; return a == b }) {
		t.Errorf("result windows differ from the audit rows")
	}
	at, total, oneSecond := base.UnixMilli(), 0, false
	for _, w := range ws {
		if w.From != at || w.Outcome != cdr.WindowVerified {
			t.Errorf("window %+v: want verified from %d", w, at)
		}
		at = w.To
		if w.VendorCount > 10 {
			if w.To-w.From != 1000 || w.VendorCount != 12 {
				t.Errorf("window %+v holds more than 10 records", w)
			}
			oneSecond = true
		}
		if w.Inserted != w.VendorCount || w.Pages != max(1, (w.VendorCount+3)/4) && w.VendorCount > 0 {
			t.Errorf("window %+v: inserted or pages wrong", w)
		}
		total += w.VendorCount
	}
	if at != end || total != 37 || !oneSecond || res.Inserted != 37 || e.stored(t) != 37 {
		t.Errorf("windows end at %d, count %d, one-second window %v, inserted %d, stored %d", at, total, oneSecond, res.Inserted, e.stored(t))
	}
}

func TestCountMovesFailsWindow(t *testing.T) {
	f := &fake{size: 4, maxWin: time.Hour}
	f.recs = []fakeRec{telCdr("a", base.Add(time.Minute), ""), telCdr("b", base.Add(65*time.Minute), "")}
	e := newEnv(t, f)
	ctx := context.Background()
	// A first run verifies everything up to 01:00 − settle.
	e.now = base.Add(time.Hour + time.Minute)
	if _, err := ingest.Run(ctx, e.job()); err != nil {
		t.Fatal(err)
	}
	cp := e.checkpoint(t)
	if cp != base.Add(time.Hour).UnixMilli() {
		t.Fatalf("checkpoint %d", cp)
	}
	// Then every count of the window after the look-back finds one more.
	e.now = base.Add(4 * time.Hour)
	n := 0
	f.onCount = func(f *fake, from, to time.Time) {
		n++
		f.recs = append(f.recs, telCdr(fmt.Sprintf("new%d", n), from, ""))
	}
	f.calls = nil
	res, err := ingest.Run(ctx, e.job())
	if err == nil || !res.Failed {
		t.Fatalf("Run: %+v, %v; want a failed window", res, err)
	}
	if got := e.checkpoint(t); got != cp || res.Checkpoint != cp {
		t.Errorf("checkpoint moved: %d (result %d), want %d", got, res.Checkpoint, cp)
	}
	if len(res.Windows) != 1 {
		t.Fatalf("windows %+v; want the one failed", res.Windows)
	}
	w := res.Windows[0]
	if w.Outcome != cdr.WindowFailed || w.ErrorCode != ingest.CodeCountMoved || w.From != cp-10*60*1000 {
		t.Errorf("window %+v", w)
	}
	counts := 0
	for _, c := range f.calls {
		if c[:5] == "count" {
			counts++
		}
		if c[len(c)-8:] != "01:50:00" {
			t.Errorf("call %q beyond the first window", c)
		}
	}
	if counts != 1+1+ingest.MaxRereads { // the first count, then one after each read
		t.Errorf("%d counts: %v", counts, f.calls)
	}
	if le := e.lastError(t); le == nil || le.Code != ingest.CodeCountMoved {
		t.Errorf("last error %+v", le)
	}
}

func TestThrottledRetried(t *testing.T) {
	f := &fake{size: 4, maxWin: 3 * time.Hour}
	f.recs = []fakeRec{telCdr("a", base.Add(time.Minute), "")}
	fails := 0
	f.fail = func(op string, from, to time.Time) error {
		if op == "page" && fails < 3 {
			fails++
			return &fakeErr{[]ingest.Kind{ingest.Throttled, ingest.Transient, ingest.Throttled}[fails-1]}
		}
		return nil
	}
	e := newEnv(t, f)
	j := e.job()
	j.BackoffBase, j.BackoffMax = time.Second, 3*time.Second
	res, err := ingest.Run(context.Background(), j)
	if err != nil || res.Failed || res.Inserted != 1 {
		t.Fatalf("Run: %+v, %v", res, err)
	}
	if len(e.slept) != 3 {
		t.Fatalf("slept %v; want three backoffs", e.slept)
	}
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second} {
		if d := e.slept[i]; d < want/2 || d > want {
			t.Errorf("backoff %d: %v, want in [%v, %v]", i, d, want/2, want)
		}
	}
	if le := e.lastError(t); le != nil {
		t.Errorf("last error %+v", le)
	}
}

func TestRetriesBounded(t *testing.T) {
	f := &fake{size: 4, maxWin: 3 * time.Hour}
	f.fail = func(string, time.Time, time.Time) error { return &fakeErr{ingest.Transient} }
	e := newEnv(t, f)
	j := e.job()
	j.Retries = 2
	res, err := ingest.Run(context.Background(), j)
	if err == nil || !res.Failed || len(e.slept) != 2 || len(f.calls) != 3 {
		t.Fatalf("Run: %+v, %v; slept %v, calls %v", res, err, e.slept, f.calls)
	}
	if w := e.windows(t); len(w) != 1 || w[0].ErrorCode != "transient" {
		t.Errorf("windows %+v", w)
	}
}

func TestAuthStops(t *testing.T) {
	f := &fake{size: 4, maxWin: time.Hour}
	f.fail = func(string, time.Time, time.Time) error { return &fakeErr{ingest.Auth} }
	e := newEnv(t, f)
	res, err := ingest.Run(context.Background(), e.job())
	if err == nil || !res.Failed || len(f.calls) != 1 || len(e.slept) != 0 {
		t.Fatalf("Run: %+v, %v; calls %v, slept %v", res, err, f.calls, e.slept)
	}
	if e.checkpoint(t) != 0 {
		t.Errorf("checkpoint %d", e.checkpoint(t))
	}
	if w := e.windows(t); len(w) != 1 || w[0].Outcome != cdr.WindowFailed || w[0].ErrorCode != "auth" {
		t.Errorf("windows %+v", w)
	}
	if le := e.lastError(t); le == nil || le.Code != "auth" {
		t.Errorf("last error %+v", le)
	}
}

// A record that cannot be kept is counted and logged; the run reads on,
// but the window fails and the checkpoint stays before it, with the
// source's error naming the record.
func TestRejectedRecordDoesNotStop(t *testing.T) {
	f := &fake{size: 4, maxWin: time.Hour}
	for i := range 6 {
		f.recs = append(f.recs, telCdr(fmt.Sprintf("s%d", i), base.Add(time.Duration(i)*time.Minute+90*time.Minute), ""))
	}
	f.recs = append(f.recs, fakeRec{base.Add(30 * time.Minute).Unix(), json.RawMessage(`{"SessionId":"broken","Time":"soon"}`)})
	e := newEnv(t, f)
	res, err := ingest.Run(context.Background(), e.job())
	if err != nil || !res.Failed {
		t.Fatalf("Run: %+v, %v; want it read to the end, failed", res, err)
	}
	if res.Rejected != 1 || res.Inserted != 6 || e.stored(t) != 6 {
		t.Errorf("rejected %d, inserted %d, stored %d", res.Rejected, res.Inserted, e.stored(t))
	}
	ws := e.windows(t)
	if w := ws[0]; w.Rejected != 1 || w.VendorCount != 1 || w.Outcome != cdr.WindowFailed || w.ErrorCode != "rejected" ||
		!strings.Contains(w.ErrorMessage, `"broken"`) {
		t.Errorf("window %+v", w)
	}
	if w := ws[1]; w.Outcome != cdr.WindowVerified || w.Inserted != 6 {
		t.Errorf("the next window %+v; want it read and verified", w)
	}
	if cp := e.checkpoint(t); cp != 0 {
		t.Errorf("checkpoint %d, want none: the first window failed", cp)
	}
	if le := e.lastError(t); le == nil || le.Code != "rejected" || !strings.Contains(le.Message, `"broken"`) {
		t.Errorf("last error %+v", le)
	}
}

func TestCancelKeepsCheckpoint(t *testing.T) {
	f := &fake{size: 4, maxWin: time.Hour}
	for i := range 20 {
		f.recs = append(f.recs, telCdr(fmt.Sprintf("s%d", i), base.Add(time.Duration(i)*6*time.Minute), ""))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.fail = func(op string, from, to time.Time) error {
		if op == "page" && !from.Before(base.Add(time.Hour)) {
			cancel()
			return ctx.Err()
		}
		return nil
	}
	e := newEnv(t, f)
	res, err := ingest.Run(ctx, e.job())
	if !errors.Is(err, context.Canceled) || res.Failed {
		t.Fatalf("Run: %+v, %v; want canceled", res, err)
	}
	want := base.Add(time.Hour).UnixMilli()
	if e.checkpoint(t) != want || res.Checkpoint != want {
		t.Errorf("checkpoint %d (result %d), want %d", e.checkpoint(t), res.Checkpoint, want)
	}
	if w := e.windows(t); len(w) != 1 || w[0].Outcome != cdr.WindowVerified {
		t.Errorf("windows %+v; want the first, verified", w)
	}
	// The next run picks up from the checkpoint less the look-back.
	f.fail = nil
	res, err = ingest.Run(context.Background(), e.job())
	if err != nil || res.Windows[0].From != want-10*60*1000 || e.stored(t) != 20 {
		t.Errorf("second run: %+v, %v, stored %d", res, err, e.stored(t))
	}
	if res.Unchanged != 1 || res.Inserted != 10 { // 00:54, in the look-back, is read again
		t.Errorf("second run: %+v", res)
	}
}

// A rate limit of 2 requests a second with bursts of 1 spaces the run's
// requests half a second apart on its clock.
func TestRateLimit(t *testing.T) {
	f := &fake{size: 4, maxWin: 20 * time.Minute}
	e := newEnv(t, f)
	j := e.job()
	j.RPS, j.Burst = 2, 1
	var at []time.Time
	f.fail = func(string, time.Time, time.Time) error { at = append(at, e.now); return nil }
	j.Sleep = func(ctx context.Context, d time.Duration) error { e.now = e.now.Add(d); return nil }
	start := e.now
	res, err := ingest.Run(context.Background(), j)
	if err != nil || res.Failed {
		t.Fatalf("Run: %+v, %v", res, err)
	}
	if len(at) < 10 {
		t.Fatalf("%d requests; want enough to measure", len(at))
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < 500*time.Millisecond {
			t.Errorf("request %d %v after the one before, want at least 500ms", i, gap)
		}
	}
	if took := e.now.Sub(start); took > time.Duration(len(at))*time.Second {
		t.Errorf("%d requests took %v: the limit waits too long", len(at), took)
	}
}

// A checkpoint older than what the vendor still serves (Oldest) starts
// the run at Oldest, and the checkpoint moves on from there: what lay
// between is gone from the vendor.
func TestOldestBoundsTheStart(t *testing.T) {
	f := &fake{size: 4, maxWin: 3 * time.Hour}
	f.recs = []fakeRec{telCdr("old", base.Add(-time.Hour), ""), telCdr("kept", base.Add(time.Hour), "")}
	e := newEnv(t, f)
	ctx := context.Background()
	old := cdr.SyncWindow{Source: cdr.SourceTencentCCC, From: base.Add(-3 * time.Hour).UnixMilli(), To: base.Add(-2 * time.Hour).UnixMilli(),
		StartedAt: 1, FinishedAt: 1, Outcome: cdr.WindowVerified}
	if err := e.state.RecordWindow(ctx, tenant, old, true); err != nil {
		t.Fatal(err)
	}
	j := e.job()
	j.Oldest = base
	res, err := ingest.Run(ctx, j)
	if err != nil || res.Failed || res.Inserted != 1 {
		t.Fatalf("Run: %+v, %v", res, err)
	}
	if end := e.now.Add(-time.Minute).UnixMilli(); e.checkpoint(t) != end {
		t.Errorf("checkpoint %d, want %d", e.checkpoint(t), end)
	}
	if ws := e.windows(t); ws[1].From != base.UnixMilli() {
		t.Errorf("the run started at %d, want Oldest %d", ws[1].From, base.UnixMilli())
	}
}

// A vendor that says how long to wait is waited for at least that long,
// at most BackoffMax.
func TestRetryAfterHonoured(t *testing.T) {
	f := &fake{size: 4, maxWin: 3 * time.Hour}
	waits := []time.Duration{7 * time.Second, 10 * time.Minute, 0}
	n := 0
	f.fail = func(op string, from, to time.Time) error {
		if n < len(waits) {
			n++
			return &waitErr{fakeErr{ingest.Throttled}, waits[n-1]}
		}
		return nil
	}
	e := newEnv(t, f)
	j := e.job()
	j.BackoffBase, j.BackoffMax = time.Second, time.Minute
	if res, err := ingest.Run(context.Background(), j); err != nil || res.Failed {
		t.Fatalf("Run: %+v, %v", res, err)
	}
	if len(e.slept) != 3 || e.slept[0] != 7*time.Second || e.slept[1] != time.Minute || e.slept[2] > 4*time.Second {
		t.Errorf("slept %v; want 7s (asked), 1m (asked 10m, capped), then the backoff alone", e.slept)
	}
}
