package sqlstore

// Benchmarks at scale. The record count comes from CDRHUB_BENCH_RECORDS
// (default 100000); a kept database directory from CDRHUB_BENCH_DIR lets the
// query benchmarks reuse what an ingest run built. Run for example:
//
//	CDRHUB_BENCH_RECORDS=1000000 CDRHUB_BENCH_DIR=/tmp/cdrbench \
//	  go test -run=NONE -bench=. -benchtime=1x -timeout=2h ./internal/sqlstore/
//
// See docs/benchmarks.md for the figures.

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/analytics"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/demo"
)

const benchBatch = 5000

var benchTenant = cdr.MustTenantID("bench")

func benchRecords() int {
	if n, err := strconv.Atoi(os.Getenv("CDRHUB_BENCH_RECORDS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

func benchDir(b *testing.B) string {
	if d := os.Getenv("CDRHUB_BENCH_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
		return d
	}
	return b.TempDir()
}

func genBatch(i, n int) []*cdr.Record { return demo.Batch(benchTenant.String(), i, n) }

// BenchmarkIngest compares the store's upsert with a raw-driver baseline:
// the same rows (records, terms, phone grams) inserted with prepared
// statements in transactions of the same size, with no cdrhub code in the
// timed part: one INSERT into records and one into record_index per record.
func BenchmarkIngest(b *testing.B) {
	n := benchRecords()
	b.Run("raw", func(b *testing.B) {
		for range b.N {
			s := openBench(b, filepath.Join(b.TempDir(), "raw.db"))
			var elapsed time.Duration
			for i := 0; i*benchBatch < n; i++ {
				rows := baselineRows(b, genBatch(i, min(benchBatch, n-i*benchBatch)))
				start := time.Now()
				rawInsert(b, s.write, rows)
				elapsed += time.Since(start)
			}
			b.ReportMetric(float64(n)/elapsed.Seconds(), "records/s")
			s.Close()
		}
	})
	b.Run("store", func(b *testing.B) {
		for range b.N {
			path := filepath.Join(benchDir(b), fmt.Sprintf("store-%d.db", n))
			os.Remove(path)
			os.Remove(path + "-wal")
			os.Remove(path + "-shm")
			s := openBench(b, path)
			b.ReportMetric(float64(n)/ingest(b, s, n).Seconds(), "records/s")
			s.Close()
		}
	})
}

// ingest upserts the n benchmark records into s in calls of benchBatch and
// returns the time spent in the calls.
func ingest(b *testing.B, s cdr.Store, n int) time.Duration {
	return ingestBatches(b, s, n, genBatch)
}

// ingestBatches is ingest with the batches of gen.
func ingestBatches(b *testing.B, s cdr.Store, n int, gen func(i, n int) []*cdr.Record) time.Duration {
	var elapsed time.Duration
	for i := 0; i*benchBatch < n; i++ {
		recs := gen(i, min(benchBatch, n-i*benchBatch))
		start := time.Now()
		if _, err := s.UpsertRecords(context.Background(), benchTenant, recs, cdr.UpsertOptions{}); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
	}
	return elapsed
}

// BenchmarkRollupCost measures what keeping the rollups costs SQLite
// ingest (rollupCost).
func BenchmarkRollupCost(b *testing.B) {
	rollupCost(b, func(b *testing.B, name string) rollupStore {
		path := filepath.Join(benchDir(b), name+".db")
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			os.Remove(p)
		}
		b.Cleanup(func() {
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				os.Remove(p)
			}
		})
		return openBench(b, path)
	})
}

// rollupStore is a store with its rollups, as both stores are.
type rollupStore interface {
	cdr.Store
	cdr.Rollups
}

// rollupCost ingests the benchmark's records into fresh stores of open,
// with the rollups kept and without (SetKeepRollups), alternately, three
// times each, and reports both medians (records/s) and the cost: the
// share of the rate without rollups that keeping them loses. Two data
// sets: "spread" is the benchmark's demo batches, each reaching back 89
// days, so that almost every record is a new kpi_rollup row on a page
// at random; "day" is batches of one day each in time order
// (demo.DayBatch), as a sync's windows and a PBX deliver records. The
// tenant's kpi_daily keeps Shanghai's days.
func rollupCost(b *testing.B, open func(b *testing.B, name string) rollupStore) {
	n := benchRecords()
	for _, data := range []struct {
		name string
		gen  func(i, n int) []*cdr.Record
	}{{"spread", genBatch}, {"day", func(i, n int) []*cdr.Record { return demo.DayBatch(benchTenant.String(), i, n) }}} {
		b.Run(data.name, func(b *testing.B) {
			for range b.N {
				var with, without []float64
				for round := range 3 {
					for _, keep := range []bool{true, false} {
						restore := SetKeepRollups(keep)
						s := open(b, fmt.Sprintf("cost-%s-%d-%t", data.name, round, keep))
						// kpi_daily keeps the days of a tenant in Shanghai,
						// as serve has it keep its tenants' zones.
						if err := s.SetDayOffsets(context.Background(), benchTenant, []int64{8 * 3600 * 1000}); err != nil {
							b.Fatal(err)
						}
						rate := float64(n) / ingestBatches(b, s, n, data.gen).Seconds()
						s.Close()
						restore()
						if keep {
							with = append(with, rate)
						} else {
							without = append(without, rate)
						}
					}
				}
				slices.Sort(with)
				slices.Sort(without)
				b.Logf("%s: with rollups %.0f records/s, without %.0f", data.name, with, without)
				b.ReportMetric(with[1], "with-records/s")
				b.ReportMetric(without[1], "without-records/s")
				b.ReportMetric(100*(1-with[1]/without[1]), "cost-%")
			}
		})
	}
}

func openBench(b *testing.B, path string) *SQLite {
	s, err := OpenSQLite(context.Background(), path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

type baselineRow struct {
	values                []any
	caller, callee, terms string
}

// baselineRows computes, outside the timed part, the rows the store would
// write for recs.
func baselineRows(b *testing.B, recs []*cdr.Record) []baselineRow {
	rows := make([]baselineRow, len(recs))
	var salt phoneSalt
	for i, r := range recs {
		if err := r.Prepare(benchTenant, 1); err != nil {
			b.Fatal(err)
		}
		doc, err := r.Document()
		if err != nil {
			b.Fatal(err)
		}
		rows[i] = baselineRow{append(rowValues(r, doc, 1), int64(1)),
			salt.trigrams(r.Tenant, r.Caller.Digits), salt.trigrams(r.Tenant, r.Callee.Digits), strings.Join(indexTokens(r), " ")}
	}
	return rows
}

func rawInsert(b *testing.B, db *sql.DB, rows []baselineRow) {
	for len(rows) > 0 {
		n := min(len(rows), batchSize)
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		ins, _ := tx.Prepare(`INSERT INTO records (` + recordColumns + `, created_at) VALUES (` + placeholders(32) + `)`)
		idx, _ := tx.Prepare(`INSERT INTO record_index (docid, caller, callee, terms) VALUES (?, ?, ?, ?)`)
		for _, r := range rows[:n] {
			res, err := ins.Exec(r.values...)
			if err != nil {
				b.Fatal(err)
			}
			pk, _ := res.LastInsertId()
			if _, err := idx.Exec(pk, r.caller, r.callee, r.terms); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		rows = rows[n:]
	}
}

// BenchmarkQuery measures reads on the database BenchmarkIngest/store
// built (or builds it): each sub-benchmark reports p50 and p99 in ms.
func BenchmarkQuery(b *testing.B) {
	n := benchRecords()
	path := filepath.Join(benchDir(b), fmt.Sprintf("store-%d.db", n))
	if _, err := os.Stat(path); err != nil {
		s := openBench(b, path)
		ingest(b, s, n)
		s.Close()
	}
	s := openBench(b, path)
	defer s.Close()
	benchQueries(b, s, s)
}

// benchQueries measures the page shapes the APIs use on s, whose benchTenant
// holds the benchmark's records, and the KPI queries on its rollups ru
// (benchStats): each sub-benchmark reports p50 and p99 in ms.
func benchQueries(b *testing.B, s cdr.Store, ru cdr.Rollups) {
	ctx := context.Background()
	// Sample values from the data itself.
	all, _, err := s.FindRecords(ctx, benchTenant, cdr.Filter{Limit: 2000, Channels: []cdr.Channel{cdr.ChannelVoice}, Order: cdr.OrderAsc})
	if err != nil || len(all) == 0 {
		b.Fatal("no records", err)
	}
	_, total, _ := s.FindRecords(ctx, benchTenant, cdr.Filter{Count: true, Limit: 1})
	mid, _, _ := s.FindRecords(ctx, benchTenant, cdr.Filter{Offset: total / 2, Limit: 1})
	last, _, _ := s.FindRecords(ctx, benchTenant, cdr.Filter{Limit: 1})
	minStart, maxStart := all[0].StartAt, last[0].StartAt
	rng := rand.New(rand.NewPCG(1, 1))
	customer := func() string {
		for {
			r := all[rng.IntN(len(all))]
			d := r.Callee.Digits
			if r.Direction == cdr.DirectionInbound {
				d = r.Caller.Digits
			}
			if len(d) >= 11 && !strings.Contains(d, "*") {
				return d
			}
		}
	}
	agent := func() string {
		for {
			if r := all[rng.IntN(len(all))]; len(r.Agents) > 0 {
				return r.Agents[0].ID
			}
		}
	}
	day := int64(24 * time.Hour / time.Millisecond)
	cases := []struct {
		name string
		f    func() cdr.Filter
	}{
		{"page", func() cdr.Filter { return cdr.Filter{Limit: 100} }},
		{"deep_cursor", func() cdr.Filter {
			return cdr.Filter{Limit: 100, After: &cdr.Cursor{StartAt: mid[0].StartAt, ID: mid[0].ID}}
		}},
		{"filtered", func() cdr.Filter {
			from := minStart + rng.Int64N(max(1, maxStart-minStart-30*day))
			return cdr.Filter{Limit: 100, From: from, To: from + 30*day, Channels: []cdr.Channel{cdr.ChannelVoice},
				Directions: []cdr.Direction{cdr.DirectionInbound}, Dispositions: []cdr.Disposition{cdr.DispositionAnswered}}
		}},
		{"agent", func() cdr.Filter {
			return cdr.Filter{Limit: 100, Agents: []string{agent()}}
		}},
		{"phone_exact", func() cdr.Filter { return cdr.Filter{Limit: 100, Phones: []string{customer()}} }},
		{"phone_contains", func() cdr.Filter {
			d := cdr.Digits(customer())
			i := 2 + rng.IntN(len(d)-8)
			return cdr.Filter{Limit: 100, PhoneContains: d[i : i+6]}
		}},
		{"count_30d", func() cdr.Filter {
			from := minStart + rng.Int64N(max(1, maxStart-minStart-30*day))
			return cdr.Filter{Limit: 1, From: from, To: from + 30*day, Count: true}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				f := c.f()
				start := time.Now()
				if _, _, err := s.FindRecords(ctx, benchTenant, f); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			b.ReportMetric(ms(times[len(times)/2]), "p50-ms")
			b.ReportMetric(ms(times[len(times)*99/100]), "p99-ms")
		})
	}
	benchStats(b, ru, minStart, maxStart)
}

// benchStats measures the KPI queries of GET /api/v1/stats on the
// database alone (analytics.FromRollups over KPISums) for a tenant in
// Asia/Shanghai, whose days kpi_daily keeps, over windows from Shanghai
// midnights inside [minStart, maxStart): 90 days by day and queue, by
// day and agent and by agent alone, a year by month, a day by 15 minutes.
func benchStats(b *testing.B, ru cdr.Rollups, minStart, maxStart int64) {
	ctx := context.Background()
	const hour = int64(time.Hour / time.Millisecond)
	if err := ru.SetDayOffsets(ctx, benchTenant, []int64{8 * hour}); err != nil {
		b.Fatal(err)
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		b.Fatal(err)
	}
	first := time.UnixMilli(minStart).In(shanghai)
	first = time.Date(first.Year(), first.Month(), first.Day()+1, 0, 0, 0, 0, shanghai)
	spanDays := int((maxStart - first.UnixMilli()) / (24 * hour))
	rng := rand.New(rand.NewPCG(2, 2))
	for _, c := range []struct {
		name, interval, group string
		days                  int
	}{
		{"stats_90d_by_day_and_queue", "1d", "queue", 90},
		{"stats_90d_by_day_and_agent", "1d", "agent", 90},
		// The console dashboard's agents' table: one total per agent.
		{"stats_90d_by_agent", "", "agent", 90},
		{"stats_year_by_month", "1mo", "", 365},
		{"stats_24h_by_15m", "15m", "", 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				from := first.AddDate(0, 0, rng.IntN(max(1, spanDays-c.days)))
				v := url.Values{"from": {from.Format(time.RFC3339)}, "to": {from.AddDate(0, 0, c.days).Format(time.RFC3339)},
					"tz": {"Asia/Shanghai"}}
				if c.interval != "" {
					v.Set("interval", c.interval)
				}
				if c.group != "" {
					v.Set("group_by", c.group)
				}
				q, err := analytics.ParseQuery(v, shanghai)
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if _, err := analytics.FromRollups(ctx, q, func(ctx context.Context, sel *cdr.KPISelect) ([]cdr.KPISum, error) {
					return ru.KPISums(ctx, benchTenant, sel)
				}); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			b.ReportMetric(ms(times[len(times)/2]), "p50-ms")
			b.ReportMetric(ms(times[len(times)*99/100]), "p99-ms")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkReread measures what a sync look-back costs the store: 100
// records (a vendor page) upserted again with equal content, with a newer
// version (what a re-read writes: the version alone) and with the same
// version (nothing written), beside their first insert.
func BenchmarkReread(b *testing.B) {
	const page = 100
	for _, tt := range []struct {
		name  string
		bump  int64 // the version step of each re-read; 0: insert fresh records
		fresh bool
	}{{"insert", 0, true}, {"newer_version", 1, false}, {"same_version", 0, false}} {
		b.Run(tt.name, func(b *testing.B) {
			s := openBench(b, filepath.Join(b.TempDir(), "reread.db"))
			defer s.Close()
			ctx := context.Background()
			version := int64(1_000_000)
			batch := func(i int) []*cdr.Record {
				recs := genBatch(i, page)
				for _, r := range recs {
					r.Version, r.VersionSet = version, true
				}
				return recs
			}
			if _, err := s.UpsertRecords(ctx, benchTenant, batch(0), cdr.UpsertOptions{}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				version += tt.bump
				recs := batch(0)
				if tt.fresh {
					recs = batch(i + 1)
				}
				res, err := s.UpsertRecords(ctx, benchTenant, recs, cdr.UpsertOptions{})
				if err != nil || !tt.fresh && res.Unchanged != page {
					b.Fatalf("%+v, %v", res, err)
				}
			}
			b.ReportMetric(float64(b.N*page)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
