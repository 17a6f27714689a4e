package cdr

import "context"

// Store keeps records. Every method takes the tenant it acts for right after
// the context; no method can reach another tenant's records.
type Store interface {
	// UpsertRecords writes recs for tenant t under the version rule of
	// docs/record-model.md §2, overwriting each record's tenant with t. With
	// dryRun it classifies without writing. Records are prepared
	// (Record.Prepare) by the store; an invalid record fails the call before
	// anything is written.
	UpsertRecords(ctx context.Context, t TenantID, recs []*Record, opt UpsertOptions) (UpsertResult, error)
	// FindRecordByID returns the record with the given id, Raw included,
	// whether it is a shadow or not, or an error with code not_found.
	FindRecordByID(ctx context.Context, t TenantID, id string) (*Record, error)
	// FindRecords returns the records matching f in f's order, at most
	// f.Limit of them, and when f.Count the number of all matching records
	// (ignoring Offset, Limit and After), else -1.
	FindRecords(ctx context.Context, t TenantID, f Filter) ([]*Record, int, error)
	// StreamRecords calls fn with the JSON of each record matching f, in
	// f's order, as the APIs write a record (with raw only when f.WithRaw),
	// and with its
	// position in the (start_at, id) order. It reads one consistent
	// snapshot and never holds more than one record; the slice is reused
	// after fn returns. f.Count is ignored.
	StreamRecords(ctx context.Context, t TenantID, f Filter, fn func(rec []byte, at Cursor) error) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// UpsertOptions tunes UpsertRecords.
type UpsertOptions struct {
	DryRun bool  // classify only
	Now    int64 // server time in ms for created_at/updated_at and default versions; 0 = clock
}

// UpsertResult counts what an upsert did. Stale records are also counted as
// unchanged. Outcomes holds one entry per input record, in input order.
type UpsertResult struct {
	Inserted  int       `json:"inserted"`
	Updated   int       `json:"updated"`
	Unchanged int       `json:"unchanged"`
	Stale     int       `json:"stale"`
	Outcomes  []Outcome `json:"-"`
}

// Add counts one outcome.
func (r *UpsertResult) Add(o Outcome) {
	r.Outcomes = append(r.Outcomes, o)
	switch o {
	case OutcomeInserted:
		r.Inserted++
	case OutcomeUpdated:
		r.Updated++
	case OutcomeStale:
		r.Stale++
		r.Unchanged++
	default:
		r.Unchanged++
	}
}

// Merge adds the counts and outcomes of o to r.
func (r *UpsertResult) Merge(o UpsertResult) {
	for _, x := range o.Outcomes {
		r.Add(x)
	}
}

// A store may do more than Store: each further capability is an interface
// of its own below (and SyncState, in sync.go), which the concrete store implements and which is passed
// explicitly, as a value, to the code that needs it (cmd/cdrhub's openStore
// returns each beside the Store). A capability is never found by a type
// assertion on a Store: a decorator (metrics.InstrumentStore, the health
// check's Database.Store) implements Store's methods only, so an assertion
// on it finds nothing, and one on the undecorated store bypasses the
// decorator. A decorator wraps each capability it instruments on its own
// (metrics.InstrumentPruner, metrics.InstrumentWriteProber).

// Pruner is the retention side of a store.
type Pruner interface {
	// Prune deletes the records of tenant t that started before before
	// (ms), shadows included, in short transactions of a bounded number of
	// records each, so that writers and readers are never held up for
	// long, and returns how many it deleted.
	Prune(ctx context.Context, t TenantID, before int64) (int64, error)
	// Tenants lists the tenants that have records.
	Tenants(ctx context.Context) ([]TenantID, error)
}

// WriteProber tells whether the database takes writes, for a readiness
// check: a database that answers reads may still refuse every write (a full
// disk, a read-only replica after a failover).
type WriteProber interface {
	// ProbeWrite commits one small real write and returns nil, or the
	// write's error, translated like any other (unavailable for a full,
	// failing, read-only or locked database). It waits behind a write in
	// progress: call it with a deadline.
	ProbeWrite(ctx context.Context) error
}

// SchemaVersioner reports the schema of a store's database.
type SchemaVersioner interface {
	// SchemaVersion returns the highest applied migration.
	SchemaVersion(ctx context.Context) (int, error)
}
