// Package health tells whether the database answers and takes writes, for
// GET /readyz. A database that answers reads may still refuse every write
// (a full disk, a read-only replica after a failover): Database watches the
// outcome of every write through the store it wraps, and once a write has
// failed with a database error it reports the database not writable until
// a write succeeds, trying a one-row probe write itself at most every
// ProbeInterval while it fails.
package health

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/metrics"
)

// ProbeInterval is the least time between two probe writes of Writable.
const ProbeInterval = 10 * time.Second

// ErrNotWritable is Writable's answer while writes fail.
var ErrNotWritable = errors.New("database not writable")

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Database tracks the health of one database.
type Database struct {
	db     Pinger
	probe  cdr.WriteProber // nil: only writes through Store end a failure
	now    func() time.Time
	errors *metrics.CounterVec

	mu        sync.Mutex
	failing   bool
	lastProbe time.Time
}

// New returns the health of db, probing writes with probe, the store's
// write prober (nil for none), and counting failed writes in reg as
// cdrhub_database_write_errors_total.
func New(db Pinger, probe cdr.WriteProber, reg *metrics.Registry) *Database {
	d := &Database{db: db, probe: probe, now: time.Now,
		errors: reg.Counter("cdrhub_database_write_errors_total", "Writes the database failed (code internal or unavailable; client errors and canceled requests excluded).")}
	d.errors.With()
	return d
}

// Ping reports whether the database answers.
func (d *Database) Ping(ctx context.Context) error { return d.db.Ping(ctx) }

// Writable returns nil unless the last write failed with a database error
// and no write has succeeded since. While failing it tries a probe write,
// at most once every ProbeInterval, and recovers when that succeeds.
func (d *Database) Writable(ctx context.Context) error {
	d.mu.Lock()
	if !d.failing {
		d.mu.Unlock()
		return nil
	}
	now := d.now()
	if d.probe == nil || now.Sub(d.lastProbe) < ProbeInterval {
		d.mu.Unlock()
		return ErrNotWritable
	}
	d.lastProbe = now
	d.mu.Unlock()
	err := d.probe.ProbeWrite(ctx)
	d.observe(ctx, err)
	if err != nil {
		return ErrNotWritable
	}
	return nil
}

// observe records the outcome of a write: a database error (internal or
// unavailable, not caused by the caller's context ending) starts a failure,
// a success ends one, and a client error says nothing of the database.
func (d *Database) observe(ctx context.Context, err error) {
	if err != nil {
		code := cdr.ErrorCode(err)
		if ctx.Err() != nil || errors.Is(err, context.Canceled) || code != cdr.EINTERNAL && code != cdr.EUNAVAILABLE {
			return
		}
		d.errors.With().Inc()
	}
	d.mu.Lock()
	d.failing = err != nil
	d.mu.Unlock()
}

// Store returns s reporting the outcome of every write (UpsertRecords, dry
// runs excluded) to d. A failure is any database error; a success is an
// upsert that inserted or updated a record.
func (d *Database) Store(s cdr.Store) cdr.Store { return &store{Store: s, d: d} }

type store struct {
	cdr.Store
	d *Database
}

func (s *store) UpsertRecords(ctx context.Context, t cdr.TenantID, recs []*cdr.Record, opt cdr.UpsertOptions) (cdr.UpsertResult, error) {
	res, err := s.Store.UpsertRecords(ctx, t, recs, opt)
	// Only a failure, or a success that wrote (unchanged records may write
	// nothing), says something of the database.
	if !opt.DryRun && (err != nil || res.Inserted+res.Updated > 0) {
		s.d.observe(ctx, err)
	}
	return res, err
}
