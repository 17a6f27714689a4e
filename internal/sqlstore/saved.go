package sqlstore

import (
	"context"
	"database/sql"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

var (
	_ cdr.SavedSearches = (*SQLite)(nil)
	_ cdr.SavedSearches = (*Postgres)(nil)
)

// savedLock is the first key of the per-owner advisory locks of saved
// searches on PostgreSQL; the second is hashtext of the tenant and owner.
const savedLock = 0x63647273 // "cdrs"

// savedSQL is the console's saved searches (migration 0011) on either
// database: the same SQL, rebound for the dialect. Writes go through write
// (SQLite's writer connection), reads through read.
//
// SaveSearch counts the owner's searches and inserts one in a transaction,
// and RenameSearch checks the new name and updates in one; neither may
// interleave with another of the same owner. SQLite's write transactions
// exclude each other (BEGIN IMMEDIATE); on PostgreSQL each first takes the
// owner's advisory lock (lock), since under READ COMMITTED two
// transactions would both count the same rows.
type savedSQL struct {
	read, write *sql.DB
	d           *dialect
	// lock is the statement that takes the owner's lock at the start of
	// a write transaction, with the lock's key as its parameter; "" on
	// SQLite.
	lock string
}

func (s *SQLite) saved() savedSQL {
	return savedSQL{read: s.db, write: s.write, d: sqliteDialect}
}

func (s *Postgres) saved() savedSQL {
	return savedSQL{read: s.db, write: s.db, d: postgresDialect,
		lock: `SELECT pg_advisory_xact_lock(?, hashtext(?))`}
}

// SaveSearch stores a new saved search of t.
func (s *SQLite) SaveSearch(ctx context.Context, t cdr.TenantID, ss cdr.SavedSearch, now int64) (cdr.SavedSearch, error) {
	return s.saved().save(ctx, t, ss, now)
}

// SaveSearch stores a new saved search of t.
func (s *Postgres) SaveSearch(ctx context.Context, t cdr.TenantID, ss cdr.SavedSearch, now int64) (cdr.SavedSearch, error) {
	return s.saved().save(ctx, t, ss, now)
}

// SavedSearches lists owner's saved searches in t, by name.
func (s *SQLite) SavedSearches(ctx context.Context, t cdr.TenantID, owner string) ([]cdr.SavedSearch, error) {
	return s.saved().list(ctx, t, owner)
}

// SavedSearches lists owner's saved searches in t, by name.
func (s *Postgres) SavedSearches(ctx context.Context, t cdr.TenantID, owner string) ([]cdr.SavedSearch, error) {
	return s.saved().list(ctx, t, owner)
}

// RenameSearch renames owner's saved search id.
func (s *SQLite) RenameSearch(ctx context.Context, t cdr.TenantID, owner string, id int64, name string, now int64) error {
	return s.saved().rename(ctx, t, owner, id, name, now)
}

// RenameSearch renames owner's saved search id.
func (s *Postgres) RenameSearch(ctx context.Context, t cdr.TenantID, owner string, id int64, name string, now int64) error {
	return s.saved().rename(ctx, t, owner, id, name, now)
}

// DeleteSearch deletes owner's saved search id.
func (s *SQLite) DeleteSearch(ctx context.Context, t cdr.TenantID, owner string, id int64) error {
	return s.saved().delete(ctx, t, owner, id)
}

// DeleteSearch deletes owner's saved search id.
func (s *Postgres) DeleteSearch(ctx context.Context, t cdr.TenantID, owner string, id int64) error {
	return s.saved().delete(ctx, t, owner, id)
}

var (
	// errNoSavedSearch is the error of a saved search the owner does not
	// have.
	errNoSavedSearch = cdr.Errorf(cdr.ENOTFOUND, "no such saved search")
	// errSavedSearchName is the error of a name the owner already uses.
	errSavedSearchName = cdr.Errorf(cdr.EINVALID, "name: already in use")
	// errSavedSearchLimit is the error of one saved search too many.
	errSavedSearchLimit = cdr.Errorf(cdr.EINVALID, "saved searches: at most %d", cdr.MaxSavedSearches)
)

// isOwner reports whether owner can own a saved search (SavedSearch.Check
// accepts it and both databases store it as it is); no stored search has
// another owner, so none is looked for.
func isOwner(owner string) bool {
	return owner != "" && len(owner) <= cdr.MaxSessionField && storable(owner)
}

// begin starts a write transaction holding t's and owner's lock.
func (s savedSQL) begin(ctx context.Context, t cdr.TenantID, owner string) (*sql.Tx, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.d.formatError(err)
	}
	if s.lock != "" {
		// A space separates them: no tenant ID has one.
		if _, err := tx.ExecContext(ctx, s.d.rebind(s.lock), savedLock, t.String()+" "+owner); err != nil {
			tx.Rollback()
			return nil, s.d.formatError(err)
		}
	}
	return tx, nil
}

// save counts the owner's searches and inserts the new one in one
// transaction, under the owner's lock (savedSQL). A taken name is found as
// session create finds a taken ID: ON CONFLICT DO NOTHING, then no row
// returned is no row inserted, the same on both databases whatever their
// drivers' errors.
func (s savedSQL) save(ctx context.Context, t cdr.TenantID, ss cdr.SavedSearch, now int64) (cdr.SavedSearch, error) {
	if t.IsZero() {
		return cdr.SavedSearch{}, cdr.ErrNoTenant
	}
	if err := ss.Check(); err != nil {
		return cdr.SavedSearch{}, err
	}
	// What PostgreSQL's text refuses: invalid UTF-8 and NUL.
	if !storable(ss.Owner) {
		return cdr.SavedSearch{}, cdr.Errorf(cdr.EINVALID, "owner: want UTF-8 without NUL")
	}
	tx, err := s.begin(ctx, t, ss.Owner)
	if err != nil {
		return cdr.SavedSearch{}, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT count(*) FROM console_saved_searches
		WHERE tenant_id = ? AND owner = ?`), t.String(), ss.Owner).Scan(&n); err != nil {
		return cdr.SavedSearch{}, s.d.formatError(err)
	}
	if n >= cdr.MaxSavedSearches {
		return cdr.SavedSearch{}, errSavedSearchLimit
	}
	err = tx.QueryRowContext(ctx, s.d.rebind(`INSERT INTO console_saved_searches
			(tenant_id, owner, name, query, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, owner, name) DO NOTHING
		RETURNING id`), t.String(), ss.Owner, ss.Name, ss.Query, now, now).Scan(&ss.ID)
	if err == sql.ErrNoRows {
		return cdr.SavedSearch{}, errSavedSearchName
	}
	if err != nil {
		return cdr.SavedSearch{}, s.d.formatError(err)
	}
	if err := tx.Commit(); err != nil {
		return cdr.SavedSearch{}, s.d.formatError(err)
	}
	ss.CreatedAt, ss.UpdatedAt = now, now
	return ss, nil
}

// list reads the owner's searches through the unique index on (tenant_id,
// owner, name), in its order.
func (s savedSQL) list(ctx context.Context, t cdr.TenantID, owner string) ([]cdr.SavedSearch, error) {
	if t.IsZero() {
		return nil, cdr.ErrNoTenant
	}
	if !isOwner(owner) {
		return nil, nil
	}
	rows, err := s.read.QueryContext(ctx, s.d.rebind(`SELECT id, owner, name, query, created_at, updated_at
		FROM console_saved_searches WHERE tenant_id = ? AND owner = ? ORDER BY name, id`), t.String(), owner)
	if err != nil {
		return nil, s.d.formatError(err)
	}
	defer rows.Close()
	var list []cdr.SavedSearch
	for rows.Next() {
		var ss cdr.SavedSearch
		if err := rows.Scan(&ss.ID, &ss.Owner, &ss.Name, &ss.Query, &ss.CreatedAt, &ss.UpdatedAt); err != nil {
			return nil, s.d.formatError(err)
		}
		list = append(list, ss)
	}
	return list, s.d.formatError(rows.Err())
}

// rename looks for the search and for another of the owner's with the new
// name, then updates, in one transaction under the owner's lock
// (savedSQL), so that a taken name is told apart from a missing search
// without parsing a driver's error. Renaming a search to its own name
// moves only updated_at.
func (s savedSQL) rename(ctx context.Context, t cdr.TenantID, owner string, id int64, name string, now int64) error {
	if t.IsZero() {
		return cdr.ErrNoTenant
	}
	if err := cdr.CheckSavedSearchName(name); err != nil {
		return err
	}
	if !isOwner(owner) {
		return errNoSavedSearch
	}
	tx, err := s.begin(ctx, t, owner)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var found, taken int
	if err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT
			(SELECT count(*) FROM console_saved_searches WHERE tenant_id = ? AND owner = ? AND id = ?),
			(SELECT count(*) FROM console_saved_searches WHERE tenant_id = ? AND owner = ? AND name = ? AND id <> ?)`),
		t.String(), owner, id, t.String(), owner, name, id).Scan(&found, &taken); err != nil {
		return s.d.formatError(err)
	}
	switch {
	case found == 0:
		return errNoSavedSearch
	case taken != 0:
		return errSavedSearchName
	}
	if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE console_saved_searches SET name = ?, updated_at = ?
		WHERE tenant_id = ? AND owner = ? AND id = ?`), name, now, t.String(), owner, id); err != nil {
		return s.d.formatError(err)
	}
	return s.d.formatError(tx.Commit())
}

// delete is one statement; no row affected is no such search of the
// owner's.
func (s savedSQL) delete(ctx context.Context, t cdr.TenantID, owner string, id int64) error {
	if t.IsZero() {
		return cdr.ErrNoTenant
	}
	if !isOwner(owner) {
		return errNoSavedSearch
	}
	changed, err := s.d.changed(s.write.ExecContext(ctx, s.d.rebind(`DELETE FROM console_saved_searches
		WHERE tenant_id = ? AND owner = ? AND id = ?`), t.String(), owner, id))
	if err != nil {
		return err
	}
	if !changed {
		return errNoSavedSearch
	}
	return nil
}
