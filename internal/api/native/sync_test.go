package native_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/ingest"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// syncEnv serves the native API with a runner whose acme has an enabled
// Tencent CCC source with state and globex a disabled Alibaba one with
// none, at a fixed time.
func syncEnv(t *testing.T) *env {
	t.Helper()
	s := storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 4})
	api := newAPI(t, s.Store, native.DefaultLimits)
	acme, globex := cdr.MustTenantID("acme"), cdr.MustTenantID("globex")
	now := time.UnixMilli(1_790_000_000_000)
	w := cdr.SyncWindow{Source: cdr.SourceTencentCCC, From: now.UnixMilli() - 3_600_000, To: now.UnixMilli() - 60_000,
		VendorCount: 5, Pages: 1, Inserted: 5, StartedAt: now.UnixMilli() - 1000, FinishedAt: now.UnixMilli(), Outcome: cdr.WindowVerified}
	ctx := context.Background()
	if err := s.SyncState.RecordWindow(ctx, acme, w, true); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncState.RecordRun(ctx, acme, cdr.SourceTencentCCC, cdr.SyncRun{StartedAt: w.StartedAt, FinishedAt: w.FinishedAt, Outcome: cdr.RunOK}); err != nil {
		t.Fatal(err)
	}
	r := &ingest.Runner{State: s.SyncState, Now: func() time.Time { return now }, Sources: []ingest.Source{
		{Job: ingest.Job{Tenant: acme, Source: cdr.SourceTencentCCC}, Enabled: true, Horizon: 4320 * time.Hour},
		{Job: ingest.Job{Tenant: globex, Source: cdr.SourceAliyunCCC}, Horizon: 4320 * time.Hour},
	}}
	srv := httptest.NewServer(validated(t, httpserver.Routes(httpserver.Ready{DB: s.Store}, nil, slog.New(slog.DiscardHandler),
		httpserver.APIs{Native: api, Sync: r})))
	t.Cleanup(srv.Close)
	return &env{srv: srv, store: s.Store, api: api}
}

func TestSyncStatus(t *testing.T) {
	e := syncEnv(t)
	names := func(r native.SyncResponse) []string {
		var out []string
		for _, s := range r.Sources {
			out = append(out, s.Tenant+"/"+s.Source)
		}
		return out
	}
	for _, tt := range []struct {
		name, token, query string
		status             int
		want               []string
	}{
		{"a tenant's token", acmeToken, "", 200, []string{"acme/tencent_ccc"}},
		{"the other tenant's token", globexToken, "", 200, []string{"globex/aliyun_ccc"}},
		{"a tenant's token naming itself", acmeToken, "?tenant=acme", 200, []string{"acme/tencent_ccc"}},
		{"a tenant's token naming another", acmeToken, "?tenant=globex", 403, nil},
		{"an admin token", adminToken, "", 200, []string{"acme/tencent_ccc", "globex/aliyun_ccc"}},
		{"an admin token naming a tenant", adminToken, "?tenant=globex", 200, []string{"globex/aliyun_ccc"}},
		{"an admin token naming no known tenant", adminToken, "?tenant=initech", 404, nil},
		{"an admin token naming the empty tenant", adminToken, "?tenant=", 400, nil},
		{"no token", "", "", 401, nil},
		{"a wrong token", "nope", "", 401, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var resp native.SyncResponse
			code := e.do(t, "GET", "/api/v1/sync"+tt.query, tt.token, "", "", &resp)
			if code != tt.status || code == 200 && !slices.Equal(names(resp), tt.want) {
				t.Errorf("HTTP %d %v, want %d %v", code, names(resp), tt.status, tt.want)
			}
		})
	}
}

// The answer has the documented members, times in Unix ms.
func TestSyncStatusShape(t *testing.T) {
	e := syncEnv(t)
	var resp map[string][]map[string]any
	if code := e.do(t, "GET", "/api/v1/sync", acmeToken, "", "", &resp); code != 200 || len(resp["sources"]) != 1 {
		t.Fatalf("HTTP %d %v", code, resp)
	}
	s := resp["sources"][0]
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	if got, want := keys(s), []string{"checkpoint", "enabled", "horizon", "last_run", "records", "source", "state", "tenant", "windows_verified"}; !slices.Equal(got, want) {
		t.Errorf("members %v, want %v", got, want)
	}
	run, _ := s["last_run"].(map[string]any)
	if got, want := keys(run), []string{"error", "finished_at", "outcome", "started_at"}; !slices.Equal(got, want) {
		t.Errorf("last_run members %v, want %v", got, want)
	}
	h, _ := s["horizon"].(map[string]any)
	if got, want := keys(h), []string{"expires_at", "hours_left", "oldest_unverified_at", "warning_hours"}; !slices.Equal(got, want) {
		t.Errorf("horizon members %v, want %v", got, want)
	}
	const now, cp = 1_790_000_000_000, 1_790_000_000_000 - 60_000
	if s["state"] != "idle" || s["checkpoint"] != float64(cp) || s["windows_verified"] != float64(1) ||
		run["outcome"] != "ok" || run["finished_at"] != float64(now) ||
		h["oldest_unverified_at"] != float64(cp) || h["expires_at"] != float64(cp+4320*3_600_000) {
		t.Errorf("status %v", s)
	}
	if rec, _ := s["records"].(map[string]any); rec["inserted"] != float64(5) || rec["rejected"] != float64(0) {
		t.Errorf("records %v", s["records"])
	}
}
