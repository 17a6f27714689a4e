package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/clocktest"
	"github.com/cdrhub/cdrhub/internal/ingest"
	"github.com/cdrhub/cdrhub/internal/metrics"
)

var (
	me      = cdr.LeaseHolder{ID: "me", Host: "host-a", PID: 100}
	sibling = cdr.LeaseHolder{ID: "sibling", Host: "host-a", PID: 200}
	remote  = cdr.LeaseHolder{ID: "remote", Host: "host-b", PID: 200}
)

// runnerEnv is a runner over one source of the fake vendor, its clock
// fake; waits of the lease renewal and gauge loops (LeaseRenew) last until
// their context ends, other waits move the clock.
func runnerEnv(t *testing.T, f *fake) (*env, *ingest.Runner, *clocktest.Clock, *metrics.Registry) {
	t.Helper()
	e := newEnv(t, f)
	c := clocktest.New(e.now)
	f.now = c.Now
	reg := metrics.NewRegistry()
	j := e.job()
	j.Now, j.Sleep = nil, nil
	r := &ingest.Runner{
		Sources: []ingest.Source{{Job: j, Enabled: true, Interval: 5 * time.Minute, Horizon: 180 * 24 * time.Hour, HorizonWarning: 24 * time.Hour}},
		State:   e.state, Holder: me, Metrics: ingest.NewMetrics(reg, cdr.SourceTencentCCC),
		LeaseRenew: 5 * time.Second, Now: c.Now,
		Sleep: func(ctx context.Context, d time.Duration) error {
			if d == 5*time.Second {
				<-ctx.Done()
				return ctx.Err()
			}
			c.Add(d)
			return ctx.Err()
		},
	}
	return e, r, c, reg
}

func counter(t *testing.T, reg *metrics.Registry, series string) string {
	t.Helper()
	var b strings.Builder
	reg.WriteTo(&b)
	for line := range strings.Lines(b.String()) {
		if name, v, ok := strings.Cut(strings.TrimSpace(line), " "); ok && name == series {
			return v
		}
	}
	return "absent"
}

func TestRunOnceRecordsTheRun(t *testing.T) {
	f := &fake{size: 4, maxWin: time.Hour}
	for i := range 9 {
		f.recs = append(f.recs, telCdr(fmt.Sprintf("s%d", i), base.Add(time.Duration(i)*7*time.Minute), ""))
	}
	e, r, c, reg := runnerEnv(t, f)
	res, err := r.RunOnce(context.Background(), r.Sources[0])
	if err != nil || res.Failed || res.Inserted != 9 {
		t.Fatalf("RunOnce: %+v, %v", res, err)
	}
	st, err := r.Status(context.Background(), tenant)
	if err != nil || len(st) != 1 {
		t.Fatalf("Status: %+v, %v", st, err)
	}
	s := st[0]
	end := c.Now().Add(-time.Minute).Truncate(time.Second).UnixMilli()
	if s.Tenant != "acme" || s.Source != "tencent_ccc" || !s.Enabled || s.State != ingest.StateIdle || s.Checkpoint != end ||
		s.Records.Inserted != 9 || s.WindowsVerified != int64(len(res.Windows)) ||
		s.LastRun == nil || s.LastRun.Outcome != "ok" || s.LastRun.Error != nil || s.LastRun.StartedAt != c.Now().UnixMilli() {
		t.Errorf("status %+v (last run %+v)", s, s.LastRun)
	}
	// The oldest record not verified is at the checkpoint; the vendor
	// keeps it 180 days from then.
	if h := s.Horizon; h == nil || h.OldestUnverifiedAt != end || h.ExpiresAt != end+180*24*3600*1000 || h.HoursLeft < 4319 || h.HoursLeft > 4320 {
		t.Errorf("horizon %+v", s.Horizon)
	}
	// The lease is released: another process may take it at once.
	if _, ok, err := e.state.AcquireLease(context.Background(), tenant, cdr.SourceTencentCCC, remote, time.Second, c.Now()); err != nil || !ok {
		t.Errorf("the lease after the run: %v %v", ok, err)
	}
	for series, want := range map[string]string{
		`cdrhub_sync_runs_total{outcome="ok",vendor="tencent_ccc"}`:         "1",
		`cdrhub_sync_runs_total{outcome="failed",vendor="tencent_ccc"}`:     "0",
		`cdrhub_sync_records_total{class="inserted",vendor="tencent_ccc"}`:  "9",
		`cdrhub_sync_records_total{class="unchanged",vendor="tencent_ccc"}`: "0",
		`cdrhub_sync_requests_total{outcome="ok",vendor="tencent_ccc"}`:     fmt.Sprint(len(f.calls)),
	} {
		if got := counter(t, reg, series); got != want {
			t.Errorf("%s = %s, want %s", series, got, want)
		}
	}
}

func TestRunOnceLease(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		holder cdr.LeaseHolder
		alive  bool
		runs   bool
	}{
		{"another host's process", remote, false, false},
		{"a live process of this host", sibling, true, false},
		{"a process of this host that is gone", sibling, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{size: 4, maxWin: time.Hour}
			e, r, c, _ := runnerEnv(t, f)
			var asked []int
			r.Alive = func(pid int) bool { asked = append(asked, pid); return tt.alive }
			if _, ok, err := e.state.AcquireLease(ctx, tenant, cdr.SourceTencentCCC, tt.holder, 15*time.Second, c.Now()); err != nil || !ok {
				t.Fatal(ok, err)
			}
			_, err := r.RunOnce(ctx, r.Sources[0])
			if tt.runs {
				if err != nil || len(f.calls) == 0 {
					t.Errorf("RunOnce: %v, calls %v; want the lease taken over and a run", err, f.calls)
				}
			} else if !errors.Is(err, ingest.ErrLeaseHeld) || len(f.calls) != 0 || !strings.Contains(err.Error(), tt.holder.Host) {
				t.Errorf("RunOnce: %v, calls %v; want ErrLeaseHeld naming the holder and nothing sent", err, f.calls)
			}
			if tt.holder.Host != me.Host && len(asked) != 0 {
				t.Errorf("asked whether pids %v of another host run", asked)
			}
		})
	}
}

// leaseThief steals the lease from the runner once the run has counted its
// first window; the run then waits in a backoff until the renewal, having
// found the lease gone, cancels it.
func TestLostLeaseCancelsTheRun(t *testing.T) {
	f := &fake{size: 4, maxWin: time.Hour}
	for i := range 9 {
		f.recs = append(f.recs, telCdr(fmt.Sprintf("s%d", i), base.Add(time.Duration(i)*7*time.Minute), ""))
	}
	e, r, c, _ := runnerEnv(t, f)
	stolen := make(chan struct{})
	f.fail = func(op string, from, to time.Time) error {
		if op == "count" {
			select {
			case <-stolen:
			default:
				if ok, err := e.state.TakeOverLease(context.Background(), tenant, cdr.SourceTencentCCC, me, remote, time.Minute, c.Now()); !ok || err != nil {
					t.Errorf("steal: %v %v", ok, err)
				}
				close(stolen)
			}
			return nil
		}
		return &fakeErr{ingest.Transient}
	}
	r.Sleep = func(ctx context.Context, d time.Duration) error {
		if d == 5*time.Second { // the renewal: once the lease is stolen
			select {
			case <-stolen:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		select { // a backoff: until the run is canceled, or far too long
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Second):
			t.Error("the run was not canceled")
			return nil
		}
	}
	res, err := r.RunOnce(context.Background(), r.Sources[0])
	if err == nil || !strings.Contains(err.Error(), "lease lost") || res.Checkpoint != 0 {
		t.Fatalf("RunOnce: %+v, %v; want the lease lost", res, err)
	}
	st, _ := r.Status(context.Background(), tenant)
	if len(st) != 1 || st[0].LastRun == nil || st[0].LastRun.Outcome != "canceled" || st[0].Checkpoint != 0 || st[0].State != ingest.StateRunning {
		t.Errorf("status %+v; want the run canceled and the thief running", st)
	}
}

func TestLoopSchedule(t *testing.T) {
	f := &fake{size: 4, maxWin: time.Hour}
	_, r, c, _ := runnerEnv(t, f)
	disabled := r.Sources[0]
	disabled.Enabled, disabled.Job.Source = false, cdr.SourceAliyunCCC
	r.Sources = append(r.Sources, disabled)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var waits []time.Duration
	runs := 0
	r.Sleep = func(ctx context.Context, d time.Duration) error {
		if d == 5*time.Second {
			<-ctx.Done()
			return ctx.Err()
		}
		mu.Lock()
		defer mu.Unlock()
		waits = append(waits, d)
		if runs++; runs > 40 {
			cancel()
		}
		c.Add(d)
		return ctx.Err()
	}
	done := make(chan struct{})
	go func() { r.Loop(ctx); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Loop did not end when its context did")
	}
	if waits[0] < 0 || waits[0] >= 10*time.Second {
		t.Errorf("first run after %v, want within 10s", waits[0])
	}
	lo, hi := 5*time.Minute, time.Duration(0)
	for _, w := range waits[1:] {
		lo, hi = min(lo, w), max(hi, w)
		if w < 270*time.Second || w > 330*time.Second {
			t.Errorf("a wait of %v: want 5m ± 10%%", w)
		}
	}
	if hi-lo < 10*time.Second {
		t.Errorf("waits from %v to %v over %d runs: want them spread by the jitter", lo, hi, len(waits)-1)
	}
	st, _ := r.Status(context.Background(), tenant)
	if len(st) != 2 || st[0].Source != "aliyun_ccc" || st[0].State != ingest.StateStopped || st[0].LastRun != nil || st[1].State != ingest.StateIdle {
		t.Errorf("status %+v: want the disabled source stopped and never run", st)
	}
}

func TestLoopStopsSourceOnAuth(t *testing.T) {
	f := &fake{size: 4, maxWin: time.Hour}
	f.fail = func(string, time.Time, time.Time) error { return &fakeErr{ingest.Auth} }
	_, r, _, reg := runnerEnv(t, f)
	done := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { r.Loop(ctx); close(done) }()
	deadline := time.After(30 * time.Second)
	for {
		st, err := r.Status(context.Background(), tenant)
		if err == nil && len(st) == 1 && st[0].State == ingest.StateFailed {
			if st[0].LastRun == nil {
				t.Fatalf("failed without a last run: %+v", st[0])
			}
			if st[0].LastRun == nil {
				t.Fatalf("failed without a last run: %+v", st[0])
			}
			if e := st[0].LastRun.Error; e == nil || e.Code != "auth" {
				t.Errorf("last error %+v, want auth", e)
			}
			break
		}
		select {
		case <-deadline:
			t.Fatalf("no failed state: %+v %v", st, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	<-done
	if n := len(f.calls); n != 1 {
		t.Errorf("%d requests after an authentication error, want the source stopped after 1", n)
	}
	if got := counter(t, reg, `cdrhub_sync_requests_total{outcome="auth",vendor="tencent_ccc"}`); got != "1" {
		t.Errorf("auth requests %s, want 1", got)
	}
}

func TestRunNow(t *testing.T) {
	f := &fake{size: 4, maxWin: time.Hour}
	for i := range 5 {
		f.recs = append(f.recs, telCdr(fmt.Sprintf("n%d", i), base.Add(time.Duration(i)*9*time.Minute), ""))
	}
	_, r, _, _ := runnerEnv(t, f)
	disabled := r.Sources[0]
	disabled.Enabled, disabled.Job.Source = false, cdr.SourceAliyunCCC
	r.Sources = append(r.Sources, disabled)
	// Loop's own runs never come: every wait lasts until its context ends.
	r.Sleep = func(ctx context.Context, d time.Duration) error {
		<-ctx.Done()
		return ctx.Err()
	}
	if err := r.RunNow(tenant, cdr.SourceTencentCCC); cdr.ErrorCode(err) != cdr.EUNAVAILABLE {
		t.Fatalf("RunNow without Loop: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Loop(ctx); close(done) }()
	var err error
	for range 200 {
		if err = r.RunNow(tenant, cdr.SourceTencentCCC); cdr.ErrorCode(err) != cdr.EUNAVAILABLE {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("RunNow: %v", err)
	}
	for src, code := range map[cdr.Source]string{cdr.SourceAliyunCCC: cdr.EINVALID, cdr.SourceLaaffic: cdr.ENOTFOUND} {
		if err := r.RunNow(tenant, src); cdr.ErrorCode(err) != code {
			t.Errorf("RunNow(%s): %v, want %s", src, err, code)
		}
	}
	if err := r.RunNow(cdr.MustTenantID("other"), cdr.SourceTencentCCC); cdr.ErrorCode(err) != cdr.ENOTFOUND {
		t.Errorf("RunNow of another tenant's source: %v", err)
	}
	var st []ingest.SourceStatus
	for range 400 {
		st, _ = r.Status(context.Background(), tenant)
		if len(st) > 0 && st[len(st)-1].LastRun != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	s := st[len(st)-1]
	if s.Source != "tencent_ccc" || s.LastRun == nil || s.LastRun.Outcome != "ok" || s.Records.Inserted != 5 {
		t.Fatalf("the run on request: %+v", s)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Loop did not end")
	}
}
