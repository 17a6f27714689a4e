package httpserver_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/tencentccc"
	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/ingest"
	tcclient "github.com/cdrhub/cdrhub/internal/ingest/tencentccc"
	"github.com/cdrhub/cdrhub/internal/mapping"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
)

// pullRecords is how many records BenchmarkSyncPull pulls:
// CDRHUB_BENCH_SYNC_RECORDS, else 100,000.
func pullRecords() int {
	if n, err := strconv.Atoi(os.Getenv("CDRHUB_BENCH_SYNC_RECORDS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// pullSpan is the time the benchmark's records spread over.
const pullSpan = 60 * 24 * time.Hour

// BenchmarkSyncPull pulls every record of an upstream cdrhub's tenant
// through its DescribeTelCdr, with the rate limits lifted, into an empty
// SQLite store: the real client, engine and both stores, both ends on
// this machine. The upstream database is built once per size under
// CDRHUB_BENCH_DIR (else a temporary directory). It reports records/s;
// run with -cpuprofile to see where the time goes (docs/benchmarks.md).
func BenchmarkSyncPull(b *testing.B) {
	n := pullRecords()
	upPath := pullUpstream(b, n)
	up, err := sqlstore.OpenSQLite(context.Background(), upPath, sqlstore.Options{Terms: mapping.Terms})
	if err != nil {
		b.Fatal(err)
	}
	defer up.Close()
	api, err := tencentccc.New(up, []tencentccc.Tenant{{ID: cdr.MustTenantID("acme"), SdkAppID: syncApp, RPS: 1e9, Burst: 1 << 30,
		Credentials: []tc3.Credential{{SecretID: syncID, SecretKey: syncKey}}}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: up}, nil, slog.New(slog.DiscardHandler), httpserver.APIs{TencentCCC: api}))
	defer srv.Close()
	c, err := tcclient.New(tcclient.Config{Endpoint: srv.URL, SecretID: syncID, SecretKey: syncKey, SdkAppID: syncApp})
	if err != nil {
		b.Fatal(err)
	}
	start := pullStart()
	for range b.N {
		down, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "down.db"), sqlstore.Options{Terms: mapping.Terms})
		if err != nil {
			b.Fatal(err)
		}
		began := time.Now()
		res, err := ingest.Run(context.Background(), ingest.Job{
			Tenant: cdr.MustTenantID("acme"), Source: cdr.SourceTencentCCC, Client: c.Engine(),
			Decoder: mapping.NewFormats(mapping.Tenant{}).Decoders[cdr.SourceTencentCCC],
			Store:   down, State: down, From: start, Settle: time.Minute,
		})
		elapsed := time.Since(began)
		if err != nil || res.Failed || res.Inserted != n {
			b.Fatalf("Run: inserted %d of %d, failed %v, %v", res.Inserted, n, res.Failed, err)
		}
		b.ReportMetric(float64(n)/elapsed.Seconds(), "records/s")
		b.ReportMetric(float64(len(res.Windows)), "windows")
		down.Close()
	}
}

// pullStart is when the benchmark's records start.
func pullStart() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }

// pullUpstream returns the path of an upstream database holding n native
// voice records of tenant acme spread evenly over pullSpan, building it
// when it is missing.
func pullUpstream(b *testing.B, n int) string {
	dir := os.Getenv("CDRHUB_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("sync-upstream-%d.db", n))
	if _, err := os.Stat(path + ".done"); err == nil {
		return path
	}
	os.Remove(path)
	s, err := sqlstore.OpenSQLite(context.Background(), path, sqlstore.Options{Terms: mapping.Terms})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	step := pullSpan / time.Duration(n)
	const batch = 5000
	for i := 0; i < n; i += batch {
		recs := make([]*cdr.Record, 0, batch)
		for j := i; j < min(n, i+batch); j++ {
			at := pullStart().Add(time.Duration(j) * step)
			end := at.Add(time.Duration(30+j%600) * time.Second).UnixMilli()
			recs = append(recs, &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: fmt.Sprintf("pull-%07d", j),
				StartAt: at.UnixMilli(), AnswerAt: new(at.Add(5 * time.Second).UnixMilli()), EndAt: &end,
				Direction: cdr.DirectionInbound, Disposition: cdr.DispositionAnswered,
				Caller: cdr.Party{Address: fmt.Sprintf("+86 139 %04d %04d", j/10000%10000, j%10000)}, Callee: cdr.Party{Address: "+86 20 6666 8888"},
				Agents: []cdr.Agent{{ID: fmt.Sprintf("agent-%d@acme", j%40), Name: "Agent"}}, Queues: []cdr.Queue{{ID: "q1", Name: "Support"}}})
		}
		if _, err := s.UpsertRecords(context.Background(), cdr.MustTenantID("acme"), recs, cdr.UpsertOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(path+".done", nil, 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}
