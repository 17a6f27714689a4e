package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

var (
	_ cdr.SyncState = (*SQLite)(nil)
	_ cdr.SyncState = (*Postgres)(nil)
)

// syncSQL is the sync engine's state (migrations 0004 and 0005) on either database:
// the same SQL, rebound for the dialect. Writes go through write (SQLite's
// writer connection), reads through read.
type syncSQL struct {
	read, write *sql.DB
	d           *dialect
}

func (s *SQLite) sync() syncSQL   { return syncSQL{read: s.db, write: s.write, d: sqliteDialect} }
func (s *Postgres) sync() syncSQL { return syncSQL{read: s.db, write: s.db, d: postgresDialect} }

// Checkpoint returns the end of the last verified window of t's source.
func (s *SQLite) Checkpoint(ctx context.Context, t cdr.TenantID, source cdr.Source) (int64, error) {
	return s.sync().checkpoint(ctx, t, source)
}

// Checkpoint returns the end of the last verified window of t's source.
func (s *Postgres) Checkpoint(ctx context.Context, t cdr.TenantID, source cdr.Source) (int64, error) {
	return s.sync().checkpoint(ctx, t, source)
}

// RecordWindow writes w's audit row and, when advance, moves the
// checkpoint forward to w.To, in one transaction.
func (s *SQLite) RecordWindow(ctx context.Context, t cdr.TenantID, w cdr.SyncWindow, advance bool) error {
	return s.sync().recordWindow(ctx, t, w, advance)
}

// RecordWindow writes w's audit row and, when advance, moves the
// checkpoint forward to w.To, in one transaction.
func (s *Postgres) RecordWindow(ctx context.Context, t cdr.TenantID, w cdr.SyncWindow, advance bool) error {
	return s.sync().recordWindow(ctx, t, w, advance)
}

// SyncWindows lists the audit rows of t's source in the order recorded.
func (s *SQLite) SyncWindows(ctx context.Context, t cdr.TenantID, source cdr.Source, afterID int64, limit int) ([]cdr.SyncWindow, error) {
	return s.sync().windows(ctx, t, source, afterID, limit)
}

// SyncWindows lists the audit rows of t's source in the order recorded.
func (s *Postgres) SyncWindows(ctx context.Context, t cdr.TenantID, source cdr.Source, afterID int64, limit int) ([]cdr.SyncWindow, error) {
	return s.sync().windows(ctx, t, source, afterID, limit)
}

// SetSyncError records the source's last error.
func (s *SQLite) SetSyncError(ctx context.Context, t cdr.TenantID, source cdr.Source, e cdr.SyncError) error {
	return s.sync().setError(ctx, t, source, e)
}

// SetSyncError records the source's last error.
func (s *Postgres) SetSyncError(ctx context.Context, t cdr.TenantID, source cdr.Source, e cdr.SyncError) error {
	return s.sync().setError(ctx, t, source, e)
}

// ClearSyncError removes the source's last error.
func (s *SQLite) ClearSyncError(ctx context.Context, t cdr.TenantID, source cdr.Source) error {
	return s.sync().clearError(ctx, t, source)
}

// ClearSyncError removes the source's last error.
func (s *Postgres) ClearSyncError(ctx context.Context, t cdr.TenantID, source cdr.Source) error {
	return s.sync().clearError(ctx, t, source)
}

// RecordRun records the source's last run.
func (s *SQLite) RecordRun(ctx context.Context, t cdr.TenantID, source cdr.Source, r cdr.SyncRun) error {
	return s.sync().recordRun(ctx, t, source, r)
}

// RecordRun records the source's last run.
func (s *Postgres) RecordRun(ctx context.Context, t cdr.TenantID, source cdr.Source, r cdr.SyncRun) error {
	return s.sync().recordRun(ctx, t, source, r)
}

// SyncSources returns the status of each of t's sources.
func (s *SQLite) SyncSources(ctx context.Context, t cdr.TenantID, now time.Time) ([]cdr.SyncStatus, error) {
	return s.sync().sources(ctx, t, now)
}

// SyncSources returns the status of each of t's sources.
func (s *Postgres) SyncSources(ctx context.Context, t cdr.TenantID, now time.Time) ([]cdr.SyncStatus, error) {
	return s.sync().sources(ctx, t, now)
}

// AcquireLease gives the source's lease to h when it is free, expired or
// already h's.
func (s *SQLite) AcquireLease(ctx context.Context, t cdr.TenantID, source cdr.Source, h cdr.LeaseHolder, ttl time.Duration, now time.Time) (cdr.Lease, bool, error) {
	return s.sync().acquire(ctx, t, source, h, ttl, now)
}

// AcquireLease gives the source's lease to h when it is free, expired or
// already h's.
func (s *Postgres) AcquireLease(ctx context.Context, t cdr.TenantID, source cdr.Source, h cdr.LeaseHolder, ttl time.Duration, now time.Time) (cdr.Lease, bool, error) {
	return s.sync().acquire(ctx, t, source, h, ttl, now)
}

// RenewLease extends the lease if h still holds it.
func (s *SQLite) RenewLease(ctx context.Context, t cdr.TenantID, source cdr.Source, h cdr.LeaseHolder, ttl time.Duration, now time.Time) (bool, error) {
	return s.sync().renew(ctx, t, source, h, ttl, now)
}

// RenewLease extends the lease if h still holds it.
func (s *Postgres) RenewLease(ctx context.Context, t cdr.TenantID, source cdr.Source, h cdr.LeaseHolder, ttl time.Duration, now time.Time) (bool, error) {
	return s.sync().renew(ctx, t, source, h, ttl, now)
}

// ReleaseLease frees the lease if h holds it.
func (s *SQLite) ReleaseLease(ctx context.Context, t cdr.TenantID, source cdr.Source, h cdr.LeaseHolder) (bool, error) {
	return s.sync().release(ctx, t, source, h)
}

// ReleaseLease frees the lease if h holds it.
func (s *Postgres) ReleaseLease(ctx context.Context, t cdr.TenantID, source cdr.Source, h cdr.LeaseHolder) (bool, error) {
	return s.sync().release(ctx, t, source, h)
}

// TakeOverLease gives the lease to to if from holds it.
func (s *SQLite) TakeOverLease(ctx context.Context, t cdr.TenantID, source cdr.Source, from, to cdr.LeaseHolder, ttl time.Duration, now time.Time) (bool, error) {
	return s.sync().takeOver(ctx, t, source, from, to, ttl, now)
}

// TakeOverLease gives the lease to to if from holds it.
func (s *Postgres) TakeOverLease(ctx context.Context, t cdr.TenantID, source cdr.Source, from, to cdr.LeaseHolder, ttl time.Duration, now time.Time) (bool, error) {
	return s.sync().takeOver(ctx, t, source, from, to, ttl, now)
}

// checkKey refuses the zero tenant and a source that is not a vendor's.
func checkKey(t cdr.TenantID, source cdr.Source) error {
	if t.IsZero() {
		return cdr.ErrNoTenant
	}
	return cdr.CheckSyncSource(source)
}

func (s syncSQL) checkpoint(ctx context.Context, t cdr.TenantID, source cdr.Source) (int64, error) {
	if err := checkKey(t, source); err != nil {
		return 0, err
	}
	var cp int64
	err := s.read.QueryRowContext(ctx, s.d.rebind(`SELECT checkpoint FROM sync_sources WHERE tenant_id = ? AND source = ?`),
		t.String(), string(source)).Scan(&cp)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return cp, s.d.formatError(err)
}

func (s syncSQL) recordWindow(ctx context.Context, t cdr.TenantID, w cdr.SyncWindow, advance bool) error {
	if t.IsZero() {
		return cdr.ErrNoTenant
	}
	if err := w.Check(); err != nil {
		return err
	}
	if advance && w.Outcome != cdr.WindowVerified {
		return cdr.Errorf(cdr.EINVALID, "a %s window cannot advance the checkpoint", w.Outcome)
	}
	var cp, verified int64
	if advance {
		cp = w.To
	}
	if w.Outcome == cdr.WindowVerified {
		verified = 1
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.d.formatError(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO sync_windows (tenant_id, source, from_at, to_at,
			vendor_count, pages, inserted, updated, unchanged, rejected, started_at, finished_at, outcome, error_code, error_message)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		t.String(), string(w.Source), w.From, w.To, w.VendorCount, w.Pages, w.Inserted, w.Updated, w.Unchanged, w.Rejected,
		w.StartedAt, w.FinishedAt, string(w.Outcome), null(w.ErrorCode), null(w.ErrorMessage)); err != nil {
		return s.d.formatError(err)
	}
	if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO sync_sources (tenant_id, source, checkpoint, windows_verified,
			records_inserted, records_updated, records_unchanged, records_rejected)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, source) DO UPDATE SET
			checkpoint = CASE WHEN excluded.checkpoint > sync_sources.checkpoint THEN excluded.checkpoint ELSE sync_sources.checkpoint END,
			windows_verified = sync_sources.windows_verified + excluded.windows_verified,
			records_inserted = sync_sources.records_inserted + excluded.records_inserted,
			records_updated = sync_sources.records_updated + excluded.records_updated,
			records_unchanged = sync_sources.records_unchanged + excluded.records_unchanged,
			records_rejected = sync_sources.records_rejected + excluded.records_rejected`),
		t.String(), string(w.Source), cp, verified, w.Inserted, w.Updated, w.Unchanged, w.Rejected); err != nil {
		return s.d.formatError(err)
	}
	return s.d.formatError(tx.Commit())
}

// windowColumns are the columns of a cdr.SyncWindow, in scanWindow's order.
const windowColumns = `id, source, from_at, to_at, vendor_count, pages, inserted, updated, unchanged, rejected,
	started_at, finished_at, outcome, error_code, error_message`

type scanner interface{ Scan(dest ...any) error }

func scanWindow(r scanner, w *cdr.SyncWindow) error {
	var source, outcome string
	var code, msg sql.NullString
	if err := r.Scan(&w.ID, &source, &w.From, &w.To, &w.VendorCount, &w.Pages, &w.Inserted, &w.Updated, &w.Unchanged, &w.Rejected,
		&w.StartedAt, &w.FinishedAt, &outcome, &code, &msg); err != nil {
		return err
	}
	w.Source, w.Outcome, w.ErrorCode, w.ErrorMessage = cdr.Source(source), cdr.WindowOutcome(outcome), code.String, msg.String
	return nil
}

func (s syncSQL) windows(ctx context.Context, t cdr.TenantID, source cdr.Source, afterID int64, limit int) ([]cdr.SyncWindow, error) {
	if err := checkKey(t, source); err != nil {
		return nil, err
	}
	switch {
	case limit == 0:
		limit = cdr.MaxSyncWindows
	case limit < 0 || limit > cdr.MaxSyncWindows:
		return nil, cdr.Errorf(cdr.EINVALID, "limit %d: want 1 to %d", limit, cdr.MaxSyncWindows)
	}
	rows, err := s.read.QueryContext(ctx, s.d.rebind(`SELECT `+windowColumns+` FROM sync_windows
		WHERE tenant_id = ? AND source = ? AND id > ? ORDER BY id LIMIT ?`), t.String(), string(source), afterID, limit)
	if err != nil {
		return nil, s.d.formatError(err)
	}
	defer rows.Close()
	var ws []cdr.SyncWindow
	for rows.Next() {
		var w cdr.SyncWindow
		if err := scanWindow(rows, &w); err != nil {
			return nil, s.d.formatError(err)
		}
		ws = append(ws, w)
	}
	return ws, s.d.formatError(rows.Err())
}

func (s syncSQL) setError(ctx context.Context, t cdr.TenantID, source cdr.Source, e cdr.SyncError) error {
	if err := checkKey(t, source); err != nil {
		return err
	}
	if err := e.Check(); err != nil {
		return err
	}
	_, err := s.write.ExecContext(ctx, s.d.rebind(`INSERT INTO sync_sources (tenant_id, source, error_code, error_message, error_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, source) DO UPDATE SET
			error_code = excluded.error_code, error_message = excluded.error_message, error_at = excluded.error_at`),
		t.String(), string(source), e.Code, e.Message, e.At)
	return s.d.formatError(err)
}

func (s syncSQL) clearError(ctx context.Context, t cdr.TenantID, source cdr.Source) error {
	if err := checkKey(t, source); err != nil {
		return err
	}
	_, err := s.write.ExecContext(ctx, s.d.rebind(`UPDATE sync_sources SET error_code = NULL, error_message = NULL, error_at = NULL
		WHERE tenant_id = ? AND source = ? AND error_code IS NOT NULL`), t.String(), string(source))
	return s.d.formatError(err)
}

func (s syncSQL) recordRun(ctx context.Context, t cdr.TenantID, source cdr.Source, r cdr.SyncRun) error {
	if err := checkKey(t, source); err != nil {
		return err
	}
	if err := r.Check(); err != nil {
		return err
	}
	_, err := s.write.ExecContext(ctx, s.d.rebind(`INSERT INTO sync_sources (tenant_id, source, run_started_at, run_finished_at, run_outcome)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, source) DO UPDATE SET
			run_started_at = excluded.run_started_at, run_finished_at = excluded.run_finished_at, run_outcome = excluded.run_outcome`),
		t.String(), string(source), r.StartedAt, r.FinishedAt, string(r.Outcome))
	return s.d.formatError(err)
}

func (s syncSQL) sources(ctx context.Context, t cdr.TenantID, now time.Time) ([]cdr.SyncStatus, error) {
	if t.IsZero() {
		return nil, cdr.ErrNoTenant
	}
	// The sources are those with a state row or a live lease; the last
	// window of each is its greatest id, one probe of sync_windows_source
	// per source.
	at := now.UnixMilli()
	rows, err := s.read.QueryContext(ctx, s.d.rebind(`SELECT k.source, s.checkpoint, s.windows_verified,
			s.records_inserted, s.records_updated, s.records_unchanged, s.records_rejected,
			s.error_code, s.error_message, s.error_at, s.run_started_at, s.run_finished_at, s.run_outcome,
			l.holder_id, l.holder_host, l.holder_pid, l.acquired_at, l.expires_at,
			w.id, w.from_at, w.to_at, w.vendor_count, w.pages, w.inserted, w.updated, w.unchanged, w.rejected,
			w.started_at, w.finished_at, w.outcome, w.error_code, w.error_message
		FROM (SELECT source FROM sync_sources WHERE tenant_id = ?
			UNION SELECT source FROM sync_leases WHERE tenant_id = ? AND expires_at > ?) k
		LEFT JOIN sync_sources s ON s.tenant_id = ? AND s.source = k.source
		LEFT JOIN sync_leases l ON l.tenant_id = ? AND l.source = k.source AND l.expires_at > ?
		LEFT JOIN sync_windows w ON w.tenant_id = ? AND w.id = (
			SELECT max(id) FROM sync_windows WHERE tenant_id = ? AND source = k.source)
		ORDER BY k.source`), t.String(), t.String(), at, t.String(), t.String(), at, t.String(), t.String())
	if err != nil {
		return nil, s.d.formatError(err)
	}
	defer rows.Close()
	var out []cdr.SyncStatus
	for rows.Next() {
		st, err := scanStatus(rows)
		if err != nil {
			return nil, s.d.formatError(err)
		}
		out = append(out, st)
	}
	return out, s.d.formatError(rows.Err())
}

// scanStatus scans a row of sources' query.
func scanStatus(r scanner) (cdr.SyncStatus, error) {
	var (
		st                                       cdr.SyncStatus
		source                                   string
		cp, verified, ins, upd, unch, rej        sql.NullInt64
		errCode, errMsg, runOutcome              sql.NullString
		errAt, runStart, runFinish               sql.NullInt64
		lID, lHost                               sql.NullString
		lPID, lAcquired, lExpires                sql.NullInt64
		wID, wFrom, wTo, wStart, wFinish         sql.NullInt64
		wVendor, wPages, wIns, wUpd, wUnch, wRej sql.NullInt64
		wOutcome, wCode, wMsg                    sql.NullString
	)
	if err := r.Scan(&source, &cp, &verified, &ins, &upd, &unch, &rej,
		&errCode, &errMsg, &errAt, &runStart, &runFinish, &runOutcome,
		&lID, &lHost, &lPID, &lAcquired, &lExpires,
		&wID, &wFrom, &wTo, &wVendor, &wPages, &wIns, &wUpd, &wUnch, &wRej,
		&wStart, &wFinish, &wOutcome, &wCode, &wMsg); err != nil {
		return st, err
	}
	st.Source, st.Checkpoint, st.WindowsVerified = cdr.Source(source), cp.Int64, verified.Int64
	st.Records = cdr.SyncCounts{Inserted: ins.Int64, Updated: upd.Int64, Unchanged: unch.Int64, Rejected: rej.Int64}
	if errCode.Valid {
		st.LastError = &cdr.SyncError{Code: errCode.String, Message: errMsg.String, At: errAt.Int64}
	}
	if runOutcome.Valid {
		st.LastRun = &cdr.SyncRun{StartedAt: runStart.Int64, FinishedAt: runFinish.Int64, Outcome: cdr.RunOutcome(runOutcome.String)}
	}
	if lID.Valid {
		st.Lease = &cdr.Lease{Holder: cdr.LeaseHolder{ID: lID.String, Host: lHost.String, PID: int(lPID.Int64)},
			AcquiredAt: lAcquired.Int64, ExpiresAt: lExpires.Int64}
	}
	if wID.Valid {
		st.LastWindow = &cdr.SyncWindow{
			ID: wID.Int64, Source: st.Source, From: wFrom.Int64, To: wTo.Int64,
			VendorCount: int(wVendor.Int64), Pages: int(wPages.Int64),
			Inserted: int(wIns.Int64), Updated: int(wUpd.Int64), Unchanged: int(wUnch.Int64), Rejected: int(wRej.Int64),
			StartedAt: wStart.Int64, FinishedAt: wFinish.Int64, Outcome: cdr.WindowOutcome(wOutcome.String),
			ErrorCode: wCode.String, ErrorMessage: wMsg.String,
		}
	}
	return st, nil
}

// checkLease checks what every lease change takes.
func checkLease(t cdr.TenantID, source cdr.Source, ttl time.Duration, now time.Time, hs ...cdr.LeaseHolder) error {
	if err := checkKey(t, source); err != nil {
		return err
	}
	for _, h := range hs {
		if err := h.Check(); err != nil {
			return err
		}
	}
	return cdr.CheckLeaseTerms(ttl, now)
}

// acquire is one INSERT … ON CONFLICT DO UPDATE … WHERE: the row is taken
// when it is absent, expired or h's, atomically on both databases
// (PostgreSQL locks the conflicting row and evaluates the WHERE on its
// latest version). When the statement changed nothing, the same
// transaction reads the holder in the way.
func (s syncSQL) acquire(ctx context.Context, t cdr.TenantID, source cdr.Source, h cdr.LeaseHolder, ttl time.Duration, now time.Time) (cdr.Lease, bool, error) {
	if err := checkLease(t, source, ttl, now, h); err != nil {
		return cdr.Lease{}, false, err
	}
	at := now.UnixMilli()
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return cdr.Lease{}, false, s.d.formatError(err)
	}
	defer tx.Rollback()
	var l cdr.Lease
	err = scanLease(tx.QueryRowContext(ctx, s.d.rebind(`INSERT INTO sync_leases (tenant_id, source, holder_id, holder_host, holder_pid, acquired_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, source) DO UPDATE SET
			holder_id = excluded.holder_id, holder_host = excluded.holder_host, holder_pid = excluded.holder_pid,
			acquired_at = CASE WHEN sync_leases.expires_at > excluded.acquired_at THEN sync_leases.acquired_at ELSE excluded.acquired_at END,
			expires_at = excluded.expires_at
		WHERE sync_leases.expires_at <= excluded.acquired_at
			OR (sync_leases.holder_id = excluded.holder_id AND sync_leases.holder_host = excluded.holder_host AND sync_leases.holder_pid = excluded.holder_pid)
		RETURNING holder_id, holder_host, holder_pid, acquired_at, expires_at`),
		t.String(), string(source), h.ID, h.Host, h.PID, at, at+ttl.Milliseconds()), &l)
	got := err == nil
	if err == sql.ErrNoRows {
		err = scanLease(tx.QueryRowContext(ctx, s.d.rebind(`SELECT holder_id, holder_host, holder_pid, acquired_at, expires_at
			FROM sync_leases WHERE tenant_id = ? AND source = ?`), t.String(), string(source)), &l)
	}
	if err != nil {
		return cdr.Lease{}, false, s.d.formatError(err)
	}
	if err := tx.Commit(); err != nil {
		return cdr.Lease{}, false, s.d.formatError(err)
	}
	return l, got, nil
}

func scanLease(r scanner, l *cdr.Lease) error {
	return r.Scan(&l.Holder.ID, &l.Holder.Host, &l.Holder.PID, &l.AcquiredAt, &l.ExpiresAt)
}

// holderIs is the predicate of a lease held by the holder of the next
// three parameters.
const holderIs = `tenant_id = ? AND source = ? AND holder_id = ? AND holder_host = ? AND holder_pid = ?`

func (s syncSQL) renew(ctx context.Context, t cdr.TenantID, source cdr.Source, h cdr.LeaseHolder, ttl time.Duration, now time.Time) (bool, error) {
	if err := checkLease(t, source, ttl, now, h); err != nil {
		return false, err
	}
	return s.d.changed(s.write.ExecContext(ctx, s.d.rebind(`UPDATE sync_leases SET expires_at = ? WHERE `+holderIs),
		now.UnixMilli()+ttl.Milliseconds(), t.String(), string(source), h.ID, h.Host, h.PID))
}

func (s syncSQL) release(ctx context.Context, t cdr.TenantID, source cdr.Source, h cdr.LeaseHolder) (bool, error) {
	if err := checkKey(t, source); err != nil {
		return false, err
	}
	if err := h.Check(); err != nil {
		return false, err
	}
	return s.d.changed(s.write.ExecContext(ctx, s.d.rebind(`DELETE FROM sync_leases WHERE `+holderIs),
		t.String(), string(source), h.ID, h.Host, h.PID))
}

func (s syncSQL) takeOver(ctx context.Context, t cdr.TenantID, source cdr.Source, from, to cdr.LeaseHolder, ttl time.Duration, now time.Time) (bool, error) {
	if err := checkLease(t, source, ttl, now, from, to); err != nil {
		return false, err
	}
	at := now.UnixMilli()
	return s.d.changed(s.write.ExecContext(ctx, s.d.rebind(`UPDATE sync_leases
		SET holder_id = ?, holder_host = ?, holder_pid = ?, acquired_at = ?, expires_at = ? WHERE `+holderIs),
		to.ID, to.Host, to.PID, at, at+ttl.Milliseconds(), t.String(), string(source), from.ID, from.Host, from.PID))
}
