package sqlstore

import (
	"context"
	"database/sql"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

var (
	_ cdr.Sessions = (*SQLite)(nil)
	_ cdr.Sessions = (*Postgres)(nil)
)

// sessionSQL is the console's sessions (migrations 0010, 0011) on either
// database: the same SQL, rebound for the dialect. Writes go through write
// (SQLite's writer connection), reads through read.
type sessionSQL struct {
	read, write *sql.DB
	d           *dialect
}

func (s *SQLite) sessions() sessionSQL {
	return sessionSQL{read: s.db, write: s.write, d: sqliteDialect}
}

func (s *Postgres) sessions() sessionSQL {
	return sessionSQL{read: s.db, write: s.db, d: postgresDialect}
}

// CreateSession stores a new session.
func (s *SQLite) CreateSession(ctx context.Context, ses cdr.Session) error {
	return s.sessions().create(ctx, ses)
}

// CreateSession stores a new session.
func (s *Postgres) CreateSession(ctx context.Context, ses cdr.Session) error {
	return s.sessions().create(ctx, ses)
}

// Session returns the session with the given ID.
func (s *SQLite) Session(ctx context.Context, id string) (cdr.Session, error) {
	return s.sessions().get(ctx, id)
}

// Session returns the session with the given ID.
func (s *Postgres) Session(ctx context.Context, id string) (cdr.Session, error) {
	return s.sessions().get(ctx, id)
}

// TouchSession moves the session's SeenAt forward to at.
func (s *SQLite) TouchSession(ctx context.Context, id string, at int64) error {
	return s.sessions().touch(ctx, id, at)
}

// TouchSession moves the session's SeenAt forward to at.
func (s *Postgres) TouchSession(ctx context.Context, id string, at int64) error {
	return s.sessions().touch(ctx, id, at)
}

// SetSessionLang sets the session's interface language.
func (s *SQLite) SetSessionLang(ctx context.Context, id string, lang string) error {
	return s.sessions().setLang(ctx, id, lang)
}

// SetSessionLang sets the session's interface language.
func (s *Postgres) SetSessionLang(ctx context.Context, id string, lang string) error {
	return s.sessions().setLang(ctx, id, lang)
}

// DeleteSession deletes the session, if there is one.
func (s *SQLite) DeleteSession(ctx context.Context, id string) error {
	return s.sessions().delete(ctx, id)
}

// DeleteSession deletes the session, if there is one.
func (s *Postgres) DeleteSession(ctx context.Context, id string) error {
	return s.sessions().delete(ctx, id)
}

// DeleteExpiredSessions deletes the sessions last seen before seenBefore
// or created before createdBefore.
func (s *SQLite) DeleteExpiredSessions(ctx context.Context, seenBefore, createdBefore int64) (int, error) {
	return s.sessions().deleteExpired(ctx, seenBefore, createdBefore)
}

// DeleteExpiredSessions deletes the sessions last seen before seenBefore
// or created before createdBefore.
func (s *Postgres) DeleteExpiredSessions(ctx context.Context, seenBefore, createdBefore int64) (int, error) {
	return s.sessions().deleteExpired(ctx, seenBefore, createdBefore)
}

// errNoSession is the error of a session that does not exist.
var errNoSession = cdr.Errorf(cdr.ENOTFOUND, "no such session")

// errSessionLang is the error of a language that cannot be stored.
var errSessionLang = cdr.Errorf(cdr.EINVALID, "session lang: want at most %d bytes of UTF-8 without NUL", cdr.MaxSessionLang)

// create inserts the session unless its ID is taken: ON CONFLICT DO
// NOTHING, then no row inserted is the duplicate, the same on both
// databases whatever their drivers' errors.
func (s sessionSQL) create(ctx context.Context, ses cdr.Session) error {
	if err := ses.Check(); err != nil {
		return err
	}
	// What PostgreSQL's text refuses: invalid UTF-8 and NUL.
	if !storable(ses.Principal) || !storable(ses.CSRF) {
		return cdr.Errorf(cdr.EINVALID, "session principal and csrf: want UTF-8 without NUL")
	}
	if !storable(ses.Lang) {
		return errSessionLang
	}
	admin := 0
	if ses.Admin {
		admin = 1
	}
	changed, err := s.d.changed(s.write.ExecContext(ctx, s.d.rebind(`INSERT INTO console_sessions
			(id, tenant_id, principal, admin, csrf, lang, created_at, seen_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
		ses.ID, ses.Tenant.String(), ses.Principal, admin, ses.CSRF, ses.Lang, ses.CreatedAt, ses.SeenAt))
	if err != nil {
		return err
	}
	if !changed {
		return cdr.Errorf(cdr.EINVALID, "session id: already in use")
	}
	return nil
}

func (s sessionSQL) get(ctx context.Context, id string) (cdr.Session, error) {
	if !cdr.IsSessionID(id) {
		return cdr.Session{}, errNoSession
	}
	var (
		ses    cdr.Session
		tenant string
		admin  int64
	)
	err := s.read.QueryRowContext(ctx, s.d.rebind(`SELECT id, tenant_id, principal, admin, csrf, lang, created_at, seen_at
		FROM console_sessions WHERE id = ?`), id).
		Scan(&ses.ID, &tenant, &ses.Principal, &admin, &ses.CSRF, &ses.Lang, &ses.CreatedAt, &ses.SeenAt)
	if err == sql.ErrNoRows {
		return cdr.Session{}, errNoSession
	}
	if err != nil {
		return cdr.Session{}, s.d.formatError(err)
	}
	if ses.Tenant, err = cdr.NewTenantID(tenant); err != nil {
		return cdr.Session{}, err
	}
	ses.Admin = admin != 0
	return ses, nil
}

// touch sets seen_at to at when that is later, in one statement. The row
// counts as affected whether or not seen_at changed, on both databases, so
// no row affected is no session.
func (s sessionSQL) touch(ctx context.Context, id string, at int64) error {
	if !cdr.IsSessionID(id) {
		return errNoSession
	}
	changed, err := s.d.changed(s.write.ExecContext(ctx, s.d.rebind(`UPDATE console_sessions
		SET seen_at = CASE WHEN seen_at < ? THEN ? ELSE seen_at END WHERE id = ?`), at, at, id))
	if err != nil {
		return err
	}
	if !changed {
		return errNoSession
	}
	return nil
}

// setLang sets lang, in one statement; as with touch, no row affected is
// no session.
func (s sessionSQL) setLang(ctx context.Context, id string, lang string) error {
	if !cdr.IsSessionID(id) {
		return errNoSession
	}
	if len(lang) > cdr.MaxSessionLang || !storable(lang) {
		return errSessionLang
	}
	changed, err := s.d.changed(s.write.ExecContext(ctx, s.d.rebind(`UPDATE console_sessions SET lang = ? WHERE id = ?`), lang, id))
	if err != nil {
		return err
	}
	if !changed {
		return errNoSession
	}
	return nil
}

func (s sessionSQL) delete(ctx context.Context, id string) error {
	if !cdr.IsSessionID(id) {
		return nil
	}
	_, err := s.write.ExecContext(ctx, s.d.rebind(`DELETE FROM console_sessions WHERE id = ?`), id)
	return s.d.formatError(err)
}

// deleteExpired is one statement; the indexes on seen_at and on
// created_at serve the two sides of its OR.
func (s sessionSQL) deleteExpired(ctx context.Context, seenBefore, createdBefore int64) (int, error) {
	res, err := s.write.ExecContext(ctx, s.d.rebind(`DELETE FROM console_sessions WHERE seen_at < ? OR created_at < ?`),
		seenBefore, createdBefore)
	if err != nil {
		return 0, s.d.formatError(err)
	}
	n, err := res.RowsAffected()
	return int(n), s.d.formatError(err)
}
