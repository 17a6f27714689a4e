package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/dbtest"
	"github.com/cdrhub/cdrhub/internal/demo"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Subject { return storetest.SQLite.OpenSubject(t, sqlstore.Options{}) })
}

// StreamRecords writes each record exactly as the APIs encode what
// FindRecords returns.
func TestStreamRecords(t *testing.T) {
	ctx := context.Background()
	s, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "db"), sqlstore.Options{Lean: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tn := cdr.MustTenantID("acme")
	recs := demo.Records("acme", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), 300)
	recs[0].SameAs = cdr.RecordID("acme", cdr.SourceNative, recs[1].SourceID)
	if _, err := s.UpsertRecords(ctx, tn, recs, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	f := cdr.Filter{Channels: []cdr.Channel{cdr.ChannelVoice}, IncludeShadows: true, Order: cdr.OrderAsc}
	want, _, err := s.FindRecords(ctx, tn, f)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := s.StreamRecords(ctx, tn, f, func(b []byte, _ cdr.Cursor) error { got = append(got, string(b)); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("%d streamed, %d found", len(got), len(want))
	}
	for i, r := range want {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.Encode(r)
		if w := strings.TrimSuffix(buf.String(), "\n"); got[i] != w {
			t.Errorf("record %d:\n got %s\nwant %s", i, got[i], w)
		}
	}
	if err := s.StreamRecords(ctx, cdr.TenantID{}, f, func([]byte, cdr.Cursor) error { return nil }); err == nil {
		t.Error("streamed for the zero tenant")
	}
}

// Options.Terms computes the vendor enum terms of every write, and the
// VendorEnums filter finds records by them.
func TestWriteTimeVendorTerms(t *testing.T) {
	ctx := context.Background()
	terms := func(r *cdr.Record) []cdr.Term {
		return []cdr.Term{{Kind: cdr.VendorTermKind(cdr.SourceTencentCCC, "EndStatus"), Value: string(r.Disposition)}}
	}
	s, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "db"), sqlstore.Options{CacheMiB: 4, Terms: terms})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tn := cdr.MustTenantID("acme")
	recs := []*cdr.Record{
		{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "a", StartAt: 1700000000000, Disposition: cdr.DispositionAnswered},
		{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "b", StartAt: 1700000001000, Disposition: cdr.DispositionBusy},
	}
	if _, err := s.UpsertRecords(ctx, tn, recs, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.FindRecords(ctx, tn, cdr.Filter{VendorEnums: []cdr.VendorEnum{{Source: cdr.SourceTencentCCC, Field: "EndStatus", Values: []string{"busy"}}}})
	if err != nil || len(got) != 1 || got[0].SourceID != "b" {
		t.Errorf("found %v, %v", got, err)
	}
}

func TestPostgresConformance(t *testing.T) {
	dbtest.NeedServer(t)
	storetest.Run(t, func(t *testing.T) storetest.Subject { return storetest.Postgres.OpenSubject(t, sqlstore.Options{}) })
}

// Prune deletes in batches until none is left, on both databases.
func TestPruneBatches(t *testing.T) {
	defer sqlstore.SetPruneBatch(3)()
	for _, b := range []storetest.Backend{storetest.SQLite, storetest.Postgres} {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := b.OpenSubject(t, sqlstore.Options{})
			tn := cdr.MustTenantID("acme")
			recs := demo.Records("acme", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), 100)
			if _, err := s.UpsertRecords(ctx, tn, recs, cdr.UpsertOptions{}); err != nil {
				t.Fatal(err)
			}
			cutoff := recs[50].StartAt
			want := 0
			for _, r := range recs {
				if r.StartAt < cutoff {
					want++
				}
			}
			n, err := s.Pruner.Prune(ctx, tn, cutoff)
			if err != nil || n != int64(want) || want < 10 {
				t.Fatalf("pruned %d, want %d: %v", n, want, err)
			}
			_, total, err := s.FindRecords(ctx, tn, cdr.Filter{IncludeShadows: true, Count: true, Limit: 1})
			if err != nil || total != len(recs)-want {
				t.Errorf("%d left, want %d: %v", total, len(recs)-want, err)
			}
		})
	}
}

// A batch that mixes new keys, a stored key late in the batch and a key
// repeated within the batch classifies the same on both databases, and
// PostgreSQL's optimistic all-new path falls back without a trace.
func TestMixedBatchAfterBulkLoad(t *testing.T) {
	for _, b := range []storetest.Backend{storetest.SQLite, storetest.Postgres} {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := b.Open(t, sqlstore.Options{})
			tn := cdr.MustTenantID("acme")
			rec := func(id string, v int64) *cdr.Record {
				return &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: id, StartAt: 1700000000000, Version: v, Note: fmt.Sprint(v)}
			}
			var first []*cdr.Record
			for i := range 10 {
				first = append(first, rec(fmt.Sprint("old-", i), 1))
			}
			if res, err := s.UpsertRecords(ctx, tn, first, cdr.UpsertOptions{}); err != nil || res.Inserted != 10 {
				t.Fatalf("bulk load: %+v %v", res, err)
			}
			var batch []*cdr.Record
			for i := range 100 {
				batch = append(batch, rec(fmt.Sprint("new-", i), 1))
			}
			batch = append(batch, rec("old-5", 2), rec("new-1", 3), rec("new-2", 1), rec("old-6", 1))
			res, err := s.UpsertRecords(ctx, tn, batch, cdr.UpsertOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Inserted != 100 || res.Updated != 2 || res.Unchanged != 2 {
				t.Errorf("mixed batch: %+v, want 100 inserted, 2 updated, 2 unchanged", res)
			}
			_, total, err := s.FindRecords(ctx, tn, cdr.Filter{Count: true, Limit: 1})
			if err != nil || total != 110 {
				t.Errorf("%d records, want 110: %v", total, err)
			}
			for id, want := range map[string]int64{"old-5": 2, "new-1": 3, "new-2": 1, "old-6": 1} {
				got, err := s.FindRecordByID(ctx, tn, cdr.RecordID("acme", cdr.SourceNative, id))
				if err != nil || got.Version != want || got.Note != fmt.Sprint(want) {
					t.Errorf("%s: %+v %v, want version %d", id, got, err, want)
				}
			}
			// And a bulk load after the fallback is all new again.
			var more []*cdr.Record
			for i := range 50 {
				more = append(more, rec(fmt.Sprint("more-", i), 1))
			}
			if res, err := s.UpsertRecords(ctx, tn, more, cdr.UpsertOptions{}); err != nil || res.Inserted != 50 {
				t.Errorf("second bulk load: %+v %v", res, err)
			}
		})
	}
}

// Every pooled connection plans with the parameters' values.
func TestPlanCacheMode(t *testing.T) {
	s := storetest.OpenPostgres(t, sqlstore.Options{})
	ctx := context.Background()
	for range 3 {
		var mode string
		if err := s.DB().QueryRowContext(ctx, "SHOW plan_cache_mode").Scan(&mode); err != nil || mode != "force_custom_plan" {
			t.Fatalf("plan_cache_mode %q, %v", mode, err)
		}
	}
}

// The store analyzes a table it has grown: a freshly loaded table gets
// statistics without waiting for autovacuum.
func TestPostgresAnalyzesAfterLoad(t *testing.T) {
	defer sqlstore.SetAnalyzeMin(100)()
	s := storetest.OpenPostgres(t, sqlstore.Options{})
	ctx := context.Background()
	tn := cdr.MustTenantID("acme")
	if _, err := s.UpsertRecords(ctx, tn, demo.Records("acme", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), 300), cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n float64
		if err := s.DB().QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'records'::regclass`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n >= 300 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("records not analyzed: reltuples %v", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
