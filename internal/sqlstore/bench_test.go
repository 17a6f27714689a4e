package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/demo"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
)

// BenchmarkUpsertDemo measures inserts of realistic records through the
// store, in requests of 5,000 records (transactions of 500).
func BenchmarkUpsertDemo(b *testing.B) {
	ctx := context.Background()
	s, err := sqlstore.OpenSQLite(ctx, filepath.Join(b.TempDir(), "db"), sqlstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 5000
	base := demo.Records("acme", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), n)
	t := cdr.MustTenantID("acme")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		recs := demo.Records("acme", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), n)
		for j, r := range recs {
			r.SourceID = base[j].SourceID + "-" + string(rune('a'+i%26)) + time.Duration(i).String()
		}
		b.StartTimer()
		if _, err := s.UpsertRecords(ctx, t, recs, cdr.UpsertOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "records/s")
}
