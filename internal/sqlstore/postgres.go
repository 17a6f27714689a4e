package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// Postgres is a cdr.Store on PostgreSQL (13 or later), through pgx.
//
// Reads share the query builder with SQLite through database/sql. Writes
// use pgx directly: each batch takes the tenant's advisory lock, reads the
// stored versions of its keys, classifies every record with cdr.Classify
// while COPYing the new ones into records, and applies replacements through
// a staging table and one UPDATE. During bulk loads a batch skips the read
// and lets the primary key prove its keys new (upsertAllNew).
type Postgres struct {
	reader
	pool *pgxpool.Pool
	// allNew is set while batches bring only new keys: the next batch
	// tries the optimistic path (upsertAllNew).
	allNew atomic.Bool
	now    func() time.Time
	terms  func(*cdr.Record) []cdr.Term
	log    *slog.Logger

	// Statistics upkeep (analyze.go).
	stats statsKeeper
}

var _ cdr.Store = (*Postgres)(nil)

// OpenPostgres connects to the PostgreSQL database of dsn (a URL or
// key=value string, as libpq takes) and brings its schema up to date.
// Options.Readers sizes the connection pool; CacheMiB and Lean do not
// apply.
func OpenPostgres(ctx context.Context, dsn string, opt Options) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message quotes the DSN, password included.
		return nil, errors.New("sqlstore: invalid PostgreSQL DSN")
	}
	rp := cfg.ConnConfig.RuntimeParams
	if rp["application_name"] == "" {
		rp["application_name"] = "cdrhub"
	}
	// Plan every execution with its parameter values: a cached generic
	// plan cannot tell an offset of 10 from one of 10,000, or a tenant of
	// a hundred records from one of millions (docs/benchmarks.md).
	// TestPlanCacheMode checks that it holds on pooled connections.
	rp["plan_cache_mode"] = "force_custom_plan"
	if opt.Readers == 0 {
		opt.Readers = 8
	}
	cfg.MaxConns = int32(opt.Readers) + 2
	// A server that does not answer at all (a dropped route rather than a
	// refused connection) fails a request in seconds instead of holding it;
	// connect_timeout in the DSN overrides this.
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	cfg.HealthCheckPeriod = 5 * time.Second
	if opt.Now == nil {
		opt.Now = time.Now
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %w", formatPGError(err))
	}
	s := &Postgres{reader: reader{db: stdlib.OpenDBFromPool(pool), d: postgresDialect}, pool: pool, now: opt.Now, terms: opt.Terms, log: opt.logger()}
	s.allNew.Store(true)
	if _, err := migrate(ctx, s.db, postgresDialect); err != nil {
		s.Close()
		return nil, err
	}
	if err := fillRollups(ctx, s.db, postgresDialect, s.locked); err != nil {
		s.Close()
		return nil, err
	}
	s.stats.start(ctx, s.pool)
	return s, nil
}

// Close closes the pool.
func (s *Postgres) Close() error {
	s.stats.stop()
	err := s.db.Close()
	s.pool.Close()
	return err
}

// formatPGError translates pgx errors into domain errors: a server that is
// down, restarting, out of connections or unreachable is unavailable;
// anything else stays as it is and counts as internal. The cause stays
// wrapped for the log.
func formatPGError(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"),                           // insufficient resources
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", // shutdown, cannot connect now
			pe.Code == "25006": // read-only transaction: a standby after failover
			return fmt.Errorf("%w: %w", errUnavailable, err)
		}
		return err
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), pgconn.SafeToRetry(err), strings.Contains(err.Error(), "conn closed"):
		return fmt.Errorf("%w: %w", errUnavailable, err)
	}
	return err
}

// tenantLock is the first key of the per-tenant advisory locks; the second
// is hashtext(tenant).
const tenantLock = 0x63647274 // "cdrt"

// UpsertRecords writes recs for tenant t under the version rule of
// docs/record-model.md §2, in transactions of at most batchSize records.
// Records with the same key apply in input order.
func (s *Postgres) UpsertRecords(ctx context.Context, t cdr.TenantID, recs []*cdr.Record, opt cdr.UpsertOptions) (cdr.UpsertResult, error) {
	res, err := upsert(ctx, t, recs, opt, s.now, s.terms, s.log, true, s.upsertBatch)
	if !opt.DryRun {
		s.stats.inserted(res.Inserted)
	}
	return res, err
}

// change is what a batch does, after its COPY, to a key: replace the
// record (a later version, or a record inserted earlier in the same batch)
// or move its version only.
type change struct {
	replace bool
	row     []any // pgColumns, when replace
	version int64
}

// batchSource classifies a batch's records in input order, against the
// stored versions and the records before them, and yields the new ones
// to COPY as it goes: the database ingests while the pipeline still
// encodes. Later changes to keys already stored, or inserted earlier in
// the batch, are kept for after the COPY, one per key with its last state.
type batchSource struct {
	recs    []*cdr.Record
	p       *pipeline
	off     int
	stored  map[string]*cdr.Stored
	res     *cdr.UpsertResult
	changes map[string]*change
	order   []string // keys of changes, in first-change order
	i       int
	cur     []any
	err     error
	// roll is the batch's rollup delta (nil in a dry run), and replaced
	// the keys stored before the batch that it replaces, whose stored
	// records the delta removes once read (rollupChanges).
	roll     *rollupBatch
	replaced []string
}

func newBatchSource(recs []*cdr.Record, p *pipeline, off int, stored map[string]*cdr.Stored, res *cdr.UpsertResult, roll *rollupBatch) *batchSource {
	return &batchSource{recs: recs, p: p, off: off, stored: stored, res: res, changes: map[string]*change{}, roll: roll}
}

func (b *batchSource) Next() bool {
	for b.err == nil && b.i < len(b.recs) {
		r := b.recs[b.i]
		rw, err := b.p.get(b.off + b.i)
		b.i++
		if err != nil {
			b.err = err
			return false
		}
		st := b.stored[r.ID]
		o, bump := cdr.Classify(st, r.Version, r.Hash)
		b.res.Add(o)
		switch {
		case o == cdr.OutcomeInserted:
			b.stored[r.ID] = &cdr.Stored{Version: r.Version, Hash: r.Hash}
			b.cur = rw.values
			if b.roll != nil {
				b.roll.inserted(r)
			}
			return true
		case o == cdr.OutcomeUpdated:
			st.Version, st.Hash = r.Version, r.Hash
			if b.roll != nil && !b.roll.replaced(r) {
				b.replaced = append(b.replaced, r.ID)
			}
			c := b.change(r.ID)
			c.replace, c.row, c.version = true, rw.values, r.Version
		case bump:
			st.Version = r.Version
			b.change(r.ID).version = r.Version
		}
	}
	return false
}

func (b *batchSource) change(id string) *change {
	c := b.changes[id]
	if c == nil {
		c = &change{}
		b.changes[id] = c
		b.order = append(b.order, id)
	}
	return c
}

func (b *batchSource) Values() ([]any, error) { return b.cur, nil }
func (b *batchSource) Err() error             { return b.err }

func (s *Postgres) upsertBatch(ctx context.Context, t cdr.TenantID, recs []*cdr.Record, p *pipeline, off int, now int64, dryRun bool) (res cdr.UpsertResult, err error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return res, formatPGError(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	tenant := t.String()
	if !dryRun {
		// Writers of one tenant take turns: between reading the stored
		// versions and writing, no other process changes them.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, tenantLock, tenant); err != nil {
			return res, formatPGError(err)
		}
		if s.allNew.Load() {
			roll, err := s.rollupBatch(ctx, tx, tenant, len(recs))
			if err != nil {
				return res, err
			}
			res, ok, err := s.upsertAllNew(ctx, tx, tenant, recs, p, off, roll)
			if err != nil {
				return res, err
			}
			if ok {
				return res, formatPGError(tx.Commit(ctx))
			}
		}
	}
	stored, err := storedState(ctx, tx, tenant, recs)
	if err != nil {
		return res, formatPGError(err)
	}
	var roll *rollupBatch
	if !dryRun {
		if roll, err = s.rollupBatch(ctx, tx, tenant, len(recs)); err != nil {
			return res, err
		}
	}
	src := newBatchSource(recs, p, off, stored, &res, roll)
	if dryRun {
		for src.Next() {
		}
		return res, src.Err()
	}
	// The new keys are absent and stay so while the lock is held.
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"records"}, pgColumns, src); err != nil {
		if src.err != nil {
			return res, src.err
		}
		return res, formatPGError(err)
	}
	if err := applyChanges(ctx, tx, tenant, src); err != nil {
		return res, formatPGError(err)
	}
	// Bulk loads of new records take the optimistic path again.
	s.allNew.Store(res.Inserted == len(recs))
	return res, formatPGError(tx.Commit(ctx))
}

// upsertAllNew is the optimistic path of a batch, taken while batches
// bring only new keys (a bulk load): it classifies the records as if no
// key were stored and COPYs them without reading the stored state first.
// If a key is stored after all, the primary key refuses the COPY, the
// batch is rolled back to before it and ok is false: the caller then
// reads the stored state and classifies again. Either way every record is
// classified by cdr.Classify against the true stored state, as the lock
// keeps it.
func (s *Postgres) upsertAllNew(ctx context.Context, tx pgx.Tx, tenant string, recs []*cdr.Record, p *pipeline, off int, roll *rollupBatch) (res cdr.UpsertResult, ok bool, err error) {
	if _, err := tx.Exec(ctx, `SAVEPOINT all_new`); err != nil {
		return res, false, formatPGError(err)
	}
	src := newBatchSource(recs, p, off, map[string]*cdr.Stored{}, &res, roll)
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"records"}, pgColumns, src); err != nil {
		if src.err != nil {
			return res, false, src.err
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23505" { // unique_violation
			return res, false, formatPGError(err)
		}
		s.allNew.Store(false)
		if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT all_new`); err != nil {
			return cdr.UpsertResult{}, false, formatPGError(err)
		}
		return cdr.UpsertResult{}, false, nil
	}
	if err := applyChanges(ctx, tx, tenant, src); err != nil {
		return res, false, formatPGError(err)
	}
	return res, true, nil
}

// storedState reads the stored version and hash of the batch's keys.
func storedState(ctx context.Context, tx pgx.Tx, tenant string, recs []*cdr.Record) (map[string]*cdr.Stored, error) {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	stored := make(map[string]*cdr.Stored, len(recs))
	// One primary-key probe per id, whatever the statistics say: right
	// after a bulk load they may be missing, and the planner would then
	// hash the whole tenant for each batch. OFFSET 0 keeps the lateral
	// subquery a per-id lookup.
	rows, err := tx.Query(ctx, `SELECT s.id, s.version, s.content_hash FROM unnest($2::text[]) AS k(id),
		LATERAL (SELECT r.id, r.version, r.content_hash FROM records r WHERE r.tenant_id = $1 AND r.id = k.id OFFSET 0) s`, tenant, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		st := &cdr.Stored{}
		if err := rows.Scan(&id, &st.Version, &st.Hash); err != nil {
			return nil, err
		}
		stored[id] = st
	}
	return stored, rows.Err()
}

// rollupBatch reads tenant's pruned mark and starts a batch's rollup
// delta.
func (s *Postgres) rollupBatch(ctx context.Context, tx pgx.Tx, tenant string, n int) (*rollupBatch, error) {
	mark, err := readMark(ctx, pgTx{tx}, tenant)
	if err != nil {
		return nil, formatPGError(err)
	}
	return newRollupBatch(mark, n), nil
}

// rollupChanges completes a batch's rollup delta, before its replacements
// are applied: it reads, in one query, the stored records of the keys
// stored before the batch that it replaces (none in a bulk load of new
// keys) and removes them; then it applies the delta.
func rollupChanges(ctx context.Context, tx pgx.Tx, tenant string, src *batchSource) error {
	if src.roll == nil {
		return nil
	}
	if len(src.replaced) > 0 {
		rows, err := tx.Query(ctx, `SELECT id, version, created_at, updated_at, doc, NULL FROM records
			WHERE tenant_id = $1 AND id = ANY($2::text[])`, tenant, src.replaced)
		if err != nil {
			return err
		}
		for rows.Next() {
			old, err := scanRecord(rows.Scan, false, postgresDialect)
			if err != nil {
				rows.Close()
				return err
			}
			src.roll.stored(old)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return applyDelta(ctx, pgTx{tx}, tenant, src.roll.delta)
}

// applyChanges applies, after a batch's COPY, the replacements and version
// moves its classification kept, one per key, and the batch's rollup
// delta (rollupChanges).
func applyChanges(ctx context.Context, tx pgx.Tx, tenant string, src *batchSource) error {
	if err := rollupChanges(ctx, tx, tenant, src); err != nil {
		return err
	}
	var replaces [][]any
	var bumpIDs []string
	var bumpVersions []int64
	for _, id := range src.order {
		c := src.changes[id]
		if c.replace {
			row := slices.Clone(c.row) // the pipeline's row stays as computed
			row[colVersion] = c.version
			replaces = append(replaces, row)
		} else {
			bumpIDs = append(bumpIDs, id)
			bumpVersions = append(bumpVersions, c.version)
		}
	}
	if len(replaces) > 0 {
		if err := replaceRows(ctx, tx, replaces); err != nil {
			return err
		}
	}
	if len(bumpIDs) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE records r SET version = b.version
			FROM unnest($2::text[], $3::bigint[]) AS b(id, version)
			WHERE r.tenant_id = $1 AND r.id = b.id`, tenant, bumpIDs, bumpVersions); err != nil {
			return err
		}
	}
	return nil
}

// replaceRows overwrites whole records (replacement is total:
// docs/record-model.md §2) from rows of pgColumns: COPY into a staging
// table, then one UPDATE. created_at is kept.
func replaceRows(ctx context.Context, tx pgx.Tx, rows [][]any) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS records_stage (LIKE records) ON COMMIT DELETE ROWS`); err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"records_stage"}, pgColumns, pgx.CopyFromRows(rows)); err != nil {
		return err
	}
	var set []string
	for _, c := range pgColumns {
		if c != "tenant_id" && c != "id" && c != "created_at" {
			set = append(set, c+" = s."+c)
		}
	}
	_, err := tx.Exec(ctx, `UPDATE records r SET `+strings.Join(set, ", ")+`
		FROM records_stage s WHERE r.tenant_id = s.tenant_id AND r.id = s.id`)
	return err
}
