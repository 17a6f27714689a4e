// Package sqlstore implements cdr.Store on database/sql. SQLite, through the
// cgo driver github.com/mattn/go-sqlite3, is the embedded default.
//
// Writes go through one connection, so SQLite's single writer is never
// contended inside the process; reads use a separate pool. Every query
// starts with the tenant predicate.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/mattn/go-sqlite3"
)

// SQLite is a cdr.Store on SQLite (its twin on PostgreSQL is Postgres).
type SQLite struct {
	reader            // a pool of query-only connections
	write  *sql.DB    // one connection
	stmts  *stmtCache // statements prepared on write's connection
	now    func() time.Time
	terms  func(*cdr.Record) []cdr.Term
	log    *slog.Logger
	// pageSize is the database's page size, the pad of a write probe
	// (ProbeWrite).
	pageSize int
}

var _ cdr.Store = (*SQLite)(nil)

// Options tunes Open.
type Options struct {
	// CacheMiB is SQLite's page cache per reading connection; 0 means 64.
	// The writing connection gets twice as much.
	CacheMiB int
	// Readers is the size of the read pool; 0 means max(4, 2×GOMAXPROCS).
	Readers int
	// Now is the clock for server times; nil means time.Now.
	Now func() time.Time
	// Terms returns the rendered vendor enum terms of a record
	// (docs/record-model.md §4.0), computed on every write; nil means none.
	Terms func(*cdr.Record) []cdr.Term
	// Lean is for command-line tools that stream through the database
	// once: small caches (CacheMiB defaults to 8) and no memory map, so
	// the process stays small however large the database.
	Lean bool
	// Logger receives what the store reports on its own (permissions
	// tightened, a recovered panic); nil means slog.Default().
	Logger *slog.Logger
	// MaxPageCount caps the SQLite database at this many pages once it is
	// open and migrated (PRAGMA max_page_count on the writing
	// connection), for tests of a full database: a write that needs a page
	// beyond the cap fails as a full disk does (unavailable). SQLite never
	// sets the cap below the database's current size, so 1 means "no
	// growth". 0 means no cap. See also SQLite.SetMaxPageCount.
	MaxPageCount int64
}

// logger returns opt.Logger or the default logger.
func (opt *Options) logger() *slog.Logger {
	if opt.Logger != nil {
		return opt.Logger
	}
	return slog.Default()
}

// OpenSQLite opens (creating if needed) the SQLite database at path and
// brings its schema up to date. The database file is made readable by its
// owner only (privateFiles). Opening a database whose schema is current
// writes nothing.
func OpenSQLite(ctx context.Context, path string, opt Options) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("sqlstore: empty SQLite path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlstore: create data directory: %w", err)
		}
	}
	log := opt.logger()
	if err := privateFiles(path, log); err != nil {
		return nil, err
	}
	driver := driverName
	switch {
	case opt.Lean:
		driver = leanDriverName
		if opt.CacheMiB == 0 {
			opt.CacheMiB = 8
		}
	case opt.CacheMiB == 0:
		opt.CacheMiB = 64
	}
	if opt.Readers == 0 {
		opt.Readers = max(4, 2*runtime.GOMAXPROCS(0))
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &SQLite{reader: reader{d: sqliteDialect}, now: opt.Now, terms: opt.Terms, log: log}
	var err error
	// synchronous=FULL: a committed transaction survives power loss, not
	// only a crash of the process; an acknowledged record is never lost.
	s.write, err = sql.Open(driver, dsn(path, 2*opt.CacheMiB, url.Values{
		"_synchronous": {"FULL"},
		"_txlock":      {"immediate"},
	}))
	if err != nil {
		return nil, err
	}
	s.write.SetMaxOpenConns(1)
	s.write.SetMaxIdleConns(1)
	s.write.SetConnMaxLifetime(0)
	s.write.SetConnMaxIdleTime(0)
	if _, err := migrate(ctx, s.write, sqliteDialect); err != nil {
		s.write.Close()
		return nil, err
	}
	if s.stmts, err = newStmtCache(ctx, s.write); err != nil {
		s.write.Close()
		return nil, formatError(err)
	}
	if err := fillRollups(ctx, s.write, sqliteDialect, s.locked); err != nil {
		s.write.Close()
		return nil, err
	}
	if err := s.write.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&s.pageSize); err != nil {
		s.write.Close()
		return nil, formatError(err)
	}
	if opt.MaxPageCount > 0 {
		if _, err := s.SetMaxPageCount(ctx, opt.MaxPageCount); err != nil {
			s.write.Close()
			return nil, err
		}
	}
	s.db, err = sql.Open(driver, dsn(path, opt.CacheMiB, url.Values{"_query_only": {"true"}}))
	if err != nil {
		s.write.Close()
		return nil, err
	}
	s.db.SetMaxOpenConns(opt.Readers)
	s.db.SetMaxIdleConns(opt.Readers)
	if err := s.db.PingContext(ctx); err != nil {
		s.Close()
		return nil, formatError(err)
	}
	return s, nil
}

// The SQLite driver with cdrhub's per-connection settings, and its lean
// variant for tools (Options.Lean).
const (
	driverName     = "sqlite3_cdrhub"
	leanDriverName = "sqlite3_cdrhub_lean"
)

func init() {
	// Temporary b-trees (sorts, IN lists) in memory; a WAL of up to 64 MiB
	// before a checkpoint, so that pages written by several transactions
	// are copied into the database once.
	const common = "PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 16384;"
	register := func(name, pragmas string) {
		sql.Register(name, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			// For migration 0003, which rewrites the index's trigrams.
			if err := c.RegisterFunc("cdrhub_phone_trigrams", sqlPhoneTrigrams, true); err != nil {
				return err
			}
			_, err := c.Exec(pragmas, nil)
			return err
		}})
	}
	// The service reads through a memory map instead of read() calls.
	register(driverName, common+"PRAGMA mmap_size = 268435456;")
	register(leanDriverName, common)
}

// sqlPhoneTrigrams is the SQL function cdrhub_phone_trigrams(tenant,
// digits): the caller or callee value of record_index for a side's digits
// (phoneTrigrams).
func sqlPhoneTrigrams(tenant, digits string) string {
	sym := tenantSymbols(tenant)
	return phoneTrigrams(&sym, digits)
}

// dsn is the data source name of a connection with a page cache of
// cacheMiB.
func dsn(path string, cacheMiB int, extra url.Values) string {
	v := url.Values{
		"_journal_mode": {"WAL"},
		"_busy_timeout": {"10000"},
		"_foreign_keys": {"on"},
		"_cache_size":   {fmt.Sprint(-cacheMiB * 1024)},
	}
	for k, vs := range extra {
		v[k] = vs
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + v.Encode()
}

// SetMaxPageCount caps the database at n pages, or at its current size if
// that is larger, on the writing connection (PRAGMA max_page_count), and
// returns the cap now in effect; n ≤ 0 lifts the cap. With the cap reached,
// a write that needs a new page fails with SQLITE_FULL, as on a full disk:
// the domain error unavailable. Tests use it to fill the database; see
// Options.MaxPageCount.
func (s *SQLite) SetMaxPageCount(ctx context.Context, n int64) (int64, error) {
	if n <= 0 {
		n = noPageLimit
	}
	var got int64
	if err := s.write.QueryRowContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, n)).Scan(&got); err != nil {
		return 0, formatError(err)
	}
	return got, nil
}

// noPageLimit is SQLite's largest max_page_count, its default.
const noPageLimit = 4294967294

// Close closes both pools.
func (s *SQLite) Close() error {
	return errors.Join(s.db.Close(), s.stmts.close(), s.write.Close())
}

// formatError translates driver errors into domain errors: a database that
// is busy or locked beyond the busy timeout, full (SQLITE_FULL: the disk,
// or the Options.MaxPageCount cap), failing I/O, unopenable or read-only is
// unavailable, a condition of the machine that passes without a change to
// the request; anything else stays as it is and counts as internal. The
// cause stays wrapped for the log.
func formatError(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrFull, sqlite3.ErrIoErr, sqlite3.ErrCantOpen, sqlite3.ErrReadonly:
			return fmt.Errorf("%w: %w", errUnavailable, err)
		}
	}
	return err
}

var errUnavailable = &cdr.Error{Code: cdr.EUNAVAILABLE, Message: "database unavailable"}
