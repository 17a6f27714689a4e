package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/dbtest"
	"github.com/cdrhub/cdrhub/internal/demo"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
)

// fileSum returns the SHA-256 of the file at path, or "absent".
func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return "absent"
	}
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// Opening and closing a database whose schema is current leaves its bytes
// as they were: a database on a full disk opens.
func TestOpenWritesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cdrhub.db")
	tn := cdr.MustTenantID("acme")
	s, err := sqlstore.OpenSQLite(ctx, path, sqlstore.Options{CacheMiB: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpsertRecords(ctx, tn, demo.Batch("acme", 0, 200), cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, wal := fileSum(t, path), fileSum(t, path+"-wal")
	if wal != "absent" {
		t.Fatal("a -wal file after a clean close")
	}
	for _, opt := range []sqlstore.Options{{CacheMiB: 4}, {Lean: true}} {
		s, err := sqlstore.OpenSQLite(ctx, path, opt)
		if err != nil {
			t.Fatal(err)
		}
		if _, n, err := s.FindRecords(ctx, tn, cdr.Filter{Count: true, IncludeShadows: true, Limit: 1}); err != nil || n != 200 {
			t.Errorf("%d records, %v", n, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if got := fileSum(t, path); got != db {
			t.Errorf("open and close with %+v changed the database", opt)
		}
		if got := fileSum(t, path+"-wal"); got != wal {
			t.Errorf("open and close with %+v left a -wal file", opt)
		}
	}
}

// On PostgreSQL, a store opens through a connection whose transactions
// are read-only once its schema is current (the migrations' check takes no
// lock and writes nothing), reads, and refuses writes as unavailable. With
// a migration pending, the open fails as unavailable.
func TestPostgresOpensReadOnly(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.Postgres(t)
	ro := dbtest.WithParam(t, dsn, "options", "-cdefault_transaction_read_only=on")
	tn := cdr.MustTenantID("acme")

	if _, err := sqlstore.OpenPostgres(ctx, ro, sqlstore.Options{Readers: 2}); cdr.ErrorCode(err) != cdr.EUNAVAILABLE {
		t.Fatalf("open of an empty schema read-only: %v, want unavailable", err)
	}
	s, err := sqlstore.OpenPostgres(ctx, dsn, sqlstore.Options{Readers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpsertRecords(ctx, tn, demo.Batch("acme", 0, 50), cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = sqlstore.OpenPostgres(ctx, ro, sqlstore.Options{Readers: 2})
	if err != nil {
		t.Fatalf("open read-only with the schema current: %v", err)
	}
	defer s.Close()
	if _, n, err := s.FindRecords(ctx, tn, cdr.Filter{Count: true, IncludeShadows: true, Limit: 1}); err != nil || n != 50 {
		t.Errorf("%d records, %v", n, err)
	}
	if _, err := s.UpsertRecords(ctx, tn, demo.Batch("acme", 1, 10), cdr.UpsertOptions{}); cdr.ErrorCode(err) != cdr.EUNAVAILABLE {
		t.Errorf("upsert on a read-only connection: %v, want unavailable", err)
	}
	if err := s.ProbeWrite(ctx); cdr.ErrorCode(err) != cdr.EUNAVAILABLE {
		t.Errorf("write probe on a read-only connection: %v, want unavailable", err)
	}
}

// Opening a current database takes no write lock: a store opens while
// another process (cdrhub import, say) holds SQLite's write lock.
func TestOpenBesideWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cdrhub.db")
	s, err := sqlstore.OpenSQLite(ctx, path, sqlstore.Options{CacheMiB: 4})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	other, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK")
	start := time.Now()
	s, err = sqlstore.OpenSQLite(ctx, path, sqlstore.Options{CacheMiB: 4})
	if err != nil {
		t.Fatalf("open beside a writer: %v", err)
	}
	defer s.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("open waited %v for the writer", d)
	}
}

// The migrations' check looks for schema_migrations where they would create
// it, the first schema of the search path: a schema later on the path that
// holds a current schema does not stand in for an empty first one.
func TestPostgresMigratesFirstSchema(t *testing.T) {
	ctx := context.Background()
	first, second := dbtest.Postgres(t), dbtest.Postgres(t)
	schema := func(dsn string) string {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(u.Query().Get("search_path"), ",")[0]
	}
	s, err := sqlstore.OpenPostgres(ctx, second, sqlstore.Options{Readers: 2})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	both := dbtest.WithParam(t, first, "search_path", schema(first)+","+schema(second)+",public")
	s, err = sqlstore.OpenPostgres(ctx, both, sqlstore.Options{Readers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.UpsertRecords(ctx, cdr.MustTenantID("acme"), demo.Batch("acme", 0, 10), cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, sc := range []struct {
		name string
		want int
	}{{schema(first), 10}, {schema(second), 0}} {
		var n int
		if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM `+sc.name+`.records`).Scan(&n); err != nil || n != sc.want {
			t.Errorf("%s.records: %d rows, want %d: %v", sc.name, n, sc.want, err)
		}
	}
}
