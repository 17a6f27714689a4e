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

	"github.com/cdrhub/cdrhub/internal/api/aliyunccc"
	"github.com/cdrhub/cdrhub/internal/api/imrest"
	"github.com/cdrhub/cdrhub/internal/api/laaffic"
	"github.com/cdrhub/cdrhub/internal/api/tencentccc"
	"github.com/cdrhub/cdrhub/internal/auth/tc3"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/ingest"
	aliclient "github.com/cdrhub/cdrhub/internal/ingest/aliyunccc"
	laffclient "github.com/cdrhub/cdrhub/internal/ingest/laaffic"
	tcclient "github.com/cdrhub/cdrhub/internal/ingest/tencentccc"
	deskclient "github.com/cdrhub/cdrhub/internal/ingest/tencentdesk"
	callkitclient "github.com/cdrhub/cdrhub/internal/ingest/trtccallkit"
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
// through each vendor's API, with the rate limits lifted, into an empty
// SQLite store: the real client, engine and both stores, both ends on this
// machine. The upstream database (voice records for Tencent CCC, Alibaba
// CCC and laaffic, rtc for TUICallKit, chat for Desk) is built once per
// channel and size under CDRHUB_BENCH_DIR (else a temporary directory). It
// reports records/s; run with -cpuprofile to see where the time goes
// (docs/benchmarks.md).
func BenchmarkSyncPull(b *testing.B) {
	n := pullRecords()
	acme := cdr.MustTenantID("acme")
	const (
		aliInstance, aliID, aliSecret = "ccc-bench", "LTAIbench000001", "bench-ali-secret"
		imApp, imKey, imAdmin         = uint64(1400000701), "bench-im-key-0000000000", "administrator"
		lKey, lSecret                 = "benchkey", "bench-laaffic-secret"
	)
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct {
		name    string
		channel cdr.Channel
		source  cdr.Source
		apis    func(store cdr.Store) (httpserver.APIs, error)
		client  func(url string) (ingest.Client, error)
		scope   mapping.Tenant
	}{
		{"tencent_ccc", cdr.ChannelVoice, cdr.SourceTencentCCC,
			func(store cdr.Store) (httpserver.APIs, error) {
				api, err := tencentccc.New(store, []tencentccc.Tenant{{ID: acme, SdkAppID: syncApp, RPS: 1e9, Burst: 1 << 30,
					Credentials: []tc3.Credential{{SecretID: syncID, SecretKey: syncKey}}}})
				return httpserver.APIs{TencentCCC: api}, err
			},
			func(url string) (ingest.Client, error) {
				c, err := tcclient.New(tcclient.Config{Endpoint: url, SecretID: syncID, SecretKey: syncKey, SdkAppID: syncApp})
				if err != nil {
					return nil, err
				}
				return c.Engine(), nil
			}, mapping.Tenant{TencentCCCSdkAppID: syncApp}},
		{"aliyun_ccc", cdr.ChannelVoice, cdr.SourceAliyunCCC,
			func(store cdr.Store) (httpserver.APIs, error) {
				api, err := aliyunccc.New(store, []aliyunccc.Tenant{{ID: acme, InstanceID: aliInstance, RPS: 1e9, Burst: 1 << 30,
					Credentials: []aliyunccc.Credential{{AccessKeyID: aliID, AccessKeySecret: aliSecret}}}})
				return httpserver.APIs{AliyunCCC: api}, err
			},
			func(url string) (ingest.Client, error) {
				c, err := aliclient.New(aliclient.Config{Endpoint: url, AccessKeyID: aliID, AccessKeySecret: aliSecret, InstanceID: aliInstance})
				if err != nil {
					return nil, err
				}
				return c.Engine(), nil
			}, mapping.Tenant{AliyunCCCInstanceID: aliInstance}},
		{"laaffic", cdr.ChannelVoice, cdr.SourceLaaffic,
			func(store cdr.Store) (httpserver.APIs, error) {
				api, err := laaffic.New(store, []laaffic.Tenant{{ID: acme, APIKey: lKey, APISecret: lSecret, Location: shanghai, RPS: 1e9, Burst: 1 << 30}}, nil)
				return httpserver.APIs{Laaffic: api}, err
			},
			func(url string) (ingest.Client, error) {
				c, err := laffclient.New(laffclient.Config{Endpoint: url, APIKey: lKey, APISecret: lSecret, Location: shanghai})
				if err != nil {
					return nil, err
				}
				return c.Engine(), nil
			}, mapping.Tenant{Location: shanghai}},
		{"trtc_callkit", cdr.ChannelRTC, cdr.SourceTRTCCallKit,
			func(store cdr.Store) (httpserver.APIs, error) {
				api, err := imrest.New(store, []imrest.App{{SdkAppID: imApp, Key: imKey,
					CallKit: &imrest.Block{Tenant: acme, Admins: []string{imAdmin}, RPS: 1e9, Burst: 1 << 30}}})
				return httpserver.APIs{IMREST: api}, err
			},
			func(url string) (ingest.Client, error) {
				c, err := callkitclient.New(callkitclient.Config{Endpoint: url, SdkAppID: imApp, Identifier: imAdmin, Key: imKey})
				if err != nil {
					return nil, err
				}
				return c.Engine(), nil
			}, mapping.Tenant{TRTCCallKitSdkAppID: imApp}},
		{"tencent_desk", cdr.ChannelChat, cdr.SourceTencentDesk,
			func(store cdr.Store) (httpserver.APIs, error) {
				api, err := imrest.New(store, []imrest.App{{SdkAppID: imApp, Key: imKey,
					Desk: &imrest.Block{Tenant: acme, Admins: []string{imAdmin}, RPS: 1e9, Burst: 1 << 30}}})
				return httpserver.APIs{IMREST: api}, err
			},
			func(url string) (ingest.Client, error) {
				c, err := deskclient.New(deskclient.Config{Endpoint: url, SdkAppID: imApp, Identifier: imAdmin, Key: imKey})
				if err != nil {
					return nil, err
				}
				return c.Engine(), nil
			}, mapping.Tenant{}},
	} {
		b.Run(v.name, func(b *testing.B) {
			up, err := sqlstore.OpenSQLite(context.Background(), pullUpstream(b, v.channel, n), sqlstore.Options{Terms: mapping.Terms})
			if err != nil {
				b.Fatal(err)
			}
			defer up.Close()
			apis, err := v.apis(up)
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(httpserver.Routes(httpserver.Ready{DB: up}, nil, slog.New(slog.DiscardHandler), apis))
			defer srv.Close()
			c, err := v.client(srv.URL)
			if err != nil {
				b.Fatal(err)
			}
			for range b.N {
				down, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "down.db"), sqlstore.Options{Terms: mapping.Terms})
				if err != nil {
					b.Fatal(err)
				}
				began := time.Now()
				res, err := ingest.Run(context.Background(), ingest.Job{
					Tenant: acme, Source: v.source, Client: c, Decoder: mapping.NewFormats(v.scope).Decoders[v.source],
					Store: down, State: down, From: pullStart(), Settle: time.Minute,
				})
				elapsed := time.Since(began)
				if err != nil || res.Failed || res.Inserted != n {
					b.Fatalf("Run: inserted %d of %d, failed %v, %v", res.Inserted, n, res.Failed, err)
				}
				b.ReportMetric(float64(n)/elapsed.Seconds(), "records/s")
				b.ReportMetric(float64(len(res.Windows)), "windows")
				down.Close()
			}
		})
	}
}

// pullStart is when the benchmark's records start.
func pullStart() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }

// pullUpstream returns the path of an upstream database holding n native
// records of the channel of tenant acme spread evenly over pullSpan,
// building it when it is missing.
func pullUpstream(b *testing.B, ch cdr.Channel, n int) string {
	dir := os.Getenv("CDRHUB_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	name := fmt.Sprintf("sync-upstream-%d.db", n) // voice: the name of the first version
	if ch != cdr.ChannelVoice {
		name = fmt.Sprintf("sync-upstream-%s-%d.db", ch, n)
	}
	path := filepath.Join(dir, name)
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
			recs = append(recs, &cdr.Record{Channel: ch, Source: cdr.SourceNative, SourceID: fmt.Sprintf("pull-%07d", j),
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
