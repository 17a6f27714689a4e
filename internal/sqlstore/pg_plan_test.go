package sqlstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/dbtest"
	"github.com/cdrhub/cdrhub/internal/demo"
)

// TestPostgresQueryPlans pins the access path of each query shape on
// PostgreSQL: pages walk the time index in order; selective filters read
// their own index and sort the few rows, whatever the estimates.
func TestPostgresQueryPlans(t *testing.T) {
	ctx := context.Background()
	s, err := OpenPostgres(ctx, dbtest.Postgres(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tn := cdr.MustTenantID("acme")
	// Statistics taken early in a bulk load, as autovacuum leaves them
	// while a load outruns it.
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.UpsertRecords(ctx, tn, demo.Records("acme", day, 300), cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec("ALTER TABLE records SET (autovacuum_enabled = off); ANALYZE records"); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, err := s.UpsertRecords(ctx, tn, demo.Batch("acme", i, 5000), cdr.UpsertOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		f    cdr.Filter
		want []string // substrings of the plan
		not  []string
	}{
		{"page", cdr.Filter{Limit: 100}, []string{"Index Scan Backward using records_start"}, []string{"Sort"}},
		{"window", cdr.Filter{Limit: 100, From: cdr.MinTime, To: cdr.MinTime + 1, Channels: []cdr.Channel{"voice"}}, []string{"using records_start"}, []string{"Sort"}},
		{"ids", cdr.Filter{Limit: 100, IDs: []string{"a", "b"}}, []string{"records_pkey", "Sort"}, []string{"records_start"}},
		{"phone", cdr.Filter{Limit: 100, Phones: []string{"+8613912345678"}}, []string{"records_keys", "Sort"}, []string{"records_start"}},
		{"contains", cdr.Filter{Limit: 100, PhoneContains: "123456"}, []string{"records_phones", "Sort"}, []string{"records_start"}},
	}
	for _, tt := range tests {
		q, err := buildQuery(tn, &tt.f)
		if err != nil {
			t.Fatal(err)
		}
		sqlText, args := q.selectSQL(s.d, "r.doc", &tt.f)
		rows, err := s.db.Query("EXPLAIN "+sqlText, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			rows.Scan(&line)
			plan = append(plan, line)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		for _, w := range tt.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: plan lacks %q:\n%s", tt.name, w, text)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(text, n) {
				t.Errorf("%s: plan has %q:\n%s", tt.name, n, text)
			}
		}
	}
}

// TestPostgresDueUnaddressedPlan: archive_files_unaddressed serves a
// source's due files without an address in order, without a sort (the
// table is empty here: a sequential scan is ruled out to see the index).
func TestPostgresDueUnaddressedPlan(t *testing.T) {
	ctx := context.Background()
	s, err := OpenPostgres(ctx, dbtest.Postgres(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(ctx, "EXPLAIN "+s.d.rebind(dueUnaddressedSQL), "acme", "aliyun_ccc", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		rows.Scan(&line)
		plan = append(plan, line)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "archive_files_unaddressed") || strings.Contains(text, "Sort") {
		t.Errorf("plan:\n%s", text)
	}
}
