package sqlstore

import (
	"context"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// pruneBatch is the most records one retention transaction deletes.
var pruneBatch = 5000

var (
	_ cdr.Pruner = (*SQLite)(nil)
	_ cdr.Pruner = (*Postgres)(nil)
)

// Tenants lists the tenants that have records.
func (s *reader) Tenants(ctx context.Context) ([]cdr.TenantID, error) {
	return distinctTenants(ctx, s.db, s.d, "records")
}

// Prune deletes t's records that started before before, oldest first, in
// transactions of pruneBatch records along records_start, with their
// record_index entries. Each transaction also subtracts its records from
// record_counts and raises t's pruned mark to before: kpi_rollup keeps
// their sums (docs/design.md, Rollups).
func (s *SQLite) Prune(ctx context.Context, t cdr.TenantID, before int64) (int64, error) {
	if t.IsZero() {
		return 0, cdr.ErrNoTenant
	}
	// (start_at, id) orders the batch totally, so that its three
	// statements select the same records.
	const batch = `SELECT pk FROM records WHERE tenant_id = ? AND start_at < ? ORDER BY start_at, id LIMIT ?`
	var total int64
	for {
		tx, err := s.write.BeginTx(ctx, nil)
		if err != nil {
			return total, formatError(err)
		}
		if err := pruneRollups(ctx, sqlTx{tx, s.stmts}, t.String(), "pk", batch, before); err != nil {
			tx.Rollback()
			return total, formatError(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM record_index WHERE docid IN (`+batch+`)`, t.String(), before, pruneBatch); err != nil {
			tx.Rollback()
			return total, formatError(err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM records WHERE pk IN (`+batch+`)`, t.String(), before, pruneBatch)
		if err != nil {
			tx.Rollback()
			return total, formatError(err)
		}
		if err := tx.Commit(); err != nil {
			return total, formatError(err)
		}
		n, _ := res.RowsAffected()
		total += n
		if n < int64(pruneBatch) {
			return total, nil
		}
	}
}

// Prune deletes t's records that started before before, oldest first, in
// transactions of pruneBatch records along records_start. Each takes the
// tenant's write lock, so that an upsert never classifies against a
// record that a prune is deleting, subtracts its records from
// record_counts and raises t's pruned mark to before: kpi_rollup keeps
// their sums (docs/design.md, Rollups).
func (s *Postgres) Prune(ctx context.Context, t cdr.TenantID, before int64) (int64, error) {
	if t.IsZero() {
		return 0, cdr.ErrNoTenant
	}
	var total int64
	for {
		tx, err := s.pool.Begin(ctx)
		if err != nil {
			return total, formatPGError(err)
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, tenantLock, t.String()); err != nil {
			tx.Rollback(ctx)
			return total, formatPGError(err)
		}
		// (start_at, id) orders the batch totally, so that both statements
		// select the same records.
		if err := pruneRollups(ctx, pgTx{tx}, t.String(), "id", `SELECT id FROM records WHERE tenant_id = ? AND start_at < ? ORDER BY start_at, id LIMIT ?`, before); err != nil {
			tx.Rollback(ctx)
			return total, formatPGError(err)
		}
		tag, err := tx.Exec(ctx, `DELETE FROM records WHERE tenant_id = $1 AND id IN (
			SELECT id FROM records WHERE tenant_id = $1 AND start_at < $2 ORDER BY start_at, id LIMIT $3)`, t.String(), before, pruneBatch)
		if err != nil {
			tx.Rollback(ctx)
			return total, formatPGError(err)
		}
		if err := tx.Commit(ctx); err != nil {
			return total, formatPGError(err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < int64(pruneBatch) {
			return total, nil
		}
	}
}

// pruneRollups does a prune batch's part in the rollups, before it deletes
// the records batch selects (with the tenant, before and pruneBatch):
// subtract them from record_counts, and raise the pruned mark to before.
func pruneRollups(ctx context.Context, tx rollupTx, tenant, key, batch string, before int64) error {
	if err := raiseMark(ctx, tx, tenant, before); err != nil {
		return err
	}
	return pruneCounts(ctx, tx, tenant, key, batch, tenant, before, pruneBatch)
}
