package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// migrationLock is the PostgreSQL advisory lock key held while migrating,
// so that processes starting together apply each migration once.
const migrationLock = 0x63647268 // "cdrh"

// migrationFile is one NNNN_name.sql file of a dialect's directory.
type migrationFile struct {
	version int
	name    string // path in migrations
}

// migrationFiles lists the dialect's migrations in order.
func migrationFiles(d *dialect) ([]migrationFile, error) {
	names, err := fs.Glob(migrations, "migrations/"+d.name+"/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	files := make([]migrationFile, 0, len(names))
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migrate: %s: want NNNN_name.sql", base)
		}
		files = append(files, migrationFile{version, name})
	}
	return files, nil
}

// migrate applies, in order, every NNNN_name.sql file of the dialect's
// directory not yet recorded in schema_migrations, each in its own
// transaction, and returns the versions it applied.
//
// It first reads which versions are applied, outside any write
// transaction: when none is pending it returns without writing, taking a
// lock or starting a write transaction, so that a store opens on a
// database that cannot take writes (a full disk; a PostgreSQL connection
// with default_transaction_read_only) as long as its schema is current.
// Only a pending migration takes PostgreSQL's advisory lock (SQLite's
// write lock is each migration's BEGIN IMMEDIATE), under which every
// version is checked again.
func migrate(ctx context.Context, db *sql.DB, d *dialect) (applied []int, err error) {
	files, err := migrationFiles(d)
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", d.formatError(err))
	}
	defer conn.Close()
	done, err := appliedVersions(ctx, conn, d)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", d.formatError(err))
	}
	pending := false
	for _, f := range files {
		pending = pending || !done[f.version]
	}
	if !pending {
		return nil, nil
	}
	if d == postgresDialect {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
			return nil, fmt.Errorf("migrate: %w", d.formatError(err))
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("migrate: %w", d.formatError(err))
	}
	for _, f := range files {
		if done[f.version] {
			continue
		}
		ok, err := migrateFile(ctx, conn, d, f.name, f.version)
		if err != nil {
			return applied, fmt.Errorf("migrate %s: %w", path.Base(f.name), d.formatError(err))
		}
		if ok {
			applied = append(applied, f.version)
		}
	}
	return applied, nil
}

// appliedVersions reads the versions recorded in schema_migrations, none
// when the table does not exist yet. It only reads.
func appliedVersions(ctx context.Context, conn *sql.Conn, d *dialect) (map[int]bool, error) {
	exists := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if d == postgresDialect {
		// Where CREATE TABLE would create it: the first schema of the
		// search path, not any schema on it.
		exists = `SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'`
	}
	var n int
	if err := conn.QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return nil, err
	}
	done := map[int]bool{}
	if n == 0 {
		return done, nil
	}
	rows, err := conn.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		done[v] = true
	}
	return done, rows.Err()
}

func migrateFile(ctx context.Context, conn *sql.Conn, d *dialect, name string, version int) (bool, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, d.rebind(`SELECT count(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	body, err := fs.ReadFile(migrations, name)
	if err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		version, path.Base(name), time.Now().Unix()); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

var (
	_ cdr.SchemaVersioner = (*SQLite)(nil)
	_ cdr.SchemaVersioner = (*Postgres)(nil)
)

// SchemaVersion returns the highest applied migration.
func (s *reader) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, s.d.formatError(err)
	}
	return int(v.Int64), nil
}
