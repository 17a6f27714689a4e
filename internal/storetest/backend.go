package storetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/dbtest"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
)

// Subject is a store under test with the capabilities beside cdr.Store
// that the suite and the stores' tests use, each passed explicitly
// (docs/design.md, Store capabilities); for sqlstore's stores each is the
// store itself.
type Subject struct {
	cdr.Store
	Pruner      cdr.Pruner
	WriteProber cdr.WriteProber
	SyncState   cdr.SyncState
	Archive     cdr.Archive
	Secrets     cdr.Secrets
	Rollups     cdr.Rollups
	Sessions    cdr.Sessions
	Saved       cdr.SavedSearches
}

// Backend opens stores of one database for tests.
type Backend struct {
	Name string
	open func(t testing.TB, opt sqlstore.Options) Subject
}

// Open opens a new, empty store, closed when t ends. A PostgreSQL backend
// skips t when no test server is configured (dbtest).
func (b Backend) Open(t testing.TB, opt sqlstore.Options) cdr.Store {
	t.Helper()
	return b.open(t, opt).Store
}

// OpenSubject opens a store as Open does, with its capabilities.
func (b Backend) OpenSubject(t testing.TB, opt sqlstore.Options) Subject {
	t.Helper()
	return b.open(t, opt)
}

// SQLite is the embedded database, in t's temporary directory.
var SQLite = Backend{Name: "sqlite", open: func(t testing.TB, opt sqlstore.Options) Subject {
	t.Helper()
	s := OpenSQLite(t, opt)
	return Subject{Store: s, Pruner: s, WriteProber: s, SyncState: s, Archive: s, Secrets: s, Rollups: s, Sessions: s, Saved: s}
}}

// Postgres is a new schema on the shared PostgreSQL test server.
var Postgres = Backend{Name: "postgres", open: func(t testing.TB, opt sqlstore.Options) Subject {
	t.Helper()
	s := OpenPostgres(t, opt)
	return Subject{Store: s, Pruner: s, WriteProber: s, SyncState: s, Archive: s, Secrets: s, Rollups: s, Sessions: s, Saved: s}
}}

// OpenSQLite opens a new, empty SQLite store in t's temporary directory,
// closed when t ends.
func OpenSQLite(t testing.TB, opt sqlstore.Options) *sqlstore.SQLite {
	t.Helper()
	if opt.CacheMiB == 0 {
		opt.CacheMiB = 4
	}
	s, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "cdrhub.db"), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// OpenPostgres opens a store on a new schema of the shared PostgreSQL test
// server, closed when t ends; it skips t when no test server is configured
// (dbtest).
func OpenPostgres(t testing.TB, opt sqlstore.Options) *sqlstore.Postgres {
	t.Helper()
	if opt.Readers == 0 {
		opt.Readers = 4
	}
	s, err := sqlstore.OpenPostgres(context.Background(), dbtest.Postgres(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// current is the backend Open uses; Main sets it.
var current = SQLite

// Open opens a new, empty store of the backend the package's tests are
// running against (see Main), closed when t ends.
func Open(t testing.TB, opt sqlstore.Options) cdr.Store {
	t.Helper()
	return current.Open(t, opt)
}

// OpenSubject opens a store as Open does, with its capabilities.
func OpenSubject(t testing.TB, opt sqlstore.Options) Subject {
	t.Helper()
	return current.OpenSubject(t, opt)
}

// Main runs a package's tests once on SQLite and once more on PostgreSQL,
// for packages whose tests reach a store through Open. Call it from
// TestMain: os.Exit(storetest.Main(m)). Without a PostgreSQL test server
// the second run is skipped with a message, or fails when PostgreSQL tests
// are required (dbtest).
func Main(m *testing.M) int {
	current = SQLite
	code := m.Run()
	if !dbtest.Available() {
		if dbtest.Required() {
			fmt.Fprintf(os.Stderr, "FAIL: no PostgreSQL test server (%s unset) and %s=1\n", dbtest.EnvPostgres, dbtest.EnvRequired)
			return 1
		}
		fmt.Fprintln(os.Stderr, dbtest.HowTo)
		return code
	}
	fmt.Fprintln(os.Stderr, "--- the same tests on PostgreSQL")
	current = Postgres
	return max(code, m.Run())
}
