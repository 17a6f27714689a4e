package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

const minute = int64(60_000)

// window returns a verified audit row of the window [from, to) of source.
func window(source cdr.Source, from, to int64) cdr.SyncWindow {
	return cdr.SyncWindow{
		Source: source, From: from, To: to,
		VendorCount: 7, Pages: 2, Inserted: 3, Updated: 2, Unchanged: 1, Rejected: 1,
		StartedAt: to + 1000, FinishedAt: to + 2500, Outcome: cdr.WindowVerified,
	}
}

func checkpoint(t *testing.T, s cdr.SyncState, tn cdr.TenantID, source cdr.Source) int64 {
	t.Helper()
	cp, err := s.Checkpoint(ctx, tn, source)
	if err != nil {
		t.Fatalf("Checkpoint(%s, %s): %v", tn, source, err)
	}
	return cp
}

func record(t *testing.T, s cdr.SyncState, tn cdr.TenantID, w cdr.SyncWindow, advance bool) {
	t.Helper()
	if err := s.RecordWindow(ctx, tn, w, advance); err != nil {
		t.Fatalf("RecordWindow(%+v, %v): %v", w, advance, err)
	}
}

func windows(t *testing.T, s cdr.SyncState, tn cdr.TenantID, source cdr.Source, after int64, limit int) []cdr.SyncWindow {
	t.Helper()
	ws, err := s.SyncWindows(ctx, tn, source, after, limit)
	if err != nil {
		t.Fatalf("SyncWindows: %v", err)
	}
	return ws
}

// sources returns tn's sources' status at base.
func sources(t *testing.T, s cdr.SyncState, tn cdr.TenantID) []cdr.SyncStatus {
	t.Helper()
	st, err := s.SyncSources(ctx, tn, time.UnixMilli(base))
	if err != nil {
		t.Fatalf("SyncSources: %v", err)
	}
	return st
}

// testSyncCheckpoint: the checkpoint starts at 0 and only moves forward,
// only with advance; every window leaves its audit row, listed in the
// order recorded; nothing of it is another tenant's.
func testSyncCheckpoint(t *testing.T, s cdr.SyncState) {
	src := cdr.SourceTencentCCC
	if cp := checkpoint(t, s, tenant, src); cp != 0 {
		t.Fatalf("initial checkpoint %d, want 0", cp)
	}
	if st := sources(t, s, tenant); len(st) != 0 {
		t.Fatalf("sources before any window: %+v", st)
	}

	w1 := window(src, base, base+minute)
	record(t, s, tenant, w1, true)
	if cp := checkpoint(t, s, tenant, src); cp != w1.To {
		t.Fatalf("checkpoint %d after the first window, want %d", cp, w1.To)
	}
	// Read but not advanced: the audit row only.
	w2 := window(src, base+minute, base+2*minute)
	record(t, s, tenant, w2, false)
	if cp := checkpoint(t, s, tenant, src); cp != w1.To {
		t.Errorf("checkpoint %d after a window without advance, want %d", cp, w1.To)
	}
	// A failed window is audited with its error and cannot advance.
	w3 := window(src, base+minute, base+2*minute)
	w3.Outcome, w3.ErrorCode, w3.ErrorMessage = cdr.WindowFailed, "count_mismatch", "vendor reported 7, read 6"
	record(t, s, tenant, w3, false)
	if err := s.RecordWindow(ctx, tenant, w3, true); cdr.ErrorCode(err) != cdr.EINVALID {
		t.Errorf("advancing with a failed window: %v, want invalid", err)
	}
	w4 := window(src, base+minute, base+3*minute)
	record(t, s, tenant, w4, true)
	// An earlier window re-read and verified never moves it back.
	w5 := window(src, base, base+minute)
	record(t, s, tenant, w5, true)
	if cp := checkpoint(t, s, tenant, src); cp != w4.To {
		t.Errorf("checkpoint %d after re-reading an earlier window, want %d", cp, w4.To)
	}

	got := windows(t, s, tenant, src, 0, 0)
	want := []cdr.SyncWindow{w1, w2, w3, w4, w5}
	if len(got) != len(want) {
		t.Fatalf("%d audit rows, want %d: %+v", len(got), len(want), got)
	}
	for i := range got {
		if i > 0 && got[i].ID <= got[i-1].ID {
			t.Errorf("audit row %d has id %d after %d", i, got[i].ID, got[i-1].ID)
		}
		want[i].ID = got[i].ID
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit rows (-want +got):\n%s", diff)
	}
	// Pages of the list follow the ids.
	page := windows(t, s, tenant, src, got[1].ID, 2)
	if diff := cmp.Diff(want[2:4], page); diff != "" {
		t.Errorf("page after the second row (-want +got):\n%s", diff)
	}
	if _, err := s.SyncWindows(ctx, tenant, src, 0, cdr.MaxSyncWindows+1); cdr.ErrorCode(err) != cdr.EINVALID {
		t.Errorf("limit over the bound: %v, want invalid", err)
	}

	// Another source of the tenant, and the status of both.
	a := window(cdr.SourceAliyunCCC, base, base+5*minute)
	record(t, s, tenant, a, true)
	wantStatus := []cdr.SyncStatus{
		{Source: cdr.SourceAliyunCCC, Checkpoint: a.To, WindowsVerified: 1, LastWindow: &a,
			Records: cdr.SyncCounts{Inserted: 3, Updated: 2, Unchanged: 1, Rejected: 1}},
		// The counts are over every window, verified or failed.
		{Source: src, Checkpoint: w4.To, WindowsVerified: 4, LastWindow: &want[4],
			Records: cdr.SyncCounts{Inserted: 15, Updated: 10, Unchanged: 5, Rejected: 5}},
	}
	st := sources(t, s, tenant)
	if len(st) == 2 {
		a.ID = st[0].LastWindow.ID
	}
	if diff := cmp.Diff(wantStatus, st); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}

	// Another tenant sees none of it, and its own state is its own.
	if cp := checkpoint(t, s, other, src); cp != 0 {
		t.Errorf("the other tenant's checkpoint %d, want 0", cp)
	}
	if ws := windows(t, s, other, src, 0, 0); len(ws) != 0 {
		t.Errorf("the other tenant's audit rows: %+v", ws)
	}
	if st := sources(t, s, other); len(st) != 0 {
		t.Errorf("the other tenant's sources: %+v", st)
	}
	o := window(src, base, base+10*minute)
	record(t, s, other, o, true)
	if cp := checkpoint(t, s, tenant, src); cp != w4.To {
		t.Errorf("checkpoint %d after the other tenant's window, want %d", cp, w4.To)
	}
	if ws := windows(t, s, tenant, src, 0, 0); len(ws) != 5 {
		t.Errorf("%d audit rows after the other tenant's window, want 5", len(ws))
	}

	// Windows the state cannot keep.
	bad := []func(w *cdr.SyncWindow){
		func(w *cdr.SyncWindow) { w.Source = cdr.SourceNative },
		func(w *cdr.SyncWindow) { w.Source = "nope" },
		func(w *cdr.SyncWindow) { w.To = w.From },
		func(w *cdr.SyncWindow) { w.Inserted = -1 },
		func(w *cdr.SyncWindow) { w.FinishedAt = w.StartedAt - 1 },
		func(w *cdr.SyncWindow) { w.Outcome = "done" },
		func(w *cdr.SyncWindow) { w.ErrorMessage = string(make([]byte, cdr.MaxSyncMessageLen+1)) },
	}
	for i, f := range bad {
		w := window(src, base+10*minute, base+20*minute)
		f(&w)
		if err := s.RecordWindow(ctx, tenant, w, false); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("bad window %d: %v, want invalid", i, err)
		}
	}
	if ws := windows(t, s, tenant, src, 0, 0); len(ws) != 5 {
		t.Errorf("%d audit rows after refused windows, want 5", len(ws))
	}
}

// testSyncErrors: a source's last error is set, replaced and cleared, and
// never another tenant's.
func testSyncErrors(t *testing.T, s cdr.SyncState) {
	src := cdr.SourceTencentCCC
	e1 := cdr.SyncError{Code: "auth", Message: "AuthFailure.SignatureFailure", At: base}
	if err := s.SetSyncError(ctx, tenant, src, e1); err != nil {
		t.Fatal(err)
	}
	want := []cdr.SyncStatus{{Source: src, LastError: &e1}}
	if diff := cmp.Diff(want, sources(t, s, tenant)); diff != "" {
		t.Errorf("after an error (-want +got):\n%s", diff)
	}
	if st := sources(t, s, other); len(st) != 0 {
		t.Errorf("the other tenant sees %+v", st)
	}
	// The other tenant's error and its clearing leave ours alone.
	e2 := cdr.SyncError{Code: "rate_limited", Message: "RequestLimitExceeded", At: base + 1}
	if err := s.SetSyncError(ctx, other, src, e2); err != nil {
		t.Fatal(err)
	}
	if err := s.ClearSyncError(ctx, other, src); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, sources(t, s, tenant)); diff != "" {
		t.Errorf("after the other tenant's error (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]cdr.SyncStatus{{Source: src}}, sources(t, s, other)); diff != "" {
		t.Errorf("the other tenant's cleared error (-want +got):\n%s", diff)
	}
	// A window keeps the error; a new error replaces it; clearing removes
	// it, and clearing again or where there is none is no error.
	w := window(src, base, base+minute)
	record(t, s, tenant, w, true)
	if err := s.SetSyncError(ctx, tenant, src, e2); err != nil {
		t.Fatal(err)
	}
	st := sources(t, s, tenant)
	if len(st) != 1 || st[0].LastError == nil || *st[0].LastError != e2 || st[0].Checkpoint != w.To {
		t.Fatalf("after a window and a second error: %+v", st)
	}
	for range 2 {
		if err := s.ClearSyncError(ctx, tenant, src); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.ClearSyncError(ctx, tenant, cdr.SourceLaaffic); err != nil {
		t.Errorf("clearing a source without state: %v", err)
	}
	st = sources(t, s, tenant)
	if len(st) != 1 || st[0].LastError != nil || st[0].Checkpoint != w.To || st[0].WindowsVerified != 1 {
		t.Errorf("after clearing: %+v", st)
	}
	for _, e := range []cdr.SyncError{{Message: "no code"}, {Code: "x", Message: string(make([]byte, cdr.MaxSyncMessageLen+1))}, {Code: "\xff"}} {
		if err := s.SetSyncError(ctx, tenant, src, e); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("SetSyncError(%.20q): %v, want invalid", e.Code, err)
		}
	}
}

// testSyncRuns: the last run replaces the one before; a source with a
// live lease is listed, with its lease, before it has any other state;
// nothing of it is another tenant's.
func testSyncRuns(t *testing.T, s cdr.SyncState) {
	src := cdr.SourceTencentCCC
	h := cdr.LeaseHolder{ID: "h1", Host: "host-a", PID: 42}
	l, ok, err := s.AcquireLease(ctx, tenant, src, h, 15*time.Second, time.UnixMilli(base-time.Second.Milliseconds()))
	if err != nil || !ok {
		t.Fatalf("AcquireLease: %v %v", ok, err)
	}
	want := []cdr.SyncStatus{{Source: src, Lease: &l}}
	if diff := cmp.Diff(want, sources(t, s, tenant)); diff != "" {
		t.Errorf("with a live lease only (-want +got):\n%s", diff)
	}
	if st := sources(t, s, other); len(st) != 0 {
		t.Errorf("the other tenant sees %+v", st)
	}
	late, err := s.SyncSources(ctx, tenant, time.UnixMilli(l.ExpiresAt))
	if err != nil || len(late) != 0 {
		t.Errorf("at the lease's expiry: %+v %v, want no source", late, err)
	}

	r1 := cdr.SyncRun{StartedAt: base, FinishedAt: base + 900, Outcome: cdr.RunFailed}
	r2 := cdr.SyncRun{StartedAt: base + 1000, FinishedAt: base + 1000, Outcome: cdr.RunOK}
	for _, r := range []cdr.SyncRun{r1, r2} {
		if err := s.RecordRun(ctx, tenant, src, r); err != nil {
			t.Fatalf("RecordRun(%+v): %v", r, err)
		}
	}
	want = []cdr.SyncStatus{{Source: src, LastRun: &r2, Lease: &l}}
	if diff := cmp.Diff(want, sources(t, s, tenant)); diff != "" {
		t.Errorf("after two runs (-want +got):\n%s", diff)
	}
	if st := sources(t, s, other); len(st) != 0 {
		t.Errorf("the other tenant sees %+v", st)
	}
	for _, r := range []cdr.SyncRun{
		{StartedAt: base, FinishedAt: base - 1, Outcome: cdr.RunOK},
		{StartedAt: -1, FinishedAt: base, Outcome: cdr.RunOK},
		{StartedAt: base, FinishedAt: base, Outcome: "done"},
	} {
		if err := s.RecordRun(ctx, tenant, src, r); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("RecordRun(%+v): %v, want invalid", r, err)
		}
	}
	if err := s.RecordRun(ctx, tenant, cdr.SourceNative, r1); cdr.ErrorCode(err) != cdr.EINVALID {
		t.Errorf("RecordRun of the native source: %v, want invalid", err)
	}
	if diff := cmp.Diff(want, sources(t, s, tenant)); diff != "" {
		t.Errorf("after refused runs (-want +got):\n%s", diff)
	}
}

// testSyncLeases: a lease is acquired when free or expired, refused while
// another holds it, renewed and released only by its holder, taken over
// only from the named holder; each tenant's leases are its own.
func testSyncLeases(t *testing.T, s cdr.SyncState) {
	src := cdr.SourceTencentCCC
	ttl := 15 * time.Second
	now := time.UnixMilli(base)
	a := cdr.LeaseHolder{ID: "host-a/101/x1", Host: "host-a", PID: 101}
	b := cdr.LeaseHolder{ID: "host-b/202/y2", Host: "host-b", PID: 202}
	c := cdr.LeaseHolder{ID: "host-a/303/z3", Host: "host-a", PID: 303}
	acquire := func(h cdr.LeaseHolder, at time.Time) (cdr.Lease, bool) {
		t.Helper()
		l, ok, err := s.AcquireLease(ctx, tenant, src, h, ttl, at)
		if err != nil {
			t.Fatalf("AcquireLease(%s): %v", h.ID, err)
		}
		return l, ok
	}
	must := func(what string, ok bool, err error, want bool) {
		t.Helper()
		if err != nil || ok != want {
			t.Errorf("%s: %v, %v; want %v", what, ok, err, want)
		}
	}

	// Free: a takes it.
	l, ok := acquire(a, now)
	if want := (cdr.Lease{Holder: a, AcquiredAt: base, ExpiresAt: base + 15000}); !ok || l != want {
		t.Fatalf("acquire when free: %+v %v, want %+v", l, ok, want)
	}
	// Held and unexpired: b is refused and told who holds it.
	l, ok = acquire(b, now.Add(14*time.Second))
	if want := (cdr.Lease{Holder: a, AcquiredAt: base, ExpiresAt: base + 15000}); ok || l != want {
		t.Errorf("acquire while held: %+v %v, want %+v refused", l, ok, want)
	}
	// a acquiring again extends its lease and keeps the time it took it.
	l, ok = acquire(a, now.Add(5*time.Second))
	if want := (cdr.Lease{Holder: a, AcquiredAt: base, ExpiresAt: base + 20000}); !ok || l != want {
		t.Errorf("acquire by the holder: %+v %v, want %+v", l, ok, want)
	}
	// Renew: only the holder, the whole holder.
	ok, err := s.RenewLease(ctx, tenant, src, b, ttl, now.Add(10*time.Second))
	must("renew by another", ok, err, false)
	samePIDOtherID := cdr.LeaseHolder{ID: "host-a/101/other", Host: a.Host, PID: a.PID}
	ok, err = s.RenewLease(ctx, tenant, src, samePIDOtherID, ttl, now.Add(10*time.Second))
	must("renew by another id", ok, err, false)
	ok, err = s.RenewLease(ctx, tenant, src, a, ttl, now.Add(10*time.Second))
	must("renew by the holder", ok, err, true)
	// Expiry is now 25s: b is refused at 24.999s, gets it at 25s.
	if _, ok := acquire(b, now.Add(25*time.Second-time.Millisecond)); ok {
		t.Error("acquired a lease a millisecond before it expired")
	}
	l, ok = acquire(b, now.Add(25*time.Second))
	if want := (cdr.Lease{Holder: b, AcquiredAt: base + 25000, ExpiresAt: base + 40000}); !ok || l != want {
		t.Errorf("acquire after expiry: %+v %v, want %+v", l, ok, want)
	}
	// a lost it: it can neither renew nor release it.
	ok, err = s.RenewLease(ctx, tenant, src, a, ttl, now.Add(26*time.Second))
	must("renew by the old holder", ok, err, false)
	ok, err = s.ReleaseLease(ctx, tenant, src, a)
	must("release by the old holder", ok, err, false)
	if l, _ := acquire(c, now.Add(27*time.Second)); l.Holder != b {
		t.Errorf("holder %+v after refused renew and release, want b", l.Holder)
	}
	// Take-over only from the named holder: from a (no longer holding) or
	// from a b of another pid fails; from b itself succeeds, unexpired.
	ok, err = s.TakeOverLease(ctx, tenant, src, a, c, ttl, now.Add(28*time.Second))
	must("take over from a non-holder", ok, err, false)
	ok, err = s.TakeOverLease(ctx, tenant, src, cdr.LeaseHolder{ID: b.ID, Host: b.Host, PID: 999}, c, ttl, now.Add(28*time.Second))
	must("take over from a holder of another pid", ok, err, false)
	ok, err = s.TakeOverLease(ctx, tenant, src, b, c, ttl, now.Add(28*time.Second))
	must("take over from the holder", ok, err, true)
	l, ok = acquire(b, now.Add(29*time.Second))
	if want := (cdr.Lease{Holder: c, AcquiredAt: base + 28000, ExpiresAt: base + 43000}); ok || l != want {
		t.Errorf("after the take-over: %+v %v, want %+v held by c", l, ok, want)
	}
	// Release only by the holder; then the lease is free at once.
	ok, err = s.ReleaseLease(ctx, tenant, src, b)
	must("release by another", ok, err, false)
	ok, err = s.ReleaseLease(ctx, tenant, src, c)
	must("release by the holder", ok, err, true)
	ok, err = s.ReleaseLease(ctx, tenant, src, c)
	must("release twice", ok, err, false)
	ok, err = s.RenewLease(ctx, tenant, src, c, ttl, now.Add(30*time.Second))
	must("renew after release", ok, err, false)
	if _, ok := acquire(a, now.Add(30*time.Second)); !ok {
		t.Error("lease not free after its release")
	}

	// Each tenant's and each source's lease is its own.
	l, ok, err = s.AcquireLease(ctx, other, src, b, ttl, now.Add(31*time.Second))
	if err != nil || !ok || l.Holder != b {
		t.Errorf("the other tenant's lease of the same source: %+v %v %v", l, ok, err)
	}
	l, ok, err = s.AcquireLease(ctx, tenant, cdr.SourceAliyunCCC, b, ttl, now.Add(31*time.Second))
	if err != nil || !ok || l.Holder != b {
		t.Errorf("another source's lease: %+v %v %v", l, ok, err)
	}
	ok, err = s.ReleaseLease(ctx, other, src, a)
	must("release of the other tenant's lease by our holder", ok, err, false)
	ok, err = s.TakeOverLease(ctx, other, src, a, c, ttl, now.Add(31*time.Second))
	must("take over in the other tenant from our holder", ok, err, false)
	ok, err = s.RenewLease(ctx, tenant, src, a, ttl, now.Add(32*time.Second))
	must("renew ours after the other tenant's", ok, err, true)
	ok, err = s.ReleaseLease(ctx, other, src, b)
	must("release of the other tenant's lease", ok, err, true)
	if l, ok := acquire(b, now.Add(33*time.Second)); ok || l.Holder != a {
		t.Errorf("our lease after the other tenant's release: %+v %v", l, ok)
	}

	// Terms the store refuses.
	for i, f := range []func() error{
		func() error {
			_, _, err := s.AcquireLease(ctx, tenant, src, cdr.LeaseHolder{Host: "h"}, ttl, now)
			return err
		},
		func() error { _, _, err := s.AcquireLease(ctx, tenant, src, a, 0, now); return err },
		func() error { _, _, err := s.AcquireLease(ctx, tenant, cdr.SourceNative, a, ttl, now); return err },
		func() error { _, err := s.RenewLease(ctx, tenant, src, a, -time.Second, now); return err },
		func() error {
			_, err := s.TakeOverLease(ctx, tenant, src, a, cdr.LeaseHolder{ID: "x", PID: -1}, ttl, now)
			return err
		},
	} {
		if err := f(); cdr.ErrorCode(err) != cdr.EINVALID {
			t.Errorf("bad lease call %d: %v, want invalid", i, err)
		}
	}
}

// testSyncLeaseRace: holders asking for a free lease at once get it
// exactly once.
func testSyncLeaseRace(t *testing.T, s cdr.SyncState) {
	now := time.UnixMilli(base)
	var wg sync.WaitGroup
	won := make(chan cdr.LeaseHolder, 8)
	for i := range cap(won) {
		h := cdr.LeaseHolder{ID: fmt.Sprint("racer-", i), Host: "host", PID: 1000 + i}
		wg.Go(func() {
			_, ok, err := s.AcquireLease(ctx, tenant, cdr.SourceLaaffic, h, 15*time.Second, now)
			if err != nil {
				t.Errorf("AcquireLease(%s): %v", h.ID, err)
			}
			if ok {
				won <- h
			}
		})
	}
	wg.Wait()
	close(won)
	var winners []cdr.LeaseHolder
	for h := range won {
		winners = append(winners, h)
	}
	if len(winners) != 1 {
		t.Fatalf("%d holders got the lease: %+v", len(winners), winners)
	}
	l, ok, err := s.AcquireLease(ctx, tenant, cdr.SourceLaaffic, cdr.LeaseHolder{ID: "late"}, 15*time.Second, now)
	if err != nil || ok || l.Holder != winners[0] {
		t.Errorf("after the race: %+v %v %v, want held by %+v", l, ok, err, winners[0])
	}
}

// testSyncZeroTenant: every method refuses the zero tenant.
func testSyncZeroTenant(t *testing.T, s cdr.SyncState) {
	var zero cdr.TenantID
	src := cdr.SourceTencentCCC
	h := cdr.LeaseHolder{ID: "h", Host: "host", PID: 1}
	now := time.UnixMilli(base)
	calls := map[string]func() error{
		"Checkpoint":     func() error { _, err := s.Checkpoint(ctx, zero, src); return err },
		"RecordWindow":   func() error { return s.RecordWindow(ctx, zero, window(src, base, base+minute), true) },
		"SyncWindows":    func() error { _, err := s.SyncWindows(ctx, zero, src, 0, 0); return err },
		"SetSyncError":   func() error { return s.SetSyncError(ctx, zero, src, cdr.SyncError{Code: "x", At: base}) },
		"ClearSyncError": func() error { return s.ClearSyncError(ctx, zero, src) },
		"SyncSources":    func() error { _, err := s.SyncSources(ctx, zero, now); return err },
		"RecordRun": func() error {
			return s.RecordRun(ctx, zero, src, cdr.SyncRun{StartedAt: base, FinishedAt: base, Outcome: cdr.RunOK})
		},
		"AcquireLease":  func() error { _, _, err := s.AcquireLease(ctx, zero, src, h, time.Second, now); return err },
		"RenewLease":    func() error { _, err := s.RenewLease(ctx, zero, src, h, time.Second, now); return err },
		"ReleaseLease":  func() error { _, err := s.ReleaseLease(ctx, zero, src, h); return err },
		"TakeOverLease": func() error { _, err := s.TakeOverLease(ctx, zero, src, h, h, time.Second, now); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, cdr.ErrNoTenant) {
			t.Errorf("%s with the zero tenant: %v, want %v", name, err, cdr.ErrNoTenant)
		}
	}
	// Nothing was written for anyone.
	if cp := checkpoint(t, s, tenant, src); cp != 0 {
		t.Errorf("checkpoint %d after zero-tenant calls", cp)
	}
	if l, ok, err := s.AcquireLease(ctx, tenant, src, cdr.LeaseHolder{ID: "other", PID: 2}, time.Second, now); err != nil || !ok {
		t.Errorf("lease after zero-tenant calls: %+v %v %v", l, ok, err)
	}
}
