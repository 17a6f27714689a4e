package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// reader is the read side both stores share: every query is built by
// query.go and differs between the databases only by its dialect.
type reader struct {
	db *sql.DB
	d  *dialect
}

// Ping reports whether the database answers a query.
func (s *reader) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return s.d.formatError(err)
	}
	return nil
}

// choose lets the dialect pick the query's access path.
func (s *reader) choose(ctx context.Context, q *query) error {
	if s.d.choose == nil {
		return nil
	}
	return s.d.choose(ctx, s.db, q)
}

// FindRecordByID returns the record with the given id, shadows and raw
// included.
func (s *reader) FindRecordByID(ctx context.Context, t cdr.TenantID, id string) (*cdr.Record, error) {
	if t.IsZero() {
		return nil, cdr.ErrNoTenant
	}
	row := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT id, version, created_at, updated_at, doc, raw FROM records WHERE tenant_id = ? AND id = ?`), t.String(), id)
	r, err := scanRecord(row.Scan, true, s.d)
	if err == sql.ErrNoRows {
		return nil, cdr.Errorf(cdr.ENOTFOUND, "record %s not found", id)
	}
	return r, err
}

// FindRecords returns the records matching f and, with f.Count, their number.
func (s *reader) FindRecords(ctx context.Context, t cdr.TenantID, f cdr.Filter) ([]*cdr.Record, int, error) {
	if t.IsZero() {
		return nil, 0, cdr.ErrNoTenant
	}
	q, err := buildQuery(t, &f)
	if err != nil {
		return nil, 0, err
	}
	if err := s.choose(ctx, q); err != nil {
		return nil, 0, err
	}
	total := -1
	if f.Count {
		if total, err = s.count(ctx, t, q, &f); err != nil {
			return nil, 0, err
		}
	}
	cols := "r.id, r.version, r.created_at, r.updated_at, r.doc, NULL"
	if f.WithRaw {
		cols = "r.id, r.version, r.created_at, r.updated_at, r.doc, r.raw"
	}
	sqlText, args := q.selectSQL(s.d, cols, &f)
	rows, err := s.db.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, 0, s.d.formatError(err)
	}
	defer rows.Close()
	var recs []*cdr.Record
	for rows.Next() {
		r, err := scanRecord(rows.Scan, f.WithRaw, s.d)
		if err != nil {
			return nil, 0, err
		}
		recs = append(recs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.d.formatError(err)
	}
	return recs, total, nil
}

// smallMatch is the most record_index matches read by pk and sorted; more
// are found by walking the time index.
const smallMatch = 2000

// chooseDriver decides, for a SQLite query whose only index lookups are
// record_index matches of unknown size (agents, queues, tags), whether to
// read the matches and sort them (few) or to walk the time index and test
// each record (many): it counts the matches up to smallMatch.
func chooseDriver(ctx context.Context, db *sql.DB, q *query) error {
	if q.selective || len(q.keys) == 0 && q.substr == "" {
		return nil
	}
	_, args := ftsIndex(q)
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT docid FROM record_index WHERE record_index MATCH ? LIMIT ?)`,
		args[0], smallMatch+1).Scan(&n)
	if err != nil {
		return formatError(err)
	}
	q.selective = n <= smallMatch
	q.driven = q.selective
	return nil
}

func scanRecord(scan func(...any) error, withRaw bool, d *dialect) (*cdr.Record, error) {
	var id string
	var doc []byte
	var raw []byte
	var version, created, updated int64
	if err := scan(&id, &version, &created, &updated, &doc, &raw); err != nil {
		if err == sql.ErrNoRows {
			return nil, err
		}
		return nil, d.formatError(err)
	}
	r := &cdr.Record{}
	if err := json.Unmarshal(doc, r); err != nil {
		return nil, fmt.Errorf("decode stored record: %w", err)
	}
	r.ID, r.Version, r.CreatedAt, r.UpdatedAt = id, version, created, updated
	if withRaw && raw != nil {
		r.Raw = json.RawMessage(raw)
	}
	return r, nil
}

// StreamRecords calls fn with the JSON of every record matching f, in f's
// order, as the APIs write it (with raw when f.WithRaw): the stored document spliced
// with the store-kept fields, never decoded. The records come from one
// read transaction, so an export is a consistent snapshot however long it
// runs. f.Limit, f.Offset and f.After apply; f.Count is ignored. The slice
// passed to fn is reused after fn returns.
func (s *reader) StreamRecords(ctx context.Context, t cdr.TenantID, f cdr.Filter, fn func(rec []byte, at cdr.Cursor) error) error {
	if t.IsZero() {
		return cdr.ErrNoTenant
	}
	q, err := buildQuery(t, &f)
	if err != nil {
		return err
	}
	if err := s.choose(ctx, q); err != nil {
		return err
	}
	cols := "r.id, r.version, r.created_at, r.updated_at, r.start_at, r.doc, NULL"
	if f.WithRaw {
		cols = "r.id, r.version, r.created_at, r.updated_at, r.start_at, r.doc, r.raw"
	}
	sqlText, args := q.selectSQL(s.d, cols, &f)
	rows, err := s.db.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return s.d.formatError(err)
	}
	defer rows.Close()
	var buf []byte
	for rows.Next() {
		var id string
		var version, created, updated, start int64
		var doc, raw []byte
		if err := rows.Scan(&id, &version, &created, &updated, &start, &doc, &raw); err != nil {
			return s.d.formatError(err)
		}
		if buf, err = cdr.AppendJSONRaw(buf[:0], doc, raw, id, version, created, updated); err != nil {
			return err
		}
		if err := fn(buf, cdr.Cursor{StartAt: start, ID: id}); err != nil {
			return err
		}
	}
	return s.d.formatError(rows.Err())
}
