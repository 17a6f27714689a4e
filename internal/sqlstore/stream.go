package sqlstore

import (
	"context"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// StreamRecords calls fn with the JSON of every record matching f, in f's
// order, as the APIs write it (without raw): the stored document spliced
// with the store-kept fields, never decoded. The records come from one
// read transaction, so an export is a consistent snapshot however long it
// runs. f.Limit, f.Offset and f.After apply; f.Count is ignored. The slice
// passed to fn is reused after fn returns.
func (s *Store) StreamRecords(ctx context.Context, t cdr.TenantID, f cdr.Filter, fn func(rec []byte, at cdr.Cursor) error) error {
	if t.IsZero() {
		return cdr.ErrNoTenant
	}
	q, err := buildQuery(t, &f)
	if err != nil {
		return err
	}
	if err := s.chooseDriver(ctx, q); err != nil {
		return err
	}
	sqlText, args := q.selectSQL("r.id, r.version, r.created_at, r.updated_at, r.start_at, r.doc", &f)
	rows, err := s.read.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return formatError(err)
	}
	defer rows.Close()
	var buf []byte
	for rows.Next() {
		var id string
		var version, created, updated, start int64
		var doc []byte
		if err := rows.Scan(&id, &version, &created, &updated, &start, &doc); err != nil {
			return formatError(err)
		}
		if buf, err = cdr.AppendJSON(buf[:0], doc, id, version, created, updated); err != nil {
			return err
		}
		if err := fn(buf, cdr.Cursor{StartAt: start, ID: id}); err != nil {
			return err
		}
	}
	return formatError(rows.Err())
}
