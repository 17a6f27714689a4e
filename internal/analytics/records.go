package analytics

import (
	"context"
	"encoding/json"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// MaxRecords bounds the records a result computed from records reads
// (FromRecords); a window holding more is refused, to be narrowed.
const MaxRecords = 200_000

// StreamFunc streams the records of one tenant that match f, as
// cdr.Store.StreamRecords does.
type StreamFunc func(ctx context.Context, f cdr.Filter, fn func(rec []byte, at cdr.Cursor) error) error

// FromRecords computes q's result from the records matching f, streamed
// and folded one at a time (Folder): the answer for filters the rollups do
// not keep. f's page (limit, cursor, count) is ignored; the caller sets
// its window, within q's (a record counts when it matches f and its
// bucket lies in q's window). More than MaxRecords matching records is an
// invalid query.
func FromRecords(ctx context.Context, q *Query, f cdr.Filter, stream StreamFunc) (*Result, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	f.Limit, f.Offset, f.After, f.Count = 0, 0, nil, false
	fold := NewFolder(q)
	n := 0
	err := stream(ctx, f, func(rec []byte, _ cdr.Cursor) error {
		if n++; n > MaxRecords {
			return cdr.Errorf(cdr.EINVALID, "the window holds more than %d records matching filters the rollups do not keep; narrow the window", MaxRecords)
		}
		var r cdr.Record
		if err := json.Unmarshal(rec, &r); err != nil {
			return cdr.Errorf(cdr.EINTERNAL, "a stored record: %v", err)
		}
		return fold.Add(&r)
	})
	if err != nil {
		return nil, err
	}
	return fold.Result(), nil
}
