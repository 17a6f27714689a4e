package ingest

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpx/httpxtest"
	"github.com/cdrhub/cdrhub/internal/metrics"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// The horizon alarm, on an injected clock: logged once when the oldest
// unverified record comes within HorizonWarning of its expiry at the
// vendor, not again while it lasts, once more when a run moves the
// checkpoint on; the horizon gauge follows.
func TestHorizonAlarm(t *testing.T) {
	s := storetest.OpenSubject(t, sqlstore.Options{})
	ctx := context.Background()
	acme := cdr.MustTenantID("acme")
	cp := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	record := func(to time.Time) {
		t.Helper()
		w := cdr.SyncWindow{Source: cdr.SourceTencentCCC, From: to.Add(-time.Hour).UnixMilli(), To: to.UnixMilli(),
			StartedAt: to.UnixMilli(), FinishedAt: to.UnixMilli(), Outcome: cdr.WindowVerified}
		if err := s.SyncState.RecordWindow(ctx, acme, w, true); err != nil {
			t.Fatal(err)
		}
		if err := s.SyncState.RecordRun(ctx, acme, cdr.SourceTencentCCC, cdr.SyncRun{StartedAt: w.StartedAt, FinishedAt: w.FinishedAt, Outcome: cdr.RunOK}); err != nil {
			t.Fatal(err)
		}
	}
	record(cp)
	now := cp
	var logs httpxtest.Buffer
	reg := metrics.NewRegistry()
	r := &Runner{State: s.SyncState, Now: func() time.Time { return now }, Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Metrics: NewMetrics(reg, cdr.SourceTencentCCC),
		Sources: []Source{{Job: Job{Tenant: acme, Source: cdr.SourceTencentCCC}, Enabled: true, Horizon: 10 * time.Hour, HorizonWarning: 2 * time.Hour}}}
	count := func(msg string) int { return strings.Count(logs.String(), `"msg":"`+msg+`"`) }
	gauge := func() float64 { return r.Metrics.horizon.With("tencent_ccc").Value() }
	for _, step := range []struct {
		at              time.Duration // after the checkpoint
		warned, healed  int
		horizonLeftSecs float64
	}{
		{7 * time.Hour, 0, 0, 3 * 3600},
		{8*time.Hour + 30*time.Minute, 1, 0, 1.5 * 3600},
		{9 * time.Hour, 1, 0, 3600},
		{9*time.Hour + 59*time.Minute, 1, 0, 60},
	} {
		now = cp.Add(step.at)
		r.refresh(ctx)
		if count("sync horizon near: records not yet verified expire at the vendor soon") != step.warned || count("sync horizon recovered") != step.healed {
			t.Errorf("at +%v: logs\n%s", step.at, logs.String())
		}
		if g := gauge(); g != step.horizonLeftSecs {
			t.Errorf("at +%v: horizon gauge %v, want %v", step.at, g, step.horizonLeftSecs)
		}
	}
	record(now) // a run verifies up to now
	r.refresh(ctx)
	if count("sync horizon recovered") != 1 || count("sync horizon near: records not yet verified expire at the vendor soon") != 1 {
		t.Errorf("after a run: logs\n%s", logs.String())
	}
	if g := gauge(); g != 10*3600 {
		t.Errorf("horizon gauge %v after the run, want 36000", g)
	}
}
