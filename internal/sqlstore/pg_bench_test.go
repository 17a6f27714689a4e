package sqlstore

// PostgreSQL benchmarks, on the server of CDRHUB_TEST_POSTGRES (see
// internal/dbtest), with CDRHUB_BENCH_RECORDS records. The store's schema
// is kept between runs, so BenchmarkPostgresQuery reuses what
// BenchmarkPostgresIngest built:
//
//	CDRHUB_TEST_POSTGRES=postgres://… CDRHUB_BENCH_RECORDS=1000000 \
//	  go test -run=NONE -bench=Postgres -benchtime=1x -timeout=2h ./internal/sqlstore/

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/dbtest"
	"github.com/jackc/pgx/v5"
)

func openPGBench(b *testing.B, schema string, fresh bool) *Postgres {
	s, err := OpenPostgres(context.Background(), dbtest.Schema(b, schema, fresh), Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkPostgresIngest compares the store's upsert with a raw COPY of
// the same rows into the same schema, in transactions of the same size,
// with no cdrhub code in the timed part.
func BenchmarkPostgresIngest(b *testing.B) {
	n := benchRecords()
	b.Run("raw_copy", func(b *testing.B) {
		for range b.N {
			s := openPGBench(b, "bench_raw", true)
			var elapsed time.Duration
			for i := 0; i*benchBatch < n; i++ {
				rows := pgBaselineRows(b, genBatch(i, min(benchBatch, n-i*benchBatch)))
				start := time.Now()
				err := pgx.BeginFunc(context.Background(), s.pool, func(tx pgx.Tx) error {
					_, err := tx.CopyFrom(context.Background(), pgx.Identifier{"records"}, pgColumns, pgx.CopyFromRows(rows))
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
			}
			b.ReportMetric(float64(n)/elapsed.Seconds(), "records/s")
			s.Close()
		}
	})
	b.Run("store", func(b *testing.B) {
		for range b.N {
			s := openPGBench(b, fmt.Sprintf("bench_store_%d", n), true)
			b.ReportMetric(float64(n)/ingest(b, s, n).Seconds(), "records/s")
			s.Close()
		}
	})
}

// BenchmarkPostgresRollupCost measures what keeping the rollups costs
// PostgreSQL ingest (rollupCost).
func BenchmarkPostgresRollupCost(b *testing.B) {
	rollupCost(b, func(b *testing.B, name string) rollupStore {
		return openPGBench(b, "bench_"+strings.ReplaceAll(name, "-", "_"), true)
	})
}

// pgBaselineRows computes, outside the timed part, the rows the store would
// COPY for recs.
func pgBaselineRows(b *testing.B, recs []*cdr.Record) [][]any {
	rows := make([][]any, len(recs))
	for i, r := range recs {
		if err := r.Prepare(benchTenant, 1); err != nil {
			b.Fatal(err)
		}
		doc, err := r.Document()
		if err != nil {
			b.Fatal(err)
		}
		rows[i] = pgRow(r, doc, 1)
	}
	return rows
}

// BenchmarkPostgresQuery measures reads on the schema
// BenchmarkPostgresIngest/store built (or builds it).
func BenchmarkPostgresQuery(b *testing.B) {
	n := benchRecords()
	s := openPGBench(b, fmt.Sprintf("bench_store_%d", n), false)
	defer s.Close()
	if _, total, err := s.FindRecords(context.Background(), benchTenant, cdr.Filter{Count: true, Limit: 1}); err != nil || total < n {
		ingest(b, s, n)
		if _, err := s.db.Exec("ANALYZE records"); err != nil {
			b.Fatal(err)
		}
	}
	benchQueries(b, s, s)
}
