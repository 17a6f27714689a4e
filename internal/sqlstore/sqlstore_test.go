package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/demo"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

func newSQLite(t *testing.T) cdr.Store {
	t.Helper()
	s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "cdrhub.db"), sqlstore.Options{CacheMiB: 4})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, newSQLite)
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
	storetest.Run(t, func(t *testing.T) cdr.Store { return storetest.Postgres.Open(t, sqlstore.Options{}) })
}

// Prune deletes in batches until none is left, on both databases.
func TestPruneBatches(t *testing.T) {
	defer sqlstore.SetPruneBatch(3)()
	for _, b := range []storetest.Backend{storetest.SQLite, storetest.Postgres} {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := b.Open(t, sqlstore.Options{})
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
			n, err := s.(cdr.Pruner).Prune(ctx, tn, cutoff)
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
