package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Store operations, the op label of the store metrics: those of cdr.Store
// (InstrumentStore), and those of each capability beside it, instrumented
// where it is passed (InstrumentPruner, InstrumentWriteProber).
const (
	OpUpsert     = "upsert"
	OpFind       = "find"
	OpGet        = "get"
	OpPing       = "ping"
	OpStream     = "stream"
	OpPrune      = "prune"
	OpTenants    = "tenants"
	OpProbeWrite = "probe_write"
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

// storeOps are the operation metrics every instrumented store and
// capability of a registry shares.
type storeOps struct {
	ops      *CounterVec   // op, outcome
	duration *HistogramVec // op
	dbErrors *CounterVec   // code
}

// newStoreOps registers (or finds) the operation metrics in reg and creates
// the series of ops, so that they read 0 rather than missing.
func newStoreOps(reg *Registry, ops ...string) storeOps {
	o := storeOps{
		ops:      reg.Counter("cdrhub_store_operations_total", "Store operations, by operation and outcome.", "op", "outcome"),
		duration: reg.Histogram("cdrhub_store_operation_duration_seconds", "Duration of store operations.", storeBuckets, "op"),
		dbErrors: reg.Counter("cdrhub_database_errors_total", "Store errors with code internal or unavailable.", "code"),
	}
	for _, op := range ops {
		o.ops.With(op, "ok")
		o.duration.With(op)
	}
	o.dbErrors.With(cdr.EINTERNAL)
	o.dbErrors.With(cdr.EUNAVAILABLE)
	return o
}

// instrumentedStore counts and times the calls of a cdr.Store. It
// implements every method of cdr.Store itself, so that a method added to
// the interface does not compile here until it is instrumented (or passed
// through on purpose, as Close is).
type instrumentedStore struct {
	storeOps
	s        cdr.Store
	upserted *CounterVec // class
}

var _ cdr.Store = (*instrumentedStore)(nil)

// InstrumentStore returns s recording into reg:
//
//   - cdrhub_records_upserted_total{class}: records written, by class
//     (inserted, updated, unchanged, stale; disjoint, so unchanged excludes
//     stale). Dry runs are not counted. On a failed upsert, what the store
//     reports as done (the committed batches) is counted.
//   - cdrhub_store_operations_total{op,outcome} and
//     cdrhub_store_operation_duration_seconds{op}: op is upsert, find, get,
//     stream or ping (and, for the capabilities instrumented beside the
//     store, prune, tenants and probe_write); outcome is ok, canceled (the
//     context was canceled) or the error's cdr code (not_found, invalid,
//     internal, unavailable, …).
//   - cdrhub_database_errors_total{code}: errors with code internal or
//     unavailable (not canceled ones).
//
// The result is a cdr.Store and nothing more: the store's other
// capabilities are instrumented where they are passed, each on its own
// (InstrumentPruner, InstrumentWriteProber).
func InstrumentStore(s cdr.Store, reg *Registry) cdr.Store {
	is := &instrumentedStore{
		storeOps: newStoreOps(reg, OpUpsert, OpFind, OpGet, OpPing, OpStream),
		s:        s,
		upserted: reg.Counter("cdrhub_records_upserted_total", "Records written by upserts, by class (dry runs excluded).", "class"),
	}
	for _, c := range []string{"inserted", "updated", "unchanged", "stale"} {
		is.upserted.With(c)
	}
	return is
}

// InstrumentPruner returns p recording its calls into reg as InstrumentStore
// does, with op prune and tenants.
func InstrumentPruner(p cdr.Pruner, reg *Registry) cdr.Pruner {
	return &instrumentedPruner{storeOps: newStoreOps(reg, OpPrune, OpTenants), p: p}
}

type instrumentedPruner struct {
	storeOps
	p cdr.Pruner
}

func (ip *instrumentedPruner) Prune(ctx context.Context, t cdr.TenantID, before int64) (int64, error) {
	start := time.Now()
	n, err := ip.p.Prune(ctx, t, before)
	ip.done(OpPrune, start, err)
	return n, err
}

func (ip *instrumentedPruner) Tenants(ctx context.Context) ([]cdr.TenantID, error) {
	start := time.Now()
	ts, err := ip.p.Tenants(ctx)
	ip.done(OpTenants, start, err)
	return ts, err
}

// InstrumentWriteProber returns p recording its calls into reg as
// InstrumentStore does, with op probe_write.
func InstrumentWriteProber(p cdr.WriteProber, reg *Registry) cdr.WriteProber {
	return &instrumentedProber{storeOps: newStoreOps(reg, OpProbeWrite), p: p}
}

type instrumentedProber struct {
	storeOps
	p cdr.WriteProber
}

func (ip *instrumentedProber) ProbeWrite(ctx context.Context) error {
	start := time.Now()
	err := ip.p.ProbeWrite(ctx)
	ip.done(OpProbeWrite, start, err)
	return err
}

func (s *instrumentedStore) UpsertRecords(ctx context.Context, t cdr.TenantID, recs []*cdr.Record, opt cdr.UpsertOptions) (cdr.UpsertResult, error) {
	start := time.Now()
	res, err := s.s.UpsertRecords(ctx, t, recs, opt)
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
	rec, err := s.s.FindRecordByID(ctx, t, id)
	s.done(OpGet, start, err)
	return rec, err
}

func (s *instrumentedStore) FindRecords(ctx context.Context, t cdr.TenantID, f cdr.Filter) ([]*cdr.Record, int, error) {
	start := time.Now()
	recs, n, err := s.s.FindRecords(ctx, t, f)
	s.done(OpFind, start, err)
	return recs, n, err
}

func (s *instrumentedStore) StreamRecords(ctx context.Context, t cdr.TenantID, f cdr.Filter, fn func([]byte, cdr.Cursor) error) error {
	start := time.Now()
	err := s.s.StreamRecords(ctx, t, f, fn)
	s.done(OpStream, start, err)
	return err
}

func (s *instrumentedStore) Ping(ctx context.Context) error {
	start := time.Now()
	err := s.s.Ping(ctx)
	s.done(OpPing, start, err)
	return err
}

// Close closes the store; it is not an operation of the metrics.
func (s *instrumentedStore) Close() error { return s.s.Close() }

func (s *instrumentedStore) add(class string, n int) {
	if n > 0 {
		s.upserted.With(class).Add(float64(n))
	}
}

// done records one operation.
func (s storeOps) done(op string, start time.Time, err error) {
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
