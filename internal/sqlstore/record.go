package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// batchSize is the most records written in one transaction. Random index
// inserts dirty a page per index per record; the larger the transaction,
// the more records share each dirtied page before it is written out. 5,000
// writes 1.7 times as fast as 500 here (docs/benchmarks.md) and holds the
// write lock for a fraction of a second.
var batchSize = 5000

// UpsertRecords writes recs for tenant t under the version rule of §2, in
// transactions of at most batchSize records. Records with the same key
// apply in input order.
func (s *Store) UpsertRecords(ctx context.Context, t cdr.TenantID, recs []*cdr.Record, opt cdr.UpsertOptions) (res cdr.UpsertResult, err error) {
	if t.IsZero() {
		return res, cdr.ErrNoTenant
	}
	now := opt.Now
	if now == 0 {
		now = s.now().UnixMilli()
	}
	for i, r := range recs {
		if err := r.Prepare(t, now); err != nil {
			return res, fmt.Errorf("record %d: %w", i, err)
		}
	}
	p := newPipeline(recs, now, s.terms)
	defer p.wait() // the records are the caller's again only when it is done
	for off := 0; off < len(recs); off += batchSize {
		n := min(len(recs)-off, batchSize)
		part, err := s.upsertBatch(ctx, t, recs[off:off+n], p, off, now, opt.DryRun)
		if err != nil {
			return res, err
		}
		res.Merge(part)
	}
	return res, nil
}

// prepChunk is how many records the pipeline hands over at a time.
const prepChunk = 256

// row is the write-ready form of a record: its document, column values and
// record_index entry.
type row struct {
	values                []any
	caller, callee, terms string
	err                   error
}

// pipeline computes the rows of a call's records on a goroutine of its own,
// ahead of the writer, so that JSON encoding, hashing and the vendor terms
// run on another core while SQLite writes. The record's Hash and
// VendorTerms are set there too.
type pipeline struct {
	rows  []row
	ready chan int // the number of rows computed so far, in steps
	avail int
}

func newPipeline(recs []*cdr.Record, now int64, terms func(*cdr.Record) []cdr.Term) *pipeline {
	p := &pipeline{rows: make([]row, len(recs)), ready: make(chan int, len(recs)/prepChunk+1)}
	go func() {
		defer close(p.ready)
		for i, r := range recs {
			if terms != nil {
				r.VendorTerms = terms(r)
			}
			doc, err := r.Document()
			p.rows[i] = row{rowValues(r, doc, now), trigrams(r.Caller.Digits), trigrams(r.Callee.Digits), indexTerms(r), err}
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
			return nil, fmt.Errorf("record %d: pipeline ended early", i)
		}
		p.avail = n
	}
	if err := p.rows[i].err; err != nil {
		return nil, fmt.Errorf("record %d: %w", i, err)
	}
	return &p.rows[i], nil
}

func (s *Store) upsertBatch(ctx context.Context, t cdr.TenantID, recs []*cdr.Record, p *pipeline, off int, now int64, dryRun bool) (res cdr.UpsertResult, err error) {
	db := s.write
	if dryRun {
		db = s.read
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
		case o == cdr.OutcomeUpdated:
			if err := w.replace(ctx, st.PK, rw); err != nil {
				return res, err
			}
			st.Version, st.Hash = r.Version, r.Hash
		case bump:
			if err := w.exec(ctx, `UPDATE records SET version = ? WHERE pk = ?`, r.Version, st.PK); err != nil {
				return res, err
			}
			st.Version = r.Version
		}
	}
	if dryRun {
		return res, nil
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

const recordColumns = `tenant_id, id, source, source_id, channel, start_at, direction, call_type, media,
	disposition, hangup_by, caller_digits, callee_digits, caller_addr,
	callee_addr, country_code, talk_s, total_s, ring_s, queue_s, ivr_s, dial_s, sat_score, sat_label, has_recording,
	same_as, version, content_hash, updated_at, doc, raw`

// writer writes records within one transaction, with its statements
// prepared once.
type writer struct {
	tx         *sql.Tx
	tenant     string
	now        int64
	insertStmt *sql.Stmt
	updateStmt *sql.Stmt
	indexStmt  *sql.Stmt
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

// replace overwrites the record at pk entirely (§2: replacement is total)
// and rewrites its index entry.
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
	return []any{
		r.Tenant, r.ID, r.Source, r.SourceID, r.Channel, r.StartAt, r.Direction, r.CallType, r.Media,
		r.Disposition, r.HangupBy, null(r.Caller.Digits), null(r.Callee.Digits),
		null(r.Caller.Address), null(r.Callee.Address),
		null(r.CountryCode), r.TalkS, r.TotalS, r.RingS, r.QueueS, r.IVRS, r.DialS, satScore, null(satLabel),
		r.HasRecording(), null(r.SameAs), r.Version, r.Hash, now, string(doc), raw,
	}
}

// null maps "" to SQL NULL.
func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// FindRecordByID returns the record with the given id, shadows and raw
// included.
func (s *Store) FindRecordByID(ctx context.Context, t cdr.TenantID, id string) (*cdr.Record, error) {
	if t.IsZero() {
		return nil, cdr.ErrNoTenant
	}
	row := s.read.QueryRowContext(ctx, `SELECT id, version, created_at, updated_at, doc, raw FROM records WHERE tenant_id = ? AND id = ?`, t.String(), id)
	r, err := scanRecord(row.Scan, true)
	if err == sql.ErrNoRows {
		return nil, cdr.Errorf(cdr.ENOTFOUND, "record %s not found", id)
	}
	return r, err
}

// FindRecords returns the records matching f and, with f.Count, their number.
func (s *Store) FindRecords(ctx context.Context, t cdr.TenantID, f cdr.Filter) ([]*cdr.Record, int, error) {
	if t.IsZero() {
		return nil, 0, cdr.ErrNoTenant
	}
	q, err := buildQuery(t, &f)
	if err != nil {
		return nil, 0, err
	}
	if err := s.chooseDriver(ctx, q); err != nil {
		return nil, 0, err
	}
	total := -1
	if f.Count {
		countSQL, args := q.countSQL()
		if err := s.read.QueryRowContext(ctx, countSQL, args...).Scan(&total); err != nil {
			return nil, 0, formatError(err)
		}
	}
	cols := "r.id, r.version, r.created_at, r.updated_at, r.doc, NULL"
	if f.WithRaw {
		cols = "r.id, r.version, r.created_at, r.updated_at, r.doc, r.raw"
	}
	sqlText, args := q.selectSQL(cols, &f)
	rows, err := s.read.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, 0, formatError(err)
	}
	defer rows.Close()
	var recs []*cdr.Record
	for rows.Next() {
		r, err := scanRecord(rows.Scan, f.WithRaw)
		if err != nil {
			return nil, 0, err
		}
		recs = append(recs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, formatError(err)
	}
	return recs, total, nil
}

// smallMatch is the most record_index matches read by pk and sorted; more
// are found by walking the time index.
const smallMatch = 2000

// chooseDriver decides, for a query whose only index lookups are
// record_index matches of unknown size (agents, queues, tags), whether to
// read the matches and sort them (few) or to walk the time index and test
// each record (many): it counts the matches up to smallMatch.
func (s *Store) chooseDriver(ctx context.Context, q *query) error {
	if q.selective || len(q.match) == 0 {
		return nil
	}
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT docid FROM record_index WHERE record_index MATCH ? LIMIT ?)`,
		q.matchExpr(), smallMatch+1).Scan(&n)
	if err != nil {
		return formatError(err)
	}
	q.selective = n <= smallMatch
	q.driven = q.selective
	return nil
}

func scanRecord(scan func(...any) error, withRaw bool) (*cdr.Record, error) {
	var id string
	var doc []byte
	var raw sql.NullString
	var version, created, updated int64
	if err := scan(&id, &version, &created, &updated, &doc, &raw); err != nil {
		if err == sql.ErrNoRows {
			return nil, err
		}
		return nil, formatError(err)
	}
	r := &cdr.Record{}
	if err := json.Unmarshal(doc, r); err != nil {
		return nil, fmt.Errorf("decode stored record: %w", err)
	}
	r.ID, r.Version, r.CreatedAt, r.UpdatedAt = id, version, created, updated
	if withRaw && raw.Valid {
		r.Raw = json.RawMessage(raw.String)
	}
	return r, nil
}
