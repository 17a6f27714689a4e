package sqlstore

import (
	"context"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

var (
	_ cdr.WriteProber = (*SQLite)(nil)
	_ cdr.WriteProber = (*Postgres)(nil)
)

// ProbeWrite commits one small real write, so that a readiness check can
// tell whether the database takes writes: nil when it committed, else the
// error translated as every store error is (unavailable for a database
// that is full, failing, read-only or locked beyond the busy timeout).
//
// The probe inserts a row into the probe table whose pad is one page, and
// deletes the row of the previous probe in the same transaction
// (synchronous=FULL, as every write). The new row needs a page of its own
// while the previous one still holds its page, so the probe fails when the
// database can take no page at all: no free page left and no room to grow
// (a full disk, or the max_page_count cap). An upsert of one row in place
// needs no page and succeeds on such a database (TestProbeWriteFull fails
// with it), even with a page-sized pad: SQLite overwrites a row of the same
// size where it is. Like any write
// it also fails when the commit cannot reach the disk. What it cannot
// tell: a database with room for a page but not for a batch of 5,000
// records passes the probe while the batch fails (unavailable) — the
// batch's own error is what says so.
//
// The probe goes through the writer connection, so it waits for a write in
// progress: give it a context with a deadline.
func (s *SQLite) ProbeWrite(ctx context.Context) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return formatError(err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO probe (at, pad) VALUES (?, zeroblob(?))`, s.now().UnixMilli(), s.pageSize)
	if err != nil {
		return formatError(err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return formatError(err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM probe WHERE id <> ?`, id); err != nil {
		return formatError(err)
	}
	return formatError(tx.Commit())
}

// ProbeWrite commits one small real write, so that a readiness check can
// tell whether the database takes writes: it upserts the one row of the
// probe table with the current time. It returns nil when the write
// committed, else the error translated as every store error is: a server
// that is down, unreachable, out of connections or disk
// (SQLSTATE class 53), shutting down, or read-only (a standby, or
// default_transaction_read_only) is unavailable.
func (s *Postgres) ProbeWrite(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO probe (id, at) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET at = excluded.at`, s.now().UnixMilli())
	return formatPGError(err)
}
