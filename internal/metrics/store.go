package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Store operations, the op label of the store metrics.
const (
	OpUpsert = "upsert"
	OpFind   = "find"
	OpGet    = "get"
	OpPing   = "ping"
	OpStream = "stream"
)

// OutcomeCanceled is the outcome of a store operation whose context was
// canceled (the client went away); it is not a database error.
const OutcomeCanceled = "canceled"

// storeBuckets are the upper bounds (seconds) of
// cdrhub_store_operation_duration_seconds: 100 µs to 10 s.
var storeBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// errorCodes bounds the outcome label to the codes of cdr.
var errorCodes = map[string]bool{
	cdr.EINVALID: true, cdr.EUNAUTHORIZED: true, cdr.EFORBIDDEN: true, cdr.ENOTFOUND: true,
	cdr.ETOOLARGE: true, cdr.EINTERNAL: true, cdr.EUNAVAILABLE: true,
}

// instrumentedStore counts and times the calls of a cdr.Store. Methods it
// does not override (Close, and any added to cdr.Store later) pass through.
type instrumentedStore struct {
	cdr.Store
	upserted *CounterVec   // class
	ops      *CounterVec   // op, outcome
	duration *HistogramVec // op
	dbErrors *CounterVec   // code
}

// InstrumentStore returns s recording into reg:
//
//   - cdrhub_records_upserted_total{class}: records written, by class
//     (inserted, updated, unchanged, stale; disjoint, so unchanged excludes
//     stale). Dry runs are not counted. On a failed upsert, what the store
//     reports as done (the committed batches) is counted.
//   - cdrhub_store_operations_total{op,outcome} and
//     cdrhub_store_operation_duration_seconds{op}: op is upsert, find, get,
//     stream or ping; outcome is ok, canceled (the context was canceled) or the
//     error's cdr code (not_found, invalid, internal, unavailable, …).
//   - cdrhub_database_errors_total{code}: errors with code internal or
//     unavailable (not canceled ones).
func InstrumentStore(s cdr.Store, reg *Registry) cdr.Store {
	is := &instrumentedStore{
		Store:    s,
		upserted: reg.Counter("cdrhub_records_upserted_total", "Records written by upserts, by class (dry runs excluded).", "class"),
		ops:      reg.Counter("cdrhub_store_operations_total", "Store operations, by operation and outcome.", "op", "outcome"),
		duration: reg.Histogram("cdrhub_store_operation_duration_seconds", "Duration of store operations.", storeBuckets, "op"),
		dbErrors: reg.Counter("cdrhub_database_errors_total", "Store errors with code internal or unavailable.", "code"),
	}
	// Create the expected series, so that they read 0 rather than missing.
	for _, c := range []string{"inserted", "updated", "unchanged", "stale"} {
		is.upserted.With(c)
	}
	for _, op := range []string{OpUpsert, OpFind, OpGet, OpPing, OpStream} {
		is.ops.With(op, "ok")
		is.duration.With(op)
	}
	is.dbErrors.With(cdr.EINTERNAL)
	is.dbErrors.With(cdr.EUNAVAILABLE)
	return is
}

func (s *instrumentedStore) UpsertRecords(ctx context.Context, t cdr.TenantID, recs []*cdr.Record, opt cdr.UpsertOptions) (cdr.UpsertResult, error) {
	start := time.Now()
	res, err := s.Store.UpsertRecords(ctx, t, recs, opt)
	s.done(OpUpsert, start, err)
	if !opt.DryRun {
		s.add("inserted", res.Inserted)
		s.add("updated", res.Updated)
		s.add("unchanged", res.Unchanged-res.Stale)
		s.add("stale", res.Stale)
	}
	return res, err
}

func (s *instrumentedStore) FindRecordByID(ctx context.Context, t cdr.TenantID, id string) (*cdr.Record, error) {
	start := time.Now()
	rec, err := s.Store.FindRecordByID(ctx, t, id)
	s.done(OpGet, start, err)
	return rec, err
}

func (s *instrumentedStore) FindRecords(ctx context.Context, t cdr.TenantID, f cdr.Filter) ([]*cdr.Record, int, error) {
	start := time.Now()
	recs, n, err := s.Store.FindRecords(ctx, t, f)
	s.done(OpFind, start, err)
	return recs, n, err
}

func (s *instrumentedStore) StreamRecords(ctx context.Context, t cdr.TenantID, f cdr.Filter, fn func([]byte, cdr.Cursor) error) error {
	start := time.Now()
	err := s.Store.StreamRecords(ctx, t, f, fn)
	s.done(OpStream, start, err)
	return err
}

func (s *instrumentedStore) Ping(ctx context.Context) error {
	start := time.Now()
	err := s.Store.Ping(ctx)
	s.done(OpPing, start, err)
	return err
}

func (s *instrumentedStore) add(class string, n int) {
	if n > 0 {
		s.upserted.With(class).Add(float64(n))
	}
}

// done records one operation.
func (s *instrumentedStore) done(op string, start time.Time, err error) {
	s.duration.With(op).Observe(time.Since(start).Seconds())
	outcome := "ok"
	if err != nil {
		outcome = storeOutcome(err)
	}
	s.ops.With(op, outcome).Inc()
	if outcome == cdr.EINTERNAL || outcome == cdr.EUNAVAILABLE {
		s.dbErrors.With(outcome).Inc()
	}
}

// storeOutcome returns the outcome label of a failed operation.
func storeOutcome(err error) string {
	if errors.Is(err, context.Canceled) {
		return OutcomeCanceled
	}
	if code := cdr.ErrorCode(err); errorCodes[code] {
		return code
	}
	return cdr.EINTERNAL
}
