package sqlstore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/demo"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// A full database (here the max_page_count cap, which SQLite reports as it
// reports a full disk: SQLITE_FULL) refuses a write as unavailable and
// loses nothing it acknowledged; reads go on, and once there is room
// again, after a restart, writes go through.
func TestSQLiteFull(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cdrhub.db")
	tn := cdr.MustTenantID("acme")
	s, err := sqlstore.OpenSQLite(ctx, path, sqlstore.Options{CacheMiB: 4})
	if err != nil {
		t.Fatal(err)
	}
	var acked []*cdr.Record
	for i := range 3 {
		recs := demo.Batch("acme", i, 100)
		if _, err := s.UpsertRecords(ctx, tn, recs, cdr.UpsertOptions{}); err != nil {
			t.Fatal(err)
		}
		acked = append(acked, recs...)
	}
	s.Close()

	s, err = sqlstore.OpenSQLite(ctx, path, sqlstore.Options{CacheMiB: 4, MaxPageCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	refused := demo.Batch("acme", 3, 500)
	_, err = s.UpsertRecords(ctx, tn, refused, cdr.UpsertOptions{})
	if code := cdr.ErrorCode(err); code != cdr.EUNAVAILABLE {
		t.Fatalf("upsert into a full database: %v (code %q), want unavailable", err, code)
	}
	t.Logf("refused: %v", err)
	// Nothing acknowledged is lost, nothing refused is half written, and
	// reads work.
	check := func(s cdr.Store, want int) {
		t.Helper()
		if _, n, err := s.FindRecords(ctx, tn, cdr.Filter{Count: true, IncludeShadows: true, Limit: 1}); err != nil || n != want {
			t.Errorf("%d records, want %d: %v", n, want, err)
		}
		for _, r := range acked {
			if _, err := s.FindRecordByID(ctx, tn, r.ID); err != nil {
				t.Fatalf("acknowledged record %s: %v", r.SourceID, err)
			}
		}
	}
	check(s, len(acked))
	if _, err := s.FindRecordByID(ctx, tn, refused[0].ID); cdr.ErrorCode(err) != cdr.ENOTFOUND {
		t.Errorf("refused record: %v, want not found", err)
	}
	// A smaller write is refused as well while the database cannot grow.
	if _, err := s.UpsertRecords(ctx, tn, refused[:50], cdr.UpsertOptions{}); cdr.ErrorCode(err) != cdr.EUNAVAILABLE {
		t.Errorf("second upsert: %v, want unavailable", err)
	}
	check(s, len(acked))
	s.Close()

	s, err = sqlstore.OpenSQLite(ctx, path, sqlstore.Options{CacheMiB: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if res, err := s.UpsertRecords(ctx, tn, refused, cdr.UpsertOptions{}); err != nil || res.Inserted != len(refused) {
		t.Fatalf("upsert after the restart: %+v %v", res, err)
	}
	acked = append(acked, refused...)
	check(s, len(acked))
}

// A write probe succeeds on a database that takes writes, again and again.
func TestProbeWrite(t *testing.T) {
	for _, b := range []storetest.Backend{storetest.SQLite, storetest.Postgres} {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := b.OpenSubject(t, sqlstore.Options{})
			for i := range 3 {
				if err := s.WriteProber.ProbeWrite(ctx); err != nil {
					t.Fatalf("probe %d: %v", i, err)
				}
			}
			if _, err := s.UpsertRecords(ctx, cdr.MustTenantID("acme"), demo.Batch("acme", 0, 20), cdr.UpsertOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := s.WriteProber.ProbeWrite(ctx); err != nil {
				t.Fatalf("probe after a write: %v", err)
			}
		})
	}
}

// freePages returns the free pages of the SQLite database at path, read
// through a connection of its own.
func freePages(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`PRAGMA freelist_count`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The SQLite probe fails when the database can take no page (no free page
// and no room to grow), as the writes do, and succeeds once it can: it
// needs one page, so a database with a free page passes it even while a
// batch of records does not fit.
func TestProbeWriteFull(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cdrhub.db")
	tn := cdr.MustTenantID("acme")
	s, err := sqlstore.OpenSQLite(ctx, path, sqlstore.Options{CacheMiB: 4, MaxPageCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := freePages(t, path); n != 0 {
		t.Fatalf("%d free pages in a new database", n)
	}
	// No free page, no growth.
	if err := s.ProbeWrite(ctx); cdr.ErrorCode(err) != cdr.EUNAVAILABLE {
		t.Fatalf("probe of a full database: %v, want unavailable", err)
	}
	if _, err := s.UpsertRecords(ctx, tn, demo.Batch("acme", 0, 100), cdr.UpsertOptions{}); cdr.ErrorCode(err) != cdr.EUNAVAILABLE {
		t.Fatalf("upsert into a full database: %v, want unavailable", err)
	}
	if err := s.ProbeWrite(ctx); cdr.ErrorCode(err) != cdr.EUNAVAILABLE {
		t.Fatalf("probe after a refused upsert: %v, want unavailable", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}

	// Room again: probes and writes succeed.
	if _, err := s.SetMaxPageCount(ctx, 0); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := s.ProbeWrite(ctx); err != nil {
			t.Fatalf("probe %d with room: %v", i, err)
		}
	}
	if res, err := s.UpsertRecords(ctx, tn, demo.Batch("acme", 0, 100), cdr.UpsertOptions{}); err != nil || res.Inserted != 100 {
		t.Fatalf("upsert with room: %+v %v", res, err)
	}
	if err := s.ProbeWrite(ctx); err != nil {
		t.Fatalf("probe after an upsert: %v", err)
	}

	// Full again, but the previous probe's page is free: the probe
	// passes, a batch does not.
	if _, err := s.SetMaxPageCount(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := freePages(t, path); n == 0 {
		t.Fatal("no free page after a probe")
	}
	if err := s.ProbeWrite(ctx); err != nil {
		t.Errorf("probe with a free page: %v", err)
	}
	if _, err := s.UpsertRecords(ctx, tn, demo.Batch("acme", 1, 100), cdr.UpsertOptions{}); cdr.ErrorCode(err) != cdr.EUNAVAILABLE {
		t.Errorf("upsert into a database with one free page: %v, want unavailable", err)
	}
}
