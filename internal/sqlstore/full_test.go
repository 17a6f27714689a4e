package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/demo"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
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
