package httpserver_test

// The sync engine (internal/ingest) closed loop: the real Tencent CCC
// client pulling from cdrhub's own DescribeTelCdr into another store.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/faultproxy"
	"github.com/cdrhub/cdrhub/internal/httpx/httpxtest"
	"github.com/cdrhub/cdrhub/internal/ingest"
	tcclient "github.com/cdrhub/cdrhub/internal/ingest/tencentccc"
	"github.com/cdrhub/cdrhub/internal/mapping"
	tcmap "github.com/cdrhub/cdrhub/internal/mapping/tencentccc"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

func TestSyncClosedLoop(t *testing.T) {
	u := newUpstream(t, 1000, 1000)
	acme := cdr.MustTenantID("acme")
	down := storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 4})
	ctx := context.Background()

	// The client signs with the real clock (the upstream checks it) moved
	// a second on per run, so that each run's versions are newer.
	var shift time.Duration
	c, err := tcclient.New(tcclient.Config{Endpoint: u.srv.URL, SecretID: syncID, SecretKey: syncKey, SdkAppID: syncApp,
		Timeout: 10 * time.Second, Now: func() time.Time { return time.Now().Add(shift) }})
	if err != nil {
		t.Fatal(err)
	}
	now := syncBase.Add(6 * time.Hour)
	end := now.Add(-time.Minute)
	job := ingest.Job{
		Tenant: acme, Source: cdr.SourceTencentCCC, Client: c.Engine(),
		Decoder: mapping.NewFormats(mapping.Tenant{}).Decoders[cdr.SourceTencentCCC],
		Store:   down.Store, State: down.SyncState,
		From: syncBase.Add(-time.Hour), Lookback: 8 * time.Hour, Settle: time.Minute,
		MaxWindowRecords: 100, // the 243 records take several windows
		Now:              func() time.Time { return now },
		Sleep:            func(ctx context.Context, d time.Duration) error { t.Errorf("slept %v", d); return nil },
	}
	run := func() ingest.Result {
		t.Helper()
		shift += time.Second
		res, err := ingest.Run(ctx, job)
		if err != nil || res.Failed || res.Rejected != 0 {
			t.Fatalf("Run: %+v, %v", res, err)
		}
		if res.Checkpoint != end.UnixMilli() {
			t.Errorf("checkpoint %d, want %d", res.Checkpoint, end.UnixMilli())
		}
		return res
	}

	// served is every voice record of the window as the upstream serves it.
	served := func() map[string]string {
		t.Helper()
		out := map[string]string{}
		n, err := c.Count(ctx, job.From, end)
		if err != nil {
			t.Fatal(err)
		}
		for number := range tcclient.PageCount(n) {
			p, err := c.Page(ctx, job.From, end, number)
			if err != nil {
				t.Fatal(err)
			}
			for _, raw := range p.Records {
				var info struct{ SessionId string }
				if err := json.Unmarshal(raw, &info); err != nil {
					t.Fatal(err)
				}
				out[info.SessionId] = string(raw)
			}
		}
		if len(out) != len(u.starts) {
			t.Fatalf("the upstream serves %d records, holds %d", len(out), len(u.starts))
		}
		return out
	}
	// check: the downstream holds each served record exactly once, raw as served.
	check := func(want map[string]string) {
		t.Helper()
		recs, total, err := down.FindRecords(ctx, acme, cdr.Filter{Count: true})
		if err != nil {
			t.Fatal(err)
		}
		if total != len(want) || len(recs) != len(want) {
			t.Fatalf("downstream holds %d records, want %d", total, len(want))
		}
		seen := map[string]bool{}
		for _, r := range recs {
			if r.Source != cdr.SourceTencentCCC || seen[r.SourceID] {
				t.Errorf("record %s: source %s, seen before %v", r.ID, r.Source, seen[r.SourceID])
			}
			seen[r.SourceID] = true
			full, err := down.FindRecordByID(ctx, acme, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if string(full.Raw) != want[r.SourceID] {
				t.Errorf("%s: raw\n %s\nserved\n %s", r.SourceID, full.Raw, want[r.SourceID])
			}
		}
	}

	first := run()
	if first.Inserted != len(u.starts) || first.Updated != 0 || first.Unchanged != 0 {
		t.Errorf("first run: inserted %d, updated %d, unchanged %d; want %d inserted", first.Inserted, first.Updated, first.Unchanged, len(u.starts))
	}
	if len(first.Windows) < 3 {
		t.Errorf("first run: %d windows; want the window split", len(first.Windows))
	}
	check(served())

	second := run()
	if second.Inserted != 0 || second.Updated != 0 || second.Unchanged != len(u.starts) {
		t.Errorf("second run: inserted %d, updated %d, unchanged %d; want all %d unchanged", second.Inserted, second.Updated, second.Unchanged, len(u.starts))
	}

	// A Tencent record changed upstream, inside the look-back.
	raw := json.RawMessage(fmt.Sprintf(`{"SessionId":"tc-sync-3","Caller":"13800001111","Callee":"02066668888","Time":%d,"Direction":0,"CallType":2,`+
		`"Duration":75,"EndStatus":1,"EndStatusString":"ok","SeatUser":{"UserId":"agent@acme","Name":"Ann"},"Remark":"changed"}`, syncBase.Unix()+3*1700+30))
	rec, err := tcmap.Ingest(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := u.store.UpsertRecords(ctx, acme, []*cdr.Record{rec}, cdr.UpsertOptions{}); err != nil || res.Updated != 1 {
		t.Fatalf("upstream change: %+v, %v", res, err)
	}
	third := run()
	if third.Inserted != 0 || third.Updated != 1 || third.Unchanged != len(u.starts)-1 {
		t.Errorf("third run: inserted %d, updated %d, unchanged %d; want one updated", third.Inserted, third.Updated, third.Unchanged)
	}
	want := served()
	if want["tc-sync-3"] != string(raw) {
		t.Errorf("the upstream serves %s", want["tc-sync-3"])
	}
	check(want)

	ws, err := down.SyncState.SyncWindows(ctx, acme, cdr.SourceTencentCCC, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(first.Windows) + len(second.Windows) + len(third.Windows); len(ws) != n {
		t.Errorf("%d audit rows, the runs recorded %d", len(ws), n)
	}
	for _, w := range ws {
		if w.Outcome != cdr.WindowVerified || w.ErrorCode != "" {
			t.Errorf("audit row %+v", w)
		}
	}
	if cp, err := down.SyncState.Checkpoint(ctx, acme, cdr.SourceTencentCCC); err != nil || cp != end.UnixMilli() {
		t.Errorf("checkpoint %d, %v; want %d", cp, err, end.UnixMilli())
	}
	ss, err := down.SyncState.SyncSources(ctx, acme, time.Now())
	if err != nil || len(ss) != 1 || ss[0].LastError != nil || ss[0].WindowsVerified != int64(len(ws)) {
		t.Errorf("status %+v, %v", ss, err)
	}
}

// Bad answers from the vendor: each is recorded on the source's status
// with its code, a record that cannot be kept is counted and logged with
// its key, the checkpoint stays, and the upstream keeps serving; once the
// answers are good again a run verifies everything and clears the error.
func TestSyncBadAnswers(t *testing.T) {
	u := newUpstream(t, 1000, 1000)
	acme := cdr.MustTenantID("acme")
	ctx := context.Background()
	for _, tt := range []struct {
		name     string
		fault    faultproxy.Action
		code     string // the source's last error
		message  string // in its message
		rejected int
	}{
		{"not JSON", faultproxy.Respond(200, nil, []byte("<html>gateway</html>")), "transient", "not DescribeTelCdr's", 0},
		{"no list", faultproxy.Rewrite(func(status int, body []byte) (int, []byte) {
			return status, []byte(`{"Response":{"TotalCount":3,"RequestId":"r"}}`)
		}), "transient", "", 0},
		{"an error code", faultproxy.Respond(200, nil, []byte(`{"Response":{"Error":{"Code":"InvalidParameterValue.InstanceNotExist","Message":"no such app"},"RequestId":"r"}}`)),
			"invalid", "InvalidParameterValue.InstanceNotExist", 0},
		{"a record that fails ingest", faultproxy.Rewrite(func(status int, body []byte) (int, []byte) {
			return status, bytes.Replace(body, []byte(`"SessionId":"tc-sync-3"`), []byte(`"SessionId":"tc-sync-3","Time":"soon"`), 1)
		}), "rejected", `"tc-sync-3"`, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			down := storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 4})
			p, err := faultproxy.New(u.srv.URL, faultproxy.Fault{Name: tt.name, Action: tt.fault})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			c, err := tcclient.New(tcclient.Config{Endpoint: p.URL(), SecretID: syncID, SecretKey: syncKey, SdkAppID: syncApp, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			var logs httpxtest.Buffer
			now := syncBase.Add(6 * time.Hour)
			job := ingest.Job{
				Tenant: acme, Source: cdr.SourceTencentCCC, Client: c.Engine(),
				Decoder: mapping.NewFormats(mapping.Tenant{}).Decoders[cdr.SourceTencentCCC],
				Store:   down.Store, State: down.SyncState,
				From: syncBase.Add(-time.Hour), Lookback: time.Hour, Settle: time.Minute,
				Now:    func() time.Time { return now },
				Sleep:  func(ctx context.Context, d time.Duration) error { return nil },
				Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
			}
			res, _ := ingest.Run(ctx, job)
			if !res.Failed || res.Rejected != tt.rejected {
				t.Errorf("run: %+v; want failed with %d rejected", res, tt.rejected)
			}
			st, err := down.SyncState.SyncSources(ctx, acme, now)
			if err != nil || len(st) != 1 || st[0].LastError == nil {
				t.Fatalf("status %+v, %v", st, err)
			}
			if e := st[0].LastError; e.Code != tt.code || !strings.Contains(e.Message, tt.message) || strings.Contains(e.Message, syncKey) {
				t.Errorf("last error %+v; want code %s and %q in the message", e, tt.code, tt.message)
			}
			if st[0].Checkpoint != 0 {
				t.Errorf("checkpoint %d; want none", st[0].Checkpoint)
			}
			if tt.rejected > 0 && !strings.Contains(logs.String(), `"key":"tc-sync-3"`) {
				t.Errorf("the rejected record's key is not logged:\n%s", logs.String())
			}
			// The upstream served meanwhile, and once its answers are good
			// the source verifies everything.
			p.SetFaults()
			if res, err := ingest.Run(ctx, job); err != nil || res.Failed || res.Checkpoint != now.Add(-time.Minute).UnixMilli() {
				t.Fatalf("run once the answers are good: %+v, %v", res, err)
			}
			if st, _ := down.SyncState.SyncSources(ctx, acme, now); st[0].LastError != nil {
				t.Errorf("the error stays after a good run: %+v", st[0].LastError)
			}
		})
	}
}

// A range of 190 days is read in windows under the API's 90 days, each
// verified, and every record of it arrives, including those far apart.
func TestSyncSplitsLongRanges(t *testing.T) {
	u := newUpstream(t, 1000, 1000)
	acme := cdr.MustTenantID("acme")
	ctx := context.Background()
	var old []*cdr.Record
	for i, days := range []int{185, 120, 91, 89, 30} {
		old = append(old, &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: fmt.Sprintf("old-%d", i),
			StartAt: syncBase.Add(-time.Duration(days) * 24 * time.Hour).UnixMilli(), Caller: cdr.Party{Address: "+86 20 6666 8888"}})
	}
	if _, err := u.store.UpsertRecords(ctx, acme, old, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	down := storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 4})
	c, err := tcclient.New(tcclient.Config{Endpoint: u.srv.URL, SecretID: syncID, SecretKey: syncKey, SdkAppID: syncApp})
	if err != nil {
		t.Fatal(err)
	}
	now := syncBase.Add(6 * time.Hour)
	from := syncBase.Add(-190 * 24 * time.Hour)
	res, err := ingest.Run(ctx, ingest.Job{
		Tenant: acme, Source: cdr.SourceTencentCCC, Client: c.Engine(),
		Decoder: mapping.NewFormats(mapping.Tenant{}).Decoders[cdr.SourceTencentCCC],
		Store:   down.Store, State: down.SyncState, From: from, Settle: time.Minute,
		Now: func() time.Time { return now },
	})
	if err != nil || res.Failed {
		t.Fatalf("Run: %+v, %v", res, err)
	}
	if want := len(u.starts) + len(old); res.Inserted != want {
		t.Errorf("inserted %d, want %d", res.Inserted, want)
	}
	at, long := from.UnixMilli(), 0
	for _, w := range res.Windows {
		if w.From != at || w.Outcome != cdr.WindowVerified || time.Duration(w.To-w.From)*time.Millisecond >= tcclient.MaxWindow {
			t.Errorf("window [%s, %s) %s", time.UnixMilli(w.From).UTC(), time.UnixMilli(w.To).UTC(), w.Outcome)
		}
		if time.Duration(w.To-w.From)*time.Millisecond > 80*24*time.Hour {
			long++
		}
		at = w.To
	}
	if at != now.Add(-time.Minute).UnixMilli() || long < 2 {
		t.Errorf("windows end at %d with %d of over 80 days; want them to reach the end, most of the range in long windows", at, long)
	}
}
