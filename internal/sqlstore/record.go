package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// batchSize is the most records written in one transaction. Random index
// inserts dirty a page per index per record; the larger the transaction,
// the more records share each dirtied page before it is written out. 5,000
// writes 1.7 times as fast as 500 here (docs/benchmarks.md) and holds the
// write lock for a fraction of a second.
var batchSize = 5000

// UpsertRecords writes recs for tenant t under the version rule of
// docs/record-model.md §2, in transactions of at most batchSize records.
// Records with the same key apply in input order.
func (s *SQLite) UpsertRecords(ctx context.Context, t cdr.TenantID, recs []*cdr.Record, opt cdr.UpsertOptions) (res cdr.UpsertResult, err error) {
	return upsert(ctx, t, recs, opt, s.now, s.terms, s.log, false, s.upsertBatch)
}

// batchFunc writes recs, whose rows p computes from index off on.
type batchFunc func(ctx context.Context, t cdr.TenantID, recs []*cdr.Record, p *pipeline, off int, now int64, dryRun bool) (cdr.UpsertResult, error)

// upsert is UpsertRecords of both stores: it prepares every record, so
// that an invalid one fails the call before anything is written, then
// writes them by batches through batch.
func upsert(ctx context.Context, t cdr.TenantID, recs []*cdr.Record, opt cdr.UpsertOptions,
	clock func() time.Time, terms func(*cdr.Record) []cdr.Term, log *slog.Logger, pg bool, batch batchFunc) (res cdr.UpsertResult, err error) {
	if t.IsZero() {
		return res, cdr.ErrNoTenant
	}
	now := opt.Now
	if now == 0 {
		now = clock().UnixMilli()
	}
	for i, r := range recs {
		if err := r.Prepare(t, now); err != nil {
			return res, fmt.Errorf("record %d: %w", i, err)
		}
	}
	p := newPipeline(recs, now, terms, pg, log)
	defer p.wait() // the records are the caller's again only when it is done
	for off := 0; off < len(recs); off += batchSize {
		n := min(len(recs)-off, batchSize)
		part, err := batch(ctx, t, recs[off:off+n], p, off, now, opt.DryRun)
		if err != nil {
			return res, err
		}
		res.Merge(part)
	}
	return res, nil
}

// prepChunk is how many records the pipeline hands over at a time.
const prepChunk = 256

// row is the write-ready form of a record: its column values
// (recordColumns) and SQLite's record_index columns, or PostgreSQL's
// (pgColumns).
type row struct {
	values                []any
	caller, callee, terms string
	err                   error
}

// pipeline computes the rows of a call's records on a goroutine of its own,
// ahead of the writer, so that JSON encoding, hashing and the vendor terms
// run on another core while SQLite writes. The record's Hash and
// VendorTerms are set there too.
//
// A panic there (a vendor's Terms function, say) would end the process,
// as no request's recovery covers the goroutine: it is recovered and
// logged with its stack, and the records from the one it stopped at on
// fail with an internal error: batches before that record commit, the
// batch that needs it fails (internal), and the process and later calls
// carry on.
type pipeline struct {
	rows  []row
	ready chan int // the number of rows computed so far, in steps
	avail int
	err   error // why the pipeline stopped early; set before ready closes
}

func newPipeline(recs []*cdr.Record, now int64, terms func(*cdr.Record) []cdr.Term, pg bool, log *slog.Logger) *pipeline {
	p := &pipeline{rows: make([]row, len(recs)), ready: make(chan int, len(recs)/prepChunk+1)}
	go func() {
		i := 0
		defer close(p.ready)
		defer func() {
			if v := recover(); v != nil {
				log.Error("panic in the upsert pipeline", "record", i, "panic", v, "stack", string(debug.Stack()))
				p.err = cdr.Errorf(cdr.EINTERNAL, "record %d: internal error", i)
				// The rows before i are complete: batches of them still
				// commit. The channel has room for this last step.
				p.ready <- i
			}
		}()
		var salt phoneSalt
		for ; i < len(recs); i++ {
			r := recs[i]
			if terms != nil {
				r.VendorTerms = terms(r)
			}
			doc, err := r.Document()
			if pg {
				p.rows[i] = row{values: pgRow(r, doc, now), err: err}
			} else {
				p.rows[i] = row{values: rowValues(r, doc, now), caller: salt.trigrams(r.Tenant, r.Caller.Digits), callee: salt.trigrams(r.Tenant, r.Callee.Digits),
					terms: strings.Join(indexTokens(r), " "), err: err}
			}
			if (i+1)%prepChunk == 0 || i == len(recs)-1 {
				p.ready <- i + 1
			}
		}
	}()
	return p
}

// wait waits until the pipeline has finished with every record.
func (p *pipeline) wait() {
	for range p.ready {
	}
}

// get waits for and returns row i.
func (p *pipeline) get(i int) (*row, error) {
	for p.avail <= i {
		n, ok := <-p.ready
		if !ok {
			if p.err != nil {
				return nil, p.err
			}
			return nil, fmt.Errorf("record %d: pipeline ended early", i)
		}
		p.avail = n
	}
	if err := p.rows[i].err; err != nil {
		return nil, fmt.Errorf("record %d: %w", i, err)
	}
	return &p.rows[i], nil
}

func (s *SQLite) upsertBatch(ctx context.Context, t cdr.TenantID, recs []*cdr.Record, p *pipeline, off int, now int64, dryRun bool) (res cdr.UpsertResult, err error) {
	db := s.write
	if dryRun {
		db = s.db
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return res, formatError(err)
	}
	defer tx.Rollback()
	stored, err := storedVersions(ctx, tx, t, recs)
	if err != nil {
		return res, formatError(err)
	}
	w := &writer{tx: tx, tenant: t.String(), now: now}
	defer w.close()
	var roll *rollupBatch
	if !dryRun {
		mark, err := readMark(ctx, sqlTx{tx, s.stmts}, t.String())
		if err != nil {
			return res, formatError(err)
		}
		roll = newRollupBatch(mark, len(recs))
	}
	for i, r := range recs {
		rw, err := p.get(off + i)
		if err != nil {
			return res, err
		}
		st := stored[r.ID]
		o, bump := cdr.Classify(st, r.Version, r.Hash)
		res.Add(o)
		if dryRun {
			if o == cdr.OutcomeInserted || o == cdr.OutcomeUpdated || bump {
				stored[r.ID] = &cdr.Stored{Version: r.Version, Hash: r.Hash}
			}
			continue
		}
		switch {
		case o == cdr.OutcomeInserted:
			pk, err := w.insert(ctx, rw)
			if err != nil {
				return res, err
			}
			stored[r.ID] = &cdr.Stored{PK: pk, Version: r.Version, Hash: r.Hash}
			roll.inserted(r)
		case o == cdr.OutcomeUpdated:
			if !roll.replaced(r) {
				// The stored record it replaces, read only now: bulk loads
				// rarely replace.
				old, err := scanRecord(tx.QueryRowContext(ctx, `SELECT id, version, created_at, updated_at, doc, NULL FROM records WHERE pk = ?`, st.PK).Scan, false, sqliteDialect)
				if err != nil {
					return res, formatError(err)
				}
				roll.stored(old)
			}
			if err := w.replace(ctx, st.PK, rw); err != nil {
				return res, err
			}
			delete(w.bumps, st.PK) // the row now holds its own, newer version
			st.Version, st.Hash = r.Version, r.Hash
		case bump:
			w.bump(st.PK, r.Version)
			st.Version = r.Version
		}
	}
	if dryRun {
		return res, nil
	}
	if err := w.flushBumps(ctx); err != nil {
		return res, err
	}
	if err := applyDelta(ctx, sqlTx{tx, s.stmts}, t.String(), roll.delta); err != nil {
		return res, formatError(err)
	}
	return res, formatError(tx.Commit())
}

// storedVersions reads the stored version and hash of the batch's records.
func storedVersions(ctx context.Context, tx *sql.Tx, t cdr.TenantID, recs []*cdr.Record) (map[string]*cdr.Stored, error) {
	ids := make([]any, 0, len(recs)+1)
	ids = append(ids, t.String())
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, pk, version, content_hash FROM records
		WHERE tenant_id = ? AND id IN (`+placeholders(len(recs))+`)`, ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := make(map[string]*cdr.Stored, len(recs))
	for rows.Next() {
		var id string
		st := &cdr.Stored{}
		if err := rows.Scan(&id, &st.PK, &st.Version, &st.Hash); err != nil {
			return nil, err
		}
		m[id] = st
	}
	return m, rows.Err()
}

func placeholders(n int) string {
	if n == 0 {
		return "NULL"
	}
	return strings.Repeat("?,", n-1) + "?"
}

// columns are the columns of records that a write sets, in the order of
// rowValues; recordColumns is their SQL list.
var columns = []string{"tenant_id", "id", "source", "source_id", "channel", "start_at", "direction", "call_type", "media",
	"disposition", "hangup_by", "caller_digits", "callee_digits", "caller_addr",
	"callee_addr", "country_code", "talk_s", "total_s", "ring_s", "queue_s", "ivr_s", "dial_s", "sat_score", "sat_label", "has_recording",
	"same_as", "version", "content_hash", "updated_at", "doc", "raw"}

var recordColumns = strings.Join(columns, ", ")

// Positions in columns.
var (
	colVersion = slices.Index(columns, "version")
	colRaw     = slices.Index(columns, "raw")
)

// writer writes records within one transaction, with its statements
// prepared once.
type writer struct {
	tx         *sql.Tx
	tenant     string
	now        int64
	insertStmt *sql.Stmt
	updateStmt *sql.Stmt
	indexStmt  *sql.Stmt
	// bumps are the rows whose content is unchanged but whose version
	// moves (a sync look-back's re-read), written together by flushBumps.
	bumps map[int64]int64 // pk → version
}

// bump records that row pk's version moves to version, with nothing else
// of it.
func (w *writer) bump(pk, version int64) {
	if w.bumps == nil {
		w.bumps = map[int64]int64{}
	}
	w.bumps[pk] = version
}

// maxBumpArgs bounds the parameters of one UPDATE of flushBumps.
const maxBumpArgs = 500

// flushBumps writes the pending version moves: one UPDATE per version
// and up to maxBumpArgs rows, usually one for a whole page, whose
// records share their fetch time as version.
func (w *writer) flushBumps(ctx context.Context) error {
	byVersion := map[int64][]any{}
	for pk, v := range w.bumps {
		byVersion[v] = append(byVersion[v], pk)
	}
	for v, pks := range byVersion {
		for len(pks) > 0 {
			n := min(len(pks), maxBumpArgs)
			args := append([]any{v}, pks[:n]...)
			if err := w.exec(ctx, `UPDATE records SET version = ? WHERE pk IN (`+placeholders(n)+`)`, args...); err != nil {
				return err
			}
			pks = pks[n:]
		}
	}
	w.bumps = nil
	return nil
}

func (w *writer) close() {
	for _, st := range []*sql.Stmt{w.insertStmt, w.updateStmt, w.indexStmt} {
		if st != nil {
			st.Close()
		}
	}
}

func (w *writer) prepare(ctx context.Context, st **sql.Stmt, query string) (*sql.Stmt, error) {
	if *st == nil {
		p, err := w.tx.PrepareContext(ctx, query)
		if err != nil {
			return nil, formatError(err)
		}
		*st = p
	}
	return *st, nil
}

func (w *writer) exec(ctx context.Context, query string, args ...any) error {
	_, err := w.tx.ExecContext(ctx, query, args...)
	return formatError(err)
}

func (w *writer) insert(ctx context.Context, rw *row) (int64, error) {
	st, err := w.prepare(ctx, &w.insertStmt, `INSERT INTO records (`+recordColumns+`, created_at)
		VALUES (`+placeholders(32)+`)`)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx, append(rw.values[:len(rw.values):len(rw.values)], w.now)...)
	if err != nil {
		return 0, formatError(err)
	}
	pk, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return pk, w.index(ctx, pk, rw)
}

// replace overwrites the record at pk entirely (replacement is total:
// docs/record-model.md §2) and rewrites its index entry.
func (w *writer) replace(ctx context.Context, pk int64, rw *row) error {
	st, err := w.prepare(ctx, &w.updateStmt, `UPDATE records SET (`+recordColumns+`) = (`+placeholders(31)+`) WHERE pk = ?`)
	if err != nil {
		return err
	}
	if _, err := st.ExecContext(ctx, append(rw.values[:len(rw.values):len(rw.values)], pk)...); err != nil {
		return formatError(err)
	}
	if err := w.exec(ctx, `DELETE FROM record_index WHERE docid = ?`, pk); err != nil {
		return err
	}
	return w.index(ctx, pk, rw)
}

// index writes the record_index entry of the record at pk (index.go).
func (w *writer) index(ctx context.Context, pk int64, rw *row) error {
	st, err := w.prepare(ctx, &w.indexStmt, `INSERT INTO record_index (docid, caller, callee, terms) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, pk, rw.caller, rw.callee, rw.terms)
	return formatError(err)
}

// rowValues returns the values of recordColumns for r with document doc.
func rowValues(r *cdr.Record, doc []byte, now int64) []any {
	if doc == nil {
		return nil
	}
	var satScore any
	var satLabel string
	if r.Satisfaction != nil {
		if r.Satisfaction.Score != nil {
			satScore = *r.Satisfaction.Score
		}
		satLabel = r.Satisfaction.Label
	}
	var raw any
	if len(r.Raw) > 0 {
		raw = string(r.Raw)
	}
	hasRecording := 0
	if r.HasRecording() {
		hasRecording = 1
	}
	return []any{
		r.Tenant, r.ID, string(r.Source), r.SourceID, string(r.Channel), r.StartAt, string(r.Direction), string(r.CallType), string(r.Media),
		string(r.Disposition), string(r.HangupBy), null(r.Caller.Digits), null(r.Callee.Digits),
		null(r.Caller.Address), null(r.Callee.Address),
		null(r.CountryCode), r.TalkS, r.TotalS, r.RingS, r.QueueS, r.IVRS, r.DialS, satScore, null(satLabel),
		hasRecording, null(r.SameAs), r.Version, r.Hash, now, string(doc), raw,
	}
}

// pgColumns are the columns of a PostgreSQL row: recordColumns, the index
// tokens, the salted phones (index.go) and created_at.
var pgColumns = append(slices.Clip(columns), "keys", "phones", "created_at")

// pgRow returns the values of pgColumns for r with document doc, written
// at now. raw is bytea, kept byte for byte whatever its encoding.
func pgRow(r *cdr.Record, doc []byte, now int64) []any {
	v := rowValues(r, doc, now)
	if v == nil {
		return nil
	}
	if raw, ok := v[colRaw].(string); ok {
		v[colRaw] = []byte(raw)
	}
	return append(v, append([]string{}, indexTokens(r)...), phonesColumn(r), now)
}

// null maps "" to SQL NULL.
func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}
